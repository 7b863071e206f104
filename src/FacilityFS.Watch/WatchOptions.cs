namespace FacilityFS.Watch;

/// <summary>How a folder is watched: when a file counts as settled, how often the tree is walked again, how many files are handled at once.</summary>
public sealed record WatchOptions
{
    /// <summary>A file not modified for this long is settled (its writer is done); a closed file younger than that waits.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the whole tree is walked for what events missed (writes from other NFS/GPFS clients, lost events).</summary>
    public TimeSpan Rescan { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether inotify is used at all; without it the rescans alone find files (what a file system without events, or a full watch limit, leaves).</summary>
    public bool UseInotify { get; init; } = true;

    /// <summary>Files uploaded (or checksummed) at once.</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>The first wait after a failure the storage may recover from; doubled up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(2);
}
