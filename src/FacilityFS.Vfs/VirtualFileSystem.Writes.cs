using System.Buffers;
using FacilityFS.Storage;
using FacilityFS.Vfs.Cache;
using FacilityFS.Vfs.Nodes;
using FacilityFS.Vfs.Writes;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Vfs;

public sealed partial class VirtualFileSystem
{
    /// <summary>The largest file the mount writes (16 TiB, ext4's limit for the spool file): a size past it is EFBIG, whatever file system holds the spool.</summary>
    public const long MaxFileSize = 1L << 44;

    private Spool WritableSpool(RemotePath path) =>
        _options.ReadOnly || _spool is null ? throw new VfsException(VfsError.ReadOnly, $"{path}: the mount is read-only") : _spool;

    /// <summary>Creates a file (or, when the name exists, opens it for writing) and counts one kernel reference to it.</summary>
    public async ValueTask<(VfsEntry Entry, VfsOpenResult Open)> CreateAsync(ulong parent, string name, VfsOpenFlags flags, CancellationToken cancellationToken = default)
    {
        var folder = NodeOf(parent);
        var path = ChildPathOf(folder, name);
        var spool = WritableSpool(path);
        if (IsHidden(name)) throw new VfsException(VfsError.InvalidArgument, $"{path}: names starting with {Storage.Transfers.VerifiedUpload.TemporaryPrefix} are kept for uploads in progress");
        Node node;
        var isNew = false;
        var listing = await ListingAsync(folder, cancellationToken).ConfigureAwait(false);
        // The spool before the listing, so that a file whose upload commits in between is not taken for a new one (and its upload for a conflict).
        var pending = spool.Find(path);
        listing = CurrentListing(folder, listing);
        if (pending is null && listing.Find(name) is { } existing)
        {
            if (existing.IsDirectory) throw new VfsException(VfsError.IsDirectory, $"{path} is a folder");
            node = _inodes.GetOrAdd(existing, listing.FetchedAt);
        }
        else
        {
            isNew = pending is null;
            node = _inodes.FindByPath(path) ?? _inodes.GetOrAdd(new RemoteEntry(path, false, 0, DateTimeOffset.UtcNow, null), Environment.TickCount64);
            lock (node.Gate) node.OpenedVersion = null;
        }
        var writer = await BeginWriteAsync(node, (flags & VfsOpenFlags.Truncate) != 0, cancellationToken, isNew).ConfigureAwait(false);
        var handle = Register(new OpenFile(node, FileVersion.Of(node.Entry), NoReadAhead(node), flags | VfsOpenFlags.Write) { Dirty = writer });
        _inodes.AddLookup(node);
        return (new VfsEntry(name, AttributesOf(node)), new VfsOpenResult(handle, KeepCache: false));
    }

    /// <summary>Makes the file pending (or joins its pending copy) and adds a writer: a new file starts empty, an existing one from its stored content unless truncated.</summary>
    private async Task<DirtyFile> BeginWriteAsync(Node node, bool truncate, CancellationToken cancellationToken, bool isNew = false)
    {
        var spool = WritableSpool(node.Path);
        await node.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                if (spool.Find(node.Path) is { } pending)
                {
                    // Committed and let go a moment ago: start again from the storage's copy.
                    if (!spool.TryAddWriter(pending)) continue;
                    if (truncate) Resize(pending, 0);
                    return pending;
                }
                return await StartPendingAsync(spool, node, truncate, isNew, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            node.WriteGate.Release();
        }
    }

    /// <param name="isNew">The caller just saw that nothing is stored at the path (create), which saves asking again.</param>
    private async Task<DirtyFile> StartPendingAsync(Spool spool, Node node, bool truncate, bool isNew, CancellationToken cancellationToken)
    {
        RemoteEntry? stored = null;
        if (!isNew)
        {
            try
            {
                // The base version for conflict detection is what the storage holds now, not what a listing said a while ago.
                await RevalidateAsync(node, cancellationToken, force: true).ConfigureAwait(false);
                lock (node.Gate) stored = node.Entry;
            }
            catch (VfsException e) when (e.Error == VfsError.NotFound)
            {
                // Deleted on the storage meanwhile: writing makes it anew.
            }
        }
        var dirty = spool.Create(node.Path, stored?.VersionKey, stored?.LastModified ?? DateTimeOffset.UtcNow);
        // The journal row was made marked open (Spool.Create): a crash before the close leaves it interrupted.
        dirty.TryAddWriter(out _);
        try
        {
            if (stored is not null && !truncate && stored.Size > 0) await FillAsync(dirty, stored, cancellationToken).ConfigureAwait(false);
            // Same bytes as the storage holds: closing without a change uploads nothing.
            if (stored is not null && (!truncate || stored.Size == 0)) dirty.MarkSameAsStored();
        }
        catch
        {
            spool.Discard(dirty);
            dirty.Let();
            throw;
        }
        return dirty;
    }

