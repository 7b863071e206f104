using FacilityFS.Storage;
using FacilityFS.Storage.Local;
using FacilityFS.Vfs.Cache;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Vfs.Tests;

/// <summary>The block cache's own promises: one memory budget for everything, read-ahead that grows and resets, damaged blocks refused.</summary>
public sealed class BlockCacheTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ffs-blocks-");
    private readonly LocalFolderStore _store;

    public BlockCacheTests() => _store = new LocalFolderStore(_root.FullName);

    private FileVersion Seed(string name, int size) => SeededFile.Write(_root, name, size);

    [Fact]
    public async Task Many_files_read_at_once_stay_within_the_memory_budget()
    {
        var budget = new MemoryBudget(8 << 20);
        await using var cache = new BlockCache(_store, new VfsOptions { BlockSize = 1 << 20 }, budget, NullLogger.Instance);
        var files = Enumerable.Range(0, 6).Select(i => Seed($"f{i}", 6 << 20)).ToList();
        var peak = 0L;
        await Task.WhenAll(files.Select(file => Task.Run(async () =>
        {
            var readAhead = new ReadAhead(cache, file, 1 << 20, 64 << 20);
            for (long index = 0; index < 6; index++)
            {
                readAhead.OnRead(index << 20, 1 << 20);
                (await cache.GetAsync(file, index, CancellationToken.None)).Release();
                InterlockedMax(ref peak, budget.Used);
            }
        })));
        // Prefetch never passes the budget; only the blocks readers wait for may, by at most one block per reader.
        Assert.True(peak <= budget.Capacity + 6 * (1 << 20), $"peak {peak} over budget {budget.Capacity}");
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public async Task Read_ahead_grows_while_sequential_and_resets_on_a_seek()
    {
        var file = Seed("seq", 64 << 20);
        await using var cache = new BlockCache(_store, new VfsOptions { BlockSize = 1 << 20 }, new MemoryBudget(256 << 20), NullLogger.Instance);
        var readAhead = new ReadAhead(cache, file, 1 << 20, 16 << 20);
        for (var i = 0; i < 8; i++) readAhead.OnRead(i * (128L << 10), 128 << 10);
        Assert.Equal(16 << 20, readAhead.Window);
        readAhead.OnRead(40L << 20, 4096);
        Assert.Equal(1 << 20, readAhead.Window);
    }

    [Fact]
    public async Task Reads_hopping_between_neighbouring_chunks_are_random_access_and_a_stream_after_a_seek_is_seen_within_a_block()
    {
        var file = Seed("hops", 64 << 20);
        await using var cache = new BlockCache(_store, new VfsOptions { BlockSize = 1 << 20 }, new MemoryBudget(256 << 20), NullLogger.Instance);
        var readAhead = new ReadAhead(cache, file, 1 << 20, 16 << 20);
        Assert.True(readAhead.OnRead(0, 128 << 10));
        // h5py reading one chunk per frame: 26 KB every 400 KB, each a neighbour of the last.
        for (var i = 0; i < 40; i++) Assert.False(readAhead.OnRead((10L << 20) + i * 400_000L, 26_000), $"hop {i} taken for a stream");
        Assert.Equal(1 << 20, readAhead.Window);
        // A reader that then streams from where it is becomes a stream again after a few blocks.
        var streamStart = (30L << 20) + 7;
        var streaming = Enumerable.Range(0, 48).Select(i => readAhead.OnRead(streamStart + i * (128L << 10), 128 << 10)).ToList();
        Assert.False(streaming[0]);
        Assert.Contains(true, streaming.Take(8 * ReadAhead.StreamAfterSeek + 2));
        Assert.True(streaming.Last());
    }

    [Fact]
    public async Task A_fetch_that_fails_at_once_fails_its_reader_and_is_sent_once()
    {
        // A demand fetch starts on the reader's thread, so a store that fails at once has failed it before the reader looks for it.
        var file = Seed("gone", 3 << 20);
        File.Delete(Path.Combine(_root.FullName, "gone"));
        await using var cache = new BlockCache(_store, new VfsOptions { BlockSize = 1 << 20, RandomReadPiece = 16 << 10 }, new MemoryBudget(64 << 20), NullLogger.Instance);
        await Assert.ThrowsAsync<StorageException>(() => cache.GetAsync(file, 1, CancellationToken.None).AsTask());
        Assert.Equal(1, cache.Requests);
        await Assert.ThrowsAsync<StorageException>(() => cache.GetPieceAsync(file, 5000, 9096, cache.PieceSize, CancellationToken.None).AsTask());
        Assert.Equal(2, cache.Requests);
    }

    [Fact]
    public async Task A_block_fetched_for_one_version_is_not_served_for_another()
    {
        var first = Seed("versions", 3 << 20);
        await using var cache = new BlockCache(_store, new VfsOptions { BlockSize = 1 << 20 }, new MemoryBudget(64 << 20), NullLogger.Instance);
        var old = await cache.GetAsync(first, 1, CancellationToken.None);
        var oldBytes = old.Span.ToArray();
        old.Release();
        await Task.Delay(20);
        var second = Seed("versions", 3 << 20) with { Version = "changed" };
        var fresh = await cache.GetAsync(second, 1, CancellationToken.None);
        Assert.NotEqual(oldBytes, fresh.Span.ToArray());
        fresh.Release();
        Assert.Equal(2, cache.Requests);
    }

    [Fact]
    public async Task A_disk_that_lags_makes_the_cache_skip_blocks_instead_of_delaying_reads()
    {
        const int blocks = 24;
        var file = Seed("lagging", blocks << 20);
        var expected = await File.ReadAllBytesAsync(Path.Combine(_root.FullName, "lagging"));
        var folder = Path.Combine(Directory.CreateTempSubdirectory("ffs-lagging-disk-").FullName, "cache");
        var options = new VfsOptions { BlockSize = 1 << 20, CacheDirectory = folder };
        using var gate = new ManualResetEventSlim(false);
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cache = new BlockCache(_store, options, new MemoryBudget(8 << 20), NullLogger.Instance);
        try
        {
            // The disk "lags" forever: its writer stops before the first block and stays there while the whole file is read.
            cache.DiskWriter!.BeforeWrite = () =>
            {
                stuck.TrySetResult();
                gate.Wait();
            };
            var readAhead = new ReadAhead(cache, file, 1 << 20, 4 << 20);
            async Task ReadAllAsync()
            {
                for (long index = 0; index < blocks; index++)
                {
                    readAhead.OnRead(index << 20, 1 << 20);
                    var block = await cache.GetAsync(file, index, CancellationToken.None);
                    try
                    {
                        Assert.True(block.Span.SequenceEqual(expected.AsSpan((int)(index << 20), 1 << 20)), $"block {index} differs");
                    }
                    finally
                    {
                        block.Release();
                    }
                    if (index == 0) await stuck.Task.WaitAsync(TimeSpan.FromMinutes(1));
                }
            }
            await ReadAllAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(0, cache.DiskBytes);
            Assert.Equal(0, cache.DiskWriter.Written);
        }
        finally
        {
            gate.Set();
            await cache.DisposeAsync();
        }
        // What the memory tier evicted meanwhile was skipped; what it still held was written at the end and serves the next mount.
        Assert.True(cache.DiskWriter.Skipped >= blocks - 12, $"skipped {cache.DiskWriter.Skipped}");
        Assert.InRange(cache.DiskWriter.Written, 1, 12);
        await using var next = new BlockCache(_store, options, new MemoryBudget(8 << 20), NullLogger.Instance);
        var last = await next.GetAsync(file, blocks - 1, CancellationToken.None);
        Assert.True(last.Span.SequenceEqual(expected.AsSpan((blocks - 1) << 20)));
        last.Release();
        Assert.Equal(0, next.Requests);
        Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
    }

    public void Dispose() => _root.Delete(recursive: true);
}
