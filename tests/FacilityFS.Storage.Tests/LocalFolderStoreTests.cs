using FacilityFS.Storage.Local;

namespace FacilityFS.Storage.Tests;

/// <summary>The store contract against a plain local folder: the baseline every server is held to.</summary>
public sealed class LocalFolderStoreTests : StoreContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ffs-local-");
    private readonly LocalFolderStore _store;

    public LocalFolderStoreTests() => _store = new LocalFolderStore(_root.FullName);

    protected override IRemoteStore Store => _store;

    protected override void Seed(RemotePath path, byte[] content) => File.WriteAllBytes(_store.FullPathOf(path), content);

    [Fact]
    public void A_missing_root_folder_is_a_clear_error()
    {
        var error = Assert.Throws<StorageException>(() => new LocalFolderStore(Path.Combine(_root.FullName, "absent")));
        Assert.Contains("absent", error.Message);
    }

    public void Dispose() => _root.Delete(recursive: true);
}
