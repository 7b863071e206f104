using FacilityFS.Storage;
using FacilityFS.Vfs.Cache;

namespace FacilityFS.Vfs.Tests;

/// <summary>A file of random bytes written into a local folder the cache tests read through, and the version the cache knows it by.</summary>
internal static class SeededFile
{
    public static FileVersion Write(DirectoryInfo root, string name, int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(root.FullName, name), bytes);
        return new FileVersion(RemotePath.Parse(name), Guid.NewGuid().ToString("N"), null, size);
    }
}
