using System.Collections.Concurrent;
using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;
using FacilityFS.Storage.Transfers;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Watch;

/// <summary>`--upload-to`: the file is sent from where it lies (no copy into a spool) by the mount's verified upload, its hidden name journaled first.</summary>
/// <remarks>A file that changed while it was sent is discarded under its hidden name and sent again: the final name only ever holds a version that was settled.</remarks>
public sealed class UploadCommitter(IRemoteStore store, RemotePath root) : IFileCommitter
{
    private readonly ConcurrentDictionary<RemotePath, Task> _folders = new();

    public IRemoteStore Store => store;

    public RemotePath Root => root;

    public async Task<Checksum> CommitAsync(string fullPath, RemotePath target, FileVersion version, SpoolJournal journal, CancellationToken cancellationToken)
    {
        await FolderAsync(target.Parent, cancellationToken).ConfigureAwait(false);
        var temporary = VerifiedUpload.TemporaryNameFor(target);
        journal.AddTemporary(temporary.Value);
        VerifiedUpload.StagedUpload staged;
        await using (var file = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            try
            {
                // Never more than the settled size: a writer appending meanwhile makes it a changed file, not a longer upload.
                staged = await VerifiedUpload.StageAsync(store, target, temporary, new BoundedReadStream(file, version.Size), version.Size, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageException or IOException && FileVersion.Of(fullPath) != version)
            {
                journal.RemoveTemporary(temporary.Value);
                throw new FileChangedException(fullPath);
            }
        }
        if (FileVersion.Of(fullPath) != version)
        {
            await staged.DiscardAsync().ConfigureAwait(false);
            journal.RemoveTemporary(temporary.Value);
            throw new FileChangedException(fullPath);
        }
        var outcome = await staged.CommitAsync(cancellationToken).ConfigureAwait(false);
        journal.RemoveTemporary(temporary.Value);
        return outcome.Adler32;
    }

    /// <summary>Creates a folder on the storage once per run, its parents first through the same cache (two files never race to create one folder); a failure is forgotten so the next file tries again.</summary>
    private Task FolderAsync(RemotePath folder, CancellationToken cancellationToken)
    {
        if (folder == root || folder.IsRoot || !folder.IsSameOrUnder(root)) return Task.CompletedTask;
        if (_folders.TryGetValue(folder, out var earlier) && (earlier.IsFaulted || earlier.IsCanceled)) _folders.TryRemove(KeyValuePair.Create(folder, earlier));
        return _folders.GetOrAdd(folder, async f =>
        {
            await FolderAsync(f.Parent, cancellationToken).ConfigureAwait(false);
            try
            {
                await store.CreateDirectoryAsync(f, createParents: true, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException e) when (!e.IsTransient)
            {
                // Apache's mod_dav now and then refuses a MKCOL (403) while the folder is there: what counts is that it is there.
                if (await store.TryStatAsync(f, cancellationToken).ConfigureAwait(false) is not { IsDirectory: true })
                    await store.CreateDirectoryAsync(f, createParents: true, cancellationToken).ConfigureAwait(false);
            }
        });
    }

    public async Task RecoverAsync(SpoolJournal journal, CancellationToken cancellationToken)
    {
        foreach (var temporary in journal.Temporaries())
        {
            try
            {
                await store.DeleteAsync(RemotePath.Parse(temporary), cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
            {
            }
            journal.RemoveTemporary(temporary);
        }
    }
}
