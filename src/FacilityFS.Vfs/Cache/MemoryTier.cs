namespace FacilityFS.Vfs.Cache;

/// <summary>Recently used blocks in memory, least recently used first out; each holds its bytes in the shared <see cref="MemoryBudget"/> until evicted.</summary>
/// <remarks>Eviction gives the bytes back at once, in the caller's thread: a reader that needs room gets it before it asks the budget again.
/// (MemoryCache was tried first; its eviction callbacks run later on the thread pool, so the budget overran while they were queued.)</remarks>
internal sealed class MemoryTier(MemoryBudget budget)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<BlockKey, LinkedListNode<(BlockKey Key, Block Block)>> _byKey = [];
    private readonly LinkedList<(BlockKey Key, Block Block)> _recency = new();

    public bool Contains(BlockKey key)
    {
        lock (_gate) return _byKey.ContainsKey(key);
    }

    /// <summary>The block, acquired for the caller (who releases it), when it is here; <paramref name="touch"/> false leaves its recency alone (a disk write is no use).</summary>
    public Block? TryAcquire(BlockKey key, bool touch = true)
    {
        lock (_gate)
        {
            if (!_byKey.TryGetValue(key, out var node) || !node.Value.Block.TryAcquire()) return null;
            if (!touch) return node.Value.Block;
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Block;
        }
    }

    /// <summary>Takes over the caller's hold on a block whose bytes the caller already reserved in the budget.</summary>
    public void Add(BlockKey key, Block block)
    {
        lock (_gate)
        {
            if (_byKey.Remove(key, out var old)) Evict(old);
            _byKey[key] = _recency.AddFirst((key, block));
        }
    }

    /// <summary>Evicts least recently used blocks until <paramref name="bytes"/> more fit in the budget, or nothing is left to evict; <paramref name="spareUnread"/> leaves prefetched blocks no reader has asked for yet.</summary>
    /// <remarks>
    /// A prefetch spares unread blocks: under plain recency, 8 streams sharing the budget evicted each other's prefetched blocks
    /// (fetched a while ago, not yet read) to keep blocks just read (which the kernel's page cache already holds), so most reads became
    /// one-block fetches on demand. A reader's own block spares nothing, which also clears unread blocks a reader left behind.
    /// </remarks>
    public void MakeRoom(long bytes, bool spareUnread)
    {
        lock (_gate)
        {
            for (var node = _recency.Last; node is not null && budget.Used + bytes > budget.Capacity;)
            {
                var previous = node.Previous;
                if (!spareUnread || !node.Value.Block.Unread)
                {
                    _byKey.Remove(node.Value.Key);
                    Evict(node);
                }
                node = previous;
            }
        }
    }

    private void Evict(LinkedListNode<(BlockKey Key, Block Block)> node)
    {
        _recency.Remove(node);
        budget.Release(node.Value.Block.Length);
        node.Value.Block.Release();
    }
}
