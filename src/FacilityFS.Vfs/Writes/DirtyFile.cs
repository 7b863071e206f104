using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;
using Microsoft.Win32.SafeHandles;

namespace FacilityFS.Vfs.Writes;

/// <summary>A file written through the mount and not yet committed: its spool file on local disk and everything the uploader needs to know.</summary>
/// <remarks>
/// The file owns its write-back state: every field has a private setter and changes only through its transitions (DirtyFile.Transitions.cs),
/// each under <see cref="Gate"/>. <see cref="Generation"/> moves before every change of the bytes, so an
/// upload that saw the same generation before and after its PUT knows it sent one consistent version.
/// </remarks>
public sealed partial class DirtyFile
{
    private readonly SafeFileHandle _handle;
    private Adler32 _adler = new();
    private long _hashedUpTo;
    private bool _hashValid = true;
    private bool _lostWrite;
    private int _holders;

    internal DirtyFile(long id, RemotePath path, string spoolPath, SafeFileHandle handle, string? baseVersion, DateTimeOffset modified)
    {
        Id = id;
        Path = path;
        SpoolPath = spoolPath;
        _handle = handle;
        BaseVersion = baseVersion;
        Modified = modified;
        Changed = modified;
        Size = RandomAccess.GetLength(handle);
        // A spool file found at replay was not hashed as it was written; the upload computes its checksum.
        _hashValid = Size == 0;
    }

    public Lock Gate { get; } = new();

    public long Id { get; }

    public RemotePath Path { get; private set; }

    public string SpoolPath { get; }

    public string? BaseVersion { get; private set; }

    public long Size { get; private set; }

    public DateTimeOffset Modified { get; private set; }

    /// <summary>The status change time (ctime): moves with writes, truncation, renames and explicit time changes.</summary>
    public DateTimeOffset Changed { get; private set; }

    /// <summary>The modification time was set explicitly (utimensat, touch -d): it is kept after the upload instead of the server's.</summary>
    public bool ModifiedExplicitly { get; private set; }

    public long Generation { get; private set; }

    /// <summary>The generation that is on the storage; the file is clean again when it equals <see cref="Generation"/>.</summary>
    public long CommittedGeneration { get; private set; } = -1;

    /// <summary>Open handles that may write.</summary>
    public int Writers { get; private set; }

    public UploadState State { get; private set; } = UploadState.Dirty;

    /// <summary>Why the last upload failed (for status), kept while retrying too.</summary>
    public string? Error { get; private set; }

    public int Attempts { get; private set; }

    /// <summary>The version last put under a hidden name on the storage (recorded before its MOVE).</summary>
    public StagedVersion? Staged { get; private set; }

    private long _uploadedBytes;

    /// <summary>Bytes the running upload has read from the spool so far.</summary>
    public long UploadedBytes => Interlocked.Read(ref _uploadedBytes);

    /// <summary>Unlinked or replaced: never to be uploaded.</summary>
    public bool Discarded { get; private set; }

    /// <summary>Out of the spool's index (committed or discarded); the spool file goes with the last holder.</summary>
    internal bool Removed { get; private set; }

    /// <summary>Closed, waiting and not refused: uploading it would give its room back.</summary>
    internal bool CanFreeSpace
    {
        get
        {
            lock (Gate) return Writers == 0 && State is not (UploadState.Failed or UploadState.Interrupted) && !IsClean && !Discarded;
        }
    }

    /// <summary>The state as status and the state attribute name it: "open" while a writer holds it, else the upload state.</summary>
    public string StateName
    {
        get
        {
            lock (Gate) return Writers > 0 ? "open" : SpoolJournal.NameOf(State);
        }
    }

    /// <summary>Still open for writing and not asked to upload anyway (fsync in remote mode): its next close schedules it.</summary>
    internal bool HeldOpen
    {
        get
        {
            lock (Gate) return Writers > 0 && !_uploadRequested;
        }
    }

