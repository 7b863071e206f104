using System.Collections.Concurrent;
using System.Text;
using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;
using FacilityFS.TestServers.Stores;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Vfs.Tests;

/// <summary>The write-back promises of the bare core (SEMANTICS.md, "Writing"), over a store, without a kernel in the loop.</summary>
public abstract class WriteContract : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-vfs-write-");
    private readonly ConcurrentQueue<FileCommitted> _committed = new();

    protected abstract IRemoteStore Store { get; }

    protected RemotePath Root { get; private set; } = RemotePath.Root;

    protected VirtualFileSystem Vfs { get; private set; } = null!;

    protected string Spool => Path.Combine(_work.FullName, "spool");

    public async Task InitializeAsync()
    {
        Root = RemotePath.Parse("/w-" + Guid.NewGuid().ToString("N")[..10]);
        await Store.CreateDirectoryAsync(Root);
        await Store.WriteAsync(Root.Child("existing.txt"), new MemoryStream("stored content"u8.ToArray()), 14);
        Vfs = await StartAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Vfs.DisposeAsync();
        _work.Delete(recursive: true);
    }

    protected async Task<VirtualFileSystem> StartAsync(TimeSpan? uploadDelay = null, long spoolLimit = 1L << 30, bool fsyncRemote = false, IRemoteStore? store = null,
        TimeSpan? directoryCacheTime = null)
    {
        var vfs = await VirtualFileSystem.CreateAsync(store ?? Store, new VfsOptions
        {
            ReadOnly = false,
            DirectoryCacheTime = directoryCacheTime ?? TimeSpan.FromSeconds(30),
            WriteBack = new WriteBackOptions
            {
                SpoolDirectory = Spool,
                SpoolLimit = spoolLimit,
                UploadDelay = uploadDelay ?? TimeSpan.FromMilliseconds(50),
                RetryFirstDelay = TimeSpan.FromMilliseconds(100),
                RetryMaxDelay = TimeSpan.FromMilliseconds(400),
                FsyncRemote = fsyncRemote,
                HostName = "testhost",
            },
        }, Root);
        vfs.FileCommitted += _committed.Enqueue;
        return vfs;
    }

    protected async Task RestartAsync(TimeSpan? uploadDelay = null, long spoolLimit = 1L << 30, bool fsyncRemote = false, IRemoteStore? store = null,
        TimeSpan? directoryCacheTime = null)
    {
        await Vfs.DisposeAsync();
        Vfs = await StartAsync(uploadDelay, spoolLimit, fsyncRemote, store, directoryCacheTime);
    }

    protected async Task<string> StoredTextAsync(string relative)
    {
        await using var content = await Store.OpenReadAsync(Root.Combine(relative));
        using var reader = new StreamReader(content.Stream);
        return await reader.ReadToEndAsync();
    }

    protected async Task<bool> StoredAsync(string relative) => await Store.TryStatAsync(Root.Combine(relative)) is not null;

    protected async Task<ulong> CreateAsync(string name, string text, ulong? folder = null)
    {
        var (_, opened) = await Vfs.CreateAsync(folder ?? VirtualFileSystem.RootInode, name, VfsOpenFlags.Write | VfsOpenFlags.Truncate);
        Assert.True(Vfs.TryWrite(opened.Handle, 0, Encoding.UTF8.GetBytes(text)));
        return opened.Handle;
    }

    protected async Task<string> ReadTextAsync(ulong inode)
    {
        var opened = await Vfs.OpenAsync(inode, VfsOpenFlags.Read);
        var buffer = new byte[1 << 16];
        var n = await Vfs.ReadAsync(opened.Handle, 0, buffer);
        Vfs.Release(opened.Handle);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public async Task The_state_of_a_path_is_its_files_and_a_missing_name_or_a_folder_has_none_naming_it()
    {
        var folder = await Vfs.MakeDirectoryAsync(VirtualFileSystem.RootInode, "sub");
        var handle = await CreateAsync("new.txt", "pending", folder.Attributes.Inode);
        var known = Vfs.InodeCount;
        Assert.Equal("open", await Vfs.StateOfAsync("/sub/new.txt"));
        Assert.Equal("committed", await Vfs.StateOfAsync("existing.txt"));
        Assert.Contains("sub/missing.txt", (await Assert.ThrowsAsync<VfsException>(() => Vfs.StateOfAsync("/sub/missing.txt").AsTask())).Message);
        var isFolder = await Assert.ThrowsAsync<VfsException>(() => Vfs.StateOfAsync("/sub").AsTask());
        Assert.Equal(VfsError.NotSupported, isFolder.Error);
        Assert.Contains("sub is a folder", isFolder.Message);
        // The lookups taken on the way are given back: asking leaves no inode behind.
        Assert.Equal(known, Vfs.InodeCount);
        Vfs.Release(handle);
    }

    [Fact]
    public async Task A_created_file_is_readable_and_listed_at_once_and_on_the_store_after_close_with_its_checksum()
    {
        var handle = await CreateAsync("new.txt", "hello, storage");
        var entry = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "new.txt");
        Assert.Equal(14, entry.Attributes.Size);
        Assert.Equal("open", Vfs.StateOf(entry.Attributes.Inode));
        Assert.Equal("hello, storage", await ReadTextAsync(entry.Attributes.Inode));
        var listing = await Vfs.OpenDirectoryAsync(VirtualFileSystem.RootInode);
        Assert.Contains(Vfs.DirectoryEntries(listing), e => e.Name == "new.txt" && e.Attributes.Size == 14);
        Vfs.ReleaseDirectory(listing);
        Assert.False(await StoredAsync("new.txt"));
        Vfs.Release(handle);
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("hello, storage", await StoredTextAsync("new.txt"));
        Assert.Equal("committed", Vfs.StateOf(entry.Attributes.Inode));
        var committed = Assert.Single(_committed);
        Assert.Equal(Root.Child("new.txt"), committed.Path);
        Assert.Equal(14, committed.Size);
        Assert.Equal(Adler32.ChecksumOf(Adler32.Compute("hello, storage"u8)), committed.Checksum);
        Assert.Empty(Vfs.Status().Pending);
    }

    [Fact]
    public async Task A_listing_the_server_answers_while_an_upload_commits_still_shows_the_file()
    {
        var held = new HeldListingStore(Store);
        await RestartAsync(uploadDelay: TimeSpan.FromMinutes(10), store: held, directoryCacheTime: TimeSpan.Zero);
        Vfs.Release(await CreateAsync("keep.txt", "keep"));
        held.HoldNextListing();
        var opening = Vfs.OpenDirectoryAsync(VirtualFileSystem.RootInode).AsTask();
        // The server has read the folder (without keep.txt); the upload commits before its answer arrives.
        await held.Taken.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        held.Release();
        var listing = await opening;
        Assert.Contains(Vfs.DirectoryEntries(listing), e => e.Name == "keep.txt" && e.Attributes.Size == 4);
        Vfs.ReleaseDirectory(listing);
        Assert.Equal(4, (await Vfs.LookupAsync(VirtualFileSystem.RootInode, "keep.txt")).Attributes.Size);
    }

    [Fact]
    public async Task A_pending_file_renamed_is_uploaded_once_under_its_new_name_and_one_deleted_never()
    {
        await RestartAsync(uploadDelay: TimeSpan.FromMinutes(10));
        Vfs.Release(await CreateAsync("first.txt", "renamed before upload"));
        Vfs.Release(await CreateAsync("doomed.txt", "deleted before upload"));
        await Vfs.RenameAsync(VirtualFileSystem.RootInode, "first.txt", VirtualFileSystem.RootInode, "second.txt", noReplace: false);
        await Vfs.UnlinkAsync(VirtualFileSystem.RootInode, "doomed.txt");
        Assert.Equal(VfsError.NotFound, (await Assert.ThrowsAsync<VfsException>(() => Vfs.LookupAsync(VirtualFileSystem.RootInode, "doomed.txt").AsTask())).Error);
        Assert.Single(Vfs.Status().Pending);
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("renamed before upload", await StoredTextAsync("second.txt"));
        Assert.False(await StoredAsync("first.txt"));
        Assert.False(await StoredAsync("doomed.txt"));
        Assert.Equal([Root.Child("second.txt")], _committed.Select(c => c.Path));
    }

    [Fact]
    public async Task Opening_a_stored_file_without_truncate_starts_from_its_content_and_append_and_truncate_work()
    {
        var existing = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "existing.txt");
        var append = await Vfs.OpenAsync(existing.Attributes.Inode, VfsOpenFlags.Write | VfsOpenFlags.Append);
        Assert.True(Vfs.TryWrite(append.Handle, 0, " and more"u8));
        Vfs.Release(append.Handle);
        Assert.Equal("stored content and more", await ReadTextAsync(existing.Attributes.Inode));
        await Vfs.SetAttributesAsync(existing.Attributes.Inode, null, 6, null);
        Assert.Equal("stored", await ReadTextAsync(existing.Attributes.Inode));
        var overwrite = await Vfs.OpenAsync(existing.Attributes.Inode, VfsOpenFlags.ReadWrite);
        Assert.True(Vfs.TryWrite(overwrite.Handle, 3, "RED"u8));
        Vfs.Release(overwrite.Handle);
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("stoRED", await StoredTextAsync("existing.txt"));
        // An open for writing that changes nothing uploads nothing.
        var before = _committed.Count;
        var untouched = await Vfs.OpenAsync(existing.Attributes.Inode, VfsOpenFlags.ReadWrite);
        Vfs.Release(untouched.Handle);
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(before, _committed.Count);
    }

    [Fact]
    public async Task A_file_changed_on_the_store_while_written_here_keeps_both_versions()
    {
        var existing = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "existing.txt");
        var opened = await Vfs.OpenAsync(existing.Attributes.Inode, VfsOpenFlags.Write | VfsOpenFlags.Truncate);
        Assert.True(Vfs.TryWrite(opened.Handle, 0, "ours"u8));
        await Task.Delay(1100);
        await Store.WriteAsync(Root.Child("existing.txt"), new MemoryStream("theirs"u8.ToArray()), 6);
        Vfs.Release(opened.Handle);
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("theirs", await StoredTextAsync("existing.txt"));
        var conflict = Assert.Single(Vfs.Status().Conflicts);
        Assert.Equal(Root.Child("existing.txt").Value, conflict.Path);
        Assert.StartsWith(Root.Child("existing.txt.conflict-testhost-").Value, conflict.KeptAs);
        Assert.Equal("ours", await StoredTextAsync(RemotePath.Parse(conflict.KeptAs).RelativeTo(Root)));
        Assert.Equal(Root.Child("existing.txt"), Assert.Single(_committed).ConflictOf);
    }

    [Fact]
    public async Task Files_closed_before_a_restart_are_uploaded_by_the_next_core_from_the_journal()
    {
        await RestartAsync(uploadDelay: TimeSpan.FromMinutes(10));
        for (var i = 0; i < 20; i++) Vfs.Release(await CreateAsync($"r{i}.txt", $"file {i}"));
        Assert.Equal(20, Vfs.Status().Pending.Count);
        await RestartAsync();
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        for (var i = 0; i < 20; i++) Assert.Equal($"file {i}", await StoredTextAsync($"r{i}.txt"));
        // The last holder of a committed file (its upload) lets go a moment after the commit is recorded.
        for (var i = 0; i < 40 && Directory.GetFiles(Path.Combine(Spool, "files")).Length > 0; i++) await Task.Delay(50);
        Assert.Empty(Directory.GetFiles(Path.Combine(Spool, "files")));
        Assert.Empty(Vfs.Status().Pending);
    }

    [Fact]
    public async Task Folders_are_made_at_once_and_renamed_with_their_pending_files()
    {
        var folder = await Vfs.MakeDirectoryAsync(VirtualFileSystem.RootInode, "run1");
        Assert.True((await Store.StatAsync(Root.Child("run1"))).IsDirectory);
        await RestartAsync(uploadDelay: TimeSpan.FromMinutes(10));
        folder = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "run1");
        Vfs.Release(await CreateAsync("frame.raw", "pixels", folder.Attributes.Inode));
        Assert.Equal(VfsError.NotEmpty, (await Assert.ThrowsAsync<VfsException>(() => Vfs.RemoveDirectoryAsync(VirtualFileSystem.RootInode, "run1").AsTask())).Error);
        await Vfs.RenameAsync(VirtualFileSystem.RootInode, "run1", VirtualFileSystem.RootInode, "run2", noReplace: true);
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("pixels", await StoredTextAsync("run2/frame.raw"));
        Assert.False(await StoredAsync("run1"));
        await Vfs.UnlinkAsync(folder.Attributes.Inode, "frame.raw");
        await Vfs.RemoveDirectoryAsync(VirtualFileSystem.RootInode, "run2");
        Assert.False(await StoredAsync("run2"));
    }

    [Fact]
    public async Task Fsync_in_remote_mode_returns_once_the_file_is_on_the_store()
    {
        await RestartAsync(uploadDelay: TimeSpan.FromMinutes(10), fsyncRemote: true);
        var handle = await CreateAsync("synced.txt", "durable");
        await Vfs.FsyncAsync(handle);
        Assert.Equal("durable", await StoredTextAsync("synced.txt"));
        Assert.True(Vfs.TryWrite(handle, 7, " twice"u8));
        await Vfs.FsyncAsync(handle);
        Assert.Equal("durable twice", await StoredTextAsync("synced.txt"));
        Vfs.Release(handle);
    }

    [Fact]
    public async Task A_refused_upload_is_kept_with_its_reason_and_a_passing_outage_is_retried()
    {
        var faulty = new FaultyStore(Store);
        await RestartAsync(store: faulty);
        faulty.Refuse = StorageErrorKind.PermissionDenied;
        Vfs.Release(await CreateAsync("refused.txt", "keep me"));
        var failed = Assert.Single(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("failed", failed.State);
        Assert.Contains("refused by the test", failed.Error);
        var entry = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "refused.txt");
        Assert.StartsWith("failed: ", Vfs.StateOf(entry.Attributes.Inode));
        Assert.Equal("keep me", await ReadTextAsync(entry.Attributes.Inode));
        faulty.Refuse = StorageErrorKind.Unavailable;
        faulty.RefusalsLeft = 3;
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("keep me", await StoredTextAsync("refused.txt"));
        Assert.True(faulty.Refused >= 4);
    }

    [Fact]
    public async Task A_full_spool_makes_writers_wait_until_an_upload_gives_room_back()
    {
        await RestartAsync(uploadDelay: TimeSpan.FromMinutes(10), spoolLimit: 1 << 20);
        var big = new byte[1 << 20];
        var (_, first) = await Vfs.CreateAsync(VirtualFileSystem.RootInode, "first.bin", VfsOpenFlags.Write);
        Assert.True(Vfs.TryWrite(first.Handle, 0, big));
        Vfs.Release(first.Handle);
        var (_, second) = await Vfs.CreateAsync(VirtualFileSystem.RootInode, "second.bin", VfsOpenFlags.Write);
        Assert.False(Vfs.TryWrite(second.Handle, 0, big));
        await Vfs.WriteAsync(second.Handle, 0, big).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await StoredAsync("first.bin"));
        Vfs.Release(second.Handle);
        Assert.Empty(await Vfs.SyncAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1 << 20, (await Store.StatAsync(Root.Child("second.bin"))).Size);
    }

    [Fact]
    public async Task Links_special_files_overlong_names_and_enormous_sizes_are_refused_by_the_core_itself()
    {
        const ulong root = VirtualFileSystem.RootInode;
        var existing = await Vfs.LookupAsync(root, "existing.txt");
        Assert.Equal(VfsError.NotPermitted, Assert.Throws<VfsException>(() => Vfs.MakeSymbolicLink(root, "soft")).Error);
        Assert.Equal(VfsError.NotPermitted, Assert.Throws<VfsException>(() => Vfs.MakeHardLink(existing.Attributes.Inode, root, "hard")).Error);
        Assert.Equal(VfsError.InvalidArgument, Assert.Throws<VfsException>(() => Vfs.Exchange(root, "existing.txt", root, "other")).Error);
        foreach (var type in new[] { VfsNodeType.Fifo, VfsNodeType.Socket, VfsNodeType.CharacterDevice, VfsNodeType.BlockDevice, VfsNodeType.Unknown })
            Assert.Equal(VfsError.NotPermitted, (await Assert.ThrowsAsync<VfsException>(() => Vfs.MakeNodeAsync(root, "special", type).AsTask())).Error);
        var plain = await Vfs.MakeNodeAsync(root, "plain", VfsNodeType.RegularFile);
        Assert.Equal(0, plain.Attributes.Size);

        var tooLong = new string('n', Store.Capabilities.MaxNameLength + 1);
        Assert.Equal(VfsError.NameTooLong, (await Assert.ThrowsAsync<VfsException>(() => Vfs.CreateAsync(root, tooLong, VfsOpenFlags.Write).AsTask())).Error);
        Assert.Equal(VfsError.NameTooLong, (await Assert.ThrowsAsync<VfsException>(() => Vfs.MakeDirectoryAsync(root, tooLong).AsTask())).Error);
        Assert.Equal(VfsError.NameTooLong, (await Assert.ThrowsAsync<VfsException>(() => Vfs.RenameAsync(root, "plain", root, tooLong, noReplace: false).AsTask())).Error);

        var tooLarge = await Assert.ThrowsAsync<VfsException>(() => Vfs.SetAttributesAsync(plain.Attributes.Inode, null, VirtualFileSystem.MaxFileSize + 1, null).AsTask());
        Assert.Equal(VfsError.FileTooLarge, tooLarge.Error);
        Assert.Equal(0, (await Vfs.GetAttributesAsync(plain.Attributes.Inode)).Size);
        Assert.False(await StoredAsync("soft"));
        Assert.False(await StoredAsync("special"));
    }

    [Fact]
    public async Task A_read_only_core_refuses_every_change()
    {
        await using var readOnly = await VirtualFileSystem.CreateAsync(Store, new VfsOptions(), Root);
        var existing = await readOnly.LookupAsync(VirtualFileSystem.RootInode, "existing.txt");
        Assert.Equal(VfsError.ReadOnly, (await Assert.ThrowsAsync<VfsException>(() => readOnly.OpenAsync(existing.Attributes.Inode, VfsOpenFlags.Write).AsTask())).Error);
        Assert.Equal(VfsError.ReadOnly, (await Assert.ThrowsAsync<VfsException>(() => readOnly.CreateAsync(VirtualFileSystem.RootInode, "x", VfsOpenFlags.Write).AsTask())).Error);
        Assert.Equal(VfsError.ReadOnly, (await Assert.ThrowsAsync<VfsException>(() => readOnly.MakeDirectoryAsync(VirtualFileSystem.RootInode, "d").AsTask())).Error);
        Assert.Equal(VfsError.ReadOnly, (await Assert.ThrowsAsync<VfsException>(() => readOnly.UnlinkAsync(VirtualFileSystem.RootInode, "existing.txt").AsTask())).Error);
        Assert.Equal(VfsError.ReadOnly, Assert.Throws<VfsException>(() => readOnly.MakeSymbolicLink(VirtualFileSystem.RootInode, "soft")).Error);
        Assert.True(await StoredAsync("existing.txt"));
    }
}
