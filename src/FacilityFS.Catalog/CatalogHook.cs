using FacilityFS.Storage;
using FacilityFS.Vfs;
using FacilityFS.Vfs.Writes;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Catalog;

/// <summary>Subscribes to committed files and registers each dataset once it is complete (by the rule) and every one of its files is on the storage.</summary>
/// <remarks>
/// The mount never waits for it: a catalog that is down only delays registrations, retried with backoff. Completeness is written to the ledger before
/// anything is sent, and at start the hook reconciles the ledger and the designated folders on the storage, so a crash at any point neither loses nor
/// duplicates a registration.
/// </remarks>
public sealed class CatalogHook : IAsyncDisposable
{
    private readonly IRemoteStore _store;
    private readonly RemotePath _root;
    private readonly IReadOnlyList<CatalogRule> _rules;
    private readonly Registrar _registrar;
    private readonly RegistrationLedger _ledger;
    private readonly IPendingUploads _pending;
    private readonly ILogger _logger;
    private readonly SourceFolders _sources;
    private readonly DatasetTracker _tracker;
    private readonly RegistrationAssembly _assembly;
    private readonly CancellationTokenSource _stopping = new();
    private ICommittedFiles? _source;
    private Task _reconciled = Task.CompletedTask;

    /// <param name="pending">What still waits for upload (the mount's spool): a dataset is registered only once none of its files do.</param>
    /// <param name="sources">How store paths become source folders (and ledger keys); the store's own paths when null.</param>
    public CatalogHook(IRemoteStore store, RemotePath root, IReadOnlyList<CatalogRule> rules, Registrar registrar, RegistrationLedger ledger,
        IPendingUploads pending, ILogger logger, SourceFolders? sources = null)
    {
        _sources = sources ?? SourceFolders.Identity;
        _store = store;
        _root = root;
        _rules = rules;
        _registrar = registrar;
        _ledger = ledger;
        _pending = pending;
        _logger = logger;
        _tracker = new DatasetTracker(ledger, _sources, TryRegisterAsync, _stopping.Token);
        _assembly = new RegistrationAssembly(store, ledger, _sources, logger);
    }

    /// <summary>Subscribes to <paramref name="source"/> and, in the background, reconciles what the ledger and the storage hold (see <see cref="ReconcileAsync"/>).</summary>
    public void Start(ICommittedFiles source)
    {
        _source = source;
        source.FileCommitted += OnCommitted;
        _reconciled = Task.Run(() => ReconcileAsync(_stopping.Token));
    }

    /// <summary>Completes when the reconciliation at start is over (for tests and status).</summary>
    public Task Reconciled => _reconciled;

