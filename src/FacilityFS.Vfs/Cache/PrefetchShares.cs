namespace FacilityFS.Vfs.Cache;

/// <summary>Per-file fairness in the memory budget: the bytes a file has prefetched and no reader has asked for yet are capped at its share of the budget.</summary>
/// <remarks>
/// Without a cap, one reader that prefetched and then stalls (a slow consumer, or a server slow to answer its ranged GETs) holds the
/// budget and every other reader's prefetch is refused. A file's share is the budget divided among the files that have unread
/// prefetched bytes, plus one share kept free for a reader that arrives next, so even a single stream leaves room for a second one.
/// A block stops counting once a reader asks for it, or once it is neither cached in memory nor being fetched (evicted, or its fetch
/// failed); the latter is found lazily, when a file is about to be refused, so the hot path is one dictionary update.
/// </remarks>
internal sealed class PrefetchShares(long capacity, Func<BlockKey, bool> stillHeld)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Path, string Version), Dictionary<long, long>> _unread = [];
    private readonly Dictionary<(string Path, string Version), long> _unreadBytes = [];

    /// <summary>The bytes one file may hold prefetched but unread right now.</summary>
    public long ShareOf(BlockKey key)
    {
        lock (_gate) return Share(FileOf(key));
    }

    /// <summary>Bytes prefetched for this block's file and not yet asked for (for tests and status).</summary>
    public long UnreadBytes(BlockKey key)
    {
        lock (_gate) return _unreadBytes.GetValueOrDefault(FileOf(key));
    }

    /// <summary>Counts a block a prefetch is about to fetch against its file's share; false (nothing counted) when it would pass the share.</summary>
    public bool TryTake(BlockKey key, long bytes)
    {
        var file = FileOf(key);
        lock (_gate)
        {
            if (!Fits(file, bytes))
            {
                // Blocks evicted or failed since they were counted no longer hold anything: forget them, then look again.
                Prune();
                if (!Fits(file, bytes)) return false;
            }
            if (!_unread.TryGetValue(file, out var blocks)) _unread[file] = blocks = [];
            if (!blocks.TryAdd(key.Index, bytes)) return true;
            _unreadBytes[file] = _unreadBytes.GetValueOrDefault(file) + bytes;
            return true;
        }
    }

    /// <summary>A reader asked for the block (or its prefetch was abandoned): it no longer counts against its file's share.</summary>
    public void Forget(BlockKey key)
    {
        var file = FileOf(key);
        lock (_gate)
        {
            if (!_unread.TryGetValue(file, out var blocks) || !blocks.Remove(key.Index, out var bytes)) return;
            Subtract(file, bytes, blocks);
        }
    }

    private static (string Path, string Version) FileOf(BlockKey key) => (key.Path, key.Version);

    private bool Fits((string Path, string Version) file, long bytes) => _unreadBytes.GetValueOrDefault(file) + bytes <= Share(file);

    /// <summary>The budget split among the files holding unread prefetched bytes (the asking one included), with one share left for a newcomer.</summary>
    private long Share((string Path, string Version) file)
    {
        var files = _unreadBytes.Count + (_unreadBytes.ContainsKey(file) ? 0 : 1);
        return capacity / (files + 1);
    }

    private void Prune()
    {
        foreach (var (file, blocks) in _unread.ToList())
            foreach (var (index, bytes) in blocks.ToList())
                if (!stillHeld(new BlockKey(file.Path, file.Version, index)))
                {
                    blocks.Remove(index);
                    Subtract(file, bytes, blocks);
                }
    }

    private void Subtract((string Path, string Version) file, long bytes, Dictionary<long, long> blocks)
    {
        if (blocks.Count == 0)
        {
            _unread.Remove(file);
            _unreadBytes.Remove(file);
        }
        else _unreadBytes[file] -= bytes;
    }
}
