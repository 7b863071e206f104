namespace FacilityFS.Storage.WebDav;

/// <summary>A response body that reports progress to an <see cref="IdleWatchdog"/> and ends cleanly at the announced length.</summary>
internal sealed class WatchedReadStream(Stream inner, IdleWatchdog watchdog, HttpResponseMessage response) : ForwardReadStream
{
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
            throw new StorageException(StorageErrorKind.Unavailable, $"the server stopped sending data (nothing for {watchdog.Idle.TotalSeconds:0.#} s)",
                response.RequestMessage!.Method.Method, WebDavUrls.Redact(response.RequestMessage.RequestUri!));
        }
        catch (HttpRequestException e)
        {
            throw new StorageException(StorageErrorKind.Unavailable, $"the connection broke while reading: {e.Message}", response.RequestMessage!.Method.Method, WebDavUrls.Redact(response.RequestMessage.RequestUri!), inner: e);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StorageException(StorageErrorKind.Unavailable, $"the connection broke while reading: {e.Message}", response.RequestMessage!.Method.Method, WebDavUrls.Redact(response.RequestMessage.RequestUri!), inner: e);
        }
    }

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
