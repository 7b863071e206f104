using System.Buffers;

namespace FacilityFS.Vfs.Cache;

/// <summary>One block's bytes in a pooled array, shared by the memory tier, a disk write and readers; the array goes back to the pool when the last holder releases it.</summary>
/// <remarks>Pooling keeps a streaming read from allocating (and the kernel from zeroing) a fresh megabyte per block, which dominated CPU and resident memory.</remarks>
public sealed class Block
{
    private readonly ArrayPool<byte>? _pool;
    private readonly byte[] _array;
    private readonly int _start;
    private int _holders = 1;
    private volatile bool _unread;

    /// <summary>A block with one holder, its creator; <paramref name="pool"/> is where the array came from, or null; <paramref name="unread"/> for a prefetched block no reader has asked for yet.</summary>
    public Block(byte[] array, int length, ArrayPool<byte>? pool, bool unread = false)
    {
        _array = array;
        _start = StartOf(array, pool);
        Length = length;
        _pool = pool;
        _unread = unread;
    }

    public int Length { get; }

    /// <summary>Prefetched and not yet asked for by a reader: a prefetch must not evict it to make room for another (see <see cref="MemoryTier.MakeRoom"/>).</summary>
    public bool Unread => _unread;

    /// <summary>A reader has asked for the block.</summary>
    public void MarkRead() => _unread = false;

    public ReadOnlySpan<byte> Span => _array.AsSpan(_start, Length);

    /// <summary>Where a block of <paramref name="length"/> bytes goes in an array of <paramref name="pool"/>, for the fetch or disk read that fills it before the block is made.</summary>
    internal static Memory<byte> AreaOf(byte[] array, int length, ArrayPool<byte>? pool) => array.AsMemory(StartOf(array, pool), length);

    // A block of the aligned pool lives in the page-aligned window of its array; any other at the array's start.
    private static int StartOf(byte[] array, ArrayPool<byte>? pool) => pool is AlignedBlockPool ? AlignedBlockPool.WindowOf(array) : 0;

    /// <summary>The bytes padded with zeros to whole pages, in page-aligned memory, as a direct write needs them; null when the block is not in such memory.</summary>
    /// <remarks>The padding lies past <see cref="Length"/>, where no reader looks, so the holder that writes the block may fill it.</remarks>
    internal ReadOnlyMemory<byte>? PagePadded
    {
        get
        {
            if (_pool is not AlignedBlockPool) return null;
            var padded = AlignedBuffer.RoundUp(Length);
            _array.AsSpan(_start + Length, padded - Length).Clear();
            return _array.AsMemory(_start, padded);
        }
    }

    /// <summary>Becomes one more holder; false when the block was already given back (evicted and released by all).</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var holders = Volatile.Read(ref _holders);
            if (holders == 0) return false;
            if (Interlocked.CompareExchange(ref _holders, holders + 1, holders) == holders) return true;
        }
    }

    public void Release()
    {
        var left = Interlocked.Decrement(ref _holders);
        if (left == 0) _pool?.Return(_array);
        else if (left < 0) throw new InvalidOperationException("a block was released more often than it was acquired");
    }
}
