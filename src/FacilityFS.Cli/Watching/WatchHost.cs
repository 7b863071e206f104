using FacilityFS.Catalog;
using FacilityFS.Cli.Commands;
using FacilityFS.Cli.Config;
using FacilityFS.Storage.Local;
using FacilityFS.Vfs.Writes;
using FacilityFS.Watch;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Watching;

/// <summary>One `facilityfs watch` assembled: its journal, the committer (in place or uploading), the folder watch, and the catalog hook subscribed to it.</summary>
/// <remarks>The hook is the mount's own: it is given the watch as its source of committed files and of what is still pending, and never learns which source it has.</remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class WatchHost : IAsyncDisposable
{
    private readonly SpoolJournal _journal;
    private readonly CatalogRun _catalog;
    private readonly string _target;

    private WatchHost(SpoolJournal journal, FolderWatch watch, CatalogRun catalog, string target)
    {
        _journal = journal;
        Watch = watch;
        _catalog = catalog;
        _target = target;
    }

    public FolderWatch Watch { get; }

    /// <param name="upload">Where files are uploaded; null registers them in place.</param>
    /// <param name="corePath">In place: what the watched folder is registered as (scingestor's corePath); null for its own path.</param>
    public static async Task<WatchHost> StartAsync(string directory, RemoteTarget? upload, string? corePath, CatalogConfig catalog, IReadOnlyList<CatalogRule> rules,
        FacilityConfig config, WatchOptions options, string journalPath, ILogger logger, CancellationToken cancellationToken)
    {
        IFileCommitter committer = upload is { } remote ? new UploadCommitter(remote.Store, remote.Path) : new InPlaceCommitter(new LocalFolderStore(directory));
        var sources = upload is { } r ? SourceFolders.For(r.Store, catalog.SourceFolderPrefix) : new SourceFolders(corePath ?? directory);
        Directory.CreateDirectory(Path.GetDirectoryName(journalPath)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var journal = new SpoolJournal(journalPath);
        var watch = new FolderWatch(directory, committer, journal, options, logger);
        var run = CatalogRun.Create(committer.Store, committer.Root, catalog, rules, config, watch, sources, logger);
        var host = new WatchHost(journal, watch, run, upload?.ToString() ?? "in place as " + sources.Of(Storage.RemotePath.Root));
        try
        {
            run.Start(watch);
            await watch.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        logger.LogInformation("watching {Directory} ({Target}), registering in {Catalog} by {Count} rules", directory, host._target, catalog.Name, rules.Count);
        return host;
    }

    /// <summary>Where the watch stands, with the registrations of its datasets.</summary>
    public (WatchReport Watch, IReadOnlyList<(string Folder, string? Pid, RegistrationStep Step, string? Error)> Datasets) Status() => (Watch.Status(_target), _catalog.Registrations());

    public async ValueTask DisposeAsync()
    {
        await Watch.DisposeAsync().ConfigureAwait(false);
        await _catalog.DisposeAsync().ConfigureAwait(false);
        _journal.Dispose();
    }
}
