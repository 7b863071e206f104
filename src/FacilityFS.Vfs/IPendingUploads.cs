using FacilityFS.Storage;

namespace FacilityFS.Vfs;

/// <summary>What a subscriber of committed files (the catalog) may ask the write path: which files still wait for upload.</summary>
/// <remarks>The mount's spool answers it today, a folder watcher later; the subscriber never calls into the VFS for anything else.</remarks>
public interface IPendingUploads
{
    /// <summary>Whether files below <paramref name="folder"/> still wait for upload.</summary>
    bool HasPendingUnder(RemotePath folder);

    /// <summary>Whether the file at <paramref name="path"/> still waits for upload.</summary>
    bool IsPending(RemotePath path);
}
