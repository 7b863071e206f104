using FacilityFS.Cli.Systemd;
using FacilityFS.Vfs;

namespace FacilityFS.Cli.Mounting;

/// <summary>What watches a mount from outside: the service manager (sd_notify READY once it serves, STOPPING with the flush) and, with --metrics, the Prometheus endpoint.</summary>
public sealed class ServiceObserver(ServiceNotifier notifier, string? metricsEndpoint) : IMountObserver, IDisposable
{
    private MetricsExporter? _exporter;

    public void Serving(VirtualFileSystem vfs)
    {
        if (metricsEndpoint is not null) _exporter = MetricsExporter.Start(metricsEndpoint, () => vfs.Status().Pending.Count);
        notifier.Ready($"serving {vfs.Status().SpoolDirectory ?? "read-only"}");
    }

    public void Stopping(VirtualFileSystem vfs) => notifier.Stopping($"unmounted; flushing {vfs.Status().Pending.Count} pending uploads");

    public void Dispose() => _exporter?.Dispose();
}
