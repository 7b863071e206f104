using System.Collections.Concurrent;
using FacilityFS.Storage;
using FacilityFS.Vfs.Cache;
using FacilityFS.Vfs.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Vfs;

/// <summary>The platform-neutral file system over a remote store: an os-like API on inode numbers and handles that FUSE and WinFsp adapters only translate.</summary>
/// <remarks>Read-only for now: every change answers <see cref="VfsError.ReadOnly"/>. Lock order: <see cref="InodeTable"/> before a <see cref="Node"/>'s gate.</remarks>
public sealed class VirtualFileSystem : IAsyncDisposable
{
    public const ulong RootInode = InodeTable.RootInode;

    private readonly IRemoteStore _store;
    private readonly VfsOptions _options;
    private readonly ILogger _logger;
    private readonly InodeTable _inodes;
    private readonly MemoryBudget _budget;
    private readonly ConcurrentDictionary<ulong, OpenFile> _files = new();
    private readonly ConcurrentDictionary<ulong, IReadOnlyList<VfsEntry>> _directories = new();
    private long _nextHandle;

    private sealed record OpenFile(Node Node, FileVersion Version, ReadAhead ReadAhead);

    private VirtualFileSystem(IRemoteStore store, VfsOptions options, RemoteEntry root, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _budget = new MemoryBudget(options.MemoryBudget);
        Blocks = new BlockCache(store, options, _budget, logger);
        _inodes = new InodeTable(root, Environment.TickCount64);
    }

