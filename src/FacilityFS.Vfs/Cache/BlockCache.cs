using System.Buffers;
using System.Collections.Concurrent;
using FacilityFS.Storage;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Vfs.Cache;

/// <summary>Fixed-size blocks of remote files: memory tier, then disk tier, then ranged GETs (several blocks per request, one fetch per block at a time).</summary>
/// <remarks>Blocks are handed out acquired: whoever gets one from <see cref="GetAsync"/> releases it when done copying.</remarks>
public sealed class BlockCache : IAsyncDisposable
{
    /// <summary>The most blocks one GET asks for; larger read-ahead is split so several requests run in parallel.</summary>
    public const int MaxBlocksPerRequest = 8;

    private readonly IRemoteStore _store;
    private readonly MemoryBudget _budget;
    private readonly MemoryTier _memory;
    private readonly PrefetchShares _shares;
    private readonly DiskTier? _disk;
    private readonly DiskWriter? _diskWriter;
    private readonly AlignedBlockPool _blockPool;
    private readonly ArrayPool<byte> _piecePool;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<BlockKey, Task<Block>> _inFlight = new();
    private readonly CancellationToken _stopping;
    private long _requests;
    private long _bytesFetched;

    /// <param name="stopping">Cancels fetches under way (and fails new ones) when the mount ends.</param>
    public BlockCache(IRemoteStore store, VfsOptions options, MemoryBudget budget, ILogger logger, CancellationToken stopping = default)
    {
        _stopping = stopping;
        _store = store;
        _budget = budget;
        _logger = logger;
        BlockSize = options.BlockSize;
        // A piece that does not divide the block would straddle blocks; such a setting falls back to whole blocks.
        PieceSize = options.RandomReadPiece > 0 && options.RandomReadPiece < BlockSize && BlockSize % options.RandomReadPiece == 0 ? options.RandomReadPiece : BlockSize;
        _memory = new MemoryTier(budget);
        _shares = new PrefetchShares(budget.Capacity, key => _inFlight.ContainsKey(key) || _memory.Contains(key));
        _disk = options.CacheDirectory is { } folder ? new DiskTier(folder, options.CacheMaxSize, logger) : null;
        // The writer only reads the memory tier; it never holds a block while the memory tier wants to evict it.
        _diskWriter = _disk is null ? null : new DiskWriter(_disk, key => _memory.TryAcquire(key, touch: false));
        // Enough arrays for a full budget plus the blocks readers and disk writes still hold.
        var pooled = (int)Math.Min(4096, budget.Capacity / BlockSize + 64);
        _blockPool = new AlignedBlockPool(BlockSize, pooled);
        _piecePool = ArrayPool<byte>.Create(PieceSize, pooled);
    }

    public int BlockSize { get; }

    /// <summary>What a random reader fetches at a time (see <see cref="GetPieceAsync"/>).</summary>
    public int PieceSize { get; }

    /// <summary>Ranged GETs sent so far (for status and tests).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Blocks being fetched now (for tests that wait for read-ahead to land).</summary>
    internal int InFlightCount => _inFlight.Count;

    /// <summary>Bytes asked of the store so far (for tests: a random reader fetches pieces, not blocks plus read-ahead).</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    /// <summary>Bytes the disk tier holds (0 without one).</summary>
    public long DiskBytes => _disk?.TotalBytes ?? 0;

    /// <summary>The disk tier's writer (null without a disk tier), for tests that play a disk that lags.</summary>
    internal DiskWriter? DiskWriter => _diskWriter;

    /// <summary>Whether a file of <paramref name="bytes"/> can stay cached while it is read at random: in half the memory budget, or in half the disk tier.</summary>
    /// <remarks>Only then do whole blocks pay off for a random reader; otherwise each evicted block is fetched again whole (10 000 random
    /// 4 KiB reads of a cold 1 GiB file in a 128 MiB budget fetched about 8 GiB).</remarks>
    public bool CanKeep(long bytes) => bytes <= _budget.Capacity / 2 || (_disk is not null && bytes <= _disk.MaxSize / 2);

