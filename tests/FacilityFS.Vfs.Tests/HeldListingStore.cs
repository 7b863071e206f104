using System.Runtime.CompilerServices;
using FacilityFS.Storage;

namespace FacilityFS.Vfs.Tests;

/// <summary>A store whose next listing, once armed, reads the folder and then waits for the test before answering: a PROPFIND whose answer is older than what the mount does meanwhile.</summary>
internal sealed class HeldListingStore(IRemoteStore inner) : IRemoteStore
{
    private readonly TaskCompletionSource _taken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>Completes once the held listing has read the folder.</summary>
    public Task Taken => _taken.Task;

    public void HoldNextListing() => Volatile.Write(ref _armed, 1);

    /// <summary>Lets the held listing answer with what it read.</summary>
    public void Release() => _released.TrySetResult();

    public string DisplayName => inner.DisplayName;

    public StorageCapabilities Capabilities => inner.Capabilities;

    public Task<RemoteEntry> StatAsync(RemotePath path, CancellationToken cancellationToken = default) => inner.StatAsync(path, cancellationToken);

    public async IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var held = Interlocked.Exchange(ref _armed, 0) == 1;
        var entries = new List<RemoteEntry>();
        await foreach (var entry in inner.ListAsync(directory, cancellationToken)) entries.Add(entry);
        if (held)
        {
            _taken.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }
        foreach (var entry in entries) yield return entry;
    }

    public Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(path, range, expectedETag, cancellationToken);

    public Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(path, content, length, cancellationToken);

    public Task CreateDirectoryAsync(RemotePath path, bool createParents = false, CancellationToken cancellationToken = default) =>
        inner.CreateDirectoryAsync(path, createParents, cancellationToken);

    public Task DeleteAsync(RemotePath path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    public Task MoveAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default) =>
        inner.MoveAsync(source, destination, overwrite, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
