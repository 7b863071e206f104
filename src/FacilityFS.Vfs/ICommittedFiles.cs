using FacilityFS.Vfs.Writes;

namespace FacilityFS.Vfs;

/// <summary>A stream of "file committed" events (the mount's write-back today, a folder watcher later) that the catalog subscribes to.</summary>
public interface ICommittedFiles
{
    /// <summary>Raised once a written file is verified on the storage, with what the write path learnt of it (size, checksum, time).</summary>
    event Action<FileCommitted>? FileCommitted;
}
