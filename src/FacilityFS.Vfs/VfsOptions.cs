namespace FacilityFS.Vfs;

/// <summary>Tunables of the core: cache lifetimes, block cache tiers and the one memory budget.</summary>
public sealed record VfsOptions
{
    /// <summary>How long the kernel may cache attributes before asking again.</summary>
    public TimeSpan AttributeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the kernel may cache a name's resolution.</summary>
    public TimeSpan EntryTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a folder listing (and the entries in it) is trusted before the store is asked again.</summary>
    public TimeSpan DirectoryCacheTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long "no such name" is remembered.</summary>
    public TimeSpan NegativeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public int BlockSize { get; init; } = 1 << 20;

    /// <summary>Bytes held in memory by cached blocks and in-flight prefetches together.</summary>
    public long MemoryBudget { get; init; } = 128L << 20;

    /// <summary>Folder of the disk tier; null for memory only.</summary>
    public string? CacheDirectory { get; init; }

    public long CacheMaxSize { get; init; } = 10L << 30;

    /// <summary>Smallest and largest read-ahead of one sequential reader.</summary>
    public long MinReadAhead { get; init; } = 1L << 20;

    public long MaxReadAhead { get; init; } = 64L << 20;

    /// <summary>What a random reader fetches at a time (rounded to this aligned size) instead of a whole block; a divisor of <see cref="BlockSize"/>.</summary>
    /// <remarks>Small, because a server's cost per ranged GET grows with its length: Apache (mmap on, its default) took 0.26 ms for
    /// 16 KiB, 0.6 ms for 64 KiB and 1.2 ms for 128 KiB, and an isolated 4 KiB read needs none of the rest. A read spanning
    /// several pieces still costs one GET.</remarks>
    public int RandomReadPiece { get; init; } = 16 << 10;

    public bool ReadOnly { get; init; } = true;

    /// <summary>The spool and upload settings; required unless <see cref="ReadOnly"/>.</summary>
    public Writes.WriteBackOptions? WriteBack { get; init; }

    /// <summary>uid and gid reported as owner of every file (the mounting user).</summary>
    public uint Uid { get; init; }

    public uint Gid { get; init; }
}
