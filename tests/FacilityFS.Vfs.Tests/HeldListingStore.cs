using System.Runtime.CompilerServices;
using FacilityFS.Storage;
using FacilityFS.TestServers.Stores;

namespace FacilityFS.Vfs.Tests;

/// <summary>A store whose next listing, once armed, reads the folder and then waits for the test before answering: a PROPFIND whose answer is older than what the mount does meanwhile.</summary>
internal sealed class HeldListingStore(IRemoteStore inner) : DelegatingStore(inner)
{
    private readonly TaskCompletionSource _taken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>Completes once the held listing has read the folder.</summary>
    public Task Taken => _taken.Task;

    public void HoldNextListing() => Volatile.Write(ref _armed, 1);

    /// <summary>Lets the held listing answer with what it read.</summary>
    public void Release() => _released.TrySetResult();

    public override async IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var held = Interlocked.Exchange(ref _armed, 0) == 1;
        var entries = new List<RemoteEntry>();
        await foreach (var entry in Inner.ListAsync(directory, cancellationToken)) entries.Add(entry);
        if (held)
        {
            _taken.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }
        foreach (var entry in entries) yield return entry;
    }
}
