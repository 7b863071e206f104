using System.Collections.Concurrent;
using System.Threading.Channels;
using FacilityFS.Storage;
using FacilityFS.Vfs;
using FacilityFS.Vfs.Writes;
using FacilityFS.Watch.Inotify;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Watch;

/// <summary>A local folder as a source of "file committed" events: settled files are checksummed in place or uploaded, journaled, then announced.</summary>
/// <remarks>
/// Events (inotify) make it quick and rescans make it complete: a rescan at start, one every <see cref="WatchOptions.Rescan"/>, and one after
/// every lost event. The journal (the mount's spool journal, one row per file with the version committed) makes a restart redo only what was not
/// done: committed files whose version is unchanged are announced again without being read (the catalog's ledger drops what it knows),
/// the rest is handled anew.
/// </remarks>
public sealed class FolderWatch : ICommittedFiles, IPendingUploads, IAsyncDisposable
{
    private readonly string _directory;
    private readonly IFileCommitter _committer;
    private readonly SpoolJournal _journal;
    private readonly WatchOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly Channel<string> _scans = Channel.CreateUnbounded<string>();
    /// <summary>Journal rows by relative path: owned here, changed only through <see cref="Record"/>.</summary>
    private readonly ConcurrentDictionary<string, JournalRecord> _rows = new(StringComparer.Ordinal);
    /// <summary>Seen and not committed: what <see cref="IPendingUploads"/> answers from.</summary>
    private readonly ConcurrentDictionary<string, byte> _waiting = new(StringComparer.Ordinal);
    /// <summary>In the queue, settling, or being handled; a path is handled by one worker at a time.</summary>
    private readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);
    /// <summary>Paths that had news while they were being handled: handled once more after.</summary>
    private readonly ConcurrentDictionary<string, byte> _again = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _problems = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _aborting = new();
    private InotifyTree? _tree;
    private Task _scanner = Task.CompletedTask;
    /// <summary>Until the first walk is over, anything may still be unknown: every folder counts as pending (the catalog's reconciliation at start must not register a dataset before its files are seen).</summary>
    private volatile bool _walked;
    private Task[] _workers = [];

    public FolderWatch(string directory, IFileCommitter committer, SpoolJournal journal, WatchOptions options, ILogger logger)
    {
        _directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        _committer = committer;
        _journal = journal;
        _options = options;
        _logger = logger;
        foreach (var row in journal.All()) _rows[row.Path] = row;
    }

    public event Action<FileCommitted>? FileCommitted;

    /// <summary>The watched folder, as given (absolute).</summary>
    public string Directory => _directory;

    /// <summary>Completes once the first walk of the tree is over (everything present at start is queued).</summary>
    public Task FirstScan { get; private set; } = Task.CompletedTask;

    /// <summary>Cleans what a crash left, announces again what the journal has as committed, then watches, walks the tree and starts the workers.</summary>
    /// <remarks>Subscribe before calling it: the announcements of a restart are made here.</remarks>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(_directory)) throw new DirectoryNotFoundException($"{_directory}: no such folder to watch");
        await _committer.RecoverAsync(_journal, cancellationToken).ConfigureAwait(false);
        foreach (var row in _rows.Values.Where(r => r.State == UploadState.Committed && r.Checksum is not null).OrderBy(r => r.Id))
            if (FileVersion.Of(FullPath(row.Path)) == new FileVersion(row.Size, row.Modified) && TargetOf(row.Path) is { } target)
                Announce(target, row);
        StartInotify();
        var first = Task.Run(() =>
        {
            try
            {
                ScanFolder("");
            }
            finally
            {
                _walked = true;
            }
        });
        _workers = [.. Enumerable.Range(0, _options.Parallel).Select(_ => Task.Run(WorkAsync))];
        _scanner = Task.Run(() => ScanLoopAsync(first));
        FirstScan = first;
    }

    private void StartInotify()
    {
        if (!_options.UseInotify) return;
        try
        {
            _tree = InotifyTree.Start(_directory, OnTreeEvent, _logger);
            if (_tree.LimitReached is { } limit) _problems["inotify"] = limit;
        }
        catch (IOException e)
        {
            _problems["inotify"] = $"{e.Message}; changes are found by rescans only";
            _logger.LogWarning("{Problem}", _problems["inotify"]);
        }
    }

    private void OnTreeEvent(TreeEvent change)
    {
        switch (change.Kind)
        {
            case TreeEventKind.FileWritten or TreeEventKind.FileGone:
                Enqueue(change.RelativePath);
                break;
            case TreeEventKind.FolderAppeared:
                // Files may have been written into it before its watch was there: walked now, before the events that follow it (a marker) are handled.
                ScanFolder(change.RelativePath);
                break;
            case TreeEventKind.FolderGone when change.RelativePath.Length == 0:
                _problems["root"] = $"the watched folder {_directory} is gone; waiting for it to come back";
                _logger.LogWarning("{Problem}", _problems["root"]);
                break;
            case TreeEventKind.FolderGone:
                _scans.Writer.TryWrite(ParentOf(change.RelativePath));
                break;
            case TreeEventKind.Lost:
                if (change.Reason is { } reason) _problems[change.Reason.StartsWith("the inotify watch limit", StringComparison.Ordinal) ? "inotify" : "lost"] = reason;
                _logger.LogInformation("events lost ({Reason}); walking {Folder} again", change.Reason, _directory);
                _scans.Writer.TryWrite("");
                break;
        }
    }

    private async Task ScanLoopAsync(Task first)
    {
        await first.ConfigureAwait(false);
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(token);
                tick.CancelAfter(_options.Rescan);
                string folder;
                try
                {
                    folder = await _scans.Reader.ReadAsync(tick.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    folder = "";
                }
                // Requests that piled up meanwhile are one walk: the whole tree if any asks for it.
                while (_scans.Reader.TryRead(out var more)) folder = Common(folder, more);
                if (_problems.ContainsKey("root") && System.IO.Directory.Exists(_directory))
                {
                    _problems.TryRemove("root", out _);
                    _tree?.Dispose();
                    StartInotify();
                    folder = "";
                }
                await Scan(folder).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                _logger.LogError(e, "walking {Folder} failed; trying again at the next rescan", _directory);
            }
        }
    }

    /// <summary>Walks a folder of the tree: every file not committed in its present version is queued, every waiting file that is gone is let go.</summary>
    private Task Scan(string relative) => Task.Run(() => ScanFolder(relative));

    private void ScanFolder(string relative)
    {
        var found = new List<string>();
        var start = FullPath(relative);
        if (!System.IO.Directory.Exists(start))
        {
            if (relative.Length == 0)
            {
                _problems["root"] = $"the watched folder {_directory} is gone; waiting for it to come back";
                _logger.LogWarning("{Problem}", _problems["root"]);
            }
        }
        else
        {
            var folders = new Stack<string>([relative]);
            while (folders.Count > 0)
            {
                var folder = folders.Pop();
                try
                {
                    foreach (var entry in new DirectoryInfo(FullPath(folder)).EnumerateFileSystemInfos())
                    {
                        var path = folder.Length == 0 ? entry.Name : folder + "/" + entry.Name;
                        if (entry is DirectoryInfo { LinkTarget: null }) folders.Push(path);
                        else if (entry is FileInfo { LinkTarget: null } && !IsCurrent(path)) found.Add(path);
                    }
                    if (_problems.TryRemove("folder:" + folder, out _)) _logger.LogInformation("{Folder} is readable again", FullPath(folder));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    if (_problems.TryAdd("folder:" + folder, $"cannot read {FullPath(folder)}: {e.Message}; tried again at the next rescan"))
                        _logger.LogWarning("{Problem}", _problems["folder:" + folder]);
                }
            }
        }
        // Everything found is waiting before any of it is handled, so a dataset is never seen complete while a file of it is still unknown.
        foreach (var path in found) _waiting.TryAdd(path, 0);
        foreach (var path in found) Enqueue(path);
        foreach (var path in _waiting.Keys)
            if (IsUnder(path, relative) && !_queued.ContainsKey(path) && FileVersion.Of(FullPath(path)) is null) Enqueue(path);
    }

    /// <summary>Whether the journal has this version of the file as committed (or as refused for good, until it changes).</summary>
    private bool IsCurrent(string path)
    {
        if (!_rows.TryGetValue(path, out var row) || row.State is not (UploadState.Committed or UploadState.Failed)) return false;
        if (FileVersion.Of(FullPath(path)) != new FileVersion(row.Size, row.Modified)) return false;
        return row.State == UploadState.Committed || _failures.ContainsKey(path);
    }

    private void Enqueue(string path)
    {
        _waiting.TryAdd(path, 0);
        if (_queued.TryAdd(path, 0)) _queue.Writer.TryWrite(path);
        else _again.TryAdd(path, 0);
    }

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var path in _queue.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                TimeSpan? retry = null;
                try
                {
                    retry = await HandleAsync(path).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Never lets a worker die: the file is tried again like after an outage.
                    _logger.LogError(e, "handling {Path} failed unexpectedly; trying again later", FullPath(path));
                    retry = Backoff(path, e.Message);
                }
                if (retry is { } wait)
                {
                    _ = RequeueAfterAsync(path, wait);
                    continue;
                }
                _queued.TryRemove(path, out _);
                if (_again.TryRemove(path, out _)) Enqueue(path);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Queues a path again after a wait (still settling, or backing off); it stays "queued" meanwhile, so events about it do not double it.</summary>
    private async Task RequeueAfterAsync(string path, TimeSpan wait)
    {
        try
        {
            await Task.Delay(wait, _stopping.Token).ConfigureAwait(false);
            _again.TryRemove(path, out _);
            _queue.Writer.TryWrite(path);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One look at a file: gone, current, not settled (wait), or committed now; returns how long to wait before the next look, or null when done.</summary>
    private async Task<TimeSpan?> HandleAsync(string path)
    {
        var full = FullPath(path);
        if (FileVersion.Of(full) is not { } version)
        {
            Gone(path);
            return null;
        }
        if (_rows.TryGetValue(path, out var row) && row.State == UploadState.Committed && new FileVersion(row.Size, row.Modified) == version)
        {
            Settled(path);
            return null;
        }
        var now = DateTimeOffset.UtcNow;
        if (!version.SettledAt(now, _options.Settle))
        {
            var left = _options.Settle - (now - version.Modified);
            return left < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : left;
        }
        if (TargetOf(path) is not { } target)
        {
            Fail(path, version, $"{full}: the storage cannot take this name");
            return null;
        }
        try
        {
            // Inside: a journal that cannot record (its disk full) makes the file wait like an outage, said once, not a crash per try.
            row = Record(path, version, UploadState.Uploading, null, null);
            var checksum = await _committer.CommitAsync(full, target, version, _journal, _aborting.Token).ConfigureAwait(false);
            row = Record(path, version, UploadState.Committed, checksum.Value, null);
            Settled(path);
            Announce(target, row);
            return null;
        }
        catch (FileChangedException)
        {
            _logger.LogInformation("{Path} changed while it was read; again once it settles", full);
            return TimeSpan.Zero;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Gone(path);
            return null;
        }
        catch (StorageException e) when (e.IsTransient || e.Kind is StorageErrorKind.Unauthenticated or StorageErrorKind.Conflict or StorageErrorKind.VerificationFailed)
        {
            return Backoff(path, e.Message);
        }
        catch (StorageException e)
        {
            Fail(path, version, e.Message);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or VfsException)
        {
            return Backoff(path, $"{full}: {e.Message}");
        }
    }

    private TimeSpan Backoff(string path, string reason)
    {
        var attempt = _attempts.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (_failures.TryGetValue(path, out var before) && before == reason) _logger.LogDebug("{Path} waits: {Reason}", FullPath(path), reason);
        else _logger.LogWarning("{Path} waits: {Reason}; trying again", FullPath(path), reason);
        _failures[path] = reason;
        var wait = _options.Backoff * Math.Pow(2, Math.Min(attempt - 1, 16));
        return wait < _options.MaxBackoff ? wait : _options.MaxBackoff;
    }

    /// <summary>Refused for good (a name the storage cannot take, a quota): journaled with the reason, kept waiting, and tried again when it changes or at the next start.</summary>
    private void Fail(string path, FileVersion version, string reason)
    {
        _logger.LogError("{Path} is not committed: {Reason}", FullPath(path), reason);
        Record(path, version, UploadState.Failed, null, reason);
        _failures[path] = reason;
    }

    private void Settled(string path)
    {
        _waiting.TryRemove(path, out _);
        _failures.TryRemove(path, out _);
        _attempts.TryRemove(path, out _);
    }

    /// <summary>Deleted (or moved away) before it was committed: nothing to do, said once; a committed one stays where it went.</summary>
    private void Gone(string path)
    {
        if (_rows.TryGetValue(path, out var row) && row.State != UploadState.Committed)
        {
            _logger.LogWarning("{Path} was deleted before it was committed; nothing to send", FullPath(path));
            _journal.Delete(row.Id);
            _rows.TryRemove(path, out _);
        }
        Settled(path);
    }

    /// <summary>The one place a journal row changes: inserted the first time, updated after.</summary>
    private JournalRecord Record(string path, FileVersion version, UploadState state, string? checksum, string? error)
    {
        if (!_rows.TryGetValue(path, out var row))
        {
            // Known at once: when the update below fails (a full disk), the next try updates this row instead of inserting its path twice.
            row = new JournalRecord(_journal.Insert(path, null, version.Modified), path, 0, null, UploadState.Dirty, null, version.Modified, null, Writing: true);
            _rows[path] = row;
        }
        var id = row.Id;
        var updated = new JournalRecord(id, path, version.Size, checksum, state, null, version.Modified, error);
        _journal.Update(updated);
        _rows[path] = updated;
        return updated;
    }

    private void Announce(RemotePath target, JournalRecord row) =>
        FileCommitted?.Invoke(new FileCommitted(target, row.Size, new Storage.Checksums.Checksum(Storage.Checksums.ChecksumAlgorithm.Adler32, row.Checksum!), row.Modified, null));

    /// <summary>Where a watched file is on the committer's store; null for a name the store's paths cannot hold.</summary>
    private RemotePath? TargetOf(string relative) =>
        RemotePath.TryParse(_committer.Root.Value.TrimEnd('/') + "/" + relative, out var target) && target.Name.Length > 0
        && System.Text.Encoding.UTF8.GetByteCount(target.Name) <= 255 ? target : null;

    private string? RelativeOf(RemotePath path) =>
        path.IsSameOrUnder(_committer.Root) ? (path == _committer.Root ? "" : path.RelativeTo(_committer.Root)) : null;

    public bool HasPendingUnder(RemotePath folder) =>
        RelativeOf(folder) is { } relative && (!_walked || _waiting.Keys.Any(p => IsUnder(p, relative)));

    public bool IsPending(RemotePath path) => RelativeOf(path) is { } relative && (!_walked || _waiting.ContainsKey(relative));

    /// <summary>Where the watch stands, for `facilityfs status`.</summary>
    public WatchReport Status(string target) => new(_directory, target, _waiting.Count, _rows.Values.Count(r => r.State == UploadState.Committed),
        [.. _failures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new WatchFailure(f.Key, f.Value))], [.. _problems.Values.Order(StringComparer.Ordinal)],
        _tree is not null && _tree.LimitReached is null);

    /// <summary>Stops taking new work and waits up to <paramref name="timeout"/> for files being handled; returns how many files are left (the journal and the next start take them).</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_stopping.IsCancellationRequested)
        {
            _tree?.Dispose();
            _tree = null;
            await _stopping.CancelAsync().ConfigureAwait(false);
            _queue.Writer.TryComplete();
            try
            {
                await Task.WhenAll([_scanner, .. _workers]).WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await _aborting.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll([_scanner, .. _workers]).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
        return _waiting.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stopping.Dispose();
        _aborting.Dispose();
    }

    private string FullPath(string relative) => relative.Length == 0 ? _directory : Path.Combine(_directory, relative);

    private static bool IsUnder(string path, string folder) => folder.Length == 0 || path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);

    private static string ParentOf(string path) => path.LastIndexOf('/') is var slash and > 0 ? path[..slash] : "";

    private static string Common(string a, string b)
    {
        while (!IsUnder(b, a)) a = ParentOf(a);
        return a;
    }
}
