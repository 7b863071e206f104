namespace FacilityFS.Storage;

/// <summary>The required operations of a remote storage; everything optional is announced in <see cref="Capabilities"/>.</summary>
/// <remarks>Errors are always <see cref="StorageException"/>; cancellation is <see cref="OperationCanceledException"/>.</remarks>
public interface IRemoteStore : IAsyncDisposable
{
    /// <summary>A human-readable name of the store's root (a URL without credentials, or a folder).</summary>
    string DisplayName { get; }

    StorageCapabilities Capabilities { get; }

    Task<RemoteEntry> StatAsync(RemotePath path, CancellationToken cancellationToken = default);

    /// <summary>The children of a folder (never the folder itself), streamed as the server sends them.</summary>
    IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, CancellationToken cancellationToken = default);

    /// <summary>Opens a file for reading, optionally a range of it.</summary>
    /// <param name="expectedETag">When given, a file whose ETag differs fails with <see cref="StorageErrorKind.Changed"/> instead of mixing versions.</param>
    Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a file with the whole of <paramref name="content"/>, streamed.</summary>
    /// <param name="length">The number of bytes, or -1 when unknown.</param>
    Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default);

    Task CreateDirectoryAsync(RemotePath path, bool createParents = false, CancellationToken cancellationToken = default);

    /// <summary>Deletes a file, or a folder with everything in it.</summary>
    Task DeleteAsync(RemotePath path, CancellationToken cancellationToken = default);

    Task MoveAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default);
}

/// <summary>Optional capability: copy on the server without moving the bytes through the client.</summary>
public interface IServerSideCopy
{
    Task CopyAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default);
}

/// <summary>Optional capability: ask the store for a file's checksum.</summary>
public interface IChecksumSource
{
    /// <summary>The checksum in the given algorithm, or null when the store does not offer it for this file.</summary>
    Task<Checksums.Checksum?> GetChecksumAsync(RemotePath path, Checksums.ChecksumAlgorithm algorithm, CancellationToken cancellationToken = default);
}
