using System.Globalization;
using FacilityFS.Storage;
using FacilityFS.Vfs.Writes;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Vfs;

/// <summary>What the user decides for a file whose writer never closed it (`facilityfs recover`).</summary>
public enum RecoverAction
{
    /// <summary>Upload it under NAME.interrupted-HOST-TIME, so nothing takes it for the complete file.</summary>
    PublishAside,
    /// <summary>Upload it under its own name, as if it had been closed.</summary>
    Publish,
    /// <summary>Delete it from the spool; nothing is uploaded (a stored version at the name stays).</summary>
    Drop,
}

/// <summary>A file kept in the spool because its writer never closed it; <paramref name="Path"/> is relative to the mount's root, starting with '/'.</summary>
public sealed record InterruptedFile(string Path, long Size, DateTimeOffset Modified);

/// <summary>One decision carried out: the file and what became of it.</summary>
public sealed record RecoveredFile(string Path, string Outcome);

public sealed partial class VirtualFileSystem
{
    private RemotePath MountRoot => NodeOf(RootInode).Path;

    /// <summary>The files an earlier mount left open (killed while they were being written), kept and not uploaded.</summary>
    public IReadOnlyList<InterruptedFile> Interrupted() =>
        _spool is null ? [] : [.. _spool.Interrupted().Select(f =>
        {
            lock (f.Gate) return new InterruptedFile(MountPathOf(f.Path), f.Size, f.Modified);
        }).OrderBy(f => f.Path, StringComparer.Ordinal)];

    /// <summary>Carries out <paramref name="action"/> for the interrupted files at <paramref name="paths"/> (relative to the mount's root), or for all when it is empty.</summary>
    public IReadOnlyList<RecoveredFile> Recover(RecoverAction action, IReadOnlyList<string> paths)
    {
        var spool = WritableSpool(MountRoot);
        var interrupted = spool.Interrupted();
        List<DirtyFile> chosen;
        if (paths.Count == 0) chosen = [.. interrupted];
        else
        {
            chosen = [];
            foreach (var given in paths)
            {
                var path = RemotePathOf(given);
                chosen.Add(interrupted.FirstOrDefault(f => f.Path == path)
                    ?? throw new VfsException(VfsError.NotFound, $"{given} is not an interrupted file of this mount (facilityfs recover MOUNTPOINT lists them)"));
            }
        }
        var done = new List<RecoveredFile>();
        foreach (var file in chosen)
        {
            var was = MountPathOf(file.Path);
            done.Add(new RecoveredFile(was, action switch
            {
                RecoverAction.PublishAside => $"uploads as {MountPathOf(PublishAside(spool, file))}",
                RecoverAction.Publish => Publish(spool, file),
                RecoverAction.Drop => Drop(spool, file),
                _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
            }));
        }
        return done;
    }

    private RemotePath PublishAside(Spool spool, DirtyFile file)
    {
        var from = file.Path;
        var stamp = file.Modified.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        // Cut short, keeping the suffix, when the whole would pass the server's name limit.
        var limit = _store.Capabilities.MaxNameLength;
        var to = from.WithSuffix($".interrupted-{_options.WriteBack!.HostName}-{stamp}", limit);
        for (var n = 2; spool.Find(to) is not null; n++) to = from.WithSuffix($".interrupted-{_options.WriteBack.HostName}-{stamp}-{n}", limit);
        spool.RenameTree(from, to);
        // Nothing of ours stands at the new name: any file found there at upload is someone else's (a conflict copy, not an overwrite).
        file.Rebase(null);
        _inodes.Rename(from, to);
        Publish(spool, file);
        _logger.LogInformation("interrupted file {Path} is published as {Aside}", from, to);
        return to;
    }

    private string Publish(Spool spool, DirtyFile file)
    {
        file.Resume();
        spool.Journal.Update(file.ToRecord());
        _writeBack!.Schedule(file, TimeSpan.Zero);
        _logger.LogInformation("interrupted file {Path} is published under its name", file.Path);
        return "uploads under its name";
    }

    private string Drop(Spool spool, DirtyFile file)
    {
        var path = file.Path;
        var stored = file.BaseVersion is not null;
        spool.Discard(file);
        if (!stored) PatchListing(path.Parent, listing => listing.Remove(path.Name));
        _inodes.Unlink(path);
        _logger.LogInformation("interrupted file {Path} dropped from the spool", path);
        return stored ? "dropped; the stored version stays" : "dropped";
    }

    private string MountPathOf(RemotePath path)
    {
        var root = MountRoot;
        return root.IsRoot ? path.Value : "/" + path.RelativeTo(root);
    }

    private RemotePath RemotePathOf(string mountPath)
    {
        var relative = mountPath.Trim('/');
        if (!RemotePath.TryParse("/" + relative, out var parsed) || relative.Length == 0)
            throw new VfsException(VfsError.InvalidArgument, $"{mountPath} is not a file path in the mount");
        return MountRoot.IsRoot ? parsed : MountRoot.Combine(relative);
    }
}
