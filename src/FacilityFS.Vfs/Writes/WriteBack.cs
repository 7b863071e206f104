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

    /// <summary>Resumes every file the journal listed at start, in the background, so the mount does not wait for them; interrupted files wait for the user.</summary>
    public void ResumeReplayed()
    {
        var temporaries = _spool.Journal.Temporaries();
        if (temporaries.Count > 0) _ = Task.Run(() => DeleteTemporariesAsync(temporaries));
        var files = _spool.All();
        var interrupted = files.Where(f => f.State == UploadState.Interrupted).ToList();
        foreach (var file in interrupted)
            _logger.LogWarning("{Path} was never closed by its writer ({Size} bytes in {Spool}); kept as interrupted, not uploaded (facilityfs recover)",
                file.Path, file.Size, file.SpoolPath);
        var resumed = files.Except(interrupted).ToList();
        if (resumed.Count > 0) _logger.LogInformation("resuming {Count} uploads left by an earlier mount", resumed.Count);
        foreach (var file in resumed) Schedule(file, TimeSpan.Zero);
    }

    /// <summary>Deletes the hidden upload names an earlier run recorded and may have left on the storage (only those: never another client's).</summary>
    private async Task DeleteTemporariesAsync(IReadOnlyList<string> temporaries)
    {
        foreach (var name in temporaries)
        {
            if (!RemotePath.TryParse(name, out var temporary)) continue;
            try
            {
                await _store.DeleteAsync(temporary, _stopping.Token).ConfigureAwait(false);
                _logger.LogInformation("deleted the upload temporary {Path} an earlier mount left", temporary);
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
            {
                // Moved onto its name or deleted before the crash: nothing left.
            }
            catch (StorageException e)
            {
                _logger.LogWarning("cannot delete the upload temporary {Path} yet ({Error}); trying again at the next mount", temporary, e.Message);
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                _spool.Journal.RemoveTemporary(name);
            }
            catch (VfsException e)
            {
                _logger.LogError("{Error}", e.Message);
            }
        }
    }

    /// <summary>Queues an upload of <paramref name="file"/> after <paramref name="delay"/> (or sooner, if it was already due).</summary>
    public void Schedule(DirtyFile file, TimeSpan delay)
    {
        if (_stopping.IsCancellationRequested) return;
        file.ScheduleAt(Environment.TickCount64 + (long)delay.TotalMilliseconds, () => RunAsync(file));
    }

    /// <summary>Makes waiting uploads due now: every one (sync, unmount, a full spool), or only <paramref name="only"/> (fsync).</summary>
    public void Hurry(DirtyFile? only = null)
    {
        var now = Environment.TickCount64;
        foreach (var file in only is null ? _spool.All() : [only]) file.DueBy(now);
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
                if (retryIn is { } wait) file.RetryAt(Environment.TickCount64 + (long)wait.TotalMilliseconds);
                else if (file.StopIfIdle()) return;
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            file.RunnerEnded();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "the upload loop of {Path} failed", file.Path);
            file.RunnerEnded();
            file.FailForGood(e.Message);
            _spool.Changed.Pulse();
        }
    }

    /// <summary>Waits for the file's due time; false when there is nothing to do (and the loop has ended).</summary>
    private async Task<bool> WaitUntilDueAsync(DirtyFile file)
    {
        while (true)
        {
            var hurry = Volatile.Read(ref _hurry).Token;
            if (file.WaitLeftOrStop(Environment.TickCount64) is not { } wait) return false;
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
        if (file.BeginUpload(_stopping.Token) is not { } start) return null;
        var cancel = start.Cancel;
        var expected = file.WritePathChecksum;
        _spool.Changed.Pulse();
        if (!file.TryHold())
        {
            file.EndUpload(cancel);
            cancel.Dispose();
            return null;
        }
        try
        {
            var path = start.Path;
            var remote = await _store.TryStatAsync(path, cancel.Token).ConfigureAwait(false);
            if (remote is { IsDirectory: true })
                return Fail(file, $"a folder now stands at {path} on the storage; the file is kept in the spool ({file.SpoolPath})");
            var baseVersion = start.BaseVersion;
            if (remote is not null && remote.VersionKey != baseVersion && await IsOurStagedVersionAsync(remote, start.Staged, cancel.Token).ConfigureAwait(false))
            {
                // A crash came between our MOVE and its record: what stands there is our own upload, not someone else's change.
                _logger.LogInformation("{Path} on the storage is our own upload from before a crash ({Size} bytes, {Checksum}); not a conflict",
                    path, remote.Size, start.Staged!.Checksum);
                file.Rebase(remote.VersionKey);
                _spool.Journal.Update(file.ToRecord());
                baseVersion = remote.VersionKey;
            }
            var conflict = remote is not null && (baseVersion is null || remote.VersionKey != baseVersion);
            var target = conflict ? ConflictNameOf(path) : path;
            var temporary = VerifiedUpload.TemporaryNameFor(target);
            // The hidden name and the version are in the journal before the first byte goes out: a crash leaves nothing unknown on the storage.
            _spool.Journal.AddTemporary(temporary.Value);
            file.Stage(new StagedVersion(start.Size, expected?.Value));
            _spool.Journal.Update(file.ToRecord());
            VerifiedUpload.StagedUpload staged;
            await using (var content = file.OpenForUpload(start.Size))
                staged = await StageWithParentsAsync(target, temporary, content, start.Size, cancel.Token).ConfigureAwait(false);
            file.Stage(new StagedVersion(staged.Outcome.BytesWritten, staged.Outcome.Adler32.Value));
            _spool.Journal.Update(file.ToRecord());
            if (_options.CrashAt == "staged") CrashForTest("staged", target);
            await file.CommitLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                return await CommitAsync(file, staged, start, expected, conflict ? remote : null, temporary).ConfigureAwait(false);
            }
            finally
            {
                file.CommitLock.Release();
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            file.UploadCancelled();
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
        catch (VfsException e)
        {
            // The journal could not record the attempt (a full disk): nothing was sent that it does not know of; try again later.
            _logger.LogError("upload of {Path} cannot be recorded: {Error}", file.Path, e.Message);
            return Retry(file, e.Message);
        }
        catch (IOException e)
        {
            return Fail(file, $"cannot read the spool file {file.SpoolPath}: {e.Message}");
        }
        finally
        {
            file.EndUpload(cancel);
            cancel.Dispose();
            file.Let();
        }
    }

    /// <summary>Whether <paramref name="remote"/> holds the version we staged before a crash: same size, and the same Adler-32 (the server's, or read back).</summary>
    private async Task<bool> IsOurStagedVersionAsync(RemoteEntry remote, StagedVersion? staged, CancellationToken cancellationToken)
    {
        if (staged?.Checksum is not { } checksum || remote.Size != staged.Size) return false;
        var server = await _store.ServerAdler32Async(remote.Path, cancellationToken).ConfigureAwait(false);
        if (server is not null) return server.Value == checksum;
        var adler = new Storage.Checksums.Adler32();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            await using var content = await _store.OpenReadAsync(remote.Path, null, remote.ETag, cancellationToken).ConfigureAwait(false);
            int n;
            while ((n = await content.Stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0) adler.Append(buffer.AsSpan(0, n));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return adler.ToChecksum().Value == checksum;
    }

    private void CrashForTest(string point, RemotePath target)
    {
        _logger.LogCritical("FACILITYFS_TEST_CRASH_AT={Point}: killing this process after {Path}", point, target);
        System.Diagnostics.Process.GetCurrentProcess().Kill();
    }

    /// <summary>Moves a staged upload onto its name unless the file changed, moved or went meanwhile, and records what the storage now holds.</summary>
    /// <param name="conflictWith">The remote entry that differs from the base version: ours goes aside under a conflict name.</param>
    /// <param name="expected">The checksum the write path computed, which the bytes sent must match (else the spool file changed on disk).</param>
    private async Task<TimeSpan?> CommitAsync(DirtyFile file, VerifiedUpload.StagedUpload staged, DirtyFile.UploadStart start,
        Storage.Checksums.Checksum? expected, RemoteEntry? conflictWith, RemotePath temporary)
    {
        var path = start.Path;
        if (file.Superseded(start))
        {
            // Bytes changed during the PUT: what was sent is not one version; the next close uploads again.
            await DiscardAsync(staged, temporary).ConfigureAwait(false);
            return null;
        }
        if (expected is not null && staged.Outcome.Adler32 != expected)
        {
            await DiscardAsync(staged, temporary).ConfigureAwait(false);
            throw new StorageException(StorageErrorKind.VerificationFailed,
                $"the spool file of {path} reads back as {staged.Outcome.Adler32}, but {expected} was written");
        }
        // From here on nothing is cancelled: the MOVE and what it changed must be recorded together.
        var outcome = await staged.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        if (_options.CrashAt == "moved") CrashForTest("moved", outcome.Path);
        var target = outcome.Path;
        var entry = await _store.StatAsync(target, CancellationToken.None).ConfigureAwait(false);
        if (conflictWith is not null)
        {
            _logger.LogWarning("{Path} changed on the storage since it was opened; kept ours as {Conflict}", path, target);
            _spool.Journal.AddConflict(path.Value, target.Value, DateTimeOffset.UtcNow);
        }
        file.Committed(start.Generation, conflictWith?.VersionKey ?? entry.VersionKey);
        var modified = file.Modified;
        // The new base goes to the journal at once: a crash before the row is dropped then replays an upload onto our own version, not a conflict.
        _spool.Journal.Update(file.ToRecord());
        _spool.Journal.RemoveTemporary(temporary.Value);
        Interlocked.Increment(ref _committedFiles);
        VfsMetrics.UploadsCommitted.Add(1);
        VfsMetrics.UploadSeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(start.Started).TotalSeconds);
        Interlocked.Add(ref _committedBytes, outcome.BytesWritten);
        _logger.LogInformation("uploaded {Path} ({Size} bytes, {Checksum})", target, outcome.BytesWritten, outcome.Adler32);
        _committed(file, entry, new FileCommitted(target, outcome.BytesWritten, outcome.Adler32, modified, conflictWith is null ? null : path));
        _spool.Changed.Pulse();
        return null;
    }

    private async Task DiscardAsync(VerifiedUpload.StagedUpload staged, RemotePath temporary)
    {
        await staged.DiscardAsync().ConfigureAwait(false);
        _spool.Journal.RemoveTemporary(temporary.Value);
    }

    /// <summary>Stages the upload; a missing parent folder (409: removed on the server meanwhile) is created again, once.</summary>
    private async Task<VerifiedUpload.StagedUpload> StageWithParentsAsync(RemotePath target, RemotePath temporary, Stream content, long size,
        CancellationToken cancellationToken)
    {
        try
        {
            return await VerifiedUpload.StageAsync(_store, target, temporary, content, size, cancellationToken).ConfigureAwait(false);
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
        file.FailForGood(reason);
        VfsMetrics.UploadsFailed.Add(1);
        _logger.LogError("upload of {Path} failed for good: {Reason}; it stays in the spool", file.Path, reason);
        try
        {
            _spool.Journal.Update(file.ToRecord());
        }
        catch (VfsException e)
        {
            _logger.LogError("{Error}", e.Message);
        }
        _spool.Changed.Pulse();
        return null;
    }

    private TimeSpan? Retry(DirtyFile file, string reason)
    {
        var attempts = file.RetryLater(reason);
        var wait = TimeSpan.FromMilliseconds(Math.Min(_options.RetryMaxDelay.TotalMilliseconds,
            _options.RetryFirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30))));
        _logger.LogWarning("upload of {Path} failed (attempt {Attempt}), retrying in {Wait:0.#} s: {Reason}", file.Path, attempts, wait.TotalSeconds, reason);
        _spool.Changed.Pulse();
        return wait;
    }

    /// <summary>NAME.conflict-HOST-TIME, the name cut short when the whole would pass the server's name limit (the suffix says what it is).</summary>
    private RemotePath ConflictNameOf(RemotePath path) =>
        path.WithSuffix($".conflict-{_options.HostName}-{DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}", _store.Capabilities.MaxNameLength);

    /// <summary>Uploads <paramref name="file"/> now, open or not, and waits until it is on the storage (fsync in remote mode).</summary>
    public async Task CommitNowAsync(DirtyFile file, CancellationToken cancellationToken)
    {
        long generation;
        lock (file.Gate) generation = file.Generation;
        file.RequestUpload(true);
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
            file.RequestUpload(false);
        }
    }

    /// <summary>Uploads every closed file now and waits until each is committed or failed; returns those that failed.</summary>
    public async Task<IReadOnlyList<DirtyFile>> SyncAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var deadline = timeout is { } t ? Environment.TickCount64 + (long)t.TotalMilliseconds : long.MaxValue;
        var waiting = new List<DirtyFile>();
        foreach (var file in _spool.All())
        {
            // Asking to sync is asking to try again: a failed file gets one more upload.
            file.RetryIfFailed();
            if (file.Settled) continue;
            waiting.Add(file);
            Schedule(file, TimeSpan.Zero);
        }
        Hurry();
        while (true)
        {
            var next = _spool.Changed.Next;
            if (waiting.All(f => f.Settled) || Environment.TickCount64 >= deadline) break;
            var left = deadline - Environment.TickCount64;
            await AsyncPulse.WaitQuietlyAsync(next, TimeSpan.FromMilliseconds(Math.Min(left, 1000)), cancellationToken).ConfigureAwait(false);
        }
        return [.. waiting.Where(f => f.State == UploadState.Failed && !f.Discarded)];
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var runners = _spool.All().Select(f => f.Runner).OfType<Task>().ToList();
        await AsyncPulse.WaitQuietlyAsync(Task.WhenAll(runners), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
