using FacilityFS.Vfs;

namespace FacilityFS.WinFsp;

/// <summary>VFS attributes in Windows terms: FILE_ATTRIBUTE_* bits, FILETIME times, sizes rounded to the allocation unit.</summary>
public static class FileInfos
{
    public const uint ReadOnlyAttribute = 0x1;
    public const uint DirectoryAttribute = 0x10;
    public const uint NormalAttribute = 0x80;

    /// <summary>The allocation unit the volume announces (sector size × sectors per unit); allocation sizes are its multiples.</summary>
    public const int AllocationUnit = 4096;

    public static FspFileInfo Of(VfsAttributes attributes)
    {
        var modified = FileTime(attributes.Modified);
        var size = (ulong)Math.Max(0, attributes.Size);
        return new FspFileInfo
        {
            FileAttributes = attributes.IsDirectory ? DirectoryAttribute : attributes.ReadOnly ? ReadOnlyAttribute : NormalAttribute,
            AllocationSize = (size + AllocationUnit - 1) / AllocationUnit * AllocationUnit,
            FileSize = attributes.IsDirectory ? 0 : size,
            // WebDAV keeps one time per file: creation and last access show it too, as the FUSE side does for atime.
            CreationTime = modified,
            LastAccessTime = modified,
            LastWriteTime = modified,
            ChangeTime = attributes.Changed is { } changed ? FileTime(changed) : modified,
            IndexNumber = attributes.Inode,
        };
    }

    /// <summary>A FILETIME, or 0 ("unknown") for a time before 1601, which FILETIME cannot hold.</summary>
    public static ulong FileTime(DateTimeOffset time) => time.UtcDateTime.Year < 1601 ? 0 : (ulong)time.ToFileTime();
}
