using FacilityFS.Storage;

namespace FacilityFS.TestServers.Stores;

/// <summary>A store that refuses writes (PUT) with a chosen error, for a number of times or for ever, and otherwise passes everything on.</summary>
public sealed class FaultyStore(IRemoteStore inner) : IRemoteStore
{
    private int _refused;

    public StorageErrorKind? Refuse { get; set; }

    /// <summary>How many more writes to refuse; negative means every one.</summary>
    public int RefusalsLeft { get; set; } = -1;

    public int Refused => _refused;

    public string DisplayName => inner.DisplayName;

    public StorageCapabilities Capabilities => inner.Capabilities;

    public Task<RemoteEntry> StatAsync(RemotePath path, CancellationToken cancellationToken = default) => inner.StatAsync(path, cancellationToken);

    public IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, CancellationToken cancellationToken = default) => inner.ListAsync(directory, cancellationToken);

    public Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(path, range, expectedETag, cancellationToken);

    public Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default)
    {
        if (Refuse is { } kind && RefusalsLeft != 0)
        {
            if (RefusalsLeft > 0) RefusalsLeft--;
            Interlocked.Increment(ref _refused);
            throw new StorageException(kind, $"write of {path} refused by the test", "PUT", path.Value);
        }
        return inner.WriteAsync(path, content, length, cancellationToken);
    }

    public Task CreateDirectoryAsync(RemotePath path, bool createParents = false, CancellationToken cancellationToken = default) =>
        inner.CreateDirectoryAsync(path, createParents, cancellationToken);

    public Task DeleteAsync(RemotePath path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    public Task MoveAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default) =>
        inner.MoveAsync(source, destination, overwrite, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
