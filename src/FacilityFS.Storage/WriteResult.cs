using FacilityFS.Storage.Checksums;

namespace FacilityFS.Storage;

/// <summary>The outcome of a write: bytes sent, the Adler-32 of those bytes, and the new ETag if the server gave one.</summary>
public sealed record WriteResult(long BytesWritten, Checksum Adler32, string? ETag);
