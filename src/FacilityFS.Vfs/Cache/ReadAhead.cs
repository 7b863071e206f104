namespace FacilityFS.Vfs.Cache;

/// <summary>Per open handle: while reads stay sequential the read-ahead window doubles (min to max); a seek resets it and random reads fetch only what they need.</summary>
internal sealed class ReadAhead(BlockCache cache, FileVersion file, long minWindow, long maxWindow)
{
    private readonly Lock _gate = new();
    private long _expected;
    private readonly long _minWindow = minWindow;
    private long _window = minWindow;
    private long _issuedUpTo;

    public long Window
    {
        get
        {
            lock (_gate) return _window;
        }
    }

    public void OnRead(long offset, long length)
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
                return;
            }
            _window = Math.Min(_window * 2, maxWindow);
            _expected = Math.Max(_expected, end);
            var target = Math.Min(file.Size, end + _window);
            var start = Math.Max(_issuedUpTo, end);
            if (target <= start) return;
            first = start / cache.BlockSize;
            last = (target - 1) / cache.BlockSize;
            _issuedUpTo = (last + 1) * cache.BlockSize;
        }
        cache.Prefetch(file, first, last - first + 1);
    }
}
