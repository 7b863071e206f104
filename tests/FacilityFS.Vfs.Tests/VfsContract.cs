using FacilityFS.TestServers;
using System.Text;
using FacilityFS.Storage;

namespace FacilityFS.Vfs.Tests;

/// <summary>The VFS promises without any kernel in the loop, over a store: the same behaviours the mount tests check through FUSE.</summary>
public abstract partial class VfsContract : IAsyncLifetime
{
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("ffs-vfs-cache-");

    protected abstract IRemoteStore Store { get; }

    protected RemotePath Root { get; private set; } = RemotePath.Root;

    protected VirtualFileSystem Vfs { get; private set; } = null!;

    protected static readonly byte[] Data = Enumerable.Range(0, (5 << 20) + 777).Select(i => (byte)(i * 31 + (i >> 11))).ToArray();

    protected virtual VfsOptions Options => new()
    {
        CacheDirectory = _cache.FullName,
        DirectoryCacheTime = TimeSpan.FromMilliseconds(300),
        BlockSize = 1 << 20,
    };

    public virtual async Task InitializeAsync()
    {
        Root = RemotePath.Parse("/v-" + Guid.NewGuid().ToString("N")[..10]);
        await Store.CreateDirectoryAsync(Root);
        await Store.CreateDirectoryAsync(Root.Child("sub"));
        await Store.WriteAsync(Root.Combine("sub/data.bin"), new MemoryStream(Data), Data.Length);
        await Store.WriteAsync(Root.Child("small.txt"), new MemoryStream("small"u8.ToArray()), 5);
        Vfs = await VirtualFileSystem.CreateAsync(Store, Options, Root);
    }

    public virtual async Task DisposeAsync()
    {
        await Vfs.DisposeAsync();
        _cache.Delete(recursive: true);
    }

    protected async Task<byte[]> ReadAllAsync(ulong inode, int chunk = 128 << 10)
    {
        var opened = await Vfs.OpenAsync(inode, VfsOpenFlags.Read);
        using var result = new MemoryStream();
        var buffer = new byte[chunk];
        int n;
        while ((n = await Vfs.ReadAsync(opened.Handle, result.Length, buffer)) > 0) result.Write(buffer, 0, n);
        Vfs.Release(opened.Handle);
        return result.ToArray();
    }

