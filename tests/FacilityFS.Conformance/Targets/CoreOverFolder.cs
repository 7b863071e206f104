using FacilityFS.Storage.Local;
using FacilityFS.Vfs;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Conformance.Targets;

/// <summary>A writable VFS core over a local-folder store, with its spool, all in a temp folder of its own; "stored" is what the store's folder holds after a sync.</summary>
public sealed class CoreOverFolder : IAsyncDisposable
{
    private readonly DirectoryInfo _work;

    private CoreOverFolder(DirectoryInfo work, VirtualFileSystem vfs)
    {
        _work = work;
        Vfs = vfs;
    }

    public VirtualFileSystem Vfs { get; }

    public string StoreFolder => Path.Combine(_work.FullName, "store");

    public static async Task<CoreOverFolder> StartAsync()
    {
        var work = Directory.CreateTempSubdirectory("ffs-conform-core-");
        var store = Directory.CreateDirectory(Path.Combine(work.FullName, "store")).FullName;
        var vfs = await VirtualFileSystem.CreateAsync(new LocalFolderStore(store), new VfsOptions
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
        return new CoreOverFolder(work, vfs);
    }

    /// <summary>The store's copy of <paramref name="path"/> once every closed file is uploaded; a failed upload fails the test with its reason.</summary>
    public async Task<byte[]?> StoredAsync(string path)
    {
        var failed = await Vfs.SyncAsync(TimeSpan.FromMinutes(1));
        Assert.Empty(failed);
        var file = Path.Combine(StoreFolder, path);
        return File.Exists(file) ? await File.ReadAllBytesAsync(file) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await Vfs.DisposeAsync();
        _work.Delete(recursive: true);
    }
}
