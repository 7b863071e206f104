using System.Net.Sockets;
using System.Text;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Control;

/// <summary>The local control socket (Unix domain, mode 0600) of a mount (status, state, sync, recover, unmount) or of a watch (status, unwatch).</summary>
/// <remarks>A request is one line of at most <see cref="MaxRequestBytes"/>, sent within the idle timeout; anything else is answered with an error and closed.</remarks>
public sealed partial class ControlServer : IAsyncDisposable
{
    /// <summary>The longest request line; real ones are under a hundred bytes.</summary>
    public const int MaxRequestBytes = 64 << 10;

    private readonly Socket _socket;
    private readonly Action _unmount;
    private readonly TimeSpan _idleTimeout;
    private readonly string _path;
    private readonly VirtualFileSystem? _vfs;
    private readonly Func<object> _report;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ControlServer(Socket socket, string path, VirtualFileSystem? vfs, Func<object> report, Action unmount, TimeSpan idleTimeout, ILogger logger)
    {
        _socket = socket;
        _unmount = unmount;
        _idleTimeout = idleTimeout;
        _path = path;
        _vfs = vfs;
        _report = report;
        _logger = logger;
        _loop = Task.Run(AcceptAsync);
    }

    /// <param name="unmount">Starts the mount's own shutdown (as SIGTERM does), for `facilityfs unmount`.</param>
    /// <param name="idleTimeout">How long a connection may take to send its request (10 s when null).</param>
    public static ControlServer Start(string path, VirtualFileSystem vfs, Func<MountReport> report, Action unmount, ILogger logger, TimeSpan? idleTimeout = null) =>
        Open(path, vfs, report, unmount, logger, idleTimeout);

    /// <summary>The socket of a watch: "status" answers <paramref name="report"/>, "unwatch" answers it too and then calls <paramref name="stop"/>.</summary>
    public static ControlServer StartWatch(string path, Func<object> report, Action stop, ILogger logger) => Open(path, null, report, stop, logger, null);

    private static ControlServer Open(string path, VirtualFileSystem? vfs, Func<object> report, Action unmount, ILogger logger, TimeSpan? idleTimeout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A socket file left by a mount that was killed answers nobody; this mountpoint is ours now.
        if (File.Exists(path)) File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // Created 0600 from the start: a chmod after bind leaves a moment in which anyone could connect.
            // Windows has no umask: the socket file inherits the ACL of %LOCALAPPDATA%, which only its user can open.
            var previous = OperatingSystem.IsWindows() ? 0 : Umask(0x3F); // 077: no group or other bits
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
            }
            finally
            {
                if (!OperatingSystem.IsWindows()) Umask(previous);
            }
            socket.Listen(16);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new ControlServer(socket, path, vfs, report, unmount, idleTimeout ?? TimeSpan.FromSeconds(10), logger);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);

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
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
            string answer;
            var unmount = false;
            try
            {
                var line = await ReadRequestAsync(stream).ConfigureAwait(false);
                var request = ControlJson.Read<ControlRequest>(line, "control request");
                unmount = request.Command == (_vfs is null ? "unwatch" : "unmount");
                answer = await AnswerAsync(request).ConfigureAwait(false);
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
            // Only once answered: the shutdown closes this server.
            if (unmount) _unmount();
        }
    }

    /// <summary>One request line, read within the idle timeout and at most <see cref="MaxRequestBytes"/> long.</summary>
    private async Task<string> ReadRequestAsync(NetworkStream stream)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        idle.CancelAfter(_idleTimeout);
        var buffer = new byte[4096];
        using var line = new MemoryStream();
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                if (n == 0) break;
                var end = Array.IndexOf(buffer, (byte)'\n', 0, n);
                line.Write(buffer, 0, end < 0 ? n : end);
                if (line.Length > MaxRequestBytes)
                    throw new InvalidDataException($"control request larger than {MaxRequestBytes} bytes; closing the connection");
                if (end >= 0) break;
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !_stop.IsCancellationRequested)
        {
            throw new TimeoutException($"no complete control request within {_idleTimeout.TotalSeconds:0.#} s; closing the connection");
        }
        return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
    }

    private async Task<string> AnswerAsync(ControlRequest request)
    {
        switch (request.Command)
        {
            case "status":
                return Output.CliJson.WriteAsItIs(_report());
            case "sync" or "recover" or "unmount" or "state" when _vfs is null:
                return ControlJson.Write(new ControlError($"a watch has no '{request.Command}'; it answers status and unwatch"));
            case "unwatch" when _vfs is null:
                return Output.CliJson.WriteAsItIs(_report());
            case "sync":
                var timeout = request.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
                var failed = await _vfs.SyncAsync(timeout, _stop.Token).ConfigureAwait(false);
                var status = _vfs.Status();
                return ControlJson.Write(new SyncReport(failed, [.. status.Pending.Where(p => p.State == "open")], status.Committed));
            case "recover":
                var done = request.Action is null ? [] : _vfs.Recover(RecoverActionOf(request.Action), request.Paths ?? []);
                return ControlJson.Write(new RecoverReport(done, _vfs.Interrupted()));
            case "state":
                var files = new List<FileState>();
                foreach (var path in request.Paths ?? [])
                    files.Add(await StateOfAsync(_vfs, path).ConfigureAwait(false));
                return ControlJson.Write(new FileStatesReport(files));
            case "unmount":
                return Output.CliJson.WriteAsItIs(_report());
            default:
                return ControlJson.Write(new ControlError($"unknown control command '{Storage.Printable.Escape(request.Command)}' (known: status, state, sync, recover, unmount)"));
        }
    }

    /// <summary>One file's upload state for `facilityfs status PATH`; a file the core cannot answer for says why instead, the others are still answered.</summary>
    private async Task<FileState> StateOfAsync(VirtualFileSystem vfs, string path)
    {
        try
        {
            // A folder not listed yet is listed on the way, within the remote's timeout, as for any lookup.
            return new FileState(path, await vfs.StateOfAsync(path, _stop.Token).ConfigureAwait(false), null);
        }
        catch (VfsException e)
        {
            return new FileState(path, null, e.Message);
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