    [Fact]
    public async Task Lookup_and_listing_give_stable_inodes_with_sizes()
    {
        var sub = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "sub");
        Assert.True(sub.Attributes.IsDirectory);
        var file = await Vfs.LookupAsync(sub.Attributes.Inode, "data.bin");
        Assert.Equal(Data.Length, file.Attributes.Size);
        var handle = await Vfs.OpenDirectoryAsync(sub.Attributes.Inode);
        var listed = Assert.Single(Vfs.DirectoryEntries(handle));
        Assert.Equal(file.Attributes.Inode, listed.Attributes.Inode);
        Vfs.ReleaseDirectory(handle);
        Assert.Equal(sub.Attributes.Inode, (await Vfs.LookupAsync(VirtualFileSystem.RootInode, "sub")).Attributes.Inode);
        Assert.Equal(VirtualFileSystem.RootInode, Vfs.ParentOf(sub.Attributes.Inode));
    }

    [Fact]
    public async Task Missing_names_and_wrong_kinds_fail_with_the_core_errors()
    {
        var missing = await Assert.ThrowsAsync<VfsException>(() => Vfs.LookupAsync(VirtualFileSystem.RootInode, "nope").AsTask());
        Assert.Equal(VfsError.NotFound, missing.Error);
        var small = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "small.txt");
        Assert.Equal(VfsError.NotDirectory, (await Assert.ThrowsAsync<VfsException>(() => Vfs.OpenDirectoryAsync(small.Attributes.Inode).AsTask())).Error);
        Assert.Equal(VfsError.ReadOnly, (await Assert.ThrowsAsync<VfsException>(() => Vfs.OpenAsync(small.Attributes.Inode, VfsOpenFlags.Write).AsTask())).Error);
        Assert.Equal(VfsError.BadHandle, (await Assert.ThrowsAsync<VfsException>(() => Vfs.ReadAsync(999_999, 0, new byte[1]).AsTask())).Error);
        Assert.Equal(VfsError.BadHandle, (await Assert.ThrowsAsync<VfsException>(() => Vfs.GetAttributesAsync(424_242).AsTask())).Error);
    }

    [Fact]
    public async Task Sequential_and_random_reads_return_the_stored_bytes()
    {
        var sub = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "sub");
        var file = await Vfs.LookupAsync(sub.Attributes.Inode, "data.bin");
        Assert.Equal(Data, await ReadAllAsync(file.Attributes.Inode));
        var opened = await Vfs.OpenAsync(file.Attributes.Inode, VfsOpenFlags.Read);
        var random = new Random(3);
        var buffer = new byte[40_000];
        for (var i = 0; i < 200; i++)
        {
            var offset = random.Next(0, Data.Length + 10);
            var n = await Vfs.ReadAsync(opened.Handle, offset, buffer);
            Assert.Equal(Math.Max(0, Math.Min(buffer.Length, Data.Length - offset)), n);
            Assert.True(buffer.AsSpan(0, n).SequenceEqual(Data.AsSpan(Math.Min(offset, Data.Length), n)));
        }
        Vfs.Release(opened.Handle);
    }

    [Fact]
    public async Task A_file_changed_on_the_store_is_seen_after_the_cache_time_and_its_pages_are_not_kept()
    {
        var small = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "small.txt");
        Assert.Equal("small", Encoding.UTF8.GetString(await ReadAllAsync(small.Attributes.Inode)));
        var reopened = await Vfs.OpenAsync(small.Attributes.Inode, VfsOpenFlags.Read);
        Assert.True(reopened.KeepCache);
        Vfs.Release(reopened.Handle);
        await Store.WriteAsync(Root.Child("small.txt"), new MemoryStream("changed, and longer"u8.ToArray()), 19);
        Assert.True(await Eventually.HoldsAsync(async () => (await Vfs.GetAttributesAsync(small.Attributes.Inode)).Size == 19, TimeSpan.FromSeconds(15)));
        var afterChange = await Vfs.OpenAsync(small.Attributes.Inode, VfsOpenFlags.Read);
        Assert.False(afterChange.KeepCache);
        Vfs.Release(afterChange.Handle);
        Assert.Equal("changed, and longer", Encoding.UTF8.GetString(await ReadAllAsync(small.Attributes.Inode)));
    }

    [Fact]
    public async Task A_second_core_on_the_same_cache_folder_reads_without_fetching()
    {
        var sub = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "sub");
        var file = await Vfs.LookupAsync(sub.Attributes.Inode, "data.bin");
        await ReadAllAsync(file.Attributes.Inode);
        await Vfs.DisposeAsync();
        Vfs = await VirtualFileSystem.CreateAsync(Store, Options, Root);
        sub = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "sub");
        file = await Vfs.LookupAsync(sub.Attributes.Inode, "data.bin");
        Assert.Equal(Data, await ReadAllAsync(file.Attributes.Inode));
        Assert.Equal(0, Vfs.Blocks.Requests);
    }

    [Fact]
    public async Task Forgotten_inodes_leave_the_table()
    {
        var before = Vfs.InodeCount;
        var small = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "small.txt");
        await Vfs.LookupAsync(VirtualFileSystem.RootInode, "small.txt");
        Assert.Equal(before + 1, Vfs.InodeCount);
        Vfs.Forget(small.Attributes.Inode, 1);
        Assert.Equal(before + 1, Vfs.InodeCount);
        Vfs.Forget(small.Attributes.Inode, 1);
        Assert.Equal(before, Vfs.InodeCount);
        Vfs.Forget(VirtualFileSystem.RootInode, 100);
        Assert.True((await Vfs.GetAttributesAsync(VirtualFileSystem.RootInode)).IsDirectory);
    }
}
