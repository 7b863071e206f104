namespace FacilityFS.Vfs.Writes;

/// <summary>How written files travel to the storage.</summary>
public sealed record WriteBackOptions
{
    /// <summary>Where spool files and the journal live; one mount at a time.</summary>
    public required string SpoolDirectory { get; init; }

    /// <summary>Bytes the spool may hold; writers wait past it until uploads give room back.</summary>
    public long SpoolLimit { get; init; } = 20L << 30;

    /// <summary>How long a closed file waits before its upload, so a quick reopen (editors, appends) does not upload twice.</summary>
    public TimeSpan UploadDelay { get; init; } = TimeSpan.FromSeconds(1);

    public int ParallelUploads { get; init; } = 8;

    /// <summary>The first wait after a transient failure; it doubles up to <see cref="RetryMaxDelay"/>, and retrying never stops.</summary>
    public TimeSpan RetryFirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>fsync waits until the file is committed on the storage (instead of only durable in the spool).</summary>
    public bool FsyncRemote { get; init; }

    /// <summary>Names conflict copies (NAME.conflict-HOST-TIME) and published interrupted files (NAME.interrupted-HOST-TIME).</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>For crash tests only: the process kills itself (SIGKILL) right after an upload is staged ("staged") or moved onto its name ("moved").</summary>
    /// <remarks>Read once from FACILITYFS_TEST_CRASH_AT when the options are made; the crash is the real one a power cut or kill -9 gives.</remarks>
    public string? CrashAt { get; init; } = Environment.GetEnvironmentVariable("FACILITYFS_TEST_CRASH_AT");
}
