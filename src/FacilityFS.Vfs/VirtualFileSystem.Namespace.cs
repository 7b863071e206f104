using FacilityFS.Storage;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Vfs;

public sealed partial class VirtualFileSystem
{
    /// <summary>Creates a folder on the storage at once (MKCOL), so files written into it always have a parent there.</summary>
    public async ValueTask<VfsEntry> MakeDirectoryAsync(ulong parent, string name, CancellationToken cancellationToken = default)
    {
        var folder = NodeOf(parent);
        var path = ChildPathOf(folder, name);
        var spool = WritableSpool(path);
        if (spool.Find(path) is not null) throw new VfsException(VfsError.Exists, $"{path} exists (a file waiting for upload)");
        await OnStorage(() => _store.CreateDirectoryAsync(path, createParents: false, cancellationToken)).ConfigureAwait(false);
        var now = Environment.TickCount64;
        var entry = new RemoteEntry(path, true, 0, DateTimeOffset.UtcNow, null);
        PatchListing(folder.Path, listing => listing.Set(entry));
        var node = _inodes.GetOrAdd(entry, now);
        // A new folder is empty: the files written into it next need no listing of it.
        lock (node.Gate) node.Listing = new Nodes.DirectoryListing([], now);
        _inodes.AddLookup(node);
        return new VfsEntry(name, AttributesOf(node));
    }

    /// <summary>Removes a file: a pending one that was never stored only from the spool, anything else on the storage too.</summary>
    public async ValueTask UnlinkAsync(ulong parent, string name, CancellationToken cancellationToken = default)
    {
        var folder = NodeOf(parent);
        var path = ChildPathOf(folder, name);
        var spool = WritableSpool(path);
        var pending = spool.Find(path);
        await WithCommitLockAsync(pending, async () =>
        {
            if (pending is null || pending.BaseVersion is not null || pending.CommittedGeneration >= 0 || pending.Removed)
            {
                // A DELETE of a folder removes all in it, so a name is checked to be a file first.
                var stored = await OnStorage(() => _store.TryStatAsync(path, cancellationToken)).ConfigureAwait(false);
                if (stored is { IsDirectory: true }) throw new VfsException(VfsError.IsDirectory, $"{path} is a folder");
                if (stored is null && pending is null) throw new VfsException(VfsError.NotFound, $"{path} does not exist");
                if (stored is not null) await OnStorage(() => _store.DeleteAsync(path, cancellationToken)).ConfigureAwait(false);
            }
            if (pending is not null) spool.Discard(pending);
        }).ConfigureAwait(false);
        PatchListing(folder.Path, listing => listing.Remove(name));
        if (pending is not null) KeepForOpenHandles(path, pending);
        _inodes.Unlink(path);
    }

    /// <summary>Removes an empty folder; one with pending files or anything stored in it is not empty.</summary>
    public async ValueTask RemoveDirectoryAsync(ulong parent, string name, CancellationToken cancellationToken = default)
    {
        var folder = NodeOf(parent);
        var path = ChildPathOf(folder, name);
        var spool = WritableSpool(path);
        if (spool.AnyUnder(path)) throw new VfsException(VfsError.NotEmpty, $"{path} holds files waiting for upload");
        var stored = await OnStorage(() => _store.StatAsync(path, cancellationToken)).ConfigureAwait(false);
        if (!stored.IsDirectory) throw new VfsException(VfsError.NotDirectory, $"{path} is a file");
        await EnsureEmptyAsync(path, cancellationToken).ConfigureAwait(false);
        await OnStorage(() => _store.DeleteAsync(path, cancellationToken)).ConfigureAwait(false);
        PatchListing(folder.Path, listing => listing.Remove(name));
        _inodes.Unlink(path);
    }