    /// <summary>Registers what a previous run left: unfinished ledger rows, and complete datasets on the storage the ledger does not have as done (a crash came before their row).</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (folder, _, step, _) in _ledger.All())
            {
                if (step is RegistrationStep.Done or RegistrationStep.Failed || _sources.StorePathOf(folder) is not { } path || !path.IsSameOrUnder(_root)) continue;
                // A measurement ("folder#name") comes back from its list file, read below.
                if (RuleOfDataset(path) is not { } rule) continue;
                if (rule.Complete == CompletionRule.Idle) _tracker.Seen(path, rule);
                else _tracker.Complete(path, rule);
            }
            foreach (var rule in _rules)
            {
                if (rule.Complete == CompletionRule.Idle) continue;
                await foreach (var designated in DesignatedFoldersAsync(rule, cancellationToken).ConfigureAwait(false))
                {
                    if (rule.Complete == CompletionRule.ListFile)
                    {
                        var list = designated.Child(rule.ListFile);
                        if (await _store.TryStatAsync(list, cancellationToken).ConfigureAwait(false) is { IsDirectory: false }) await ReadListFileAsync(rule, designated, list).ConfigureAwait(false);
                        continue;
                    }
                    await foreach (var folder in FoldersBelowAsync(designated, rule.Depth, cancellationToken).ConfigureAwait(false))
                    {
                        if (_ledger.Find(_sources.Of(folder)) is { Step: RegistrationStep.Done or RegistrationStep.Failed }) continue;
                        if (await _store.TryStatAsync(folder.Child(rule.Marker), cancellationToken).ConfigureAwait(false) is { IsDirectory: false })
                            _tracker.Complete(folder, rule);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is StorageException or IOException)
        {
            _logger.LogWarning("cannot look through the designated folders for datasets a crash left unregistered: {Error}; the next mount looks again", e.Message);
        }
    }

    /// <summary>The rule whose datasets have folders like <paramref name="folder"/>.</summary>
    private CatalogRule? RuleOfDataset(RemotePath folder) => _rules.FirstOrDefault(r => r.DatasetOf(_root, folder.Child("probe")) == folder);

    /// <summary>The rule's designated folders on the storage, walked from the glob's plain prefix and no deeper than it can match.</summary>
    private async IAsyncEnumerable<RemotePath> DesignatedFoldersAsync(CatalogRule rule, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (start, maxDepth) = rule.WalkBounds(_root);
        if (await _store.TryStatAsync(start, cancellationToken).ConfigureAwait(false) is not { IsDirectory: true }) yield break;
        var pending = new Queue<RemotePath>([start]);
        while (pending.Count > 0)
        {
            var folder = pending.Dequeue();
            if (rule.IsDesignated(_root, folder)) yield return folder;
            if (folder.Depth - _root.Depth >= maxDepth) continue;
            await foreach (var entry in _store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
                if (entry.IsDirectory) pending.Enqueue(entry.Path);
        }
    }

    private async IAsyncEnumerable<RemotePath> FoldersBelowAsync(RemotePath folder, int depth, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (depth == 0)
        {
            yield return folder;
            yield break;
        }
        var below = new List<RemotePath>();
        await foreach (var entry in _store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
            if (entry.IsDirectory) below.Add(entry.Path);
        foreach (var sub in below)
            await foreach (var found in FoldersBelowAsync(sub, depth - 1, cancellationToken).ConfigureAwait(false))
                yield return found;
    }

    /// <summary>One file is verified on the storage, with the checksum the write path computed: kept, and its dataset may now be complete.</summary>
    public void OnCommitted(FileCommitted committed)
    {
        var path = committed.Path;
        foreach (var rule in _rules)
        {
            if (rule.DesignatedOfListFile(_root, path) is { } designated)
            {
                _ = Task.Run(() => ReadListFileAsync(rule, designated, path));
                return;
            }
            if (rule.Complete == CompletionRule.ListFile && rule.IsDesignated(_root, path.Parent))
            {
                // A master file beside the scan folders: its checksum is kept for the scan that names it.
                _ledger.RecordFile(_sources.Of(path), committed.Size, committed.Checksum.Value, committed.Modified);
                return;
            }
            if (rule.DatasetOf(_root, path) is not { } folder) continue;
            if (rule.Complete == CompletionRule.Marker && path.Name == rule.Marker && path.Parent == folder)
            {
                _tracker.Complete(folder, rule);
                return;
            }
            _ledger.RecordFile(_sources.Of(path), committed.Size, committed.Checksum.Value, committed.Modified);
            if (rule.Complete == CompletionRule.Idle) _tracker.Seen(folder, rule);
            return;
        }
    }

    /// <summary>scingestor's dataset list, read whole: each scan once (a scan named twice, "scan" then "scan:tag", must not start before its re-ingest is seen), then stopped measurements.</summary>
    private async Task ReadListFileAsync(CatalogRule rule, RemotePath designated, RemotePath listFile)
    {
        try
        {
            string text;
            await using (var content = await _store.OpenReadAsync(listFile, null, null, _stopping.Token).ConfigureAwait(false))
            using (var reader = new StreamReader(content.Stream))
                text = await reader.ReadToEndAsync(_stopping.Token).ConfigureAwait(false);
            var list = ListFileReader.Parse(text);
            foreach (var refused in list.Refused) _logger.LogWarning("{ListFile}: {Line}", listFile, refused);
            var named = new Dictionary<RemotePath, (bool Reingest, ListedScan Line)>();
            foreach (var scan in list.Scans)
            {
                var folder = designated.Child(scan.Name);
                // "scan:tag" asks for a re-ingest, once per tag (the ledger remembers tags across mounts).
                var reingest = scan.Tag is { } tag && _ledger.MarkReingest(_sources.Of(folder), tag);
                named[folder] = (named.GetValueOrDefault(folder).Reingest || reingest, scan);
            }
            foreach (var (folder, (reingest, line)) in named)
            {
                if (!reingest && _ledger.Find(_sources.Of(folder)) is { Step: RegistrationStep.Done or RegistrationStep.Failed }) continue;
                _tracker.Complete(folder, rule, reingest, line);
            }
            foreach (var measurement in list.Measurements)
            {
                if (measurement.Scans.Count == 0 || !RemotePath.TryParse($"{designated.Value}#{measurement.Name}", out var key)
                    || _ledger.Find(_sources.Of(key)) is { Step: RegistrationStep.Done or RegistrationStep.Failed }) continue;
                _tracker.Complete(key, rule, members: [.. measurement.Scans.Distinct().Select(designated.Child)]);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is StorageException or IOException)
        {
            _logger.LogWarning("cannot read the dataset list {ListFile}: {Error}", listFile, e.Message);
        }
    }

    /// <summary>One attempt: done (registered, or failed for good and recorded), soon (files still pending), or back off (catalog or storage away).</summary>
    private async Task<AttemptOutcome> TryRegisterAsync(TrackedDataset dataset, CancellationToken cancellationToken)
    {
        var folder = dataset.Key;
        var (complete, reingests, listed, members) = dataset.Snapshot();
        if (!complete) return AttemptOutcome.Done;
        // Registered before and no re-ingest asked for (a late file of an idle dataset, a list read again): nothing to assemble or send.
        if (reingests == 0 && _ledger.Find(_sources.Of(folder)) is { Step: RegistrationStep.Done }) return AttemptOutcome.Done;
        if (Waiting(dataset.Rule, folder, listed, members)) return AttemptOutcome.Soon;
        try
        {
            var registration = members is not null
                ? await _assembly.MeasurementAsync(folder, dataset.Rule, members, cancellationToken).ConfigureAwait(false)
                : await _assembly.DatasetAsync(folder, dataset.Rule, listed, cancellationToken).ConfigureAwait(false);
            var (pid, outcome) = await _registrar.RegisterAsync(registration, cancellationToken, reingests > 0, dataset.Rule.Update).ConfigureAwait(false);
            _logger.LogInformation("{Folder} as {Pid}: {Outcome} ({Count} files)", folder, pid, outcome.ToString().ToLowerInvariant(), registration.Files.Count);
            dataset.Registered(reingests);
            return AttemptOutcome.Done;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (DatasetIncompleteException e)
        {
            _logger.LogError("{Error}", e.Message);
            _ledger.Record(_sources.Of(folder), null, RegistrationStep.Failed, e.Message);
            return AttemptOutcome.Done;
        }
        catch (CatalogException e) when (!e.IsTransient)
        {
            _logger.LogError("registering {Folder} failed for good: {Error}", folder, e.Message);
            return AttemptOutcome.Done;
        }
        catch (Exception e) when (e is CatalogException or StorageException or Identity.CredentialException or IOException)
        {
            _logger.LogWarning("registering {Folder} waits: {Error}", folder, e.Message);
            _ledger.Record(_sources.Of(folder), null, _ledger.Find(_sources.Of(folder))?.Step ?? RegistrationStep.Pending, e.Message);
            return AttemptOutcome.BackOff;
        }
        catch (Exception e)
        {
            // Never lets the runner die silently: logged, and tried again later like an outage.
            _logger.LogError(e, "registering {Folder} failed unexpectedly; trying again later", folder);
            return AttemptOutcome.BackOff;
        }
    }

    /// <summary>Whether a file of the dataset still waits for upload: in its folder (or its scans'), its master file beside it, its detector folders.</summary>
    private bool Waiting(CatalogRule rule, RemotePath folder, ListedScan? listed, IReadOnlyList<RemotePath>? members)
    {
        if (members is not null) return members.Any(_pending.HasPendingUnder);
        if (_pending.HasPendingUnder(folder)) return true;
        if (listed is null) return false;
        var designated = folder.Parent;
        return rule.MasterExtensions.Any(e => _pending.IsPending(designated.Child($"{listed.Master ?? listed.Name}.{e}")))
            || listed.Detectors.Any(d => RegistrationAssembly.Beside(designated, d) is { } extra && _pending.HasPendingUnder(extra));
    }

    /// <summary>The registrations of datasets below the mount's root, as the ledger has them (for `facilityfs status`).</summary>
    public IReadOnlyList<(string Folder, string? Pid, RegistrationStep Step, string? Error)> Registrations() =>
        [.. _ledger.All().Where(r => _sources.StorePathOf(r.Folder.Split('#')[0]) is { } p && p.IsSameOrUnder(_root))];

    public async ValueTask DisposeAsync()
    {
        if (_source is not null) _source.FileCommitted -= OnCommitted;
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll([_reconciled, .. _tracker.Running()]).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("registrations still under way at unmount; the ledger resumes them at the next mount");
        }
        _stopping.Dispose();
    }
}
