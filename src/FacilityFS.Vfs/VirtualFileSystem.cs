using System.Collections.Concurrent;
using FacilityFS.Storage;
using FacilityFS.Vfs.Cache;
using FacilityFS.Vfs.Nodes;
using FacilityFS.Vfs.Writes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Vfs;

/// <summary>The platform-neutral file system over a remote store: an os-like API on inode numbers and handles that FUSE and WinFsp adapters only translate.</summary>
/// <remarks>
/// This part holds names, attributes and listings; reads, writes and namespace changes have files of their own.
/// Lock order: <see cref="InodeTable"/> before a <see cref="Node"/>'s gate; a node's gate never around a <see cref="DirtyFile"/>'s.
/// </remarks>
public sealed partial class VirtualFileSystem : IAsyncDisposable, IPendingUploads, ICommittedFiles
{
    public const ulong RootInode = InodeTable.RootInode;

    private readonly IRemoteStore _store;
    private readonly VfsOptions _options;
    private readonly ILogger _logger;
    private readonly InodeTable _inodes;
    private readonly MemoryBudget _budget;
    private readonly Spool? _spool;
    private readonly WriteBack? _writeBack;
    private readonly ConcurrentDictionary<ulong, OpenFile> _files = new();
    private readonly ConcurrentDictionary<ulong, IReadOnlyList<VfsEntry>> _directories = new();
    // Cancelled when the mount ends: a listing or block fetch stuck on the server then fails its waiters instead of holding them for ever.
    private readonly CancellationTokenSource _stopping = new();
    private long _nextHandle;

    /// <summary>The last listing fetch could not reach the store: folders seen before are served from their last listing without waiting.</summary>
    private bool _offline;

    private VirtualFileSystem(IRemoteStore store, VfsOptions options, RemoteEntry root, Spool? spool, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _budget = new MemoryBudget(options.MemoryBudget);
        Blocks = new BlockCache(store, options, _budget, logger, _stopping.Token);
        _inodes = new InodeTable(root, Environment.TickCount64);
        _spool = spool;
        if (spool is not null) _writeBack = new WriteBack(store, spool, options.WriteBack!, logger, OnCommitted);
    }

    /// <summary>Connects to the store and builds the core over the folder <paramref name="root"/> (the store's root when null); a writable core opens its spool and resumes what it left.</summary>
    public static async Task<VirtualFileSystem> CreateAsync(IRemoteStore store, VfsOptions options, RemotePath? root = null,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        var top = await OnStorage(() => store.StatAsync(root ?? RemotePath.Root, cancellationToken)).ConfigureAwait(false);
        if (!top.IsDirectory) throw new VfsException(VfsError.NotDirectory, $"{top.Path} on {store.DisplayName} is a file, not a folder");
        Spool? spool = null;
        if (!options.ReadOnly)
        {
            var writeBack = options.WriteBack ?? throw new ArgumentException("a writable core needs WriteBack options (its spool folder)", nameof(options));
            spool = Spool.Open(writeBack.SpoolDirectory, writeBack.SpoolLimit, logger);
        }
        var vfs = new VirtualFileSystem(store, options, top, spool, logger);
        vfs._writeBack?.ResumeReplayed();
        return vfs;
    }

    public VfsOptions Options => _options;

    /// <summary>Raised (with the inode) when a file turns out to have changed on the store, so an adapter can drop the OS's cached pages of it.</summary>
    public event Action<ulong>? ContentChanged;

    /// <summary>Raised on the uploader's thread once a written file is verified on the storage.</summary>
    public event Action<FileCommitted>? FileCommitted;

    public BlockCache Blocks { get; }

    public int InodeCount => _inodes.Count;

