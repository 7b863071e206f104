namespace FacilityFS.Storage;

/// <summary>What a store can do beyond the required operations, announced once so callers adapt instead of probing.</summary>
/// <param name="ServerSideCopy">The store implements <see cref="IServerSideCopy"/>.</param>
/// <param name="Checksums">The store implements <see cref="IChecksumSource"/> and may report checksums without a reread.</param>
/// <param name="RangeReads">Reads at an offset are served without sending the bytes before it.</param>
/// <param name="SetModificationTime">The store keeps a modification time given on write.</param>
public sealed record StorageCapabilities(bool ServerSideCopy, bool Checksums, bool RangeReads, bool SetModificationTime)
{
    /// <summary>The longest name, in UTF-8 bytes, the store can hold in one path segment; longer names are refused before anything is written.</summary>
    /// <remarks>255 is NAME_MAX of the file systems WebDAV servers keep their files on (ext4, XFS, tmpfs).</remarks>
    public int MaxNameLength { get; init; } = 255;
}
