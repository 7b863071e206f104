using System.Collections.Concurrent;
using FacilityFS.Storage;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Catalog;

/// <summary>Watches files committed through the mount and registers each dataset once it is complete (by the rule) and every one of its files is on the storage.</summary>
/// <remarks>The mount never waits for it: a catalog that is down only delays registrations, retried with backoff; a restart resumes what the ledger left unfinished.</remarks>
public sealed class CatalogHook : IAsyncDisposable
{
    private readonly IRemoteStore _store;
    private readonly RemotePath _root;
    private readonly IReadOnlyList<CatalogRule> _rules;
    private readonly Registrar _registrar;
    private readonly RegistrationLedger _ledger;
    private readonly Func<RemotePath, bool> _hasPending;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<RemotePath, Dataset> _datasets = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <param name="hasPending">Whether files below a folder still wait for upload (the mount's spool).</param>
    public CatalogHook(IRemoteStore store, RemotePath root, IReadOnlyList<CatalogRule> rules, Registrar registrar, RegistrationLedger ledger,
        Func<RemotePath, bool> hasPending, ILogger logger)
    {
        _store = store;
        _root = root;
        _rules = rules;
        _registrar = registrar;
        _ledger = ledger;
        _hasPending = hasPending;
        _logger = logger;
    }

    private sealed class Dataset(RemotePath folder, CatalogRule rule)
    {
        /// <summary>The dataset's folder, or for a measurement its designated folder with "#NAME" (the ledger's key).</summary>
        public RemotePath Folder { get; } = folder;

        /// <summary>For a measurement (scans between "__command__ start NAME" and "stop"): its scans' folders.</summary>
        public IReadOnlyList<RemotePath>? Members { get; set; }

        public CatalogRule Rule { get; } = rule;

        public Lock Gate { get; } = new();

        /// <summary>Checksums of files committed through the mount, by path relative to the folder: not read again.</summary>
        public Dictionary<string, string> Checksums { get; } = new(StringComparer.Ordinal);

        public long DueAt { get; set; }

        public bool Complete { get; set; }

        /// <summary>A re-ingest was asked for: the registered dataset is updated by the rule's strategy.</summary>
        public bool Again { get; set; }

        public Task? Runner { get; set; }
    }

    /// <summary>Resumes registrations a previous mount left half done (the ledger's unfinished rows).</summary>
    public void ResumeUnfinished()
    {
        foreach (var (folder, _, step, _) in _ledger.All())
        {
            if (step is RegistrationStep.Done or RegistrationStep.Failed || !RemotePath.TryParse(folder, out var path)) continue;
            if (_rules.FirstOrDefault(r => r.DatasetOf(_root, path.Child("probe")) == path) is not { } rule) continue;
            var dataset = DatasetAt(path, rule);
            lock (dataset.Gate) dataset.Complete = true;
            Schedule(dataset, TimeSpan.Zero);
        }
    }

    /// <summary>One file is verified on the storage; its dataset may now be complete.</summary>
    public void OnCommitted(RemotePath path, string checksum)
    {
        foreach (var rule in _rules)
        {
            if (rule.DesignatedOfListFile(_root, path) is { } designated)
            {
                _ = Task.Run(() => ReadListFileAsync(rule, designated, path));
                continue;
            }
            if (rule.DatasetOf(_root, path) is not { } folder) continue;
            var dataset = DatasetAt(folder, rule);
            var isMarker = rule.Complete == CompletionRule.Marker && path.Name == rule.Marker;
            lock (dataset.Gate)
            {
                if (!isMarker) dataset.Checksums[path.RelativeTo(folder)] = checksum;
                if (isMarker) dataset.Complete = true;
            }
            if (isMarker) Schedule(dataset, TimeSpan.Zero);
            else if (rule.Complete == CompletionRule.Idle) Schedule(dataset, rule.Idle, restart: true);
            return;
        }
    }

    private Dataset DatasetAt(RemotePath folder, CatalogRule rule) => _datasets.GetOrAdd(folder, f => new Dataset(f, rule));

    /// <summary>scingestor's dataset list: each line names a scan of the designated folder ("scan", "scan:time" to register again, "scan det1 det2"); "__command__" lines group scans, not handled here.</summary>
    private async Task ReadListFileAsync(CatalogRule rule, RemotePath designated, RemotePath listFile)
    {
        try
        {
            // The whole list first, then each scan once: a scan named twice ("scan", then "scan:tag") must not start before its re-ingest is seen.
            var named = new Dictionary<RemotePath, bool>();
            var measurements = new Dictionary<string, List<RemotePath>>(StringComparer.Ordinal);
            (string Name, List<RemotePath> Scans)? open = null;
            await using (var content = await _store.OpenReadAsync(listFile, null, null, _stopping.Token).ConfigureAwait(false))
            {
                using var reader = new StreamReader(content.Stream);
                while (await reader.ReadLineAsync(_stopping.Token).ConfigureAwait(false) is { } line)
                {
                    var words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (words is ["__command__", "start", var measurement, ..])
                    {
                        open = (measurement, []);
                        continue;
                    }
                    if (words is ["__command__", "stop", ..])
                    {
                        // A measurement is complete when it is stopped; one still open waits for its stop line.
                        if (open is { } done) measurements[done.Name] = done.Scans;
                        open = null;
                        continue;
                    }
                    var word = words.FirstOrDefault();
                    var scan = word?.Split(':')[0];
                    if (string.IsNullOrEmpty(scan) || scan == "__command__" || !RemotePath.TryParse(scan, out _) || scan.Contains('/')) continue;
                    open?.Scans.Add(designated.Child(scan));
                    var folder = designated.Child(scan);
                    // "scan:tag" asks for a re-ingest, once per tag (the ledger remembers tags across mounts).
                    var reingest = word!.Length > scan.Length && _ledger.MarkReingest(folder.Value, word[(scan.Length + 1)..]);
                    named[folder] = named.GetValueOrDefault(folder) || reingest;
                }
            }
            foreach (var (folder, reingest) in named)
            {
                if (!reingest && _ledger.Find(folder.Value) is { Step: RegistrationStep.Done }) continue;
                var dataset = DatasetAt(folder, rule);
                lock (dataset.Gate)
                {
                    if (dataset.Complete && !reingest) continue;
                    dataset.Complete = true;
                    dataset.Again |= reingest;
                }
                Schedule(dataset, TimeSpan.Zero);
            }
            foreach (var (name, scans) in measurements)
            {
                if (scans.Count == 0 || !RemotePath.TryParse($"{designated.Value}#{name}", out var key) || _ledger.Find(key.Value) is { Step: RegistrationStep.Done }) continue;
                var measurement = DatasetAt(key, rule);
                lock (measurement.Gate)
                {
                    if (measurement.Complete) continue;
                    measurement.Complete = true;
                    measurement.Members = scans;
                }
                Schedule(measurement, TimeSpan.Zero);
            }
        }
        catch (Exception e) when (e is StorageException or IOException)
        {
            _logger.LogWarning("cannot read the dataset list {ListFile}: {Error}", listFile, e.Message);
        }
    }

    private void Schedule(Dataset dataset, TimeSpan delay, bool restart = false)
    {
        if (_stopping.IsCancellationRequested) return;
        lock (dataset.Gate)
        {
            var due = Environment.TickCount64 + (long)delay.TotalMilliseconds;
            dataset.DueAt = restart || dataset.Runner is null ? due : Math.Min(dataset.DueAt, due);
            dataset.Runner ??= Task.Run(() => RunAsync(dataset));
        }
    }

    private async Task RunAsync(Dataset dataset)
    {
        var wait = TimeSpan.FromSeconds(1);
        try
        {
            while (true)
            {
                long left;
                lock (dataset.Gate) left = dataset.DueAt - Environment.TickCount64;
                if (left > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(left), _stopping.Token).ConfigureAwait(false);
                    continue;
                }
                var outcome = await TryRegisterAsync(dataset).ConfigureAwait(false);
                lock (dataset.Gate)
                {
                    if (outcome is null)
                    {
                        dataset.Runner = null;
                        return;
                    }
                    // Not yet (files pending) or the catalog is away: again later, backing off to a minute.
                    wait = outcome.Value ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
                    dataset.DueAt = Environment.TickCount64 + (long)wait.TotalMilliseconds;
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>One attempt: null when done (registered, or failed for good and recorded); true to look again soon (files still pending), false to back off (catalog away).</summary>
    private async Task<bool?> TryRegisterAsync(Dataset dataset)
    {
        var folder = dataset.Folder;
        bool complete, again;
        Dictionary<string, string> known;
        lock (dataset.Gate)
        {
            complete = dataset.Complete || dataset.Rule.Complete == CompletionRule.Idle;
            again = dataset.Again;
            known = new Dictionary<string, string>(dataset.Checksums, StringComparer.Ordinal);
        }
        if (!complete) return null;
        if (dataset.Members is { } members ? members.Any(_hasPending) : _hasPending(folder)) return true;
        try
        {
            var registration = dataset.Members is { } scans ? await MeasurementAsync(dataset, scans).ConfigureAwait(false) : await DatasetAsync(dataset, known).ConfigureAwait(false);
            var pid = await _registrar.RegisterAsync(registration, _stopping.Token, again, dataset.Rule.Update).ConfigureAwait(false);
            _logger.LogInformation("registered {Folder} as {Pid} ({Count} files)", folder, pid, registration.Files.Count);
            lock (dataset.Gate)
            {
                // A re-ingest asked for while this attempt ran is another round.
                if (dataset.Again && !again) return true;
                dataset.Again = false;
            }
            _datasets.TryRemove(folder, out _);
            return null;
        }
        catch (DatasetIncompleteException e)
        {
            _logger.LogError("{Error}", e.Message);
            _ledger.Record(folder.Value, null, RegistrationStep.Failed, e.Message);
            return null;
        }
        catch (CatalogException e) when (!e.IsTransient)
        {
            _logger.LogError("registering {Folder} failed for good: {Error}", folder, e.Message);
            return null;
        }
        catch (Exception e) when (e is CatalogException or StorageException or Identity.CredentialException)
        {
            _logger.LogWarning("registering {Folder} waits: {Error}", folder, e.Message);
            if (_ledger.Find(folder.Value) is null) _ledger.Record(folder.Value, null, RegistrationStep.Pending, e.Message);
            return false;
        }
    }

    /// <summary>A dataset folder's registration: its files (checksums from the write path where known), beamtime metadata, sidecar, thumbnail.</summary>
    private async Task<DatasetRegistration> DatasetAsync(Dataset dataset, IReadOnlyDictionary<string, string> known)
    {
        var folder = dataset.Folder;
        var marker = dataset.Rule.Complete == CompletionRule.Marker ? dataset.Rule.Marker : null;
        var files = await StorageFolder.FilesAsync(_store, folder, _stopping.Token, known, skip: marker).ConfigureAwait(false);
        var beamtime = await StorageFolder.BeamtimeAsync(_store, folder, _stopping.Token).ConfigureAwait(false);
        var sidecar = await StorageFolder.SidecarAsync(_store, folder, _stopping.Token).ConfigureAwait(false);
        var body = DatasetBuilder.Build(dataset.Rule.Defaults, beamtime, sidecar, folder.Value, folder.Name, files);
        var thumbnail = dataset.Rule.Thumbnail ? await StorageFolder.ThumbnailAsync(_store, folder, _stopping.Token).ConfigureAwait(false) : null;
        return new DatasetRegistration(folder.Value, body, files, thumbnail);
    }

    /// <summary>A measurement's registration: its scans' files, listed under their scan's name, in a dataset of the designated folder named after the measurement.</summary>
    private async Task<DatasetRegistration> MeasurementAsync(Dataset measurement, IReadOnlyList<RemotePath> scans)
    {
        var designated = scans[0].Parent;
        var name = measurement.Folder.Value[(designated.Value.Length + 1)..];
        var files = new List<DataFileEntry>();
        foreach (var scan in scans)
        {
            var known = _datasets.TryGetValue(scan, out var state) ? state.Checksums : null;
            foreach (var file in await StorageFolder.FilesAsync(_store, scan, _stopping.Token, known).ConfigureAwait(false))
                files.Add(file with { Path = $"{scan.Name}/{file.Path}" });
        }
        var beamtime = await StorageFolder.BeamtimeAsync(_store, designated, _stopping.Token).ConfigureAwait(false);
        var grouping = new System.Text.Json.Nodes.JsonObject
        {
            ["scientificMetadata"] = new System.Text.Json.Nodes.JsonObject
            {
                ["measurement"] = name,
                ["scans"] = new System.Text.Json.Nodes.JsonArray([.. scans.Select(m => (System.Text.Json.Nodes.JsonNode)m.Name)]),
            },
        };
        return new DatasetRegistration(measurement.Folder.Value, DatasetBuilder.Build(measurement.Rule.Defaults, beamtime, grouping, designated.Value, name, files), files);
    }

    /// <summary>The registrations of datasets below the mount's root, as the ledger has them (for `facilityfs status`).</summary>
    public IReadOnlyList<(string Folder, string? Pid, RegistrationStep Step, string? Error)> Registrations() =>
        [.. _ledger.All().Where(r => RemotePath.TryParse(r.Folder, out var p) && p.IsSameOrUnder(_root))];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var runners = _datasets.Values.Select(d =>
        {
            lock (d.Gate) return d.Runner;
        }).OfType<Task>().ToList();
        try
        {
            await Task.WhenAll(runners).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("registrations still under way at unmount; the ledger resumes them at the next mount");
        }
        _stopping.Dispose();
    }
}
