using FacilityFS.Vfs;

namespace FacilityFS.Conformance.Targets;

/// <summary>The bare VFS core, called as an adapter would (inode by inode, handles opened and released), with no kernel in the loop.</summary>
public sealed class VfsTarget(CoreOverStore core) : IConformanceTarget
{
    private VirtualFileSystem Vfs => core.Vfs;

    public static async Task<VfsTarget> StartAsync() => new(await CoreOverStore.StartAsync());

    public Task WriteAsync(string path, byte[] content) => InParentAsync(path, async (parent, name) =>
    {
        var (entry, open) = await Vfs.CreateAsync(parent, name, VfsOpenFlags.Write | VfsOpenFlags.Truncate);
        await Vfs.WriteAsync(open.Handle, 0, content);
        Close(open.Handle);
        Vfs.Forget(entry.Attributes.Inode, 1);
    });

    public Task AppendAsync(string path, byte[] content) => WithOpenAsync(path, VfsOpenFlags.Write | VfsOpenFlags.Append, (_, handle) => Vfs.WriteAsync(handle, 0, content).AsTask());

    public Task ResizeAsync(string path, long size) =>
        WithOpenAsync(path, VfsOpenFlags.ReadWrite, (inode, handle) => Vfs.SetAttributesAsync(inode, handle, size, null).AsTask());

    public async Task<byte[]> ReadAsync(string path)
    {
        byte[] content = [];
        await WithOpenAsync(path, VfsOpenFlags.Read, async (inode, handle) =>
        {
            content = new byte[(await Vfs.GetAttributesAsync(inode)).Size];
            var read = await Vfs.ReadAsync(handle, 0, content);
            Assert.Equal(content.Length, read);
        });
        return content;
    }

    public async Task<IReadOnlyList<string>> ListAsync(string folder)
    {
        IReadOnlyList<string> names = [];
        await Do(async () =>
        {
            var inode = await InodeOfAsync(folder);
            var handle = await Vfs.OpenDirectoryAsync(inode);
            names = Vfs.DirectoryEntries(handle).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
            Vfs.ReleaseDirectory(handle);
            Forget(inode);
        });
        return names;
    }

    public Task MakeFolderAsync(string path) =>
        InParentAsync(path, async (parent, name) => Forget((await Vfs.MakeDirectoryAsync(parent, name)).Attributes.Inode));

    public Task DeleteAsync(string path) => InParentAsync(path, (parent, name) => Vfs.UnlinkAsync(parent, name).AsTask());

    public Task DeleteFolderAsync(string path) => InParentAsync(path, (parent, name) => Vfs.RemoveDirectoryAsync(parent, name).AsTask());

    public Task RenameAsync(string from, string to, bool replace) => InParentAsync(from, (fromParent, fromName) =>
        InParentAsync(to, (toParent, toName) => Vfs.RenameAsync(fromParent, fromName, toParent, toName, noReplace: !replace).AsTask()));

    public Task<byte[]?> StoredAsync(string path) => core.StoredAsync(path);

    public ValueTask DisposeAsync() => core.DisposeAsync();

    /// <summary>flush then release, as close(2) arrives from FUSE.</summary>
    private void Close(ulong handle)
    {
        Vfs.Flush(handle);
        Vfs.Release(handle);
    }

    private Task WithOpenAsync(string path, VfsOpenFlags flags, Func<ulong, ulong, Task> body) => Do(async () =>
    {
        var inode = await InodeOfAsync(path);
        var open = await Vfs.OpenAsync(inode, flags);
        try
        {
            await body(inode, open.Handle);
        }
        finally
        {
            Close(open.Handle);
            Forget(inode);
        }
    });

    /// <summary>Resolves a path name by name, as the kernel's lookups do; every inode but the root is held once and forgotten by the caller.</summary>
    private async Task<ulong> InodeOfAsync(string path)
    {
        var inode = VirtualFileSystem.RootInode;
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var entry = await Vfs.LookupAsync(inode, name);
            Forget(inode);
            inode = entry.Attributes.Inode;
        }
        return inode;
    }

    /// <summary>Runs <paramref name="body"/> with the parent folder of <paramref name="path"/> held (the core keeps a node only while it is referenced) and the last name.</summary>
    private Task InParentAsync(string path, Func<ulong, string, Task> body) => Do(async () =>
    {
        var slash = path.LastIndexOf('/');
        var parent = await InodeOfAsync(slash < 0 ? "" : path[..slash]);
        try
        {
            await body(parent, path[(slash + 1)..]);
        }
        finally
        {
            Forget(parent);
        }
    });

    private void Forget(ulong inode)
    {
        if (inode != VirtualFileSystem.RootInode) Vfs.Forget(inode, 1);
    }

    private static async Task Do(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (VfsException e)
        {
            throw new TargetException(e.Error, e.Message);
        }
    }
}