    /// <summary>Connects to the store and builds the core over the folder <paramref name="root"/> (the store's root when null).</summary>
    public static async Task<VirtualFileSystem> CreateAsync(IRemoteStore store, VfsOptions options, RemotePath? root = null,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        RemoteEntry top;
        try
        {
            top = await store.StatAsync(root ?? RemotePath.Root, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            throw VfsException.From(e);
        }
        if (!top.IsDirectory) throw new VfsException(VfsError.NotDirectory, $"{top.Path} on {store.DisplayName} is a file, not a folder");
        return new VirtualFileSystem(store, options, top, logger ?? NullLogger.Instance);
    }

    public VfsOptions Options => _options;

    /// <summary>Raised (with the inode) when a file turns out to have changed on the store, so an adapter can drop the OS's cached pages of it.</summary>
    public event Action<ulong>? ContentChanged;

    public BlockCache Blocks { get; }

    public int InodeCount => _inodes.Count;

    /// <summary>Resolves a name in a folder and counts one kernel reference to it.</summary>
    public async ValueTask<VfsEntry> LookupAsync(ulong parent, string name, CancellationToken cancellationToken = default)
    {
        var folder = NodeOf(parent);
        var listing = await ListingAsync(folder, cancellationToken).ConfigureAwait(false);
        var entry = listing.Find(name) ?? throw new VfsException(VfsError.NotFound, $"{folder.Path.Combine(name)} does not exist");
        var node = _inodes.GetOrAdd(entry, listing.FetchedAt);
        _inodes.AddLookup(node);
        return new VfsEntry(name, AttributesOf(node));
    }

    public void Forget(ulong inode, ulong count) => _inodes.Forget(inode, count);

    public async ValueTask<VfsAttributes> GetAttributesAsync(ulong inode, CancellationToken cancellationToken = default)
    {
        var node = NodeOf(inode);
        await RevalidateAsync(node, cancellationToken).ConfigureAwait(false);
        return AttributesOf(node);
    }

    /// <summary>Takes a snapshot of a folder's entries (fresh within the directory cache time) for one directory handle.</summary>
    public async ValueTask<ulong> OpenDirectoryAsync(ulong inode, CancellationToken cancellationToken = default)
    {
        var node = NodeOf(inode);
        if (!node.Entry.IsDirectory) throw new VfsException(VfsError.NotDirectory, $"{node.Path} is not a folder");
        var listing = await ListingAsync(node, cancellationToken).ConfigureAwait(false);
        var entries = listing.Children
            .Where(c => !c.Name.StartsWith(Storage.Transfers.VerifiedUpload.TemporaryPrefix, StringComparison.Ordinal))
            .Select(c => new VfsEntry(c.Name, AttributesOf(_inodes.GetOrAdd(c, listing.FetchedAt))))
            .ToList();
        var handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _directories[handle] = entries;
        return handle;
    }

    /// <summary>The entries of an open directory handle, in a stable order, so offsets into it stay valid.</summary>
    public IReadOnlyList<VfsEntry> DirectoryEntries(ulong handle) =>
        _directories.TryGetValue(handle, out var entries) ? entries : throw new VfsException(VfsError.BadHandle, $"directory handle {handle} is not open");

    /// <summary>Counts a kernel reference handed out with a directory entry (readdirplus).</summary>
    public void AddLookup(ulong inode) => _inodes.AddLookup(NodeOf(inode));

    /// <summary>The parent folder's inode, for "..".</summary>
    public ulong ParentOf(ulong inode)
    {
        var node = NodeOf(inode);
        if (inode == RootInode) return RootInode;
        var parent = _inodes.GetOrAdd(new RemoteEntry(node.Path.Parent, true, 0, null, null), 0);
        return parent.Inode;
    }

    public void ReleaseDirectory(ulong handle) => _directories.TryRemove(handle, out _);

    /// <summary>Opens a file for reading; the kernel may keep its cached pages only when the file has not changed since it last opened it.</summary>
    public async ValueTask<VfsOpenResult> OpenAsync(ulong inode, bool write, CancellationToken cancellationToken = default)
    {
        var node = NodeOf(inode);
        if (node.Entry.IsDirectory) throw new VfsException(VfsError.IsDirectory, $"{node.Path} is a folder");
        if (write && _options.ReadOnly) throw new VfsException(VfsError.ReadOnly, $"{node.Path}: the mount is read-only");
        await RevalidateAsync(node, cancellationToken).ConfigureAwait(false);
        FileVersion version;
        bool keepCache;
        lock (node.Gate)
        {
            version = FileVersion.Of(node.Entry);
            keepCache = node.OpenedVersion == version.Version;
            node.OpenedVersion = version.Version;
        }
        var handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _files[handle] = new OpenFile(node, version, new ReadAhead(Blocks, version, _options.MinReadAhead, _options.MaxReadAhead));
        return new VfsOpenResult(handle, keepCache);
    }

    /// <summary>Reads into <paramref name="destination"/> from <paramref name="offset"/>; fewer bytes only at the end of the file.</summary>
    public async ValueTask<int> ReadAsync(ulong handle, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var file = FileOf(handle);
        if (offset < 0) throw new VfsException(VfsError.InvalidArgument, $"negative offset {offset} in {file.Version.Path}");
        var length = LengthAt(file, offset, destination.Length);
        if (length == 0) return 0;
        file.ReadAhead.OnRead(offset, length);
        var copied = 0;
        while (copied < length)
        {
            var (block, within) = await BlockAtAsync(file, offset + copied, cancellationToken).ConfigureAwait(false);
            try
            {
                var n = Math.Min(block.Length - within, length - copied);
                block.Span.Slice(within, n).CopyTo(destination.Span[copied..]);
                copied += n;
            }
            finally
            {
                block.Release();
            }
        }
        return copied;
    }

    /// <summary>Like <see cref="ReadAsync"/>, but lends the bytes straight from the cached block when the range lies in one (the usual case), saving a copy.</summary>
    public async ValueTask<ReadLease> ReadLeaseAsync(ulong handle, long offset, int size, CancellationToken cancellationToken = default)
    {
        var file = FileOf(handle);
        var length = offset < 0 ? 0 : LengthAt(file, offset, size);
        var blockSize = Blocks.BlockSize;
        if (length > 0 && offset / blockSize == (offset + length - 1) / blockSize)
        {
            file.ReadAhead.OnRead(offset, length);
            var (block, within) = await BlockAtAsync(file, offset, cancellationToken).ConfigureAwait(false);
            if (block.Length - within >= length) return new ReadLease(block, within, length);
            block.Release();
            throw ShorterThanOpened(file);
        }
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            return new ReadLease(copy, await ReadAsync(handle, offset, copy.AsMemory(0, size), cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(copy);
            throw;
        }
    }

    private OpenFile FileOf(ulong handle) =>
        _files.TryGetValue(handle, out var file) ? file : throw new VfsException(VfsError.BadHandle, $"file handle {handle} is not open");

    /// <summary>How many of <paramref name="size"/> bytes from <paramref name="offset"/> lie inside the file as it was opened.</summary>
    private static int LengthAt(OpenFile file, long offset, int size) =>
        offset >= file.Version.Size ? 0 : (int)Math.Min(size, file.Version.Size - offset);

    /// <summary>The block holding <paramref name="position"/>, acquired for the caller, and where the position lies in it.</summary>
    private async ValueTask<(Block Block, int Within)> BlockAtAsync(OpenFile file, long position, CancellationToken cancellationToken)
    {
        Block block;
        try
        {
            block = await Blocks.GetAsync(file.Version, position / Blocks.BlockSize, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            throw VfsException.From(e);
        }
        var within = (int)(position % Blocks.BlockSize);
        if (block.Length > within) return (block, within);
        block.Release();
        throw ShorterThanOpened(file);
    }

    private static VfsException ShorterThanOpened(OpenFile file) =>
        new(VfsError.Stale, $"{file.Version.Path} is shorter on the server than when it was opened");

    public void Release(ulong handle) => _files.TryRemove(handle, out _);

    public VfsFileSystemInfo FileSystemInfo() => new(_options.BlockSize, 1L << 40, 1L << 39, 1L << 30, 1L << 29, 255);

    /// <summary>Refuses every change while the mount is read-only, naming the path the caller tried.</summary>
    public VfsException ReadOnlyError(ulong parent, string? name)
    {
        var path = NodeOf(parent).Path;
        return new VfsException(VfsError.ReadOnly, $"{(name is null ? path : path.Combine(name))}: the mount is read-only");
    }

    private Node NodeOf(ulong inode) =>
        _inodes.Find(inode) ?? throw new VfsException(VfsError.BadHandle, $"inode {inode} is not known (forgotten or never looked up)");

    private VfsAttributes AttributesOf(Node node)
    {
        RemoteEntry entry;
        lock (node.Gate) entry = node.Entry;
        return new VfsAttributes(node.Inode, entry.IsDirectory, entry.Size, entry.LastModified ?? DateTimeOffset.UnixEpoch, _options.ReadOnly);
    }

    private bool IsFresh(long fetchedAt) => Environment.TickCount64 - fetchedAt < _options.DirectoryCacheTime.TotalMilliseconds;

    /// <summary>Asks the store again (PROPFIND Depth 0) about an entry older than the cache time.</summary>
    private async Task RevalidateAsync(Node node, CancellationToken cancellationToken)
    {
        long fetchedAt;
        lock (node.Gate) fetchedAt = node.FetchedAt;
        if (IsFresh(fetchedAt)) return;
        var now = Environment.TickCount64;
        RemoteEntry fresh;
        try
        {
            fresh = await _store.StatAsync(node.Path, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            throw VfsException.From(e);
        }
        bool changed;
        lock (node.Gate)
        {
            changed = !fresh.IsDirectory && fresh.VersionKey != node.Entry.VersionKey;
            if (changed) _logger.LogInformation("{Path} changed on the server ({Old} → {New})", node.Path, node.Entry.VersionKey, fresh.VersionKey);
            node.Entry = fresh;
            node.FetchedAt = now;
        }
        if (changed) ContentChanged?.Invoke(node.Inode);
    }

    /// <summary>The folder's listing, fresh within the cache time; concurrent callers share one PROPFIND.</summary>
    private async Task<DirectoryListing> ListingAsync(Node folder, CancellationToken cancellationToken)
    {
        Task<DirectoryListing> pending;
        lock (folder.Gate)
        {
            if (folder.Listing is { } cached && IsFresh(cached.FetchedAt)) return cached;
            // Started on the pool so its completion (which clears ListingUnderWay under this lock) always follows this assignment.
            pending = folder.ListingUnderWay ??= Task.Run(() => FetchListingAsync(folder));
        }
        return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<DirectoryListing> FetchListingAsync(Node folder)
    {
        try
        {
            var now = Environment.TickCount64;
            var children = new List<RemoteEntry>();
            await foreach (var child in _store.ListAsync(folder.Path).ConfigureAwait(false)) children.Add(child);
            children.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            var listing = new DirectoryListing(children, now);
            lock (folder.Gate)
            {
                folder.Listing = listing;
                folder.FetchedAt = now;
            }
            return listing;
        }
        catch (StorageException e)
        {
            throw VfsException.From(e);
        }
        finally
        {
            lock (folder.Gate) folder.ListingUnderWay = null;
        }
    }

    public ValueTask DisposeAsync() => Blocks.DisposeAsync();
}
