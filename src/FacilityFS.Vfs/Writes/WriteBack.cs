using System.Globalization;
using FacilityFS.Storage;
using FacilityFS.Storage.Transfers;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Vfs.Writes;

/// <summary>Uploads the spool's files in the background: after a settle delay, verified (PUT to a hidden name, check, MOVE), retried for ever on transient errors, kept with the reason on permanent ones.</summary>
/// <remarks>Each pending file has at most one loop (<see cref="DirtyFile.Runner"/>); a change to its bytes cancels its PUT and its next close schedules it again.</remarks>
public sealed class WriteBack : IAsyncDisposable
{
    private readonly IRemoteStore _store;
    private readonly Spool _spool;
    private readonly WriteBackOptions _options;
    private readonly ILogger _logger;
    private readonly Action<DirtyFile, RemoteEntry, FileCommitted> _committed;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource _hurry = new();
    private long _committedFiles;
    private long _committedBytes;

    public WriteBack(IRemoteStore store, Spool spool, WriteBackOptions options, ILogger logger, Action<DirtyFile, RemoteEntry, FileCommitted> committed)
    {
        _store = store;
        _spool = spool;
        _options = options;
        _logger = logger;
        _committed = committed;
        _slots = new SemaphoreSlim(Math.Max(1, options.ParallelUploads));
    }

    public WriteBackOptions Options => _options;

    public long CommittedFiles => Interlocked.Read(ref _committedFiles);

    public long CommittedBytes => Interlocked.Read(ref _committedBytes);

    /// <summary>Resumes every file the journal listed at start, in the background, so the mount does not wait for them.</summary>
    public void ResumeReplayed()
    {
        var files = _spool.All();
        if (files.Count > 0) _logger.LogInformation("resuming {Count} uploads left by an earlier mount", files.Count);
        foreach (var file in files) Schedule(file, TimeSpan.Zero);
    }

    /// <summary>Queues an upload of <paramref name="file"/> after <paramref name="delay"/> (or sooner, if it was already due).</summary>
    public void Schedule(DirtyFile file, TimeSpan delay)
    {
        if (_stopping.IsCancellationRequested) return;
        lock (file.Gate)
        {
            var due = Environment.TickCount64 + (long)delay.TotalMilliseconds;
            file.DueAt = file.Runner is null ? due : Math.Max(file.DueAt, due);
            file.Runner ??= Task.Run(() => RunAsync(file));
        }
    }

    /// <summary>Makes waiting uploads due now: every one (sync, unmount, a full spool), or only <paramref name="only"/> (fsync).</summary>
    public void Hurry(DirtyFile? only = null)
    {
        var now = Environment.TickCount64;
        foreach (var file in only is null ? _spool.All() : [only])
        {
            lock (file.Gate) file.DueAt = Math.Min(file.DueAt, now);
        }
        // Every sleeping loop wakes and looks at its due time again; those not hurried sleep on.
        Interlocked.Exchange(ref _hurry, new CancellationTokenSource()).Cancel();
    }

