using FacilityFS.Storage;

namespace FacilityFS.Vfs.Writes;

// The transitions of a pending file's write-back state and the uploader's schedule of it: the only ways that state changes.
public sealed partial class DirtyFile
{
    private CancellationTokenSource? _uploadCancel;
    private Task? _runner;
    private long _dueAt;
    private bool _uploadRequested;

    /// <summary>What one upload attempt works from, taken at its start.</summary>
    internal sealed record UploadStart(long Generation, long Size, RemotePath Path, string? BaseVersion, StagedVersion? Staged, CancellationTokenSource Cancel)
    {
        /// <summary>When the upload began (Stopwatch timestamp), for the upload latency metric.</summary>
        public long Started { get; } = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>Begins an upload attempt; null when there is nothing to upload (gone, clean, interrupted).</summary>
    internal UploadStart? BeginUpload(CancellationToken stopping)
    {
        lock (Gate)
        {
            if (Discarded || IsClean || State == UploadState.Interrupted) return null;
            State = UploadState.Uploading;
            Attempts++;
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _uploadCancel = cancel;
            return new UploadStart(Generation, Size, Path, BaseVersion, Staged, cancel);
        }
    }

    /// <summary>The attempt is over (whichever way): its cancellation no longer applies.</summary>
    internal void EndUpload(CancellationTokenSource cancel)
    {
        lock (Gate)
        {
            if (_uploadCancel == cancel) _uploadCancel = null;
        }
    }

    /// <summary>Cancels the PUT under way (a rename or unlink takes over the file).</summary>
    internal void CancelUpload()
    {
        lock (Gate) _uploadCancel?.Cancel();
    }

    /// <summary>The attempt was cancelled by a change: the file waits for its next schedule.</summary>
    internal void UploadCancelled()
    {
        lock (Gate)
        {
            if (State == UploadState.Uploading) State = UploadState.Dirty;
        }
    }

    /// <summary>Records what was put under the hidden name (before it is moved onto the name).</summary>
    internal void Stage(StagedVersion staged)
    {
        lock (Gate) Staged = staged;
    }

    /// <summary>Whether the bytes, the name or the file itself changed since the attempt began; if so the attempt counts for nothing.</summary>
    internal bool Superseded(UploadStart start)
    {
        lock (Gate)
        {
            var superseded = Generation != start.Generation || Discarded || Path != start.Path;
            if (superseded && State == UploadState.Uploading) State = UploadState.Dirty;
            return superseded;
        }
    }

    /// <summary>The generation <paramref name="generation"/> is on the storage, which now holds <paramref name="baseVersion"/> at the name.</summary>
    internal void Committed(long generation, string? baseVersion)
    {
        lock (Gate)
        {
            _uploadCancel = null;
            CommittedGeneration = generation;
            BaseVersion = baseVersion;
            State = UploadState.Committed;
            Staged = null;
            Error = null;
            Attempts = 0;
        }
    }

    /// <summary>Refused for good: kept in the spool with the reason until the user syncs again.</summary>
    internal void FailForGood(string reason)
    {
        lock (Gate)
        {
            State = UploadState.Failed;
            Error = reason;
        }
    }

    /// <summary>A passing failure: waits and tries again; returns the attempts so far.</summary>
    internal int RetryLater(string reason)
    {
        lock (Gate)
        {
            State = UploadState.Dirty;
            Error = reason;
            return Attempts;
        }
    }

    /// <summary>Asked to sync: a refused file gets one more try.</summary>
    internal void RetryIfFailed()
    {
        lock (Gate)
        {
            if (State == UploadState.Failed) State = UploadState.Dirty;
        }
    }

    /// <summary>Restores what the journal knew of a file found at start.</summary>
    internal void Replayed(JournalRecord record)
    {
        lock (Gate)
        {
            Error = record.Error;
            Staged = record.Staged;
            // A file that was never closed keeps its bytes but must not carry its name on the storage until the user says so.
            if (record.Writing || record.State == UploadState.Interrupted) State = UploadState.Interrupted;
        }
    }

    /// <summary>Found at start with its writer never closed: never uploaded under its name until the user decides.</summary>
    internal void Interrupt()
    {
        lock (Gate) State = UploadState.Interrupted;
    }

    /// <summary>The user decided to publish an interrupted file (recover): it uploads like a closed one.</summary>
    internal bool Resume()
    {
        lock (Gate)
        {
            if (State != UploadState.Interrupted) return false;
            State = UploadState.Dirty;
            Error = null;
            return true;
        }
    }

    /// <summary>The file moved (a rename of it or of a folder above it).</summary>
    internal void MoveTo(RemotePath path)
    {
        lock (Gate)
        {
            Path = path;
            Changed = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>What now stands on the storage at the file's name (after a rename, or recognised as our own upload).</summary>
    internal void Rebase(string? baseVersion)
    {
        lock (Gate) BaseVersion = baseVersion;
    }

    /// <summary>An explicit modification time (utimensat): kept, and kept past the upload.</summary>
    internal void SetModified(DateTimeOffset modified)
    {
        lock (Gate)
        {
            Modified = modified;
            ModifiedExplicitly = true;
            Changed = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>fsync in remote mode asks to upload now, even while a writer holds the file open.</summary>
    internal void RequestUpload(bool requested)
    {
        lock (Gate) _uploadRequested = requested;
    }

    // ----- the uploader's schedule of this file -----

    /// <summary>Makes the file due at <paramref name="due"/> (or keeps a later due time of a running loop); starts the loop if none runs.</summary>
    internal void ScheduleAt(long due, Func<Task> start)
    {
        lock (Gate)
        {
            _dueAt = _runner is null ? due : Math.Max(_dueAt, due);
            _runner ??= Task.Run(start);
        }
    }

    /// <summary>Makes the file due no later than <paramref name="now"/>.</summary>
    internal void DueBy(long now)
    {
        lock (Gate) _dueAt = Math.Min(_dueAt, now);
    }

    internal void RetryAt(long due)
    {
        lock (Gate) _dueAt = due;
    }

    /// <summary>Milliseconds until due, or null (and the loop ends) when there is nothing to do.</summary>
    internal long? WaitLeftOrStop(long now)
    {
        lock (Gate)
        {
            if (Idle)
            {
                _runner = null;
                return null;
            }
            return _dueAt - now;
        }
    }

    /// <summary>Ends the loop when the file is idle; false when there is more to do.</summary>
    internal bool StopIfIdle()
    {
        lock (Gate)
        {
            if (!Idle) return false;
            _runner = null;
            return true;
        }
    }

    internal void RunnerEnded()
    {
        lock (Gate) _runner = null;
    }

    internal Task? Runner
    {
        get
        {
            lock (Gate) return _runner;
        }
    }
}
