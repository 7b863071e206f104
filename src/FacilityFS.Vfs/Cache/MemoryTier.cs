using Microsoft.Extensions.Caching.Memory;

namespace FacilityFS.Vfs.Cache;

/// <summary>Recently used blocks in memory; each holds its bytes in the shared <see cref="MemoryBudget"/> until evicted.</summary>
internal sealed class MemoryTier : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions());
    private readonly MemoryBudget _budget;

    public MemoryTier(MemoryBudget budget) => _budget = budget;

    public bool TryGet(BlockKey key, out byte[] block) => _cache.TryGetValue(key, out block!);

    /// <summary>Keeps a block whose bytes were already reserved in the budget; the reservation is released on eviction.</summary>
    public void Add(BlockKey key, byte[] block)
    {
        var options = new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) };
        // Every way out (expired, compacted, replaced by a concurrent fetch of the same block) gives the bytes back.
        options.RegisterPostEvictionCallback(static (_, value, _, state) => ((MemoryBudget)state!).Release(((byte[])value!).Length), _budget);
        _cache.Set(key, block, options);
    }

    /// <summary>Frees about a quarter of the blocks, least recently used first, to make room in the budget.</summary>
    public void Shrink() => _cache.Compact(0.25);

    public void Remove(BlockKey key) => _cache.Remove(key);

    public void Dispose() => _cache.Dispose();
}
