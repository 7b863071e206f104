using System.Diagnostics.Metrics;

namespace FacilityFS.Fuse;

/// <summary>What the FUSE adapter counts, as .NET metric instruments (meter "FacilityFS.Fuse"); the CLI's Prometheus endpoint listens, the adapter knows none.</summary>
public static class FuseMetrics
{
    public const string MeterName = "FacilityFS.Fuse";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>getxattr and listxattr requests the kernel sent (tag "op"): with extended attributes off it sends one per mount, with them on one or more per `ls -l` entry.</summary>
    public static Counter<long> XattrRequests { get; } = Meter.CreateCounter<long>("xattr_requests");

    internal static void Count(string op) => XattrRequests.Add(1, new KeyValuePair<string, object?>("op", op));
}
