namespace FacilityFS.Vfs;

/// <summary>What the core reports about a file or folder, in its own terms (no stat struct, no FILE_INFO).</summary>
public readonly record struct VfsAttributes(ulong Inode, bool IsDirectory, long Size, DateTimeOffset Modified, bool ReadOnly)
{
    /// <summary>The status change time (ctime), when it differs from <see cref="Modified"/> (a pending file renamed or touched).</summary>
    public DateTimeOffset? Changed { get; init; }

    /// <summary>POSIX permission bits the adapters present: read for everyone, write for the owner unless read-only.</summary>
    public uint Permissions => IsDirectory ? (ReadOnly ? 0x16Du : 0x1EDu) : (ReadOnly ? 0x124u : 0x1A4u);
}
