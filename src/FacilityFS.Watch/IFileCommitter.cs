using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Watch;

/// <summary>What becomes of a settled file: checksummed where it lies (registered in place) or uploaded (`--upload-to`).</summary>
public interface IFileCommitter
{
    /// <summary>The store the catalog reads the datasets from: the watched folder itself, or the upload target's store.</summary>
    IRemoteStore Store { get; }

    /// <summary>Where the watched folder is on <see cref="Store"/>.</summary>
    RemotePath Root { get; }

    /// <summary>Makes one version of a file committed at <paramref name="target"/> and returns its Adler-32.</summary>
    /// <exception cref="FileChangedException">The file changed while it was read; nothing was published under its name.</exception>
    /// <exception cref="FileNotFoundException">It was deleted first.</exception>
    /// <exception cref="StorageException">The storage refused it or is away (<see cref="StorageException.IsTransient"/> says which).</exception>
    Task<Checksum> CommitAsync(string fullPath, RemotePath target, FileVersion version, SpoolJournal journal, CancellationToken cancellationToken);

    /// <summary>Cleans what a crashed run may have left (hidden upload names it journaled).</summary>
    Task RecoverAsync(SpoolJournal journal, CancellationToken cancellationToken);
}

/// <summary>A file was written to while it was being read for its checksum or upload: that version is not the one to publish.</summary>
public sealed class FileChangedException(string path) : Exception($"{path} changed while it was read; it is read again once it settles");
