using FacilityFS.Storage;

namespace FacilityFS.TestServers.Stores;

/// <summary>A store that passes every call on to <c>inner</c>: the base of test stores that change one call (refuse writes, hold a listing, …).</summary>
public abstract class DelegatingStore(IRemoteStore inner) : IRemoteStore
{
    protected IRemoteStore Inner { get; } = inner;

    public virtual string DisplayName => Inner.DisplayName;

    public virtual StorageCapabilities Capabilities => Inner.Capabilities;

    public virtual Task<RemoteEntry> StatAsync(RemotePath path, CancellationToken cancellationToken = default) => Inner.StatAsync(path, cancellationToken);

    public virtual IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, CancellationToken cancellationToken = default) => Inner.ListAsync(directory, cancellationToken);

    public virtual Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default) =>
        Inner.OpenReadAsync(path, range, expectedETag, cancellationToken);

    public virtual Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default) =>
        Inner.WriteAsync(path, content, length, cancellationToken);

    public virtual Task CreateDirectoryAsync(RemotePath path, bool createParents = false, CancellationToken cancellationToken = default) =>
        Inner.CreateDirectoryAsync(path, createParents, cancellationToken);

    public virtual Task DeleteAsync(RemotePath path, CancellationToken cancellationToken = default) => Inner.DeleteAsync(path, cancellationToken);

    public virtual Task MoveAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default) =>
        Inner.MoveAsync(source, destination, overwrite, cancellationToken);

    /// <summary>The inner store belongs to the test, which disposes of it.</summary>
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
