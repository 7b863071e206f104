namespace FacilityFS.Vfs.Writes;

/// <summary>One row of the spool journal: a written file not yet committed to the storage.</summary>
/// <param name="BaseVersion">The remote version the local copy started from; null when the file did not exist there, so any remote file at the path is someone else's.</param>
/// <param name="Checksum">Adler-32 of the spool file as written, when the writes were sequential; null when it is computed at upload.</param>
public sealed record JournalRecord(long Id, string Path, long Size, string? Checksum, UploadState State, string? BaseVersion,
    DateTimeOffset Modified, string? Error);
