namespace FacilityFS.Vfs.Cache;

/// <summary>Recently used blocks in memory, least recently used first out; each holds its bytes in the shared <see cref="MemoryBudget"/> until evicted.</summary>
/// <remarks>Eviction gives the bytes back at once, in the caller's thread: a reader that needs room gets it before it asks the budget again.
/// (MemoryCache was tried first; its eviction callbacks run later on the thread pool, so the budget overran while they were queued.)</remarks>
internal sealed class MemoryTier(MemoryBudget budget)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<BlockKey, LinkedListNode<(BlockKey Key, byte[] Block)>> _byKey = [];
    private readonly LinkedList<(BlockKey Key, byte[] Block)> _recency = new();

    public bool TryGet(BlockKey key, out byte[] block)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                block = node.Value.Block;
                return true;
            }
        }
        block = [];
        return false;
    }

    /// <summary>Keeps a block whose bytes the caller already reserved in the budget.</summary>
    public void Add(BlockKey key, byte[] block)
    {
        lock (_gate)
        {
            if (_byKey.Remove(key, out var old))
            {
                _recency.Remove(old);
                budget.Release(old.Value.Block.Length);
            }
            _byKey[key] = _recency.AddFirst((key, block));
        }
    }

    /// <summary>Evicts least recently used blocks until <paramref name="bytes"/> more fit in the budget, or nothing is left to evict.</summary>
    public void MakeRoom(long bytes)
    {
        lock (_gate)
        {
            while (budget.Used + bytes > budget.Capacity && _recency.Last is { } last)
            {
                _recency.RemoveLast();
                _byKey.Remove(last.Value.Key);
                budget.Release(last.Value.Block.Length);
            }
        }
    }
}
