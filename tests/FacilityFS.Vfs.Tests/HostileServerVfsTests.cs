using System.Diagnostics;
using FacilityFS.Storage;
using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;
using FacilityFS.Vfs.Cache;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Vfs.Tests;

/// <summary>The core over a server that stalls or sends the wrong bytes: waiters fail in bounded time, the next call asks afresh, the cache keeps no wrong block.</summary>
public sealed class HostileServerVfsTests
{
    private const int BlockSize = 64 << 10;
    private static readonly byte[] Data = Enumerable.Range(0, 3 * BlockSize).Select(i => (byte)(i % 251)).ToArray();

    /// <param name="idle">Short where a test waits for a stall to be noticed; the answers that do come may take long on a busy machine.</param>
    private static WebDavStore StoreAt(Uri uri, double idle = 30) => new(new WebDavOptions
    {
        BaseUri = uri,
        MaxRetries = 1,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        IdleTimeout = TimeSpan.FromSeconds(idle),
    });

    private static FileVersion File() => new(RemotePath.Parse("/f"), "v1", null, Data.Length);

    [Fact]
    public async Task A_206_of_the_wrong_range_never_becomes_a_cached_block()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            c.Response.StatusCode = 206;
            c.Response.Headers.ContentRange = $"bytes 0-{BlockSize - 1}/{Data.Length}";
            c.Response.ContentLength = BlockSize;
            await c.Response.Body.WriteAsync(Data.AsMemory(0, BlockSize));
        });
        await using var store = StoreAt(server.BaseUri);
        await using var cache = new BlockCache(store, new VfsOptions { BlockSize = BlockSize }, new MemoryBudget(16 << 20), NullLogger.Instance);
        var error = await Assert.ThrowsAsync<StorageException>(async () => (await cache.GetAsync(File(), 2, CancellationToken.None)).Release());
        Assert.Equal(StorageErrorKind.InvalidResponse, error.Kind);
    }

    [Fact]
    public async Task A_200_to_a_block_fetch_gives_the_blocks_asked_for()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            c.Response.ContentLength = Data.Length;
            await c.Response.Body.WriteAsync(Data);
        });
        await using var store = StoreAt(server.BaseUri);
        await using var cache = new BlockCache(store, new VfsOptions { BlockSize = BlockSize }, new MemoryBudget(16 << 20), NullLogger.Instance);
        var block = await cache.GetAsync(File(), 2, CancellationToken.None);
        Assert.Equal(Data[(2 * BlockSize)..], block.Span.ToArray());
        block.Release();
    }

    /// <summary>The root lists fine; "/slow" answers through <paramref name="slow"/>.</summary>
    private static Task<ScriptedServer> ServerWithSlowFolder(Func<HttpContext, Task> slow) => ScriptedServer.StartAsync(c =>
    {
        if (c.Request.Path.StartsWithSegments("/slow")) return slow(c);
        return ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/"), ScriptedServer.Response("/slow/"));
    });

    [Fact]
    public async Task A_listing_stalled_mid_body_fails_every_waiter_and_the_next_call_asks_again()
    {
        var listings = 0;
        await using var server = await ServerWithSlowFolder(async c =>
        {
            if (c.Request.Headers["Depth"] != "1")
            {
                await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/slow/"));
                return;
            }
            Interlocked.Increment(ref listings);
            await ScriptedServer.BeginMultistatusAsync(c, ScriptedServer.Response("/slow/"), ScriptedServer.Response("/slow/a", 1));
            await ScriptedServer.StallAsync(c, TimeSpan.FromMinutes(2));
        });
        await using var store = StoreAt(server.BaseUri, idle: 1);
        await using var vfs = await VirtualFileSystem.CreateAsync(store, new VfsOptions { DirectoryCacheTime = TimeSpan.Zero });
        var folder = await vfs.LookupAsync(VirtualFileSystem.RootInode, "slow");
        var clock = Stopwatch.StartNew();
        var waiters = Enumerable.Range(0, 3).Select(_ => vfs.LookupAsync(folder.Attributes.Inode, "a").AsTask()).ToList();
        foreach (var waiter in waiters) Assert.Equal(VfsError.IoError, (await Assert.ThrowsAsync<VfsException>(() => waiter)).Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(1, listings);
        await Assert.ThrowsAsync<VfsException>(() => vfs.LookupAsync(folder.Attributes.Inode, "a").AsTask());
        Assert.Equal(2, listings);
    }

    [Fact]
    public async Task Cancelling_storage_calls_ends_a_listing_that_trickles_for_ever()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ServerWithSlowFolder(async c =>
        {
            if (c.Request.Headers["Depth"] != "1")
            {
                await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/slow/"));
                return;
            }
            await ScriptedServer.BeginMultistatusAsync(c, ScriptedServer.Response("/slow/"));
            started.TrySetResult();
            await ScriptedServer.TrickleAsync(c, TimeSpan.FromMilliseconds(200));
        });
        await using var store = StoreAt(server.BaseUri);
        await using var vfs = await VirtualFileSystem.CreateAsync(store, new VfsOptions { DirectoryCacheTime = TimeSpan.Zero });
        var folder = await vfs.LookupAsync(VirtualFileSystem.RootInode, "slow");
        var lookup = vfs.LookupAsync(folder.Attributes.Inode, "a").AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(lookup.IsCompleted);
        vfs.CancelStorageCalls();
        var error = await Assert.ThrowsAsync<VfsException>(() => lookup.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(VfsError.IoError, error.Error);
        // Later calls fail at once rather than asking a server the mount is leaving.
        await Assert.ThrowsAnyAsync<Exception>(() => vfs.LookupAsync(folder.Attributes.Inode, "b").AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