    /// <summary>Nothing for the uploader to do until something changes: gone, clean, refused, interrupted, or held open.</summary>
    internal bool Idle
    {
        get
        {
            lock (Gate) return Discarded || IsClean || State is UploadState.Failed or UploadState.Interrupted || (Writers > 0 && !_uploadRequested);
        }
    }

    /// <summary>Nothing more will happen to it without a new change: out of the spool, failed, interrupted, or still open for writing.</summary>
    internal bool Settled
    {
        get
        {
            lock (Gate) return Removed || Discarded || State is UploadState.Failed or UploadState.Interrupted || (Writers > 0 && !_uploadRequested);
        }
    }

    /// <summary>Held by the uploader from its last check to the record of its MOVE, and by renames and unlinks: either sees the other's whole effect.</summary>
    internal SemaphoreSlim CommitLock { get; } = new(1, 1);

    public bool IsClean
    {
        get
        {
            lock (Gate) return CommittedGeneration == Generation;
        }
    }

    /// <summary>The spool file holds exactly what the storage does (just filled from it): nothing to upload until it changes.</summary>
    internal void MarkSameAsStored()
    {
        lock (Gate)
        {
            CommittedGeneration = Generation;
            State = UploadState.Committed;
        }
    }

    /// <summary>The Adler-32 of the whole spool file when every byte was written in order, else null.</summary>
    public Checksum? WritePathChecksum
    {
        get
        {
            lock (Gate) return _hashValid && _hashedUpTo == Size ? _adler.ToChecksum() : null;
        }
    }

    public JournalRecord ToRecord()
    {
        lock (Gate)
            return new JournalRecord(Id, Path.Value, Size, WritePathChecksum?.Value, State, BaseVersion, Modified, Error,
                Writers > 0 || State == UploadState.Interrupted, Staged);
    }

