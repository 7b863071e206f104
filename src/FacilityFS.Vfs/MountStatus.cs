namespace FacilityFS.Vfs;

/// <summary>A snapshot of what a mount holds and does, for `facilityfs status` and tests.</summary>
/// <param name="Committed">Files uploaded and verified since the mount started.</param>
public sealed record MountStatus(IReadOnlyList<PendingFile> Pending, long Committed, long CommittedBytes, long SpoolUsed, long SpoolLimit,
    string? SpoolDirectory, IReadOnlyList<ConflictCopy> Conflicts, long MemoryCacheUsed, long MemoryCacheLimit, long DiskCacheUsed, string? CacheDirectory);

/// <summary>A written file not yet on the storage.</summary>
/// <param name="State">open (still being written), dirty (waiting), uploading, or failed (<paramref name="Error"/> says why).</param>
/// <param name="Error">The last failure's reason, also while retrying.</param>
public sealed record PendingFile(string Path, string State, long Size, long UploadedBytes, int Attempts, string? Error);

/// <summary>A file changed on the storage while it was written here: ours was kept aside under another name.</summary>
public sealed record ConflictCopy(string Path, string KeptAs, DateTimeOffset At);
