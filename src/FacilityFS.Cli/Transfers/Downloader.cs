using FacilityFS.Cli.Config;
using FacilityFS.Cli.Output;
using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Cli.Transfers;

/// <summary>`get`: remote files and trees to local disk, never leaving a half file under a final name, skipping files already identical.</summary>
internal sealed class Downloader(CliContext context, TransferReporter reporter, int parallel)
{
    private sealed record Job(RemoteEntry Entry, string LocalPath);

    public async Task GetAsync(RemoteTarget source, string? local, bool recursive, CancellationToken cancellationToken)
    {
        var entry = await source.Store.StatAsync(source.Path, cancellationToken).ConfigureAwait(false);
        var name = source.Path.IsRoot ? "root" : source.Path.Name;
        if (!entry.IsDirectory)
        {
            // A file saved into an existing folder keeps its name, as cp does.
            var destination = local is null ? Path.GetFullPath(name)
                : Directory.Exists(local) ? Path.Combine(Path.GetFullPath(local), name)
                : Path.GetFullPath(local);
            var parent = Path.GetDirectoryName(destination)!;
            if (!Directory.Exists(parent)) throw new UsageException($"local folder {parent} does not exist");
            await reporter.RunAsync(() => DownloadAsync(source, new Job(entry, destination), cancellationToken)).ConfigureAwait(false);
            return;
        }
        if (!recursive) throw new UsageException($"{source} is a folder; use get -r to download it with everything in it");
        // A folder goes to LOCAL itself (or into it when LOCAL ends with '/'), so rerunning the same command resumes instead of nesting.
        var folder = local is null ? Path.GetFullPath(name)
            : local.EndsWith('/') ? Path.Combine(Path.GetFullPath(local), name)
            : Path.GetFullPath(local);
        if (File.Exists(folder)) throw new UsageException($"cannot download folder {source} onto the file {folder}");

        var jobs = new List<Job>();
        await CollectAsync(source, entry.Path, folder, jobs, cancellationToken).ConfigureAwait(false);
        await reporter.RunAsync(() => ParallelFiles.RunAsync(jobs, parallel, context, j => $"get {source.Display(j.Entry.Path)}",
            (job, ct) => DownloadAsync(source, job, ct), cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Walks the remote tree, creating the local folders as it goes and listing the files to fetch.</summary>
    private static async Task CollectAsync(RemoteTarget source, RemotePath folder, string localFolder, List<Job> jobs, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(localFolder);
        var subfolders = new List<(RemotePath, string)>();
        await foreach (var child in source.Store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            if (child.Name.StartsWith(Storage.Transfers.VerifiedUpload.TemporaryPrefix, StringComparison.Ordinal)) continue;
            var localChild = Path.Combine(localFolder, child.Name);
            if (child.IsDirectory) subfolders.Add((child.Path, localChild));
            else jobs.Add(new Job(child, localChild));
        }
        foreach (var (path, localPath) in subfolders) await CollectAsync(source, path, localPath, jobs, cancellationToken).ConfigureAwait(false);
    }

    private async Task DownloadAsync(RemoteTarget source, Job job, CancellationToken cancellationToken)
    {
        var entry = job.Entry;
        var display = source.Display(entry.Path);
        if (IsIdentical(job.LocalPath, entry))
        {
            reporter.Finished(new TransferRecord(job.LocalPath, "skipped", entry.Size, null, display));
            return;
        }
        var folder = Path.GetDirectoryName(job.LocalPath)!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(job.LocalPath)}.ffs-{Guid.NewGuid():N}.part");
        try
        {
            var progress = reporter.Begin(display, entry.Size);
            var copied = entry.Size >= ParallelThreshold && source.Store.Capabilities.RangeReads
                ? await DownloadRangesAsync(source.Store, entry, temporary, progress, cancellationToken).ConfigureAwait(false)
                : await DownloadStreamAsync(source.Store, entry, temporary, progress, cancellationToken).ConfigureAwait(false);
            var serverChecksum = await source.Store.ServerAdler32Async(entry.Path, cancellationToken).ConfigureAwait(false);
            if (serverChecksum is not null && serverChecksum != copied.Adler32)
                throw new StorageException(StorageErrorKind.VerificationFailed, $"{display}: the server reports {serverChecksum} but the bytes received give {copied.Adler32}");
            if (entry.LastModified is { } modified) File.SetLastWriteTimeUtc(temporary, modified.UtcDateTime);
            File.Move(temporary, job.LocalPath, overwrite: true);
            reporter.Finished(new TransferRecord(job.LocalPath, "downloaded", copied.Bytes, copied.Adler32.ToString(), display));
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static async Task<(long Bytes, Checksum Adler32)> DownloadStreamAsync(IRemoteStore store, RemoteEntry entry, string temporary, IProgress<long> progress, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(entry.Path, expectedETag: entry.ETag, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var output = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 0,
            // Synchronous writes: on Linux an "asynchronous" file write is a hop to the thread pool per buffer.
            Options = FileOptions.None,
            PreallocationSize = entry.Size,
        });
        var copied = await CopyLoop.CopyAsync(content.Stream, output, progress, cancellationToken).ConfigureAwait(false);
        if (copied.Bytes != content.Length)
            throw new StorageException(StorageErrorKind.VerificationFailed, $"got {copied.Bytes} bytes of {entry.Path} but the server announced {content.Length}");
        return copied;
    }

    /// <summary>Files from this size on are fetched as several ranges at once, each carrying the ETag so all parts are of one version.</summary>
    private const long ParallelThreshold = 64L << 20;
    private const long RangeSize = 32L << 20;
    private const int RangesAtOnce = 4;

    private static async Task<(long Bytes, Checksum Adler32)> DownloadRangesAsync(IRemoteStore store, RemoteEntry entry, string temporary, IProgress<long> progress, CancellationToken cancellationToken)
    {
        var count = (int)((entry.Size + RangeSize - 1) / RangeSize);
        var sums = new uint[count];
        using var output = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, entry.Size);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = RangesAtOnce, CancellationToken = cancellationToken },
            async (part, ct) =>
            {
                var offset = part * RangeSize;
                var length = Math.Min(RangeSize, entry.Size - offset);
                await using var content = await store.OpenReadAsync(entry.Path, new ByteRange(offset, length), entry.ETag, ct).ConfigureAwait(false);
                var (bytes, sum) = await CopyLoop.CopyAtAsync(content.Stream, output, offset, progress, ct).ConfigureAwait(false);
                if (bytes != length)
                    throw new StorageException(StorageErrorKind.VerificationFailed, $"got {bytes} bytes of {entry.Path} at {offset} but asked for {length}");
                sums[part] = sum;
            }).ConfigureAwait(false);
        var whole = sums[0];
        for (var part = 1; part < count; part++) whole = Adler32.Combine(whole, sums[part], Math.Min(RangeSize, entry.Size - part * RangeSize));
        return (entry.Size, Adler32.ChecksumOf(whole));
    }

    /// <summary>A local file with the remote's size and modification time (set by an earlier get) needs no new download.</summary>
    private static bool IsIdentical(string localPath, RemoteEntry entry)
    {
        var local = new FileInfo(localPath);
        return local.Exists && local.Length == entry.Size && entry.LastModified is { } modified
            && Math.Abs((local.LastWriteTimeUtc - modified.UtcDateTime).TotalSeconds) < 1;
    }
}
