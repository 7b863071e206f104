using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;

namespace FacilityFS.Cli.Mounting;

/// <summary>`mount --metrics ADDRESS:PORT`: the core's metric instruments under the documented Prometheus names, served at http://ADDRESS:PORT/metrics.</summary>
/// <remarks>The VFS, storage and catalog layers count with System.Diagnostics.Metrics only; this is the one place that knows Prometheus.</remarks>
public sealed class MetricsExporter : IDisposable
{
    /// <summary>Fuse.FuseMetrics.MeterName, spelt out: the FUSE assembly is Linux-only, this exporter is not.</summary>
    private const string FuseMeterName = "FacilityFS.Fuse";

    private readonly MeterListener _listener = new();
    private readonly MetricServer _server;
    private readonly Histogram _uploadSeconds;

    private MetricsExporter(string host, int port, Func<int> pendingUploads)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        Counter Total(string name, string help) => factory.CreateCounter(name, help);
        var read = Total("facilityfs_read_bytes_total", "Bytes handed to readers of the mount");
        var written = Total("facilityfs_written_bytes_total", "Bytes written into the mount");
        var hits = Total("facilityfs_cache_hits_total", "Blocks a reader found in memory or the disk cache");
        var misses = Total("facilityfs_cache_misses_total", "Blocks a reader waited for from the server");
        var committed = Total("facilityfs_uploads_committed_total", "Uploads committed on the storage");
        var failed = Total("facilityfs_uploads_failed_total", "Uploads failed for good (they stay in the spool)");
        var registrations = Total("facilityfs_registrations_total", "Datasets registered in the catalog");
        var responses = factory.CreateCounter("facilityfs_http_responses_total", "HTTP responses from the storage by method and status code", "method", "code");
        var xattrRequests = factory.CreateCounter("facilityfs_xattr_requests_total", "getxattr and listxattr requests from the kernel (once per mount without --xattr)", "op");
        _uploadSeconds = factory.CreateHistogram("facilityfs_upload_duration_seconds", "Seconds from an upload's start to its commit",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });
        var pending = factory.CreateGauge("facilityfs_uploads_pending", "Files in the spool waiting for upload (or open for writing)");
        registry.AddBeforeCollectCallback(() => pending.Set(pendingUploads()));

        var byName = new Dictionary<string, Counter>
        {
            ["bytes_read"] = read, ["bytes_written"] = written, ["cache_hits"] = hits, ["cache_misses"] = misses,
            ["uploads_committed"] = committed, ["uploads_failed"] = failed, ["registrations"] = registrations,
        };
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is not (Vfs.VfsMetrics.MeterName or Storage.StorageMetrics.MeterName or Catalog.CatalogMetrics.MeterName or FuseMeterName)) return;
            // The state handed back with each measurement is what to do with it.
            if (byName.TryGetValue(instrument.Name, out var counter)) listener.EnableMeasurementEvents(instrument, new AddTo((value, _) => counter.Inc(value)));
            else if (instrument.Name == "http_responses")
                listener.EnableMeasurementEvents(instrument, new AddTo((value, tags) => responses.WithLabels(Tag(tags, "method"), Tag(tags, "code")).Inc(value)));
            else if (instrument.Name == "xattr_requests")
                listener.EnableMeasurementEvents(instrument, new AddTo((value, tags) => xattrRequests.WithLabels(Tag(tags, "op")).Inc(value)));
            else if (instrument.Name == "upload_duration") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => (state as AddTo)?.Add(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _uploadSeconds.Observe(value));
        _listener.Start();
        _server = new MetricServer(host, port, "metrics/", registry);
    }

    /// <summary>Listens on ADDRESS:PORT (an IP address, 127.0.0.1 by choice: the endpoint has no authentication).</summary>
    public static MetricsExporter Start(string endpoint, Func<int> pendingUploads)
    {
        var (host, port) = Parse(endpoint);
        var exporter = new MetricsExporter(host, port, pendingUploads);
        try
        {
            exporter._server.Start();
            return exporter;
        }
        catch (System.Net.HttpListenerException e)
        {
            exporter.Dispose();
            throw new UsageException($"--metrics {endpoint}: cannot listen there ({e.Message})");
        }
    }

    /// <summary>The address and port of ADDRESS:PORT; anything else is refused naming it (checked before a mount starts).</summary>
    public static (string Host, int Port) Parse(string endpoint)
    {
        var at = endpoint.LastIndexOf(':');
        if (at <= 0 || !int.TryParse(endpoint[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535
            || !System.Net.IPAddress.TryParse(endpoint[..at].Trim('[', ']'), out _))
            throw new UsageException($"--metrics {endpoint}: give ADDRESS:PORT, e.g. 127.0.0.1:9464");
        return (endpoint[..at], port);
    }

    private delegate void Adder(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    private sealed record AddTo(Adder Add);

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var (key, value) in tags)
            if (key == name) return Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        return "";
    }

    public void Dispose()
    {
        _listener.Dispose();
        _server.Dispose();
    }
}
