using FacilityFS.Storage;

namespace FacilityFS.Watch.Tests;

/// <summary>A store that calls <c>during</c> as each upload's bytes start to be read: a writer changing the file mid-upload, at a known moment.</summary>
internal sealed class ChangingStore(IRemoteStore inner, Action during) : IRemoteStore
{
    public string DisplayName => inner.DisplayName;

    public StorageCapabilities Capabilities => inner.Capabilities;

    public Task<RemoteEntry> StatAsync(RemotePath path, CancellationToken cancellationToken = default) => inner.StatAsync(path, cancellationToken);

    public IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, CancellationToken cancellationToken = default) => inner.ListAsync(directory, cancellationToken);

    public Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(path, range, expectedETag, cancellationToken);

    public Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default)
    {
        during();
        return inner.WriteAsync(path, content, length, cancellationToken);
    }

    public Task CreateDirectoryAsync(RemotePath path, bool createParents = false, CancellationToken cancellationToken = default) =>
        inner.CreateDirectoryAsync(path, createParents, cancellationToken);

    public Task DeleteAsync(RemotePath path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    public Task MoveAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default) =>
        inner.MoveAsync(source, destination, overwrite, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