    /// <summary>Writes at <paramref name="offset"/>; the checksum follows along while writes stay sequential.</summary>
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        lock (Gate) BeginChange();
        try
        {
            RandomAccess.Write(_handle, data, offset);
        }
        catch (IOException)
        {
            // A write that failed (a full disk) leaves none of its bytes: what it extended is cut off again, so they are never uploaded.
            long size;
            lock (Gate) size = Size;
            try
            {
                if (RandomAccess.GetLength(_handle) > size) RandomAccess.SetLength(_handle, size);
            }
            catch (IOException)
            {
                // Shrinking needs no room; if even that fails the upload reads the journal's size, not the file's.
            }
            // The writer meant more bytes than the file holds: published at its close, it would pass for complete (see RemoveWriter).
            lock (Gate) _lostWrite = true;
            throw;
        }
        lock (Gate)
        {
            if (_hashValid && offset == _hashedUpTo)
            {
                _adler.Append(data);
                _hashedUpTo += data.Length;
            }
            else
            {
                // An overwrite or a hole: the checksum is computed at upload.
                _hashValid = false;
            }
            Size = Math.Max(Size, offset + data.Length);
            Modified = Changed = DateTimeOffset.UtcNow;
        }
    }

    public void Truncate(long size)
    {
        lock (Gate)
        {
            BeginChange();
            RandomAccess.SetLength(_handle, size);
            if (size == 0)
            {
                // Emptied: the writer starts over, and a write that failed before no longer leaves anything missing.
                _lostWrite = false;
                _adler = new Adler32();
                _hashedUpTo = 0;
                _hashValid = true;
            }
            else if (size < _hashedUpTo || size > Size)
            {
                _hashValid = false;
            }
            Size = size;
            Modified = Changed = DateTimeOffset.UtcNow;
        }
    }

    public int Read(long offset, Span<byte> destination) => RandomAccess.Read(_handle, destination, offset);

    /// <summary>A stream over the spool file for the upload, counting what it read into <see cref="UploadedBytes"/>.</summary>
    internal Stream OpenForUpload(long length)
    {
        Interlocked.Exchange(ref _uploadedBytes, 0);
        return new SpoolReadStream(this, length);
    }

    public void FlushToDisk() => RandomAccess.FlushToDisk(_handle);

    /// <summary>Marks a change: the generation moves and any upload of the old bytes is cancelled.</summary>
    private void BeginChange()
    {
        Generation++;
        if (State is UploadState.Failed or UploadState.Committed) State = UploadState.Dirty;
        _uploadCancel?.Cancel();
    }

    /// <summary>Adds a writer unless the file already left the spool (committed meanwhile): then the caller starts a new one.</summary>
    /// <param name="first">Whether no writer held it before: the journal must then mark it open.</param>
    internal bool TryAddWriter(out bool first)
    {
        lock (Gate)
        {
            first = false;
            if (Removed) return false;
            first = Writers == 0;
            Writers++;
            _holders++;
            return true;
        }
    }

    /// <summary>A writer closed it; returns how many are left. The last close of an interrupted file is the user's decision to keep it as it is.</summary>
    /// <remarks>
    /// Unless a write into the spool failed since it was last emptied (a full disk): then the file lacks bytes its writer meant to write,
    /// and publishing it would put an incomplete file under its name (where a catalog could register it). It is held as interrupted
    /// instead, readable and listed by `facilityfs recover`, which publishes or drops it.
    /// </remarks>
    internal int RemoveWriter()
    {
        lock (Gate)
        {
            if (--Writers > 0) return Writers;
            if (_lostWrite)
            {
                // Held once: a writer that opens and closes it again decides, as after a crash.
                _lostWrite = false;
                State = UploadState.Interrupted;
                Error = LostWriteReason;
            }
            else if (State == UploadState.Interrupted)
            {
                State = UploadState.Dirty;
                Error = null;
            }
            return 0;
        }
    }

    /// <summary>Why a closed file is held as interrupted after a write failed (the journal keeps it, so a remount says the same).</summary>
    public const string LostWriteReason = "a write into the spool failed (disk full), so bytes its writer meant are missing; kept, not uploaded";

    /// <summary>Marks a committed, closed file as leaving the spool; false when a writer or a change got there first.</summary>
    internal bool TryRetire()
    {
        bool delete;
        lock (Gate)
        {
            if (Removed || Writers > 0 || !IsClean) return false;
            Removed = true;
            delete = _holders == 0;
        }
        if (delete) CloseAndDelete();
        return true;
    }

    /// <summary>Marks the file as never to be uploaded (unlinked, replaced) and cancels any upload of it.</summary>
    internal void Discard()
    {
        bool delete;
        lock (Gate)
        {
            Discarded = true;
            if (Removed) return;
            Removed = true;
            _uploadCancel?.Cancel();
            delete = _holders == 0;
        }
        if (delete) CloseAndDelete();
    }

    /// <summary>Counts a user of the spool file (a reading handle, an upload) unless it already left the spool.</summary>
    internal bool TryHold()
    {
        lock (Gate)
        {
            if (Removed) return false;
            _holders++;
            return true;
        }
    }

    /// <summary>Lets go of the spool file; the last holder of a file that left the spool deletes it.</summary>
    internal void Let()
    {
        bool delete;
        lock (Gate) delete = --_holders == 0 && Removed;
        if (delete) CloseAndDelete();
    }

    internal void CloseQuietly() => _handle.Dispose();

    internal void CloseAndDelete()
    {
        _handle.Dispose();
        try
        {
            File.Delete(SpoolPath);
        }
        catch (IOException)
        {
            // A leftover spool file without a journal row is ignored at the next start.
        }
    }

    private sealed class SpoolReadStream(DirtyFile file, long length) : ForwardReadStream
    {
        private long _position;

        public override long Length => length;

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            if (n <= 0) return 0;
            n = file.Read(_position, buffer[..n]);
            _position += n;
            Interlocked.Add(ref file._uploadedBytes, n);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }
    }
}
