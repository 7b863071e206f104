namespace FacilityFS.Storage;

/// <summary>An open body of a read: the stream plus what the server said about the file it came from.</summary>
public sealed class RemoteContent : IAsyncDisposable, IDisposable
{
    private readonly IDisposable? _owner;

    public RemoteContent(Stream stream, long offset, long length, long totalSize, string? etag, DateTimeOffset? lastModified, IDisposable? owner = null)
    {
        Stream = stream;
        Offset = offset;
        Length = length;
        TotalSize = totalSize;
        ETag = etag;
        LastModified = lastModified;
        _owner = owner;
    }

    public Stream Stream { get; }

    /// <summary>The file offset of the first byte of <see cref="Stream"/>.</summary>
    public long Offset { get; }

    /// <summary>How many bytes <see cref="Stream"/> delivers.</summary>
    public long Length { get; }

    /// <summary>The whole file's size.</summary>
    public long TotalSize { get; }

    public string? ETag { get; }

    public DateTimeOffset? LastModified { get; }

    public static RemoteContent Empty(long offset, long totalSize, string? etag, DateTimeOffset? lastModified) =>
        new(Stream.Null, offset, 0, totalSize, etag, lastModified);

    public void Dispose()
    {
        Stream.Dispose();
        _owner?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        _owner?.Dispose();
    }
}
