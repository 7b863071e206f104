using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Vfs.Writes;

/// <summary>A written file is durably on the storage, verified: what later consumers (the catalog hook) need without rereading it.</summary>
/// <param name="Path">Where it now is on the storage (a conflict copy's own name when it was kept aside).</param>
/// <param name="ConflictOf">The path the file was written at, when a remote change forced it aside as a conflict copy.</param>
public sealed record FileCommitted(RemotePath Path, long Size, Checksum Checksum, DateTimeOffset Modified, RemotePath? ConflictOf);
