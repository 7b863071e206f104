using FacilityFS.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace FacilityFS.Vfs.Writes;

/// <summary>The local folder that holds written files until they are on the storage: spool files, their journal, and the space they take.</summary>
/// <remarks>One mount owns a spool at a time (a lock file); the index by path is the truth for "is this file pending?".</remarks>
public sealed class Spool : IDisposable
{
    private static readonly UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly Lock _gate = new();
    private readonly Dictionary<RemotePath, DirtyFile> _byPath = [];
    private readonly Dictionary<RemotePath, Dictionary<string, DirtyFile>> _byParent = [];
    private readonly FileStream _lock;
    private readonly ILogger _logger;
    private readonly string _files;
    private long _used;

    private Spool(string folder, long limit, FileStream lockFile, SpoolJournal journal, ILogger logger)
    {
        Folder = folder;
        Limit = limit;
        _lock = lockFile;
        Journal = journal;
        _logger = logger;
        _files = Path.Combine(folder, "files");
    }

    public string Folder { get; }

    public long Limit { get; }

    public SpoolJournal Journal { get; }

    public long Used => Interlocked.Read(ref _used);

    /// <summary>Wakes writers waiting for room, and anyone watching upload states.</summary>
    internal AsyncPulse Changed { get; } = new();