    /// <summary>Copies the stored file into its spool file (hashing on the way), pinned to the version it was opened at.</summary>
    private async Task FillAsync(DirtyFile dirty, RemoteEntry stored, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            await using var content = await _store.OpenReadAsync(stored.Path, null, stored.ETag, cancellationToken).ConfigureAwait(false);
            long offset = 0;
            int n;
            while ((n = await content.Stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                WriteAt(dirty, offset, buffer.AsSpan(0, n));
                offset += n;
            }
            if (offset != stored.Size)
                throw new VfsException(VfsError.Stale, $"{stored.Path} has {offset} bytes on the storage, not the {stored.Size} it was listed with");
        }
        catch (StorageException e)
        {
            throw VfsException.From(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The last writer let go: the file is recorded in the journal and queued for upload, or leaves the spool if nothing changed.</summary>
    private void EndWrite(DirtyFile dirty)
    {
        if (dirty.RemoveWriter() > 0 || dirty.Discarded) return;
        if (dirty.IsClean)
        {
            _spool!.Retire(dirty);
            return;
        }
        try
        {
            // Closed: from here a crash no longer makes it interrupted.
            _spool!.Journal.Update(dirty.ToRecord());
        }
        catch (VfsException e)
        {
            // A release cannot fail; the close (flush) already recorded the bytes, and a crash now leaves it interrupted, never lost.
            _logger.LogError("{Path}: recording its close failed: {Error}; it uploads all the same", dirty.Path, e.Message);
        }
        _writeBack!.Schedule(dirty, _options.WriteBack!.UploadDelay);
    }

    /// <summary>close() of a writing handle: what was written is recorded in the journal, and a failure to record it is the caller's error (EIO, ENOSPC).</summary>
    public void Flush(ulong handle)
    {
        if (!_files.TryGetValue(handle, out var file) || !file.Writable || file.Dirty is not { } dirty || dirty.Discarded) return;
        try
        {
            _spool!.Journal.Update(dirty.ToRecord());
        }
        catch (VfsException e)
        {
            _logger.LogError("{Path}: recording its close failed: {Error}", dirty.Path, e.Message);
            throw;
        }
    }

    /// <summary>Writes at once when the spool has room; false when the writer must wait (call <see cref="WriteAsync"/> with a copy of the bytes).</summary>
    public bool TryWrite(ulong handle, long offset, ReadOnlySpan<byte> data)
    {
        var (dirty, at) = WriteTarget(handle, offset);
        if (!_spool!.HasRoomFor(dirty, at + data.Length - dirty.Size)) return false;
        WriteAt(dirty, at, data);
        return true;
    }

    /// <summary>Writes, first waiting (never failing) while the spool is full and uploads can give room back.</summary>
    public async ValueTask WriteAsync(ulong handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var (dirty, at) = WriteTarget(handle, offset);
        await _spool!.WaitForRoomAsync(dirty, at + data.Length - dirty.Size, () => _writeBack!.Hurry(), cancellationToken).ConfigureAwait(false);
        (dirty, at) = WriteTarget(handle, offset);
        WriteAt(dirty, at, data.Span);
    }

    private (DirtyFile Dirty, long Offset) WriteTarget(ulong handle, long offset)
    {
        var file = FileOf(handle);
        if (!file.Writable || file.Dirty is not { } dirty) throw new VfsException(VfsError.BadHandle, $"{file.Node.Path} is not open for writing");
        if (offset < 0) throw new VfsException(VfsError.InvalidArgument, $"negative offset {offset} in {file.Node.Path}");
        if ((file.Flags & VfsOpenFlags.Append) == 0) return (dirty, offset);
        lock (dirty.Gate) return (dirty, dirty.Size);
    }

    private void WriteAt(DirtyFile dirty, long offset, ReadOnlySpan<byte> data)
    {
        var before = dirty.Size;
        try
        {
            dirty.Write(offset, data);
            VfsMetrics.BytesWritten.Add(data.Length);
        }
        catch (Exception e) when (IsTooLarge(e))
        {
            throw new VfsException(VfsError.FileTooLarge, $"{dirty.Path}: writing at {offset} is past what its spool file can hold", e);
        }
        catch (IOException e)
        {
            throw SpoolError(dirty, e);
        }
        _spool!.Grew(dirty, dirty.Size - before);
    }

    private void Resize(DirtyFile dirty, long size)
    {
        var before = dirty.Size;
        try
        {
            dirty.Truncate(size);
        }
        catch (Exception e) when (IsTooLarge(e))
        {
            throw new VfsException(VfsError.FileTooLarge, $"{dirty.Path}: {size} bytes is more than its spool file can hold", e);
        }
        catch (IOException e)
        {
            throw SpoolError(dirty, e);
        }
        _spool!.Grew(dirty, size - before);
    }

    /// <summary>A length past what the spool's file system allows: .NET says so with ArgumentOutOfRangeException (ftruncate) or an IOException carrying EFBIG.</summary>
    private static bool IsTooLarge(Exception e) => e is ArgumentOutOfRangeException || (e is IOException && e.HResult == Efbig);

    private const int Efbig = 27;

    private static VfsException SpoolError(DirtyFile dirty, IOException e) =>
        new(Spool.IsNoSpace(e) ? VfsError.NoSpace : VfsError.IoError,
            $"{dirty.Path}: writing its spool file {dirty.SpoolPath} failed: {e.Message}", e);

    /// <summary>Changes size (truncate, ftruncate) and modification time; mode and owner are not kept by WebDAV and are accepted without effect.</summary>
    public async ValueTask<VfsAttributes> SetAttributesAsync(ulong inode, ulong? handle, long? size, DateTimeOffset? modified, CancellationToken cancellationToken = default)
    {
        var node = NodeOf(inode);
        if (size is { } newSize)
        {
            if (node.Entry.IsDirectory) throw new VfsException(VfsError.IsDirectory, $"{node.Path} is a folder");
            if (newSize < 0) throw new VfsException(VfsError.InvalidArgument, $"{node.Path}: negative size {newSize}");
            if (newSize > MaxFileSize) throw new VfsException(VfsError.FileTooLarge, $"{node.Path}: {newSize} bytes is more than the {MaxFileSize} a file on this mount may hold");
            if (handle is { } h && _files.TryGetValue(h, out var file) && file.Writable && file.Dirty is { } open)
            {
                Resize(open, newSize);
            }
            else
            {
                var dirty = await BeginWriteAsync(node, truncate: newSize == 0, cancellationToken).ConfigureAwait(false);
                try
                {
                    if (newSize != dirty.Size) Resize(dirty, newSize);
                }
                finally
                {
                    EndWrite(dirty);
                    dirty.Let();
                }
            }
        }
        if (modified is { } time)
        {
            DirtyFile? unlinked;
            lock (node.Gate) unlinked = node.Unlinked;
            if ((unlinked ?? WritableSpool(node.Path).Find(node.Path)) is { } pending) pending.SetModified(time);
            else
            {
                // WebDAV servers keep their own modification time (getlastmodified is protected): the mount keeps the one given for this version.
                lock (node.Gate) node.KeptModified = (node.Entry.VersionKey, time);
            }
        }
        return AttributesOf(node);
    }

    /// <summary>fsync: the spool file and the journal are on disk (local mode), and in remote mode the file is also committed on the storage.</summary>
    public async ValueTask FsyncAsync(ulong handle, CancellationToken cancellationToken = default)
    {
        var file = FileOf(handle);
        if (PendingOf(file) is not { } dirty || dirty.IsClean) return;
        try
        {
            dirty.FlushToDisk();
        }
        catch (IOException e)
        {
            throw SpoolError(dirty, e);
        }
        _spool!.Journal.Update(dirty.ToRecord());
        _spool.Journal.MakeDurable();
        if (_options.WriteBack!.FsyncRemote) await _writeBack!.CommitNowAsync(dirty, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads every closed pending file now and waits until each is committed or failed; returns what failed, with reasons.</summary>
    public async Task<IReadOnlyList<PendingFile>> SyncAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_writeBack is null) return [];
        await _writeBack.SyncAsync(timeout, cancellationToken).ConfigureAwait(false);
        return [.. Status().Pending.Where(p => p.State == "failed")];
    }

    /// <summary>At unmount: waits up to <paramref name="timeout"/> for pending uploads; returns how many are left in the journal for the next mount.</summary>
    public async Task<int> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (_writeBack is null) return 0;
        await _writeBack.SyncAsync(timeout, cancellationToken).ConfigureAwait(false);
        return _spool!.All().Count;
    }
}
