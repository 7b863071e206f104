using FacilityFS.Storage.Local;
using FacilityFS.Vfs.Cache;

namespace FacilityFS.Vfs.Tests;

/// <summary>How a stream's read-ahead asks the server: in runs of several blocks, never one GET per block read.</summary>
public sealed class ReadAheadTests() : TemporaryBlockFolder("ffs-readahead-")
{
    [Fact]
    public async Task A_stream_tops_up_its_read_ahead_in_runs_of_blocks_not_a_get_per_block_read()
    {
        var store = new HeldReadStore(new LocalFolderStore(Root.FullName), heldFile: "none");
        await using var cache = CacheOver(store, new MemoryBudget(128 * Block));
        var file = Seed("stream.bin", 64 * Block);
        var readAhead = new ReadAhead(cache, file, Block, 16 * Block);

        for (var index = 0; index < 64; index++)
        {
            Assert.True(readAhead.OnRead(index * (long)Block, Block), $"read {index} was not seen as part of a stream");
            (await cache.GetAsync(file, index, CancellationToken.None)).Release();
        }

        // Every byte once, and in few requests: topping up after each block read sent about one GET per block (64 here).
        Assert.Equal(64L * Block, store.BytesAsked("stream.bin"));
        Assert.True(cache.Requests <= 16, $"64 blocks read as a stream took {cache.Requests} GETs");
    }
}
