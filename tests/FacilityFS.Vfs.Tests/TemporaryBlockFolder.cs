using FacilityFS.Storage;
using FacilityFS.Vfs.Cache;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Vfs.Tests;

/// <summary>What the block cache's own tests share: a temporary folder of seeded files, 1 MiB blocks, and a cache over a store of that folder.</summary>
public abstract class TemporaryBlockFolder(string prefix) : IDisposable
{
    protected const int Block = 1 << 20;

    protected DirectoryInfo Root { get; } = Directory.CreateTempSubdirectory(prefix);

    protected FileVersion Seed(string name, int size) => SeededFile.Write(Root, name, size);

    /// <summary>A cache of 1 MiB blocks over <paramref name="store"/>, within <paramref name="budget"/>.</summary>
    protected static BlockCache CacheOver(IRemoteStore store, MemoryBudget budget) =>
        new(store, new VfsOptions { BlockSize = Block }, budget, NullLogger.Instance);

    public void Dispose()
    {
        Root.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }
}
