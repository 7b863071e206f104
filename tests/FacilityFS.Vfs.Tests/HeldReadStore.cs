using System.Collections.Concurrent;
using FacilityFS.Storage;
using FacilityFS.TestServers.Stores;

namespace FacilityFS.Vfs.Tests;

/// <summary>A store that holds every read of one file until the test releases it (a server slow to answer one reader), and counts the bytes asked of each file.</summary>
internal sealed class HeldReadStore(IRemoteStore inner, string heldFile) : DelegatingStore(inner)
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, long> _asked = new();

    /// <summary>Bytes asked of <paramref name="file"/> by ranged reads so far.</summary>
    public long BytesAsked(string file) => _asked.GetValueOrDefault(file);

    /// <summary>Lets the held reads (and every later one) go on.</summary>
    public void Release() => _released.TrySetResult();

    public override async Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default)
    {
        _asked.AddOrUpdate(path.Name, range?.Length ?? 0, (_, asked) => asked + (range?.Length ?? 0));
        if (path.Name == heldFile) await _released.Task.WaitAsync(cancellationToken);
        return await Inner.OpenReadAsync(path, range, expectedETag, cancellationToken);
    }
}
