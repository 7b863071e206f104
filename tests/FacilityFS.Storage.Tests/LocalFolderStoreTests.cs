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

    [Fact]
    public async Task A_write_in_progress_is_not_listed_but_a_file_of_a_similar_name_is()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root.FullName, "wip")).FullName;
        File.WriteAllText(Path.Combine(folder, ".scan.h5." + Guid.NewGuid().ToString("N") + ".part"), "half");
        File.WriteAllText(Path.Combine(folder, ".scan.h5.notaguid.part"), "a user's own");
        var names = new List<string>();
        await foreach (var entry in _store.ListAsync(RemotePath.Parse("/wip"))) names.Add(entry.Path.Name);
        Assert.Equal([".scan.h5.notaguid.part"], names);
    }

    public void Dispose() => _root.Delete(recursive: true);
}
