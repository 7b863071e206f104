namespace FacilityFS.Vfs.Cache;

/// <summary>The one byte budget shared by every prefetcher and the memory tier, so many open files cannot add up to unbounded memory.</summary>
public sealed class MemoryBudget(long capacity)
{
    private long _used;

    public long Capacity { get; } = capacity;

    public long Used => Interlocked.Read(ref _used);

    /// <summary>Takes <paramref name="bytes"/> if they fit; callers that can do without (prefetch) give up when this fails.</summary>
    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (used + bytes > Capacity) return false;
            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used) return true;
        }
    }

    /// <summary>Takes the bytes even past the capacity: a reader's own block must never wait on prefetches that wait on it.</summary>
    public void Force(long bytes) => Interlocked.Add(ref _used, bytes);

    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
