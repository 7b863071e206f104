using System.Net.Sockets;
using System.Text;
using FacilityFS.Cli.Control;
using FacilityFS.Storage.Local;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Cli.Tests;

/// <summary>The mount's control socket against a hostile local client: oversize and idle requests are cut off, the socket is private from its first moment.</summary>
public sealed class ControlServerTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ffs-control-");
    private VirtualFileSystem _vfs = null!;
    private ControlServer _server = null!;
    private int _unmounts;

    private string SocketPath => Path.Combine(_folder.FullName, "run", "control.sock");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_folder.FullName, "data"));
        _vfs = await VirtualFileSystem.CreateAsync(new LocalFolderStore(Path.Combine(_folder.FullName, "data")), new VfsOptions());
        _server = ControlServer.Start(SocketPath, _vfs, () => new MountReport("/mnt", "t:/", Environment.ProcessId, 1, true, _vfs.Status()),
            () => Interlocked.Increment(ref _unmounts), NullLogger.Instance, idleTimeout: TimeSpan.FromSeconds(1));
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        return socket;
    }

    private static async Task<string> ReadAnswerAsync(Socket socket)
    {
        // Straight from the socket: after a failed send .NET no longer calls it connected, but what the server said is still there to read.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0) answer.Write(buffer, 0, n);
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    [Fact]
    public void The_socket_is_only_for_its_owner()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath) & ~UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task A_request_past_the_size_limit_is_answered_with_an_error()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes(new string('x', ControlServer.MaxRequestBytes + 1)));
        Assert.Contains("larger than", await ReadAnswerAsync(socket));
    }

    [Fact]
    public async Task A_huge_request_without_end_is_cut_off_and_the_server_keeps_serving()
    {
        using (var socket = await ConnectAsync())
        {
            var sending = Task.Run(async () =>
            {
                var junk = Encoding.ASCII.GetBytes(new string('x', 1 << 20));
                for (var i = 0; i < 50; i++) await socket.SendAsync(junk);
            });
            // 50 MB that the server does not read: the connection ends (reset, since the rest stays unread) long before it is sent.
            var ended = await Assert.ThrowsAnyAsync<Exception>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.IsType<SocketException>(ended);
        }
        using var next = await ConnectAsync();
        await next.SendAsync(Encoding.UTF8.GetBytes("{\"command\":\"status\"}\n"));
        Assert.Contains("\"mountpoint\":\"/mnt\"", await ReadAnswerAsync(next));
    }

    [Fact]
    public async Task An_idle_connection_is_closed_after_the_timeout()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"comm"));
        var answer = await ReadAnswerAsync(socket);
        Assert.Contains("no complete control request", answer);
    }

    [Fact]
    public async Task Unmount_is_a_request_the_mount_acts_on()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"command\":\"unmount\"}\n"));
        Assert.Contains("\"mountpoint\"", await ReadAnswerAsync(socket));
        Assert.Equal(1, _unmounts);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _vfs.DisposeAsync();
        _folder.Delete(recursive: true);
    }
}
