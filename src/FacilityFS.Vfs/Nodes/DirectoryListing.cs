using FacilityFS.Storage;

namespace FacilityFS.Vfs.Nodes;

/// <summary>A folder's children as one PROPFIND returned them, with the time they were fetched, patched by the mount's own changes until the next fetch.</summary>
/// <remarks>Patching instead of refetching keeps a copy of thousands of files into one folder linear: each create would otherwise list the folder again.</remarks>
internal sealed class DirectoryListing
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RemoteEntry> _byName;
    private IReadOnlyList<RemoteEntry>? _sorted;

    public DirectoryListing(IEnumerable<RemoteEntry> children, long fetchedAt)
    {
        _byName = children.ToDictionary(c => c.Name, StringComparer.Ordinal);
        FetchedAt = fetchedAt;
    }

    public long FetchedAt { get; }

    /// <summary>The children in name order (a snapshot: later patches do not change it).</summary>
    public IReadOnlyList<RemoteEntry> Children
    {
        get
        {
            lock (_gate) return _sorted ??= [.. _byName.Values.OrderBy(c => c.Name, StringComparer.Ordinal)];
        }
    }

    public RemoteEntry? Find(string name)
    {
        lock (_gate) return _byName.GetValueOrDefault(name);
    }

    public void Set(RemoteEntry entry)
    {
        lock (_gate)
        {
            _byName[entry.Name] = entry;
            _sorted = null;
        }
    }

    public void Remove(string name)
    {
        lock (_gate)
        {
            if (_byName.Remove(name)) _sorted = null;
        }
    }
}
