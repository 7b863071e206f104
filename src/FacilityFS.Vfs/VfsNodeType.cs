namespace FacilityFS.Vfs;

/// <summary>What mknod(2) asks to make; only a regular file has a place on WebDAV storage.</summary>
public enum VfsNodeType
{
    RegularFile,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
    /// <summary>A type bit pattern that is none of the above.</summary>
    Unknown,
}
