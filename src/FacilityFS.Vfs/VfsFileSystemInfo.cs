namespace FacilityFS.Vfs;

/// <summary>Volume figures for statfs; a WebDAV store reports no quota, so the numbers are large and constant.</summary>
public readonly record struct VfsFileSystemInfo(long BlockSize, long TotalBlocks, long FreeBlocks, long TotalFiles, long FreeFiles, int MaxNameLength);
