using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace FacilityFS.Vfs.Cache;

/// <summary>Copies blocks owed to the disk tier from the memory tier on one background thread of low CPU priority: a reader never waits for it, and a block it has not reached before the memory tier evicts it is skipped.</summary>
/// <remarks>
/// It used to be up to 16 writes at once on the thread pool. On two cores those writes (checksum, copy into the page cache) ran at
/// the same priority as the reader's fetches and replies and took their pool threads; a cold read with a disk cache ran at 0.44× the
/// same read without. One thread at nice 10 writes when a core is free and otherwise falls behind, which costs only cached blocks.
/// Each write costs it a checksum pass over the block; the bytes go to disk straight from the block's memory (see <see cref="DiskTier.Write"/>).
/// </remarks>
internal sealed partial class DiskWriter : IAsyncDisposable
{
    /// <summary>Blocks remembered as owed at most; beyond it the oldest are forgotten (they are fetched again after a remount).</summary>
    private const int MaxOwed = 4096;

    /// <summary>How much less CPU the writer asks for than the reader's threads (Linux nice value, 0 to 19).</summary>
    private const int Niceness = 10;

    private readonly DiskTier _disk;
    private readonly Func<BlockKey, Block?> _stillInMemory;
    private readonly ConcurrentQueue<(BlockKey Key, bool KeepInPageCache)> _owed = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;
    private long _written;
    private long _skipped;

    /// <param name="stillInMemory">The owed block, acquired for the writer, when the memory tier still holds it; null when it was evicted.</param>
    public DiskWriter(DiskTier disk, Func<BlockKey, Block?> stillInMemory)
    {
        _disk = disk;
        _stillInMemory = stillInMemory;
        new Thread(Run) { IsBackground = true, Name = "ffs disk cache" }.Start();
    }

    /// <summary>Runs in the writer's thread before each block is written (tests hold it to play a disk that lags).</summary>
    internal Action? BeforeWrite { get; set; }

    /// <summary>Blocks written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Blocks owed but evicted from memory before the writer reached them.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Notes a block for the disk tier; returns at once. <paramref name="keepInPageCache"/> for a block likely read back from disk
    /// in this session (see <see cref="DiskTier.Write"/>).</summary>
    public void Owe(BlockKey key, bool keepInPageCache)
    {
        _owed.Enqueue((key, keepInPageCache));
        while (_owed.Count > MaxOwed && _owed.TryDequeue(out _)) Interlocked.Increment(ref _skipped);
        _wake.Release();
    }

    private void Run()
    {
        LowerPriority();
        try
        {
            while (true)
            {
                _wake.Wait();
                while (_owed.TryDequeue(out var owed)) WriteIfStillInMemory(owed.Key, owed.KeepInPageCache);
                if (_stopping && _owed.IsEmpty) break;
            }
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    private void WriteIfStillInMemory(BlockKey key, bool keepInPageCache)
    {
        BeforeWrite?.Invoke();
        if (_stillInMemory(key) is not { } block)
        {
            Interlocked.Increment(ref _skipped);
            return;
        }
        try
        {
            _disk.Write(key, block, keepInPageCache);
            Interlocked.Increment(ref _written);
        }
        catch (Exception)
        {
            // A cache block that cannot be written is only a block fetched again later; the writer must live on.
        }
        finally
        {
            block.Release();
        }
    }

    /// <summary>Writes every owed block still in memory, then ends the thread, so the next mount finds them.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _wake.Release();
        await _finished.Task.ConfigureAwait(false);
    }

    private static void LowerPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            // On Linux a nice value set for one thread id applies to that thread alone.
            _ = SetPriority(0, GetThreadId(), Niceness);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
