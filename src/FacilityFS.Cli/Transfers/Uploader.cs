using FacilityFS.Cli.Config;
using FacilityFS.Cli.Output;
using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;
using FacilityFS.Storage.Transfers;

namespace FacilityFS.Cli.Transfers;

/// <summary>`put`: local files and trees to a store, each verified before it takes its final name; files already there are skipped.</summary>
/// <param name="uploaded">Told of each file uploaded, with the Adler-32 computed as its bytes went out (so a registration need not read it again).</param>
internal sealed class Uploader(CliContext context, TransferReporter reporter, int parallel, Action<RemotePath, long, string, DateTimeOffset>? uploaded = null)
{
    private sealed record Job(FileInfo Local, RemotePath Remote);

    public async Task PutAsync(string local, RemoteTarget target, bool recursive, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(local);
        var isFile = File.Exists(full);
        if (!isFile && !Directory.Exists(full)) throw new UsageException($"local file {local} does not exist");
        if (!isFile && !recursive) throw new UsageException($"{local} is a folder; use put -r to upload it with everything in it");

        var existing = await target.Store.TryStatAsync(target.Path, cancellationToken).ConfigureAwait(false);
        var name = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar));
        if (isFile)
        {
            // "put FILE dir/" and "put FILE existing-folder" keep the file's name, as cp does (ctadata's rule).
            var file = target.TrailingSlash || existing is { IsDirectory: true } ? target.Path.Child(name) : target.Path;
            await reporter.RunAsync(() => UploadAsync(target, new Job(new FileInfo(full), file), cancellationToken)).ConfigureAwait(false);
            return;
        }
        // A folder becomes REMOTE itself (or goes into it when REMOTE ends with '/'), so rerunning the same command resumes instead of nesting.
        var destination = target.TrailingSlash ? target.Path.Child(name) : target.Path;
        if (destination == target.Path && existing is { IsDirectory: false })
            throw new UsageException($"cannot upload folder {local} onto the file {target}");
        await target.Store.CreateDirectoryAsync(destination, createParents: true, cancellationToken).ConfigureAwait(false);
        var jobs = new List<Job>();
        await CollectAsync(target.Store, new DirectoryInfo(full), destination, jobs, cancellationToken).ConfigureAwait(false);
        await reporter.RunAsync(() => ParallelFiles.RunAsync(jobs, parallel, context, j => $"put {j.Local.FullName}",
            (job, ct) => UploadAsync(target, job, ct), cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Creates the remote folders, parents first, and lists the files to send.</summary>
    private static async Task CollectAsync(IRemoteStore store, DirectoryInfo folder, RemotePath remoteFolder, List<Job> jobs, CancellationToken cancellationToken)
    {
        foreach (var child in folder.EnumerateFileSystemInfos().OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var remoteChild = remoteFolder.Child(child.Name);
            switch (child)
            {
                case DirectoryInfo sub when sub.LinkTarget is null:
                    await store.CreateDirectoryAsync(remoteChild, createParents: true, cancellationToken).ConfigureAwait(false);
                    await CollectAsync(store, sub, remoteChild, jobs, cancellationToken).ConfigureAwait(false);
                    break;
                case FileInfo file:
                    jobs.Add(new Job(file, remoteChild));
                    break;
            }
        }
    }

    private async Task UploadAsync(RemoteTarget target, Job job, CancellationToken cancellationToken)
    {
        var display = target.Display(job.Remote);
        var remote = await target.Store.TryStatAsync(job.Remote, cancellationToken).ConfigureAwait(false);
        if (remote is { IsDirectory: true }) throw new StorageException(StorageErrorKind.IsDirectory, $"cannot upload {job.Local.FullName}: {display} is a folder");
        var (identical, localChecksum) = await IsIdenticalAsync(target.Store, job.Local, remote, cancellationToken).ConfigureAwait(false);
        if (identical)
        {
            reporter.Finished(new TransferRecord(display, "skipped", remote!.Size, localChecksum?.ToString(), job.Local.FullName));
            if (uploaded is not null)
            {
                // A file an interrupted run sent but had no time to record: the copy there is taken for ours (the skip already trusts that),
                // so its checksum is the local file's, read here rather than downloaded again.
                localChecksum ??= await LocalAdler32Async(job.Local, cancellationToken).ConfigureAwait(false);
                uploaded(job.Remote, remote.Size, localChecksum.Value, job.Local.LastWriteTimeUtc);
            }
            return;
        }
        await using var input = new FileStream(job.Local.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var length = input.Length;
        var outcome = await VerifiedUpload.UploadAsync(target.Store, job.Remote, new ProgressStream(input, reporter.Begin(display, length)), length, cancellationToken)
            .ConfigureAwait(false);
        reporter.Finished(new TransferRecord(display, "uploaded", outcome.BytesWritten, outcome.Adler32.ToString(), job.Local.FullName));
        uploaded?.Invoke(job.Remote, outcome.BytesWritten, outcome.Adler32.Value, job.Local.LastWriteTimeUtc);
    }

    /// <summary>A remote file of the same size, newer than the local one and (where the server tells) of the same checksum, is already there; the local checksum when it was computed.</summary>
    private static async Task<(bool Identical, Checksum? LocalChecksum)> IsIdenticalAsync(IRemoteStore store, FileInfo local, RemoteEntry? remote, CancellationToken cancellationToken)
    {
        if (remote is null || remote.Size != local.Length || remote.LastModified is not { } modified || modified.UtcDateTime < local.LastWriteTimeUtc.AddSeconds(-1))
            return (false, null);
        var serverChecksum = await store.ServerAdler32Async(remote.Path, cancellationToken).ConfigureAwait(false);
        if (serverChecksum is null) return (true, null);
        var localChecksum = await LocalAdler32Async(local, cancellationToken).ConfigureAwait(false);
        return (localChecksum == serverChecksum, localChecksum);
    }

    private static async Task<Checksum> LocalAdler32Async(FileInfo local, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(local.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var (_, checksum) = await CopyLoop.CopyAsync(input, Stream.Null, NoProgress.Instance, cancellationToken).ConfigureAwait(false);
        return checksum;
    }
}
