namespace FacilityFS.Vfs.Writes;

/// <summary>One row of the spool journal: a written file not yet committed to the storage.</summary>
/// <param name="BaseVersion">The remote version the local copy started from; null when the file did not exist there, so any remote file at the path is someone else's.</param>
/// <param name="Checksum">Adler-32 of the spool file as written, when the writes were sequential; null when it is computed at upload.</param>
/// <param name="Writing">A writer holds it open: a row still marked so at the next start belongs to a file that was never closed (interrupted).</param>
/// <param name="Staged">The version last sent to the storage under a hidden name, recorded before its MOVE, so a crash after the MOVE recognises our own file.</param>
public sealed record JournalRecord(long Id, string Path, long Size, string? Checksum, UploadState State, string? BaseVersion,
    DateTimeOffset Modified, string? Error, bool Writing = false, StagedVersion? Staged = null);

/// <summary>What an upload put under its hidden name: size and Adler-32 (null until known).</summary>
public sealed record StagedVersion(long Size, string? Checksum);