    private async Task RunAsync(DirtyFile file)
    {
        try
        {
            while (true)
            {
                if (!await WaitUntilDueAsync(file).ConfigureAwait(false)) return;
                await _slots.WaitAsync(_stopping.Token).ConfigureAwait(false);
                TimeSpan? retryIn;
                try
                {
                    retryIn = await UploadOnceAsync(file).ConfigureAwait(false);
                }
                finally
                {
                    _slots.Release();
                }
                lock (file.Gate)
                {
                    if (retryIn is { } wait) file.DueAt = Environment.TickCount64 + (long)wait.TotalMilliseconds;
                    else if (file.IsClean || file.Discarded || file.State == UploadState.Failed || file.HeldOpen)
                    {
                        file.Runner = null;
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            lock (file.Gate) file.Runner = null;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "the upload loop of {Path} failed", file.Path);
            lock (file.Gate)
            {
                file.Runner = null;
                file.State = UploadState.Failed;
                file.Error = e.Message;
            }
            _spool.Changed.Pulse();
        }
    }

    /// <summary>Waits for the file's due time; false when there is nothing to do (and the loop has ended).</summary>
    private async Task<bool> WaitUntilDueAsync(DirtyFile file)
    {
        while (true)
        {
            var hurry = Volatile.Read(ref _hurry).Token;
            long wait;
            lock (file.Gate)
            {
                if (file.Discarded || file.IsClean || file.HeldOpen)
                {
                    file.Runner = null;
                    return false;
                }
                wait = file.DueAt - Environment.TickCount64;
            }
            if (wait <= 0) return true;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(hurry, _stopping.Token);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                // Hurried: look at the due time again.
            }
            _stopping.Token.ThrowIfCancellationRequested();
        }
    }

    /// <summary>One attempt; null when there is nothing more to try now (committed, failed, superseded), else the wait before the next.</summary>
    private async Task<TimeSpan?> UploadOnceAsync(DirtyFile file)
    {
        long generation, size;
        RemotePath path;
        string? baseVersion;
        CancellationTokenSource cancel;
        lock (file.Gate)
        {
            if (file.Discarded || file.IsClean) return null;
            generation = file.Generation;
            size = file.Size;
            path = file.Path;
            baseVersion = file.BaseVersion;
            file.State = UploadState.Uploading;
            file.Attempts++;
            cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            file.UploadCancel = cancel;
        }
        var expected = file.WritePathChecksum;
        _spool.Changed.Pulse();
        if (!file.TryHold())
        {
            cancel.Dispose();
            return null;
        }
        try
        {
            var remote = await _store.TryStatAsync(path, cancel.Token).ConfigureAwait(false);
            if (remote is { IsDirectory: true })
                return Fail(file, $"a folder now stands at {path} on the storage; the file is kept in the spool ({file.SpoolPath})");
            var conflict = remote is not null && (baseVersion is null || remote.VersionKey != baseVersion);
            var target = conflict ? ConflictNameOf(path) : path;
            VerifiedUpload.StagedUpload staged;
            await using (var content = file.OpenForUpload(size))
                staged = await StageWithParentsAsync(target, content, size, cancel.Token).ConfigureAwait(false);
            await file.CommitLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                return await CommitAsync(file, staged, generation, path, expected, conflict ? remote : null).ConfigureAwait(false);
            }
            finally
            {
                file.CommitLock.Release();
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            lock (file.Gate)
            {
                if (file.State == UploadState.Uploading) file.State = UploadState.Dirty;
            }
            return null;
        }
        catch (StorageException e) when (IsPermanent(e.Kind))
        {
            return Fail(file, e.Message);
        }
        catch (StorageException e)
        {
            return Retry(file, e.Message);
        }
        catch (IOException e)
        {
            return Fail(file, $"cannot read the spool file {file.SpoolPath}: {e.Message}");
        }
        finally
        {
            lock (file.Gate)
            {
                if (file.UploadCancel == cancel) file.UploadCancel = null;
            }
            cancel.Dispose();
            file.Let();
        }
    }

    /// <summary>Moves a staged upload onto its name unless the file changed, moved or went meanwhile, and records what the storage now holds.</summary>
    /// <param name="conflictWith">The remote entry that differs from the base version: ours goes aside under a conflict name.</param>
    /// <param name="expected">The checksum the write path computed, which the bytes sent must match (else the spool file changed on disk).</param>
    private async Task<TimeSpan?> CommitAsync(DirtyFile file, VerifiedUpload.StagedUpload staged, long generation, RemotePath path,
        Storage.Checksums.Checksum? expected, RemoteEntry? conflictWith)
    {
        bool superseded;
        lock (file.Gate)
        {
            // Bytes changed during the PUT: what was sent is not one version; the next close uploads again.
            superseded = file.Generation != generation || file.Discarded || file.Path != path;
            if (superseded && file.State == UploadState.Uploading) file.State = UploadState.Dirty;
        }
        if (superseded)
        {
            await staged.DiscardAsync().ConfigureAwait(false);
            return null;
        }
        if (expected is not null && staged.Outcome.Adler32 != expected)
        {
            await staged.DiscardAsync().ConfigureAwait(false);
            throw new StorageException(StorageErrorKind.VerificationFailed,
                $"the spool file of {path} reads back as {staged.Outcome.Adler32}, but {expected} was written");
        }
        // From here on nothing is cancelled: the MOVE and what it changed must be recorded together.
        var outcome = await staged.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        var target = outcome.Path;
        var entry = await _store.StatAsync(target, CancellationToken.None).ConfigureAwait(false);
        if (conflictWith is not null)
        {
            _logger.LogWarning("{Path} changed on the storage since it was opened; kept ours as {Conflict}", path, target);
            _spool.Journal.AddConflict(path.Value, target.Value, DateTimeOffset.UtcNow);
        }
        DateTimeOffset modified;
        lock (file.Gate)
        {
            file.UploadCancel = null;
            file.CommittedGeneration = generation;
            file.BaseVersion = conflictWith?.VersionKey ?? entry.VersionKey;
            file.State = UploadState.Committed;
            file.Error = null;
            file.Attempts = 0;
            modified = file.Modified;
        }
        // The new base goes to the journal at once: a crash before the row is dropped then replays an upload onto our own version, not a conflict.
        _spool.Journal.Update(file.ToRecord());
        Interlocked.Increment(ref _committedFiles);
        Interlocked.Add(ref _committedBytes, outcome.BytesWritten);
        _logger.LogInformation("uploaded {Path} ({Size} bytes, {Checksum})", target, outcome.BytesWritten, outcome.Adler32);
        _committed(file, entry, new FileCommitted(target, outcome.BytesWritten, outcome.Adler32, modified, conflictWith is null ? null : path));
        _spool.Changed.Pulse();
        return null;
    }

    /// <summary>Stages the upload; a missing parent folder (409: removed on the server meanwhile) is created again, once.</summary>
    private async Task<VerifiedUpload.StagedUpload> StageWithParentsAsync(RemotePath target, Stream content, long size, CancellationToken cancellationToken)
    {
        try
        {
            return await VerifiedUpload.StageAsync(_store, target, content, size, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.Conflict or StorageErrorKind.NotFound && !target.Parent.IsRoot)
        {
            _logger.LogWarning("the folder {Folder} is gone on the storage; creating it again for {Path}", target.Parent, target);
            await _store.CreateDirectoryAsync(target.Parent, createParents: true, cancellationToken).ConfigureAwait(false);
            throw new StorageException(StorageErrorKind.Unavailable, $"{target.Parent} had to be created again", inner: e);
        }
    }

    private static bool IsPermanent(StorageErrorKind kind) => kind switch
    {
        StorageErrorKind.PermissionDenied or StorageErrorKind.InsufficientStorage or StorageErrorKind.TooLarge or StorageErrorKind.IsDirectory
            or StorageErrorKind.NotDirectory or StorageErrorKind.NotSupported or StorageErrorKind.InvalidArgument => true,
        // 401 may be an expired token that a refresh or a new token file mends; 409/404 a parent folder recreated; the rest are passing.
        StorageErrorKind.Unauthenticated or StorageErrorKind.Conflict or StorageErrorKind.NotFound or StorageErrorKind.Unavailable
            or StorageErrorKind.InvalidResponse or StorageErrorKind.VerificationFailed or StorageErrorKind.Changed
            or StorageErrorKind.AlreadyExists or StorageErrorKind.NotEmpty => false,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unclassified storage error"),
    };

    private TimeSpan? Fail(DirtyFile file, string reason)
    {
        lock (file.Gate)
        {
            file.State = UploadState.Failed;
            file.Error = reason;
        }
        _logger.LogError("upload of {Path} failed for good: {Reason}; it stays in the spool", file.Path, reason);
        _spool.Journal.Update(file.ToRecord());
        _spool.Changed.Pulse();
        return null;
    }

    private TimeSpan? Retry(DirtyFile file, string reason)
    {
        int attempts;
        lock (file.Gate)
        {
            file.State = UploadState.Dirty;
            file.Error = reason;
            attempts = file.Attempts;
        }
        var wait = TimeSpan.FromMilliseconds(Math.Min(_options.RetryMaxDelay.TotalMilliseconds,
            _options.RetryFirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30))));
        _logger.LogWarning("upload of {Path} failed (attempt {Attempt}), retrying in {Wait:0.#} s: {Reason}", file.Path, attempts, wait.TotalSeconds, reason);
        _spool.Changed.Pulse();
        return wait;
    }

