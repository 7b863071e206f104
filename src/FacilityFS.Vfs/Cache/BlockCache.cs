using System.Collections.Concurrent;
using FacilityFS.Storage;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Vfs.Cache;

/// <summary>Fixed-size blocks of remote files: memory tier, then disk tier, then ranged GETs (several blocks per request, one fetch per block at a time).</summary>
public sealed class BlockCache : IAsyncDisposable
{
    /// <summary>The most blocks one GET asks for; larger read-ahead is split so several requests run in parallel.</summary>
    public const int MaxBlocksPerRequest = 8;

    private readonly IRemoteStore _store;
    private readonly MemoryBudget _budget;
    private readonly MemoryTier _memory;
    private readonly DiskTier? _disk;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<BlockKey, Task<byte[]>> _inFlight = new();
    private readonly ConcurrentDictionary<Task, bool> _diskWrites = new();
    private long _requests;

    public BlockCache(IRemoteStore store, VfsOptions options, MemoryBudget budget, ILogger logger)
    {
        _store = store;
        _budget = budget;
        _logger = logger;
        BlockSize = options.BlockSize;
        _memory = new MemoryTier(budget);
        _disk = options.CacheDirectory is { } folder ? new DiskTier(folder, options.CacheMaxSize, logger) : null;
    }

    public int BlockSize { get; }

    /// <summary>Ranged GETs sent so far (for status and tests).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public long DiskBytes => _disk?.TotalSize ?? 0;

    public long MemoryBytes => _budget.Used;

    public long BlockCount(long size) => (size + BlockSize - 1) / BlockSize;

    private int LengthOf(FileVersion file, long index) => (int)Math.Min(BlockSize, file.Size - index * BlockSize);

    /// <summary>The bytes of one block, from whichever tier has it, fetching it (and joining a fetch under way) otherwise.</summary>
    public async ValueTask<byte[]> GetAsync(FileVersion file, long index, CancellationToken cancellationToken)
    {
        var key = file.KeyOf(index);
        if (TryGetCached(key, out var block)) return block;
        if (!_inFlight.TryGetValue(key, out var fetch))
        {
            StartFetch(file, index, 1, demand: true);
            if (!_inFlight.TryGetValue(key, out fetch))
            {
                // It finished between the two looks.
                if (TryGetCached(key, out block)) return block;
                StartFetch(file, index, 1, demand: true);
                fetch = _inFlight.GetValueOrDefault(key) ?? throw new InvalidOperationException($"block {index} of {file.Path} vanished");
            }
        }
        return await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts fetching blocks that are neither cached nor under way, as far as the memory budget allows; never waits.</summary>
    public void Prefetch(FileVersion file, long first, long count)
    {
        var end = Math.Min(first + count, BlockCount(file.Size));
        for (var start = first; start < end;)
        {
            while (start < end && (_inFlight.ContainsKey(file.KeyOf(start)) || IsCached(file.KeyOf(start)))) start++;
            var stop = start;
            while (stop < end && stop - start < MaxBlocksPerRequest && !_inFlight.ContainsKey(file.KeyOf(stop)) && !IsCached(file.KeyOf(stop))) stop++;
            if (stop > start && StartFetch(file, start, stop - start, demand: false) == 0) return;
            start = stop;
        }
    }

    /// <summary>In memory or on disk: either way no GET is needed (a disk block is only read when a reader asks for it).</summary>
    private bool IsCached(BlockKey key) => _memory.TryGet(key, out _) || _disk?.Contains(key) == true;

    private bool TryGetCached(BlockKey key, out byte[] block)
    {
        if (_memory.TryGet(key, out block)) return true;
        if (_disk?.TryRead(key) is { } fromDisk)
        {
            Reserve(fromDisk.Length, demand: true);
            _memory.Add(key, fromDisk);
            block = fromDisk;
            return true;
        }
        return false;
    }

    /// <summary>Takes budget for a block, evicting cached blocks to make room; a prefetch gives up when in-flight blocks fill the budget, a reader's own block never does.</summary>
    private bool Reserve(long bytes, bool demand)
    {
        if (_budget.TryReserve(bytes)) return true;
        _memory.MakeRoom(bytes);
        if (_budget.TryReserve(bytes)) return true;
        if (!demand) return false;
        _budget.Force(bytes);
        return true;
    }

    /// <summary>Registers and starts one GET for up to <paramref name="count"/> blocks; returns how many blocks it covers (0 when the budget refused a prefetch).</summary>
    private int StartFetch(FileVersion file, long first, long count, bool demand)
    {
        var blocks = new List<(long Index, TaskCompletionSource<byte[]> Done)>();
        for (var index = first; index < first + count; index++)
        {
            var length = LengthOf(file, index);
            if (!Reserve(length, demand)) break;
            var done = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_inFlight.TryAdd(file.KeyOf(index), done.Task))
            {
                _budget.Release(length);
                break;
            }
            blocks.Add((index, done));
        }
        if (blocks.Count == 0) return 0;
        _ = Task.Run(() => FetchAsync(file, blocks));
        return blocks.Count;
    }

    private async Task FetchAsync(FileVersion file, List<(long Index, TaskCompletionSource<byte[]> Done)> blocks)
    {
        var first = blocks[0].Index;
        var offset = first * BlockSize;
        var length = blocks.Sum(b => (long)LengthOf(file, b.Index));
        var completed = 0;
        try
        {
            Interlocked.Increment(ref _requests);
            await using var content = await _store.OpenReadAsync(file.Path, new ByteRange(offset, length), file.ETag).ConfigureAwait(false);
            foreach (var (index, done) in blocks)
            {
                var block = GC.AllocateUninitializedArray<byte>(LengthOf(file, index));
                await content.Stream.ReadExactlyAsync(block).ConfigureAwait(false);
                var key = file.KeyOf(index);
                _memory.Add(key, block);
                _inFlight.TryRemove(key, out _);
                done.SetResult(block);
                completed++;
                if (_disk is { } disk) TrackDiskWrite(Task.Run(() => disk.Write(key, block)));
            }
        }
        catch (Exception e)
        {
            if (e is EndOfStreamException)
                e = new StorageException(StorageErrorKind.Changed, $"{file.Path} ended early: it changed or shrank on the server while being read");
            _logger.LogWarning("fetching {Path} blocks {First}-{Last} failed: {Error}", file.Path, first, first + blocks.Count - 1, e.Message);
            foreach (var (index, done) in blocks.Skip(completed))
            {
                _budget.Release(LengthOf(file, index));
                _inFlight.TryRemove(file.KeyOf(index), out _);
                done.TrySetException(e);
            }
        }
    }

    /// <summary>Disk writes run behind the reader; they are tracked so that an unmount waits for them and the next mount finds every block.</summary>
    private void TrackDiskWrite(Task write)
    {
        _diskWrites[write] = true;
        write.ContinueWith(t => _diskWrites.TryRemove(t, out _), TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_diskWrites.Keys).ConfigureAwait(false);
    }
}
