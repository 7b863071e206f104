using System.Diagnostics.Metrics;

namespace FacilityFS.Vfs;

/// <summary>What a mount counts, as .NET metric instruments (meter "FacilityFS.Vfs"); an exporter (the CLI's Prometheus endpoint) listens, the core knows none.</summary>
public static class VfsMetrics
{
    public const string MeterName = "FacilityFS.Vfs";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Bytes handed to readers of the mount.</summary>
    public static Counter<long> BytesRead { get; } = Meter.CreateCounter<long>("bytes_read", "By");

    /// <summary>Bytes written into the mount (into the spool).</summary>
    public static Counter<long> BytesWritten { get; } = Meter.CreateCounter<long>("bytes_written", "By");

    /// <summary>Blocks a reader found in memory or the disk cache.</summary>
    public static Counter<long> CacheHits { get; } = Meter.CreateCounter<long>("cache_hits");

    /// <summary>Blocks a reader had to wait for from the server.</summary>
    public static Counter<long> CacheMisses { get; } = Meter.CreateCounter<long>("cache_misses");

    public static Counter<long> UploadsCommitted { get; } = Meter.CreateCounter<long>("uploads_committed");

    /// <summary>Uploads that failed for good (they stay in the spool).</summary>
    public static Counter<long> UploadsFailed { get; } = Meter.CreateCounter<long>("uploads_failed");

    /// <summary>Seconds from an upload's start to its commit on the storage.</summary>
    public static Histogram<double> UploadSeconds { get; } = Meter.CreateHistogram<double>("upload_duration", "s");

    /// <summary>Counts a read's bytes and passes the count on, so a return statement can carry it.</summary>
    public static int Read(int bytes)
    {
        BytesRead.Add(bytes);
        return bytes;
    }
}
