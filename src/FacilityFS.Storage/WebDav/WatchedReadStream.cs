namespace FacilityFS.Storage.WebDav;

/// <summary>A response body that reports progress to an <see cref="IdleWatchdog"/> and ends cleanly at the announced length.</summary>
internal sealed class WatchedReadStream(Stream inner, IdleWatchdog watchdog, HttpResponseMessage response) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token)
            : null;
        try
        {
            var n = await inner.ReadAsync(buffer, linked?.Token ?? watchdog.Token).ConfigureAwait(false);
            watchdog.Touch();
            return n;
        }
        catch (OperationCanceledException) when (watchdog.Fired && !cancellationToken.IsCancellationRequested)
        {
            throw new StorageException(StorageErrorKind.Unavailable, "the server stopped sending data", "GET", WebDavUrls.Redact(response.RequestMessage!.RequestUri!));
        }
        catch (HttpRequestException e)
        {
            throw new StorageException(StorageErrorKind.Unavailable, $"the connection broke while reading: {e.Message}", "GET", WebDavUrls.Redact(response.RequestMessage!.RequestUri!), inner: e);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StorageException(StorageErrorKind.Unavailable, $"the connection broke while reading: {e.Message}", "GET", WebDavUrls.Redact(response.RequestMessage!.RequestUri!), inner: e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            response.Dispose();
            watchdog.Dispose();
        }
        base.Dispose(disposing);
    }
}
