using FacilityFS.Storage;

namespace FacilityFS.Catalog;

/// <summary>One dataset the hook follows in memory: whether it is complete, re-ingests asked for, what the list file said of it, and its runner.</summary>
/// <remarks>Its state changes only through its own methods, under its gate; what must survive a crash the <see cref="DatasetTracker"/> writes to the ledger first.</remarks>
internal sealed class TrackedDataset
{
    private readonly Lock _gate = new();
    private bool _complete;
    private int _reingests;
    private ListedScan? _listed;
    private IReadOnlyList<RemotePath>? _members;

    public TrackedDataset(RemotePath key, CatalogRule rule, Func<TrackedDataset, CancellationToken, Task<AttemptOutcome>> attempt, CancellationToken stopping)
    {
        Key = key;
        Rule = rule;
        Runner = new DueTimeRunner(cancellationToken => attempt(this, cancellationToken), stopping);
    }

    /// <summary>The dataset's folder, or for a measurement its designated folder with "#NAME" (the ledger's key).</summary>
    public RemotePath Key { get; }

    public CatalogRule Rule { get; }

    public DueTimeRunner Runner { get; }

    /// <summary>Marks it complete; <paramref name="reingest"/> asks for one more update of a registered dataset; a list line or measurement says what it holds.</summary>
    /// <returns>False when it was complete already and nothing new was asked (nothing to schedule).</returns>
    public bool MarkComplete(bool reingest = false, ListedScan? listed = null, IReadOnlyList<RemotePath>? members = null)
    {
        lock (_gate)
        {
            var news = !_complete || reingest;
            _complete = true;
            if (reingest) _reingests++;
            _listed = listed ?? _listed;
            _members = members ?? _members;
            return news;
        }
    }

    /// <summary>What an attempt works from; an idle rule's dataset counts as complete whenever its timer runs out.</summary>
    public (bool Complete, int Reingests, ListedScan? Listed, IReadOnlyList<RemotePath>? Members) Snapshot()
    {
        lock (_gate) return (_complete || Rule.Complete == CompletionRule.Idle, _reingests, _listed, _members);
    }

    /// <summary>An attempt registered it, covering the re-ingests it saw; ones asked for meanwhile stay for the next round.</summary>
    public void Registered(int reingestsCovered)
    {
        lock (_gate) _reingests = Math.Max(0, _reingests - reingestsCovered);
    }
}