    public long BlockCount(long size) => (size + BlockSize - 1) / BlockSize;

    private int LengthOf(FileVersion file, long index) => LengthOf(file, index, BlockSize);

    private static int LengthOf(FileVersion file, long index, int grain) => (int)Math.Min(grain, file.Size - index * grain);

    private BlockKey KeyOf(FileVersion file, long index, int grain) => grain == BlockSize ? file.KeyOf(index) : file.PieceKeyOf(index, grain);

    /// <summary>One block, acquired for the caller, from whichever tier has it; fetched (or a fetch under way joined) otherwise.</summary>
    public async ValueTask<Block> GetAsync(FileVersion file, long index, CancellationToken cancellationToken)
    {
        var key = file.KeyOf(index);
        _shares.Forget(key);
        while (true)
        {
            if (TryGetCached(file, key) is { } cached)
            {
                VfsMetrics.CacheHits.Add(1);
                cached.MarkRead();
                return cached;
            }
            VfsMetrics.CacheMisses.Add(1);
            if (!_inFlight.TryGetValue(key, out var fetch))
            {
                // The fetch's own task, not a second look-up: a fetch that failed at once is already gone from the in-flight table.
                StartFetch(file, index, 1, demand: true, BlockSize, out var started);
                if ((fetch = started) is null && !_inFlight.TryGetValue(key, out fetch)) continue;
            }
            var block = await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            // Evicted and released by everyone between the fetch and this reader: look again.
            if (!block.TryAcquire()) continue;
            block.MarkRead();
            return block;
        }
    }