    /// <summary>Renames on the storage (MOVE) and in the spool: a pending file that was never stored moves only in the journal, and is uploaded once, under its new name.</summary>
    /// <param name="noReplace">RENAME_NOREPLACE: fail with Exists instead of replacing the target.</param>
    public async ValueTask RenameAsync(ulong parent, string name, ulong newParent, string newName, bool noReplace, CancellationToken cancellationToken = default)
    {
        var fromFolder = NodeOf(parent);
        var toFolder = NodeOf(newParent);
        var from = ChildPathOf(fromFolder, name);
        var to = ChildPathOf(toFolder, newName);
        var spool = WritableSpool(from);
        if (from == to) return;
        if (to.IsSameOrUnder(from)) throw new VfsException(VfsError.InvalidArgument, $"cannot move {from} into itself ({to})");
        var pending = spool.Find(from);
        var replaced = spool.Find(to);
        // The file replaced is locked too: its upload must not land on the name after this rename decided what stands there.
        await WithCommitLocksAsync(pending, replaced, async () =>
        {
            var localOnly = pending is { BaseVersion: null, CommittedGeneration: < 0, Removed: false };
            var source = localOnly ? null : await OnStorage(() => _store.TryStatAsync(from, cancellationToken)).ConfigureAwait(false);
            if (source is null && !localOnly) throw new VfsException(VfsError.NotFound, $"{from} does not exist");
            var isDirectory = source?.IsDirectory ?? false;
            var target = await TargetOfRenameAsync(toFolder, to, localOnly, cancellationToken).ConfigureAwait(false);
            if (noReplace && (target is not null || replaced is not null)) throw new VfsException(VfsError.Exists, $"{to} exists");
            if (target is { IsDirectory: true })
            {
                if (!isDirectory) throw new VfsException(VfsError.IsDirectory, $"cannot replace the folder {to} with the file {from}");
                if (spool.AnyUnder(to)) throw new VfsException(VfsError.NotEmpty, $"{to} holds files waiting for upload");
                await EnsureEmptyAsync(to, cancellationToken).ConfigureAwait(false);
            }
            else if (target is not null && isDirectory) throw new VfsException(VfsError.NotDirectory, $"cannot replace the file {to} with the folder {from}");
            if (!localOnly) await OnStorage(() => _store.MoveAsync(from, to, overwrite: target is not null, cancellationToken)).ConfigureAwait(false);
            if (replaced is not null && replaced != pending)
            {
                spool.Discard(replaced);
                KeepForOpenHandles(to, replaced);
            }
            spool.RenameTree(from, to);
            if (pending is not null && !pending.Removed)
            {
                // The base is what now stands at the new name: the stored file moved there, or the file this one replaces.
                var now = localOnly ? target : await OnStorage(() => _store.TryStatAsync(to, cancellationToken)).ConfigureAwait(false);
                pending.Rebase(now?.VersionKey);
                spool.Journal.Update(pending.ToRecord());
            }
            var moved = (source ?? PendingEntry(pending!)) with { Path = to };
            PatchListing(from.Parent, listing => listing.Remove(from.Name));
            if (!localOnly) PatchListing(to.Parent, listing => listing.Set(moved));
            else PatchListing(to.Parent, listing => listing.Remove(to.Name));
            // Within the lock: the upload of the moved file, which may commit as soon as it is released, must find its inode under the new name.
            _inodes.Rename(from, to);
        }).ConfigureAwait(false);
    }

    /// <summary>An unlinked (or replaced) pending file stays the inode's content for the handles still open on it, until the last close (POSIX).</summary>
    private void KeepForOpenHandles(RemotePath path, DirtyFile discarded)
    {
        if (_inodes.FindByPath(path) is not { } node) return;
        lock (node.Gate) node.Unlinked = discarded;
    }

    /// <summary>What stands at a rename's target on the storage; offline, a rename that needs no server call (a pending file never stored) goes by the target folder's last listing.</summary>
    private async Task<RemoteEntry?> TargetOfRenameAsync(Nodes.Node toFolder, RemotePath to, bool localOnly, CancellationToken cancellationToken)
    {
        Nodes.DirectoryListing? known;
        lock (toFolder.Gate) known = toFolder.Listing;
        if (localOnly && known is not null && Volatile.Read(ref _offline)) return known.Find(to.Name);
        try
        {
            return await OnStorage(() => _store.TryStatAsync(to, cancellationToken)).ConfigureAwait(false);
        }
        catch (VfsException e) when (localOnly && known is not null && IsUnreachable(e))
        {
            Volatile.Write(ref _offline, true);
            return known.Find(to.Name);
        }
    }

    /// <summary>Refuses a folder that holds anything on the storage (a WebDAV DELETE or MOVE-over would take it all along).</summary>
    private async Task EnsureEmptyAsync(RemotePath folder, CancellationToken cancellationToken)
    {
        await OnStorage(async () =>
        {
            await foreach (var child in _store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
                if (!IsHidden(child.Name)) throw new VfsException(VfsError.NotEmpty, $"{folder} is not empty (it holds {child.Name})");
        }).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="body"/> while no upload of <paramref name="pending"/> is between its last check and its record (see <see cref="DirtyFile.CommitLock"/>).</summary>
    private static async Task WithCommitLockAsync(DirtyFile? pending, Func<Task> body)
    {
        if (pending is null)
        {
            await body().ConfigureAwait(false);
            return;
        }
        await pending.CommitLock.WaitAsync().ConfigureAwait(false);
        try
        {
            pending.CancelUpload();
            await body().ConfigureAwait(false);
        }
        finally
        {
            pending.CommitLock.Release();
        }
    }

    /// <summary>Like <see cref="WithCommitLockAsync"/> for two files, locked in the order of their ids so that two renames between the same names cannot wait on each other.</summary>
    private static Task WithCommitLocksAsync(DirtyFile? first, DirtyFile? second, Func<Task> body)
    {
        if (first is null || second is null || first == second) return WithCommitLockAsync(first ?? second, body);
        var (outer, inner) = first.Id < second.Id ? (first, second) : (second, first);
        return WithCommitLockAsync(outer, () => WithCommitLockAsync(inner, body));
    }
}
