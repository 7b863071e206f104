namespace FacilityFS.Vfs;

/// <summary>A name resolved in a folder, with the attributes and how long the caller may cache them.</summary>
public readonly record struct VfsEntry(string Name, VfsAttributes Attributes);
