namespace FacilityFS.Vfs;

/// <summary>An opened file: the handle for reads and whether the kernel may keep pages cached from an earlier open (the file did not change).</summary>
public readonly record struct VfsOpenResult(ulong Handle, bool KeepCache);