    private RemotePath ConflictNameOf(RemotePath path) =>
        path.Parent.Child($"{path.Name}.conflict-{_options.HostName}-{DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}");

    /// <summary>Uploads <paramref name="file"/> now, open or not, and waits until it is on the storage (fsync in remote mode).</summary>
    public async Task CommitNowAsync(DirtyFile file, CancellationToken cancellationToken)
    {
        long generation;
        lock (file.Gate)
        {
            generation = file.Generation;
            file.UploadRequested = true;
        }
        try
        {
            Schedule(file, TimeSpan.Zero);
            Hurry(file);
            while (true)
            {
                var next = _spool.Changed.Next;
                lock (file.Gate)
                {
                    if (file.CommittedGeneration >= generation) return;
                    if (file.Discarded) return;
                    if (file.State == UploadState.Failed)
                        throw new VfsException(VfsError.IoError, $"{file.Path} could not be uploaded: {file.Error}");
                }
                await next.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (file.Gate) file.UploadRequested = false;
        }
    }

    /// <summary>Uploads every closed file now and waits until each is committed or failed; returns those that failed.</summary>
    public async Task<IReadOnlyList<DirtyFile>> SyncAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var deadline = timeout is { } t ? Environment.TickCount64 + (long)t.TotalMilliseconds : long.MaxValue;
        var waiting = new List<DirtyFile>();
        foreach (var file in _spool.All())
        {
            lock (file.Gate)
            {
                // Asking to sync is asking to try again: a failed file gets one more upload.
                if (file.State == UploadState.Failed) file.State = UploadState.Dirty;
            }
            if (Settled(file)) continue;
            waiting.Add(file);
            Schedule(file, TimeSpan.Zero);
        }
        Hurry();
        while (true)
        {
            var next = _spool.Changed.Next;
            if (waiting.All(Settled) || Environment.TickCount64 >= deadline) break;
            var left = deadline - Environment.TickCount64;
            await AsyncPulse.WaitQuietlyAsync(next, TimeSpan.FromMilliseconds(Math.Min(left, 1000)), cancellationToken).ConfigureAwait(false);
        }
        return [.. waiting.Where(f => f.State == UploadState.Failed && !f.Discarded)];
    }

    /// <summary>Nothing more will happen to it without a new change: out of the spool (committed or gone), failed, or still open for writing.</summary>
    private static bool Settled(DirtyFile file)
    {
        lock (file.Gate) return file.Removed || file.Discarded || file.State == UploadState.Failed || file.HeldOpen;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var runners = _spool.All().Select(f =>
        {
            lock (f.Gate) return f.Runner;
        }).OfType<Task>().ToList();
        await AsyncPulse.WaitQuietlyAsync(Task.WhenAll(runners), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
