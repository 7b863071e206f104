using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FacilityFS.Identity.Oidc;

/// <summary>The browser login's redirect target (RFC 8252 7.3): a listener on 127.0.0.1 at a port the system picks, which takes the one request the browser brings back and closes.</summary>
/// <remarks>Only the request line is read (bounded, with an idle limit); a connection that sends nothing, as browsers open ahead, is dropped and the next one waited for.</remarks>
internal sealed class LoopbackRedirect : IDisposable
{
    private const int MaxRequestBytes = 16 * 1024;
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(10);
    private static readonly byte[] Answer = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        + "<!DOCTYPE html><html><body><p>FacilityFS has the provider's answer. You can close this page and return to the terminal.</p></body></html>");

    private readonly TcpListener _listener;

    private LoopbackRedirect(TcpListener listener)
    {
        _listener = listener;
        RedirectUri = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
    }

    /// <summary>http://127.0.0.1:PORT/, registered at the provider as the loopback redirect (any port).</summary>
    public Uri RedirectUri { get; }

    /// <summary>Starts listening on a free loopback port.</summary>
    public static LoopbackRedirect Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(backlog: 4);
        return new LoopbackRedirect(listener);
    }

    /// <summary>Waits for the browser's request and returns the absolute URL it asked for (with the provider's code, state or error); the listener is closed afterwards, whatever happens.</summary>
    public async Task<string> WaitForRequestAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var connection = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                var stream = connection.GetStream();
                if (await ReadTargetAsync(stream, cancellationToken).ConfigureAwait(false) is not { } target) continue;
                await stream.WriteAsync(Answer, cancellationToken).ConfigureAwait(false);
                return new Uri(RedirectUri, target).AbsoluteUri;
            }
        }
        finally
        {
            _listener.Stop();
        }
    }

    /// <summary>The origin-form target of a GET (the path and query), or null for a connection that sent nothing usable in time.</summary>
    private static async Task<string?> ReadTargetAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxRequestBytes);
        try
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(IdleLimit);
            var length = 0;
            int lineEnd;
            while ((lineEnd = buffer.AsSpan(0, length).IndexOf("\r\n"u8)) < 0)
            {
                if (length == MaxRequestBytes) return null;
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer.AsMemory(length, MaxRequestBytes - length), idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
                catch (IOException)
                {
                    return null;
                }
                if (read == 0) return null;
                length += read;
            }
            var parts = Encoding.ASCII.GetString(buffer, 0, lineEnd).Split(' ');
            return parts is ["GET", ['/', ..] target, ['H', 'T', 'T', 'P', '/', ..]] ? target : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _listener.Stop();
}