    /// <summary>Opens (or creates) the spool in <paramref name="folder"/> and loads every file its journal still lists.</summary>
    public static Spool Open(string folder, long limit, ILogger logger)
    {
        SpoolFolder.ClaimOrRefuse(folder, logger);
        // Spool files are the user's data: the folder is private (0700), so what is in it needs no mode of its own.
        var files = Path.Combine(folder, "files");
        SpoolFolder.RefuseLink(files);
        Directory.CreateDirectory(files);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, Private);
            File.SetUnixFileMode(files, Private);
        }
        FileStream lockFile;
        try
        {
            // FileShare.None takes an exclusive flock, which the kernel drops when the process dies, even by kill -9.
            lockFile = new FileStream(Path.Combine(folder, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new VfsException(VfsError.AccessDenied, $"the spool {folder} is in use by another mount of the same storage; unmount it first or give --spool-dir");
        }
        var journal = new SpoolJournal(Path.Combine(folder, "journal.db"));
        var spool = new Spool(folder, limit, lockFile, journal, logger);
        spool.Replay();
        return spool;
    }

    /// <summary>How many files the spool in <paramref name="folder"/> still holds for upload, read from its journal without claiming the spool (0 when there is none).</summary>
    public static int PendingIn(string folder)
    {
        var path = Path.Combine(folder, "journal.db");
        if (!File.Exists(path)) return 0;
        using var journal = new SpoolJournal(path);
        return journal.All().Count;
    }

    private void Replay()
    {
        foreach (var record in Journal.All())
        {
            var spoolPath = SpoolPathOf(record.Id);
            if (!File.Exists(spoolPath) || !RemotePath.TryParse(record.Path, out var path))
            {
                // The row was written when the file was created, before its spool file existed: nothing was ever written to it.
                _logger.LogWarning("spool journal lists {Path} but its spool file {Spool} is missing; dropping the entry", record.Path, spoolPath);
                Journal.Delete(record.Id);
                continue;
            }
            var handle = File.OpenHandle(spoolPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            var file = new DirtyFile(record.Id, path, spoolPath, handle, record.BaseVersion, record.Modified);
            file.Replayed(record);
            if (file.Size != record.Size && file.State != UploadState.Interrupted)
                _logger.LogInformation("{Path}: spool file holds {Actual} bytes, the journal said {Recorded} (written after the last record); uploading what is there", record.Path, file.Size, record.Size);
            Add(file);
        }
        ClearDropped();
    }

    /// <summary>Deletes the spool files whose journal row was dropped (a file retired or unlinked while the mount died between the two steps, or still held by a reader).</summary>
    /// <remarks>
    /// Only files provably not named by the journal go: named by a number the journal gave out (ids are never given twice) and
    /// no longer has. Anything else (a number the journal never gave, which a machine crash may have taken back with its row,
    /// or a name that is not ours) is left alone and said. Runs at start, under the spool's lock, before any file is created.
    /// </remarks>
    private void ClearDropped()
    {
        var known = All().Select(f => f.SpoolPath).ToHashSet(StringComparer.Ordinal);
        var last = Journal.LastAssignedId();
        var cleared = 0;
        var strays = new List<string>();
        foreach (var path in Directory.EnumerateFiles(_files))
        {
            if (known.Contains(path)) continue;
            var name = Path.GetFileName(path);
            // Ours only when named exactly as SpoolPathOf names an id the journal gave out (no sign, no leading zero, ids from 1).
            if (!long.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) || id < 1 || id > last || SpoolPathOf(id) != path)
            {
                strays.Add(path);
                continue;
            }
            try
            {
                File.Delete(path);
                cleared++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("cannot delete {Spool}, a spool file its journal dropped: {Error}", path, e.Message);
            }
        }
        if (cleared > 0) _logger.LogInformation("spool {Folder}: deleted {Count} files whose journal entries were dropped (uploaded or deleted before the last mount ended)", _files, cleared);
        if (strays.Count > 0) _logger.LogWarning("spool {Folder} holds {Count} files its journal never named (e.g. {Stray}); left as they are", _files, strays.Count, strays[0]);
    }

    private string SpoolPathOf(long id) => Path.Combine(_files, id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Starts a pending file at <paramref name="path"/> with an empty spool file.</summary>
    public DirtyFile Create(RemotePath path, string? baseVersion, DateTimeOffset modified)
    {
        var id = Journal.Insert(path.Value, baseVersion, modified);
        var spoolPath = SpoolPathOf(id);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (IOException e)
        {
            Journal.Delete(id);
            throw new VfsException(IsNoSpace(e) ? VfsError.NoSpace : VfsError.IoError, $"{path}: cannot create its spool file {spoolPath}: {e.Message}", e);
        }
        var file = new DirtyFile(id, path, spoolPath, handle, baseVersion, modified);
        Add(file);
        return file;
    }

    /// <summary>Whether an I/O error says the disk is full (ENOSPC, EDQUOT).</summary>
    internal static bool IsNoSpace(IOException e) => (e.HResult & 0xFFFF) is 28 or 122 || e.Message.Contains("space", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds a writer to a pending file; its first writer marks it open in the journal (so a crash leaves it interrupted, not published).</summary>
    public bool TryAddWriter(DirtyFile file)
    {
        if (!file.TryAddWriter(out var first)) return false;
        if (!first) return true;
        try
        {
            Journal.SetWriting(file.Id, true);
            return true;
        }
        catch
        {
            file.RemoveWriter();
            file.Let();
            throw;
        }
    }

    /// <summary>Files whose writer never closed them, found at start and waiting for the user's decision.</summary>
    public IReadOnlyList<DirtyFile> Interrupted() => [.. All().Where(f => f.State == UploadState.Interrupted)];

    private void Add(DirtyFile file)
    {
        lock (_gate)
        {
            if (_byPath.Remove(file.Path, out var replaced)) Unindex(replaced);
            _byPath[file.Path] = file;
            if (!_byParent.TryGetValue(file.Path.Parent, out var siblings)) _byParent[file.Path.Parent] = siblings = new(StringComparer.Ordinal);
            siblings[file.Path.Name] = file;
            _used += file.Size;
        }
    }

    private void Unindex(DirtyFile file)
    {
        if (_byParent.TryGetValue(file.Path.Parent, out var siblings) && siblings.Remove(file.Path.Name) && siblings.Count == 0)
            _byParent.Remove(file.Path.Parent);
        _used -= file.Size;
    }

    public DirtyFile? Find(RemotePath path)
    {
        lock (_gate) return _byPath.GetValueOrDefault(path);
    }

    public IReadOnlyList<DirtyFile> All()
    {
        lock (_gate) return [.. _byPath.Values];
    }

    public IReadOnlyList<DirtyFile> ChildrenOf(RemotePath folder)
    {
        lock (_gate) return _byParent.TryGetValue(folder, out var siblings) ? [.. siblings.Values] : [];
    }

    /// <summary>Whether anything pending lies below <paramref name="folder"/> (for rmdir's "not empty").</summary>
    public bool AnyUnder(RemotePath folder)
    {
        lock (_gate) return _byPath.Keys.Any(p => p != folder && p.IsSameOrUnder(folder));
    }

    /// <summary>Moves the pending files at or below <paramref name="from"/> to <paramref name="to"/>, in the index and the journal; returns them.</summary>
    public IReadOnlyList<DirtyFile> RenameTree(RemotePath from, RemotePath to)
    {
        lock (_gate)
        {
            var moved = _byPath.Values.Where(f => f.Path.IsSameOrUnder(from)).ToList();
            if (moved.Count == 0) return moved;
            foreach (var file in moved)
            {
                _byPath.Remove(file.Path);
                Unindex(file);
            }
            Journal.RenameTree(from.Value, to.Value);
            foreach (var file in moved)
            {
                file.MoveTo(to.Combine(file.Path.RelativeTo(from)));
                Add(file);
            }
            return moved;
        }
    }

    /// <summary>Takes a committed, closed file out of the spool; false (and nothing changes) when it was written to again meanwhile.</summary>
    public bool Retire(DirtyFile file)
    {
        if (!file.TryRetire()) return false;
        Unlist(file);
        try
        {
            Journal.Delete(file.Id);
        }
        catch (VfsException e)
        {
            // The row still says committed with the new base: a start replays it as an upload onto our own version, never a conflict.
            _logger.LogError("{Error}", e.Message);
        }
        return true;
    }

    /// <summary>Takes a file out of the spool for good without uploading it (unlinked, or replaced by a rename onto it).</summary>
    /// <remarks>
    /// The journal row goes first, so the journal never lists a file the mount no longer shows. On a full disk, where even that
    /// record may fail, the spool file (which a start without it drops the row for) is deleted first to make room, then the row.
    /// </remarks>
    public void Discard(DirtyFile file)
    {
        try
        {
            Journal.Delete(file.Id);
        }
        catch (VfsException e) when (e.Error == VfsError.NoSpace)
        {
            file.Discard();
            Unlist(file);
            try
            {
                Journal.Delete(file.Id);
            }
            catch (VfsException again)
            {
                // Consistent all the same: a row whose spool file is gone is dropped at the next start, never uploaded.
                _logger.LogError("{Error}; the entry of {Path} is dropped at the next start", again.Message, file.Path);
            }
            return;
        }
        file.Discard();
        Unlist(file);
    }

    /// <summary>Takes the file out of the index (the journal row is the caller's).</summary>
    private void Unlist(DirtyFile file)
    {
        lock (_gate)
        {
            if (_byPath.TryGetValue(file.Path, out var current) && current == file)
            {
                _byPath.Remove(file.Path);
                Unindex(file);
            }
        }
        Changed.Pulse();
    }

    /// <summary>Records a change in a file's size (writes, truncation) against the spool's room.</summary>
    public void Grew(DirtyFile file, long delta)
    {
        if (delta == 0) return;
        lock (_gate)
        {
            if (_byPath.TryGetValue(file.Path, out var current) && current == file) _used += delta;
        }
        if (delta < 0) Changed.Pulse();
    }

    /// <summary>Whether <paramref name="growth"/> more bytes fit, or at least cannot be made to fit by uploading something (then the writer goes on rather than waits for ever).</summary>
    public bool HasRoomFor(DirtyFile writer, long growth)
    {
        if (growth <= 0) return true;
        lock (_gate)
        {
            if (_used + growth <= Limit) return true;
            return !_byPath.Values.Any(f => f != writer && f.CanFreeSpace);
        }
    }

    /// <summary>Waits until <paramref name="growth"/> bytes fit; <paramref name="hurry"/> asks the uploader to free room now.</summary>
    public async Task WaitForRoomAsync(DirtyFile writer, long growth, Action hurry, CancellationToken cancellationToken)
    {
        var warned = false;
        while (true)
        {
            var next = Changed.Next;
            if (HasRoomFor(writer, growth)) return;
            if (!warned)
            {
                _logger.LogInformation("spool {Folder} is full ({Used} of {Limit} bytes): {Path} waits for uploads to free room", Folder, Used, Limit, writer.Path);
                warned = true;
            }
            hurry();
            await AsyncPulse.WaitQuietlyAsync(next, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var file in All()) file.CloseQuietly();
        Journal.Dispose();
        _lock.Dispose();
    }
}