    /// <summary>Resolves a name in a folder and counts one kernel reference to it.</summary>
    public async ValueTask<VfsEntry> LookupAsync(ulong parent, string name, CancellationToken cancellationToken = default)
    {
        var folder = NodeOf(parent);
        var path = ChildPathOf(folder, name);
        Node node;
        if (_spool?.Find(path) is { } dirty) node = _inodes.FindByPath(path) ?? _inodes.GetOrAdd(PendingEntry(dirty), 0);
        else
        {
            var listing = await ListingAsync(folder, cancellationToken).ConfigureAwait(false);
            var entry = (IsHidden(name) ? null : listing.Find(name)) ?? throw new VfsException(VfsError.NotFound, $"{path} does not exist");
            node = _inodes.GetOrAdd(entry, listing.FetchedAt);
        }
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

    /// <summary>Takes a snapshot of a folder's entries (fresh within the directory cache time, pending files included) for one directory handle.</summary>
    public async ValueTask<ulong> OpenDirectoryAsync(ulong inode, CancellationToken cancellationToken = default)
    {
        var node = NodeOf(inode);
        if (!node.Entry.IsDirectory) throw new VfsException(VfsError.NotDirectory, $"{node.Path} is not a folder");
        var listing = await ListingAsync(node, cancellationToken).ConfigureAwait(false);
        // The spool before the listing: a file whose upload commits in between is still pending in the one, or already in the
        // other (a commit patches the folder's current listing before the file leaves the spool); the other order loses it.
        var pendingHere = _spool?.ChildrenOf(node.Path) ?? [];
        listing = CurrentListing(node, listing);
        var children = listing.Children;
        var entries = children
            .Where(c => !IsHidden(c.Name))
            .Select(c => new VfsEntry(c.Name, AttributesOf(_inodes.GetOrAdd(c, listing.FetchedAt))))
            .ToList();
        var listed = children.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var pending = pendingHere.Where(d => !listed.Contains(d.Path.Name)).ToList();
        if (pending.Count > 0)
        {
            entries.AddRange(pending.Select(d => new VfsEntry(d.Path.Name, AttributesOf(_inodes.FindByPath(d.Path) ?? _inodes.GetOrAdd(PendingEntry(d), 0)))));
            entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }
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

    public VfsFileSystemInfo FileSystemInfo() => new(_options.BlockSize, 1L << 40, 1L << 39, 1L << 30, 1L << 29, _store.Capabilities.MaxNameLength);

    /// <summary>What the mount holds and does: pending uploads, failures, conflicts, cache use (for `facilityfs status`).</summary>
    public MountStatus Status()
    {
        var files = _spool?.All().Select(f =>
        {
            lock (f.Gate)
                return new PendingFile(f.Path.Value, f.StateName, f.Size, f.UploadedBytes, f.Attempts, f.Error);
        }).OrderBy(f => f.Path, StringComparer.Ordinal).ToList() ?? [];
        var conflicts = _spool?.Journal.Conflicts().Select(c => new ConflictCopy(c.Path, c.KeptAs, c.At)).ToList() ?? [];
        return new MountStatus(files, _writeBack?.CommittedFiles ?? 0, _writeBack?.CommittedBytes ?? 0, _spool?.Used ?? 0, _spool?.Limit ?? 0,
            _spool?.Folder, conflicts, _budget.Used, _budget.Capacity, Blocks.DiskBytes, _options.CacheDirectory);
    }

    /// <summary>How many files a mount that has ended left in the spool at <paramref name="spoolDirectory"/> for its next mount (for `facilityfs unmount`).</summary>
    public static int PendingInSpool(string spoolDirectory) => Spool.PendingIn(spoolDirectory);

    public bool IsDirectory(ulong inode) => NodeOf(inode).Entry.IsDirectory;

    /// <summary>Whether files below <paramref name="folder"/> still wait for upload (the catalog hook registers a dataset only once none do).</summary>
    public bool HasPendingUnder(RemotePath folder) => _spool?.AnyUnder(folder) == true;

    /// <summary>Whether the file at <paramref name="path"/> still waits for upload (an interrupted file does too, until recovered).</summary>
    public bool IsPending(RemotePath path) => _spool?.Find(path) is not null;

    /// <summary>The state of one file as `user.facilityfs.state` shows it: committed, open, dirty, uploading, "failed: reason", or "interrupted: N bytes …".</summary>
    public string StateOf(ulong inode)
    {
        var node = NodeOf(inode);
        if (node.Entry.IsDirectory) throw new VfsException(VfsError.NotSupported, $"{node.Path} is a folder; only files have an upload state");
        DirtyFile? unlinked;
        lock (node.Gate) unlinked = node.Unlinked;
        if ((unlinked ?? _spool?.Find(node.Path)) is not { } dirty) return "committed";
        var state = dirty.StateName;
        lock (dirty.Gate)
        {
            if (dirty.Discarded) return "unlinked";
            return state switch
            {
                "failed" => $"failed: {dirty.Error}",
                "interrupted" => $"interrupted: {dirty.Size} bytes kept, {dirty.Error ?? "never closed by its writer"} (facilityfs recover)",
                _ => state,
            };
        }
    }

    /// <summary>The state of the file at <paramref name="mountPath"/> (relative to the mount's root), as <see cref="StateOf(ulong)"/> tells it; for `facilityfs status PATH`.</summary>
    /// <remarks>Resolved name by name as the kernel would, so a missing name is NotFound and a folder NotSupported, with the path; the lookups taken on the way are given back.</remarks>
    public async ValueTask<string> StateOfAsync(string mountPath, CancellationToken cancellationToken = default)
    {
        var taken = new List<ulong>();
        try
        {
            var inode = RootInode;
            foreach (var name in mountPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                inode = (await LookupAsync(inode, name, cancellationToken).ConfigureAwait(false)).Attributes.Inode;
                taken.Add(inode);
            }
            return StateOf(inode);
        }
        finally
        {
            foreach (var inode in taken) Forget(inode, 1);
        }
    }

    private Node NodeOf(ulong inode) =>
        _inodes.Find(inode) ?? throw new VfsException(VfsError.BadHandle, $"inode {inode} is not known (forgotten or never looked up)");

    /// <summary>The path of <paramref name="name"/> in <paramref name="folder"/>; a name the storage cannot hold is refused here, with the path, before anything is written.</summary>
    private RemotePath ChildPathOf(Node folder, string name)
    {
        var limit = _store.Capabilities.MaxNameLength;
        if (System.Text.Encoding.UTF8.GetByteCount(name) > limit)
            throw new VfsException(VfsError.NameTooLong, $"{(folder.Path.IsRoot ? "" : folder.Path.Value)}/{name[..Math.Min(name.Length, 40)]}…: names on {_store.DisplayName} are at most {limit} bytes");
        try
        {
            return folder.Path.Child(name);
        }
        catch (ArgumentException e)
        {
            throw new VfsException(VfsError.InvalidArgument, e.Message);
        }
    }

    /// <summary>Upload temporaries of this or another client are no one's files.</summary>
    private static bool IsHidden(string name) => name.StartsWith(Storage.Transfers.VerifiedUpload.TemporaryPrefix, StringComparison.Ordinal);

    private static RemoteEntry PendingEntry(DirtyFile dirty)
    {
        lock (dirty.Gate) return new RemoteEntry(dirty.Path, false, dirty.Size, dirty.Modified, null);
    }

    private VfsAttributes AttributesOf(Node node)
    {
        RemoteEntry entry;
        DirtyFile? unlinked;
        (string? Version, DateTimeOffset Time)? kept;
        lock (node.Gate)
        {
            entry = node.Entry;
            unlinked = node.Unlinked;
            kept = node.KeptModified;
        }
        if (!entry.IsDirectory && (unlinked ?? _spool?.Find(entry.Path)) is { } dirty)
        {
            lock (dirty.Gate) return new VfsAttributes(node.Inode, false, dirty.Size, dirty.Modified, _options.ReadOnly) { Changed = dirty.Changed };
        }
        var modified = kept is { } k && k.Version == entry.VersionKey ? k.Time : entry.LastModified ?? DateTimeOffset.UnixEpoch;
        return new VfsAttributes(node.Inode, entry.IsDirectory, entry.Size, modified, _options.ReadOnly);
    }

    private bool IsFresh(long fetchedAt) => Environment.TickCount64 - fetchedAt < _options.DirectoryCacheTime.TotalMilliseconds;

    /// <summary>Asks the store again (PROPFIND Depth 0) about an entry older than the cache time, or always when <paramref name="force"/>; a pending file is its own truth.</summary>
    private async Task RevalidateAsync(Node node, CancellationToken cancellationToken, bool force = false)
    {
        long fetchedAt;
        bool isFolder;
        lock (node.Gate) (fetchedAt, isFolder) = (node.FetchedAt, node.Entry.IsDirectory);
        if (!force && IsFresh(fetchedAt)) return;
        if (_spool?.Find(node.Path) is not null) return;
        // Unlinked while open: no name to ask the storage about; its handles' spool file is the truth.
        lock (node.Gate)
        {
            if (node.Unlinked is not null) return;
        }
        if (!force && isFolder && Volatile.Read(ref _offline)) return;
        var now = Environment.TickCount64;
        RemoteEntry fresh;
        try
        {
            using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            fresh = await OnStorage(() => _store.StatAsync(node.Path, call.Token)).ConfigureAwait(false);
        }
        catch (VfsException e) when (!force && isFolder && IsUnreachable(e))
        {
            Volatile.Write(ref _offline, true);
            // Offline: a folder seen before stays what it was, so paths through it keep working for pending files.
            return;
        }
        bool changed;
        lock (node.Gate)
        {
            // Asked before the node learned something newer (an upload committed meanwhile): the answer is out of date.
            if (now < node.FetchedAt) return;
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
        DirectoryListing? known;
        lock (folder.Gate)
        {
            known = folder.Listing;
            if (known is not null && IsFresh(known.FetchedAt)) return known;
            // Started on the pool so its completion (which clears ListingUnderWay under this lock) always follows this assignment.
            if (folder.ListingUnderWay is null)
            {
                folder.ChangesDuringFetch = [];
                folder.ListingUnderWay = Task.Run(() => FetchListingAsync(folder));
            }
            pending = folder.ListingUnderWay;
        }
        // Offline, a known listing is served at once instead of after the store's retries; the fetch goes on and refreshes it
        // (and ends the offline state) once the server answers.
        if (known is not null && Volatile.Read(ref _offline)) return known;
        try
        {
            return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (VfsException e) when (known is not null && IsUnreachable(e))
        {
            Volatile.Write(ref _offline, true);
            // Offline: a folder seen before keeps its last listing (patched by our own changes since), so pending files can
            // still be created, renamed and deleted in it; it is asked again at the next look once the server answers.
            _logger.LogDebug("{Path}: the server cannot be reached; using the listing from {Age:F0} s ago", folder.Path, (Environment.TickCount64 - known.FetchedAt) / 1000.0);
            return known;
        }
    }

    /// <summary>The folder's listing as it stands now (a fetch may have replaced <paramref name="fetched"/> since), for a look after the spool's: see <see cref="OpenDirectoryAsync"/>.</summary>
    private static DirectoryListing CurrentListing(Node folder, DirectoryListing fetched)
    {
        lock (folder.Gate) return folder.Listing ?? fetched;
    }

    /// <summary>A failure to reach the store (connection, timeout, 5xx after retries), as opposed to an answer about the path.</summary>
    private static bool IsUnreachable(VfsException e) => e.InnerException is StorageException { Kind: StorageErrorKind.Unavailable };

    private async Task<DirectoryListing> FetchListingAsync(Node folder)
    {
        try
        {
            var now = Environment.TickCount64;
            var children = new List<RemoteEntry>();
            await foreach (var child in _store.ListAsync(folder.Path, _stopping.Token).ConfigureAwait(false)) children.Add(child);
            var listing = new DirectoryListing(children, now);
            Volatile.Write(ref _offline, false);
            lock (folder.Gate)
            {
                // A commit, rename or unlink of ours that ended while the server answered may be missing from (or undone in) its answer.
                foreach (var change in folder.ChangesDuringFetch ?? []) change(listing);
                folder.Listing = listing;
                folder.FetchedAt = now;
            }
            return listing;
        }
        catch (StorageException e)
        {
            // Every waiter gets this error; the next call asks the server afresh.
            _logger.LogWarning("listing {Path} failed: {Error}", folder.Path, e.Message);
            throw VfsException.From(e);
        }
        catch (OperationCanceledException e) when (_stopping.IsCancellationRequested)
        {
            throw new VfsException(VfsError.IoError, $"listing {folder.Path} was cancelled: the mount is ending", e);
        }
        finally
        {
            lock (folder.Gate) (folder.ListingUnderWay, folder.ChangesDuringFetch) = (null, null);
        }
    }

    /// <summary>Applies one of the mount's own changes to the cached listing of <paramref name="folder"/>, if one is cached, and to the one being fetched, if any.</summary>
    private void PatchListing(RemotePath folder, Action<DirectoryListing> change)
    {
        if (_inodes.FindByPath(folder) is not { } node) return;
        DirectoryListing? listing;
        lock (node.Gate)
        {
            listing = node.Listing;
            node.ChangesDuringFetch?.Add(change);
        }
        if (listing is not null) change(listing);
    }

    /// <summary>Called by the uploader once a file is on the storage: the tree shows the stored entry, and the spool lets the file go unless it was written again.</summary>
    private void OnCommitted(DirtyFile file, RemoteEntry stored, FileCommitted committed)
    {
        PatchListing(stored.Path.Parent, listing => listing.Set(stored));
        if (_inodes.FindByPath(file.Path) is { } node)
        {
            lock (node.Gate)
            {
                if (committed.ConflictOf is null)
                {
                    node.Entry = stored;
                    node.FetchedAt = Environment.TickCount64;
                    // WebDAV servers keep their own modification time; a time the user set explicitly is kept here for this version.
                    if (file.ModifiedExplicitly) node.KeptModified = (stored.VersionKey, committed.Modified);
                    // The kernel's pages of this file are what it wrote through us, which is what is now stored.
                    node.OpenedVersion = stored.VersionKey;
                }
                else
                {
                    // Ours went aside; the name shows the storage's version again, asked for at the next look.
                    node.FetchedAt = 0;
                    node.OpenedVersion = null;
                }
            }
            if (committed.ConflictOf is not null) ContentChanged?.Invoke(node.Inode);
        }
        _spool!.Retire(file);
        try
        {
            FileCommitted?.Invoke(committed);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "a listener of committed files failed on {Path}", committed.Path);
        }
    }

    /// <summary>Runs a storage call, turning its failure into the core's error vocabulary (the one mapping, <see cref="VfsException.From"/>).</summary>
    private static async Task OnStorage(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            throw VfsException.From(e);
        }
    }

    private static async Task<T> OnStorage<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            throw VfsException.From(e);
        }
    }

    /// <summary>Cancels every listing, lookup and block fetch waiting on the server, and fails later ones at once (I/O error): an ending mount answers every request, whatever the server does.</summary>
    public void CancelStorageCalls()
    {
        if (_stopping.IsCancellationRequested) return;
        _logger.LogInformation("cancelling the requests still waiting on {Store}", _store.DisplayName);
        _stopping.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        if (_writeBack is not null) await _writeBack.DisposeAsync().ConfigureAwait(false);
        _spool?.Dispose();
        await Blocks.DisposeAsync().ConfigureAwait(false);
    }
}
