using FacilityFS.Storage;
using FacilityFS.Storage.Local;
using FacilityFS.TestServers;
using FacilityFS.Vfs.Cache;

namespace FacilityFS.Vfs.Tests;

/// <summary>Per-file fairness in the memory budget: a reader whose prefetch stalls cannot hold the budget the other readers need.</summary>
public sealed class PrefetchFairnessTests() : TemporaryBlockFolder("ffs-fair-")
{
    [Fact]
    public async Task A_reader_whose_prefetch_stalls_leaves_the_next_reader_its_share_of_the_budget()
    {
        var store = new HeldReadStore(new LocalFolderStore(Root.FullName), "a.bin");
        var budget = new MemoryBudget(16 * Block);
        await using var cache = CacheOver(store, budget);
        var a = Seed("a.bin", 32 * Block);
        var b = Seed("b.bin", 32 * Block);
        try
        {
            // Reader A asks for its whole file ahead; the server holds its GETs, so those bytes stay in flight, where no eviction reaches them.
            cache.Prefetch(a, 0, 32);
            var (aUnread, aShare) = cache.PrefetchShareOf(a);
            Assert.True(aUnread > 0, "A prefetched nothing");
            Assert.True(aUnread <= budget.Capacity / 2, $"A alone holds {aUnread} of a {budget.Capacity}-byte budget: nothing left for a second reader");
            Assert.Equal(budget.Capacity / 2, aShare);

            // Reader B arrives while A is stuck: its prefetch still gets a share (the budget split among A, B and one newcomer).
            var stopped = cache.Prefetch(b, 0, 32);
            var share = budget.Capacity / 3 / Block;
            Assert.Equal(share, stopped);
            Assert.True(await Eventually.HoldsAsync(() => store.BytesAsked("b.bin") == share * Block, TimeSpan.FromSeconds(30)),
                $"B's prefetch asked the server for {store.BytesAsked("b.bin")} bytes, not {share * Block}");

            // B reads what it prefetched (A is still stuck) and keeps streaming: each round its share is fetched again, A's blocks untouched.
            for (var round = 0; round < 3; round++)
            {
                for (var index = round * share; index < (round + 1) * share; index++) (await cache.GetAsync(b, index, CancellationToken.None)).Release();
                Assert.Equal((round + 2) * share, cache.Prefetch(b, (round + 1) * share, 32 - (round + 1) * share));
            }
            Assert.Equal(aUnread, cache.PrefetchShareOf(a).Unread);
        }
        finally
        {
            store.Release();
            // A's fetches end before the folder goes.
            (await cache.GetAsync(a, 0, CancellationToken.None)).Release();
            (await cache.GetAsync(a, 7, CancellationToken.None)).Release();
        }
    }

    [Fact]
    public async Task A_prefetch_never_evicts_blocks_another_reader_prefetched_and_has_not_read_yet()
    {
        var (store, cache, a, b) = TwoFilesInSixteenBlocks();
        await using var _ = cache;

        // Reader A prefetches its share (8 blocks, in one GET) and reads the first and the last: blocks 1–6 wait in memory, unread.
        Assert.Equal(8, cache.Prefetch(a, 0, 32));
        (await cache.GetAsync(a, 0, CancellationToken.None)).Release();
        (await cache.GetAsync(a, 7, CancellationToken.None)).Release();
        var askedOfA = store.BytesAsked("a.bin");

        // Reader B streams its whole file through the rest of the budget, prefetching a few blocks ahead of each read.
        await StreamAsync(cache, b);

        // A's unread blocks are still there: reading them asks the server for nothing.
        for (var index = 1; index < 7; index++) (await cache.GetAsync(a, index, CancellationToken.None)).Release();
        Assert.Equal(askedOfA, store.BytesAsked("a.bin"));
    }

    [Fact]
    public async Task A_reader_that_closes_its_file_gives_up_what_it_read_ahead_and_never_read()
    {
        var (store, cache, a, b) = TwoFilesInSixteenBlocks();
        await using var _ = cache;

        // Reader A's first read sends read-ahead up to its share (blocks 1–8); it reads blocks 0 and 1, then closes its file.
        var readAhead = new ReadAhead(cache, a, 8L * Block, 64L * Block);
        for (var index = 0; index < 2; index++)
        {
            readAhead.OnRead(index * Block, Block);
            (await cache.GetAsync(a, index, CancellationToken.None)).Release();
        }
        Assert.Equal(7L * Block, cache.PrefetchShareOf(a).Unread);
        // Landed, so that what follows does not depend on when the fetches end (a block still in flight is given up when it lands).
        Assert.True(await Eventually.HoldsAsync(() => cache.InFlightCount == 0, TimeSpan.FromSeconds(30)), "A's read-ahead never landed");
        readAhead.Abandon();
        Assert.Equal(0, cache.PrefetchShareOf(a).Unread);

        // Reader B streams its whole file, prefetching a few blocks ahead: its prefetch may now evict A's blocks 2–8, the oldest.
        // (Unread, they would have stayed, as the test above shows for a reader still open.)
        await StreamAsync(cache, b);
        var askedOfA = store.BytesAsked("a.bin");
        (await cache.GetAsync(a, 5, CancellationToken.None)).Release();
        Assert.True(store.BytesAsked("a.bin") > askedOfA, "A's abandoned block 5 was never evicted");
    }

    /// <summary>Two readers' files of 32 blocks each, and a cache with room for 16 blocks over a store that counts what each file was asked.</summary>
    private (HeldReadStore Store, BlockCache Cache, FileVersion A, FileVersion B) TwoFilesInSixteenBlocks()
    {
        var store = new HeldReadStore(new LocalFolderStore(Root.FullName), heldFile: "none");
        return (store, CacheOver(store, new MemoryBudget(16 * Block)), Seed("a.bin", 32 * Block), Seed("b.bin", 32 * Block));
    }

    /// <summary>A reader streaming its whole file, prefetching a few blocks ahead of each read.</summary>
    private static async Task StreamAsync(BlockCache cache, FileVersion file)
    {
        for (var index = 0; index < cache.BlockCount(file.Size); index++)
        {
            cache.Prefetch(file, index + 1, 4);
            (await cache.GetAsync(file, index, CancellationToken.None)).Release();
        }
    }
}
