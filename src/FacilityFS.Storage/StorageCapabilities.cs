namespace FacilityFS.Storage;

/// <summary>What a store can do beyond the required operations, announced once so callers adapt instead of probing.</summary>
/// <param name="ServerSideCopy">The store implements <see cref="IServerSideCopy"/>.</param>
/// <param name="Checksums">The store implements <see cref="IChecksumSource"/> and may report checksums without a reread.</param>
/// <param name="RangeReads">Reads at an offset are served without sending the bytes before it.</param>
/// <param name="SetModificationTime">The store keeps a modification time given on write.</param>
public sealed record StorageCapabilities(bool ServerSideCopy, bool Checksums, bool RangeReads, bool SetModificationTime);
