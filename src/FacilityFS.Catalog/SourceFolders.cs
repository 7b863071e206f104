using FacilityFS.Storage;
using FacilityFS.Storage.WebDav;

namespace FacilityFS.Catalog;

/// <summary>What SciCat records as a dataset's sourceFolder (and the ledger keys it by): the folder's absolute path on the storage, the URL path, never relative to how a remote was configured.</summary>
/// <param name="storageRoot">The storage path of the store's root ("/dav/data" for a remote at https://host/dav/data/; "" at the server's root).</param>
/// <param name="prefix">A catalog's source_folder_prefix put in front (where the facility's archive sees the storage, e.g. "/asap3/petra3/gpfs"); "" for none.</param>
public sealed class SourceFolders(string storageRoot, string prefix = "")
{
    private readonly string _root = prefix.TrimEnd('/') + storageRoot.TrimEnd('/');

    /// <summary>Paths as the store has them (a local folder store or a remote at the server's root).</summary>
    public static SourceFolders Identity { get; } = new("");

    /// <summary>The mapping for <paramref name="store"/>: a WebDAV remote's URL path as the storage path of its root.</summary>
    public static SourceFolders For(IRemoteStore store, string? prefix = null) => new(
        store is WebDavStore dav ? Uri.UnescapeDataString(dav.UriOf(RemotePath.Root).AbsolutePath) : "", prefix ?? "");

    /// <summary>The source folder of a store path (a measurement's "folder#name" key too).</summary>
    public string Of(RemotePath path) => path.IsRoot ? (_root.Length == 0 ? "/" : _root) : _root + path.Value;

    /// <summary>The store path of a source folder this mapping made; null for one of another store or mapping.</summary>
    public RemotePath? StorePathOf(string sourceFolder)
    {
        if (_root.Length == 0) return RemotePath.TryParse(sourceFolder, out var same) ? same : null;
        if (sourceFolder == _root) return RemotePath.Root;
        if (!sourceFolder.StartsWith(_root + "/", StringComparison.Ordinal)) return null;
        return RemotePath.TryParse(sourceFolder[_root.Length..], out var path) ? path : null;
    }
}
