using System.Runtime.InteropServices;
using FacilityFS.Cli.Commands;
using FacilityFS.Cli.Config;
using FacilityFS.Cli.Control;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Mounting;

/// <summary>What a mount is made of, whatever the platform: the remote, where it goes, the VFS options, how long unmount waits, and the catalog rules if any.</summary>
public sealed record MountSettings(RemoteTarget Target, string Mountpoint, VfsOptions Options, TimeSpan FlushTimeout, bool AllowOther, MountCatalog? Catalog)
{
    /// <summary>Whether the mount answers extended attributes (`--xattr`: the upload state as user.facilityfs.state).</summary>
    public bool ExtendedAttributes { get; init; }
}

/// <summary>The catalog hook a mount runs: the catalog's configuration and the rules for its designated folders.</summary>
public sealed record MountCatalog(CatalogConfig Catalog, IReadOnlyList<Catalog.CatalogRule> Rules, FacilityConfig Config);

/// <summary>Assembles one mount on any platform — VFS with write-back, catalog hook, control server — serves it through an <see cref="IMountBackend"/>, and ends it within the flush timeout.</summary>
/// <remarks>Only the backend knows the platform; signals (SIGTERM, SIGINT, SIGHUP; console close on Windows) and `facilityfs unmount` start the same shutdown.</remarks>
public sealed class MountHost(MountSettings settings, IMountBackend backend, ILogger logger)
{
    /// <summary>Mounts, calls <paramref name="mounted"/> once the mount is there, and returns after it is gone and pending uploads had what was left of the flush timeout.</summary>
    /// <param name="observer">Told when the mount serves and when its flush begins (the service manager, metrics); optional.</param>
    public async Task RunAsync(Action? mounted, CancellationToken cancellationToken, IMountObserver? observer = null)
    {
        var (target, point, options, flushTimeout) = (settings.Target, settings.Mountpoint, settings.Options, settings.FlushTimeout);
        await using var vfs = await CreateVfsAsync(cancellationToken).ConfigureAwait(false);
        await using var catalog = settings.Catalog is { } c ? StartCatalogHook(vfs, c) : null;
        var mount = backend.Mount(vfs, point, new MountBackendOptions(target.ToString(), settings.AllowOther, options.ReadOnly) { ExtendedAttributes = settings.ExtendedAttributes }, logger);
        await using (mount.ConfigureAwait(false))
        {
            var shutdown = new MountShutdown(mount, vfs, flushTimeout, logger);
            void Stop(PosixSignalContext signal)
            {
                signal.Cancel = true;
                shutdown.Request(signal.Signal.ToString());
            }
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
            var report = () => new MountReport(point, target.ToString(), Environment.ProcessId, flushTimeout.TotalSeconds, options.ReadOnly, vfs.Status())
            {
                Datasets = catalog?.Registrations().Select(r => new DatasetReport(r.Folder, r.Pid, r.Step.ToString().ToLowerInvariant(), r.Error)).ToList(),
            };
            await using var control = ControlServer.Start(ControlSocket.PathOf(point), vfs, report, () => shutdown.Request("facilityfs unmount"), logger);
            logger.LogInformation("mounted {Remote} at {Mountpoint} (disk cache: {Cache}; spool: {Spool})", target, point, options.CacheDirectory ?? "none",
                options.WriteBack?.SpoolDirectory ?? "none, read-only");
            observer?.Serving(vfs);
            mounted?.Invoke();
            var remaining = await shutdown.WaitAsync().ConfigureAwait(false);
            observer?.Stopping(vfs);
            // Every handle is closed now (or the system gets no more time): what is pending gets what is left of the flush timeout, the rest waits in the journal.
            var left = await vfs.DrainAsync(remaining, CancellationToken.None).ConfigureAwait(false);
            if (left > 0) logger.LogWarning("{Count} files not uploaded within {Timeout} s; they stay in {Spool} for the next mount of {Remote}", left, flushTimeout.TotalSeconds, options.WriteBack!.SpoolDirectory, target);
        }
    }

    /// <summary>The catalog hook of a mount: every committed file reaches it, with the checksum the write path computed; it registers complete datasets on its own.</summary>
    private CatalogRun StartCatalogHook(VirtualFileSystem vfs, MountCatalog setup)
    {
        var target = settings.Target;
        var run = CatalogRun.Create(target.Store, target.Path, setup.Catalog, setup.Rules, setup.Config, vfs, Catalog.SourceFolders.For(target.Store, setup.Catalog.SourceFolderPrefix), logger);
        run.Start(vfs);
        logger.LogInformation("registering datasets in {Catalog} by {Count} rules", setup.Catalog.Name, setup.Rules.Count);
        return run;
    }

    private async Task<VirtualFileSystem> CreateVfsAsync(CancellationToken cancellationToken)
    {
        var target = settings.Target;
        try
        {
            return await VirtualFileSystem.CreateAsync(target.Store, settings.Options, target.Path, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (VfsException e) when (e.InnerException is Storage.StorageException storage)
        {
            throw storage;
        }
        catch (VfsException e)
        {
            throw new UsageException($"cannot mount {target}: {e.Message}");
        }
    }
}
