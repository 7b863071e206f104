using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;
using FacilityFS.Storage.Local;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Watch;

/// <summary>Register in place: the data already lives where it is (a beamtime folder on GPFS); a file is committed once its checksum is read.</summary>
public sealed class InPlaceCommitter(LocalFolderStore store) : IFileCommitter
{
    public IRemoteStore Store => store;

    public RemotePath Root => RemotePath.Root;

    public async Task<Checksum> CommitAsync(string fullPath, RemotePath target, FileVersion version, SpoolJournal journal, CancellationToken cancellationToken)
    {
        var checksum = await FileVersion.Adler32Async(fullPath, cancellationToken).ConfigureAwait(false);
        if (FileVersion.Of(fullPath) != version) throw new FileChangedException(fullPath);
        return checksum;
    }

    public Task RecoverAsync(SpoolJournal journal, CancellationToken cancellationToken) => Task.CompletedTask;
}
