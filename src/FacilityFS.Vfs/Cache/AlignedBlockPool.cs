using System.Buffers;
using System.Collections.Concurrent;

namespace FacilityFS.Vfs.Cache;

/// <summary>Pinned arrays for whole blocks, each with a page-aligned window of a block's size, so the disk tier writes a block straight from it (O_DIRECT) without copying it.</summary>
/// <remarks>
/// Copying a block into an aligned buffer first was 80% of the disk writer's time here: the first touch of a block's pages by another
/// thread costs far more than the write itself. Pieces of random reads are small and never go to disk; they keep an ordinary pool.
/// </remarks>
internal sealed class AlignedBlockPool(int blockSize, int maxPooled) : ArrayPool<byte>
{
    private readonly ConcurrentStack<byte[]> _free = new();
    private int _pooled; // ConcurrentStack counts by walking its nodes

    /// <summary>Each array holds a block padded to whole pages, plus one page so that a page boundary falls inside its first page.</summary>
    private readonly int _arrayLength = AlignedBuffer.RoundUp(blockSize) + AlignedBuffer.Alignment;

    public int BlockSize { get; } = blockSize;

    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumLength, BlockSize);
        // Pinned: the window's alignment is computed from the array's address once, so the array must never move.
        if (!_free.TryPop(out var array)) return GC.AllocateUninitializedArray<byte>(_arrayLength, pinned: true);
        Interlocked.Decrement(ref _pooled);
        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        if (array.Length != _arrayLength) throw new ArgumentException("the array is not from this pool", nameof(array));
        if (clearArray) Array.Clear(array);
        // Beyond the limit the array is left to the collector, as ArrayPool.Create does.
        if (Interlocked.Increment(ref _pooled) <= maxPooled) _free.Push(array);
        else Interlocked.Decrement(ref _pooled);
    }

    /// <summary>Where the page-aligned window of a block (padded to whole pages) starts in an array of this pool.</summary>
    public static unsafe int WindowOf(byte[] array)
    {
        fixed (byte* start = array)
        {
            var misalignment = (int)((nuint)start % AlignedBuffer.Alignment);
            return misalignment == 0 ? 0 : AlignedBuffer.Alignment - misalignment;
        }
    }
}