    /// <summary>For a random reader: whatever holds <paramref name="position"/> without fetching a whole block, acquired for the caller, with the file offset it starts at.</summary>
    /// <remarks>
    /// A whole block already cached or coming is used as it is. Otherwise the piece of <paramref name="piece"/> bytes (a divisor of the
    /// block size) holding the position is fetched, together with the missing pieces after it up to <paramref name="end"/> in the same
    /// GET, so one read spanning several pieces costs one request. Pieces live in the memory tier only.
    /// </remarks>
    public async ValueTask<(Block Block, long Start)> GetPieceAsync(FileVersion file, long position, long end, int piece, CancellationToken cancellationToken)
    {
        var blockIndex = position / BlockSize;
        var index = position / piece;
        var key = file.PieceKeyOf(index, piece);
        _shares.Forget(file.KeyOf(blockIndex));
        while (true)
        {
            if (TryGetCached(file, file.KeyOf(blockIndex)) is { } whole)
            {
                whole.MarkRead();
                return (whole, blockIndex * BlockSize);
            }
            if (_memory.TryAcquire(key) is { } cached) return (cached, index * piece);
            var fetch = _inFlight.TryGetValue(file.KeyOf(blockIndex), out var coming) ? coming : null;
            var start = blockIndex * BlockSize;
            if (fetch is null)
            {
                start = index * piece;
                if (!_inFlight.TryGetValue(key, out fetch))
                {
                    var count = Math.Min((end - 1) / piece - index + 1, (long)MaxBlocksPerRequest * BlockSize / piece);
                    StartFetch(file, index, count, demand: true, piece, out var started);
                    if ((fetch = started) is null && !_inFlight.TryGetValue(key, out fetch)) continue;
                }
            }
            var block = await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!block.TryAcquire()) continue;
            block.MarkRead();
            return (block, start);
        }
    }

    /// <summary>Starts fetching blocks that are neither cached nor under way, as far as the memory budget and the file's share of it allow; never waits.</summary>
    /// <returns>The first block it neither found cached or coming nor started (the end when all were): the caller may ask for the rest later.</returns>
    public long Prefetch(FileVersion file, long first, long count)
    {
        var end = Math.Min(first + count, BlockCount(file.Size));
        for (var start = first; start < end;)
        {
            while (start < end && IsCachedOrComing(file.KeyOf(start))) start++;
            var stop = start;
            while (stop < end && stop - start < MaxBlocksPerRequest && !IsCachedOrComing(file.KeyOf(stop))) stop++;
            if (stop > start && StartFetch(file, start, stop - start, demand: false, BlockSize, out _) is var started && started < stop - start) return start + started;
            start = stop;
        }
        return Math.Max(first, end);
    }

    /// <summary>A reader closed its file: the blocks [<paramref name="first"/>, <paramref name="end"/>) it prefetched and never read become
    /// ordinary cached blocks, which a prefetch may evict, and stop counting against the file's share.</summary>
    /// <remarks>Otherwise they stay protected until a reader's own block evicts them, and a new stream starts on one-block fetches.</remarks>
    public void Abandon(FileVersion file, long first, long end)
    {
        for (var index = first; index < Math.Min(end, BlockCount(file.Size)); index++)
        {
            var key = file.KeyOf(index);
            _shares.Forget(key);
            // In flight first: a fetch adds its block to memory before it leaves the in-flight table, so one of the two always finds it.
            if (_inFlight.TryGetValue(key, out var coming))
                _ = coming.ContinueWith(static fetched => fetched.Result.MarkRead(), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            else if (_memory.TryAcquire(key, touch: false) is { } block)
            {
                block.MarkRead();
                block.Release();
            }
        }
    }

    /// <summary>Bytes prefetched for <paramref name="file"/> that no reader has asked for yet, and the most it may have now (for tests and status).</summary>
    public (long Unread, long Share) PrefetchShareOf(FileVersion file) => (_shares.UnreadBytes(file.KeyOf(0)), _shares.ShareOf(file.KeyOf(0)));

    /// <summary>In memory, on disk (only read when a reader asks) or being fetched: either way no new GET is needed.</summary>
    private bool IsCachedOrComing(BlockKey key) => _inFlight.ContainsKey(key) || _memory.Contains(key) || _disk?.Contains(key) == true;

    private Block? TryGetCached(FileVersion file, BlockKey key)
    {
        if (_memory.TryAcquire(key) is { } block) return block;
        if (_disk is null || !_disk.Contains(key)) return null;
        var length = LengthOf(file, key.Index);
        var array = _blockPool.Rent(length);
        if (_disk.TryRead(key, Block.AreaOf(array, length, _blockPool).Span) != length)
        {
            _blockPool.Return(array);
            return null;
        }
        Reserve(length, demand: true);
        block = new Block(array, length, _blockPool);
        block.TryAcquire();
        _memory.Add(key, block);
        return block;
    }

    /// <summary>Takes budget for a block, evicting cached blocks to make room; a prefetch gives up when in-flight blocks fill the budget, a reader's own block never does.</summary>
    private bool Reserve(long bytes, bool demand)
    {
        if (_budget.TryReserve(bytes)) return true;
        _memory.MakeRoom(bytes, spareUnread: !demand);
        if (_budget.TryReserve(bytes)) return true;
        if (!demand) return false;
        _budget.Force(bytes);
        return true;
    }

    /// <summary>Registers and starts one GET for up to <paramref name="count"/> blocks (or pieces, when <paramref name="grain"/> is smaller than a block); returns how many it covers (0 when the budget refused a prefetch).</summary>
    /// <remarks>It stops at the first one already cached or coming after the first, so neighbours are never fetched twice.</remarks>
    private int StartFetch(FileVersion file, long first, long count, bool demand, int grain, out Task<Block>? firstBlock)
    {
        firstBlock = null;
        var blocks = new List<(long Index, TaskCompletionSource<Block> Done)>();
        for (var index = first; index < first + count && index * grain < file.Size; index++)
        {
            var key = KeyOf(file, index, grain);
            if (index > first && _memory.Contains(key)) break;
            var length = LengthOf(file, index, grain);
            if (!demand && !_shares.TryTake(key, length)) break;
            if (!Reserve(length, demand))
            {
                _shares.Forget(key);
                break;
            }
            // A reader waiting on a demand fetch gets its block on the fetch's own thread: one thread hand-off less per random read.
            var done = new TaskCompletionSource<Block>(demand ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_inFlight.TryAdd(key, done.Task))
            {
                _budget.Release(length);
                _shares.Forget(key);
                break;
            }
            blocks.Add((index, done));
        }
        if (blocks.Count == 0) return 0;
        firstBlock = blocks[0].Done.Task;
        // A demand fetch has a reader waiting: it sends its request on the reader's thread (which would only wait) instead of
        // queueing it to the pool first. Read-ahead is sent from the pool so the reader that triggered it is not held up.
        if (demand) _ = FetchAsync(file, blocks, grain, demand);
        else _ = Task.Run(() => FetchAsync(file, blocks, grain, demand));
        return blocks.Count;
    }

    private async Task FetchAsync(FileVersion file, List<(long Index, TaskCompletionSource<Block> Done)> blocks, int grain, bool demand)
    {
        var first = blocks[0].Index;
        var offset = first * grain;
        var length = blocks.Sum(b => (long)LengthOf(file, b.Index, grain));
        var completed = 0;
        ArrayPool<byte> pool = grain == BlockSize ? _blockPool : _piecePool;
        try
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _bytesFetched, length);
            await using var content = await _store.OpenReadAsync(file.Path, new ByteRange(offset, length), file.ETag, _stopping).ConfigureAwait(false);
            // Bytes of another offset or file size than asked would be cached as these blocks: a store that sends them fails the fetch.
            if (content.Offset != offset)
                throw new StorageException(StorageErrorKind.InvalidResponse, $"{file.Path}: asked for {length} bytes at {offset} but got bytes from {content.Offset}");
            if (content.TotalSize != file.Size)
                throw new StorageException(StorageErrorKind.Changed, $"{file.Path} changed on the server while being read (size {file.Size} became {content.TotalSize})");
            foreach (var (index, done) in blocks)
            {
                var blockLength = LengthOf(file, index, grain);
                var array = pool.Rent(blockLength);
                try
                {
                    await content.Stream.ReadExactlyAsync(Block.AreaOf(array, blockLength, pool), _stopping).ConfigureAwait(false);
                }
                catch
                {
                    pool.Return(array);
                    throw;
                }
                var block = new Block(array, blockLength, pool, unread: !demand);
                var key = KeyOf(file, index, grain);
                _memory.Add(key, block);
                // A block a reader waited for is likely asked for again while the reader jumps about; one read ahead of a stream is read once.
                if (grain == BlockSize) _diskWriter?.Owe(key, keepInPageCache: demand);
                _inFlight.TryRemove(key, out _);
                done.SetResult(block);
                completed++;
            }
        }
        catch (Exception e)
        {
            if (e is EndOfStreamException)
                e = new StorageException(StorageErrorKind.Changed, $"{file.Path} ended early: it changed or shrank on the server while being read");
            _logger.LogWarning("fetching {Path} bytes {Offset}+{Length} failed: {Error}", file.Path, offset, length, e.Message);
            foreach (var (index, done) in blocks.Skip(completed))
            {
                _budget.Release(LengthOf(file, index, grain));
                _inFlight.TryRemove(KeyOf(file, index, grain), out _);
                done.TrySetException(e);
            }
        }
    }

    /// <summary>Writes every owed block still in memory to the disk tier and waits for all disk writes, so the next mount finds them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_diskWriter is not null) await _diskWriter.DisposeAsync().ConfigureAwait(false);
        _disk?.Dispose();
    }
}
