using System.Net.Sockets;
using System.Text;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Control;

/// <summary>The mount's local control socket (Unix domain, mode 0600): answers status, sync and recover for the commands of those names.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ControlServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly string _path;
    private readonly VirtualFileSystem _vfs;
    private readonly Func<MountReport> _report;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ControlServer(Socket socket, string path, VirtualFileSystem vfs, Func<MountReport> report, ILogger logger)
    {
        _socket = socket;
        _path = path;
        _vfs = vfs;
        _report = report;
        _logger = logger;
        _loop = Task.Run(AcceptAsync);
    }

    public static ControlServer Start(string path, VirtualFileSystem vfs, Func<MountReport> report, ILogger logger)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A socket file left by a mount that was killed answers nobody; this mountpoint is ours now.
        if (File.Exists(path)) File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(16);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new ControlServer(socket, path, vfs, report, logger);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
            string answer;
            try
            {
                var line = await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) ?? "";
                answer = await AnswerAsync(ControlJson.Read<ControlRequest>(line, "control request")).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogWarning("control request failed: {Error}", e.Message);
                answer = ControlJson.Write(new ControlError(e.Message));
            }
            try
            {
                await writer.WriteLineAsync(answer).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The asker went away (Ctrl-C on `facilityfs sync`); nothing to tell.
            }
        }
    }

    private async Task<string> AnswerAsync(ControlRequest request)
    {
        switch (request.Command)
        {
            case "status":
                return ControlJson.Write(_report());
            case "sync":
                var timeout = request.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
                var failed = await _vfs.SyncAsync(timeout, _stop.Token).ConfigureAwait(false);
                var status = _vfs.Status();
                return ControlJson.Write(new SyncReport(failed, [.. status.Pending.Where(p => p.State == "open")], status.Committed));
            case "recover":
                var done = request.Action is null ? [] : _vfs.Recover(RecoverActionOf(request.Action), request.Paths ?? []);
                return ControlJson.Write(new RecoverReport(done, _vfs.Interrupted()));
            default:
                return ControlJson.Write(new ControlError($"unknown control command '{request.Command}' (known: status, sync, recover)"));
        }
    }

    private static RecoverAction RecoverActionOf(string action) => action switch
    {
        "publish-aside" => RecoverAction.PublishAside,
        "publish" => RecoverAction.Publish,
        "drop" => RecoverAction.Drop,
        _ => throw new UsageException($"unknown recover action '{action}' (known: publish-aside, publish, drop)"),
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(false);
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
        _stop.Dispose();
    }
}
