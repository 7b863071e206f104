namespace FacilityFS.Storage;

/// <summary>A read-only, seekable stream over a remote file: aligned pages fetched by ranged reads and kept in a small LRU, so a reader that seeks (an HDF5 parser) fetches only what it touches.</summary>
/// <remarks>Synchronous reads block on the store; it is meant for parsers that only have a synchronous API, run off the thread pool's hot paths.
/// Every page is fetched pinned to the ETag the file had when the stream was made, so a file changed meanwhile fails instead of mixing versions.</remarks>
public sealed class RangedReadStream : Stream
{
    private readonly IRemoteStore _store;
    private readonly RemotePath _path;
    private readonly string? _etag;
    private readonly int _pageSize;
    private readonly int _maxPages;
    private readonly Dictionary<long, LinkedListNode<(long Index, byte[] Bytes)>> _pages = [];
    private readonly LinkedList<(long Index, byte[] Bytes)> _recency = new();
    private long _position;

    /// <summary>Makes a stream over a file of known <paramref name="length"/> (from a stat), pinned to <paramref name="etag"/> where the store gives one.</summary>
    public RangedReadStream(IRemoteStore store, RemotePath path, long length, string? etag, int pageSize = 64 << 10, int maxPages = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPages);
        _store = store;
        _path = path;
        Length = length;
        _etag = etag;
        _pageSize = pageSize;
        _maxPages = maxPages;
    }

    /// <summary>Bytes fetched from the store so far (pages fetched again after eviction count again).</summary>
    public long BytesFetched { get; private set; }

    /// <summary>Ranged reads sent so far.</summary>
    public int Requests { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a position is never negative");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length && _position < Length)
        {
            var index = _position / _pageSize;
            var page = Page(index);
            var within = (int)(_position - index * _pageSize);
            var n = Math.Min(page.Length - within, buffer.Length - total);
            if (n <= 0) break;
            page.AsSpan(within, n).CopyTo(buffer[total..]);
            total += n;
            _position += n;
        }
        return total;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => Length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin), origin, null),
    };

    private byte[] Page(long index)
    {
        if (_pages.TryGetValue(index, out var node))
        {
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Bytes;
        }
        var start = index * _pageSize;
        var length = (int)Math.Min(_pageSize, Length - start);
        var bytes = new byte[length];
        using (var content = _store.OpenReadAsync(_path, new ByteRange(start, length), _etag).GetAwaiter().GetResult())
        {
            try
            {
                content.Stream.ReadExactly(bytes);
            }
            catch (EndOfStreamException)
            {
                throw new StorageException(StorageErrorKind.Changed, $"{_path} ended before byte {start + length}: it changed or shrank on the server while being read");
            }
        }
        Requests++;
        BytesFetched += length;
        _pages[index] = _recency.AddFirst((index, bytes));
        if (_pages.Count > _maxPages && _recency.Last is { } oldest)
        {
            _recency.RemoveLast();
            _pages.Remove(oldest.Value.Index);
        }
        return bytes;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("a remote file is read-only here");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a remote file is read-only here");
}
