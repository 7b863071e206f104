using System.Net.Sockets;
using System.Text;

namespace FacilityFS.Cli.Control;

/// <summary>Asks a running mount over its control socket; a mount that does not answer is a clear error naming the mountpoint.</summary>
public static class ControlClient
{
    /// <param name="socketPath">The control socket when it is not a mount's (a watch's); the mount's at <paramref name="mountpoint"/> when null.</param>
    public static async Task<T> AskAsync<T>(string mountpoint, ControlRequest request, CancellationToken cancellationToken, string? socketPath = null)
    {
        var path = socketPath ?? ControlSocket.PathOf(mountpoint);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new UsageException($"no FacilityFS mount at {mountpoint} answers ({path}: {e.Message}); is it mounted, and by this user?");
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await writer.WriteLineAsync(ControlJson.Write(request)).ConfigureAwait(false);
        var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new UsageException($"the mount at {mountpoint} closed its control socket without answering");
        using (var answer = System.Text.Json.JsonDocument.Parse(line))
        {
            if (answer.RootElement.TryGetProperty("error", out var error))
                throw new UsageException($"the mount at {mountpoint}: {error.GetString()}");
        }
        return ControlJson.Read<T>(line, mountpoint);
    }
}
