using FacilityFS.Storage;
using FacilityFS.Storage.Local;
using FacilityFS.Vfs;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Conformance.Targets;

/// <summary>A writable VFS core over a store (a local folder unless given another), with its spool in a temp folder of its own; "stored" is what the store holds after a sync.</summary>
public sealed class CoreOverStore : IAsyncDisposable
{
    private readonly DirectoryInfo _work;

    private readonly IRemoteStore _store;

    private CoreOverStore(DirectoryInfo work, IRemoteStore store, VirtualFileSystem vfs)
    {
        _work = work;
        _store = store;
        Vfs = vfs;
    }

    public VirtualFileSystem Vfs { get; }

    /// <summary>The folder of the default local-folder store.</summary>
    public string StoreFolder => Path.Combine(_work.FullName, "store");

    public static async Task<CoreOverStore> StartAsync(IRemoteStore? store = null)
    {
        var work = Directory.CreateTempSubdirectory("ffs-conform-core-");
        store ??= new LocalFolderStore(Directory.CreateDirectory(Path.Combine(work.FullName, "store")).FullName);
        var vfs = await VirtualFileSystem.CreateAsync(store, new VfsOptions
        {
            ReadOnly = false,
            WriteBack = new WriteBackOptions
            {
                SpoolDirectory = Path.Combine(work.FullName, "spool"),
                SpoolLimit = 1L << 30,
                UploadDelay = TimeSpan.Zero,
                HostName = "conformance",
            },
        });
        return new CoreOverStore(work, store, vfs);
    }

    /// <summary>The store's copy of <paramref name="path"/> once every closed file is uploaded; a failed upload fails the test with its reason.</summary>
    public async Task<byte[]?> StoredAsync(string path)
    {
        var failed = await Vfs.SyncAsync(TimeSpan.FromMinutes(1));
        Assert.Empty(failed);
        try
        {
            await using var content = await _store.OpenReadAsync(RemotePath.Parse("/" + path));
            using var bytes = new MemoryStream();
            await content.Stream.CopyToAsync(bytes);
            return bytes.ToArray();
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Vfs.DisposeAsync();
        _work.Delete(recursive: true);
    }
}
