using System.Collections.Concurrent;
using FacilityFS.Storage;

namespace FacilityFS.Catalog;

/// <summary>The datasets the hook follows: each one's state in memory, its durable intent in the ledger first ("seen", "complete"), then its runner scheduled.</summary>
internal sealed class DatasetTracker(RegistrationLedger ledger, SourceFolders sources, Func<TrackedDataset, CancellationToken, Task<AttemptOutcome>> attempt, CancellationToken stopping)
{
    private readonly ConcurrentDictionary<RemotePath, TrackedDataset> _datasets = new();

    public TrackedDataset At(RemotePath key, CatalogRule rule) => _datasets.GetOrAdd(key, k => new TrackedDataset(k, rule, attempt, stopping));

    /// <summary>The dataset of <paramref name="key"/> when it is followed already.</summary>
    public TrackedDataset? Find(RemotePath key) => _datasets.GetValueOrDefault(key);

    /// <summary>A file of an idle-rule dataset was committed: recorded as seen (a restart waits the idle time again), its idle timer restarted.</summary>
    public void Seen(RemotePath key, CatalogRule rule)
    {
        ledger.MarkSeen(sources.Of(key));
        At(key, rule).Runner.Schedule(rule.Idle, restart: true);
    }

    /// <summary>The dataset is complete: the ledger says so durably before anything else happens, then it is registered as soon as its files are committed.</summary>
    public void Complete(RemotePath key, CatalogRule rule, bool reingest = false, ListedScan? listed = null, IReadOnlyList<RemotePath>? members = null)
    {
        ledger.MarkComplete(sources.Of(key));
        var dataset = At(key, rule);
        if (dataset.MarkComplete(reingest, listed, members)) dataset.Runner.Schedule(TimeSpan.Zero);
    }

    /// <summary>The runners still working (to wait for at shutdown).</summary>
    public IReadOnlyList<Task> Running() => [.. _datasets.Values.Select(d => d.Runner.Running).OfType<Task>()];
}
