using FacilityFS.Storage;

namespace FacilityFS.Vfs.Nodes;

/// <summary>A folder's children as one PROPFIND returned them, in name order, with the time they were fetched.</summary>
internal sealed class DirectoryListing(IReadOnlyList<RemoteEntry> children, long fetchedAt)
{
    private readonly Dictionary<string, RemoteEntry> _byName = children.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public IReadOnlyList<RemoteEntry> Children { get; } = children;

    public long FetchedAt { get; } = fetchedAt;

    public RemoteEntry? Find(string name) => _byName.GetValueOrDefault(name);
}
