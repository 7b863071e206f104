namespace FacilityFS.Vfs.Cache;

/// <summary>Per open handle: while reads stay sequential the read-ahead window doubles (min to max); a seek resets it and random reads fetch only what they need.</summary>
internal sealed class ReadAhead(BlockCache cache, FileVersion file, long minWindow, long maxWindow)
{
    private readonly Lock _gate = new();
    private long _expected;
    private readonly long _minWindow = minWindow;
    private long _window = minWindow;
    private long _issuedUpTo;
    private long _runStart;

    public long Window
    {
        get
        {
            lock (_gate) return _window;
        }
    }

    /// <summary>Notes a read and starts read-ahead for a stream; true when the read belongs to a stream (whole blocks pay off), false when it is random access.</summary>
    /// <remarks>
    /// A stream is a sequential run from the start of the file, or one that has gone on for a block since its seek: HDF5 readers jump to
    /// a chunk and read it in a few neighbouring requests, which should cost about the chunk, not a block plus read-ahead.
    /// </remarks>
    public bool OnRead(long offset, long length)
    {
        long first, last;
        lock (_gate)
        {
            // The kernel's own read-ahead sends neighbouring reads slightly out of order; a jump of more than two blocks is a seek.
            var sequential = offset >= _expected - 2L * cache.BlockSize && offset <= _expected + 2L * cache.BlockSize;
            var end = offset + length;
            if (!sequential)
            {
                _window = _minWindow;
                _issuedUpTo = end;
                _expected = end;
                _runStart = offset;
                return false;
            }
            _runStart = Math.Min(_runStart, offset);
            _expected = Math.Max(_expected, end);
            if (_runStart > 0 && _expected - _runStart < cache.BlockSize)
            {
                _issuedUpTo = Math.Max(_issuedUpTo, end);
                return false;
            }
            _window = Math.Min(_window * 2, maxWindow);
            var target = Math.Min(file.Size, end + _window);
            var start = Math.Max(_issuedUpTo, end);
            if (target <= start) return true;
            first = start / cache.BlockSize;
            last = (target - 1) / cache.BlockSize;
            _issuedUpTo = (last + 1) * cache.BlockSize;
        }
        cache.Prefetch(file, first, last - first + 1);
        return true;
    }
}
