using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace FacilityFS.Fuse.Tests;

/// <summary>A mount under systemd (Type=notify): READY only once the mount serves, STOPPING when the unmount's flush begins, over NOTIFY_SOCKET.</summary>
[Collection("lifecycle")]
public sealed class ServiceNotifyTests : ServerPerTest
{
    [Fact]
    public async Task The_service_manager_hears_ready_once_mounted_and_stopping_on_sigterm()
    {
        Server.WriteFile("ready.txt", "r"u8);
        var point = Directory.CreateDirectory(Path.Combine(Work.FullName, "svc")).FullName;
        var socketPath = Path.Combine(Work.FullName, "notify.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        var start = new ProcessStartInfo(Repository.CommandFile) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in Repository.CommandArgs("mount", Remote, point, "--foreground")) start.ArgumentList.Add(arg);
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        using var daemon = Process.Start(start)!;
        _ = daemon.StandardOutput.ReadToEndAsync();
        var errors = daemon.StandardError.ReadToEndAsync();
        try
        {
            var ready = await ReceiveAsync(listener);
            Assert.Contains("READY=1", ready);
            Assert.Contains($"MAINPID={daemon.Id}", ready);
            // READY comes after the mount is there: a unit ordered after this one finds the files.
            Assert.True(FuseMount.IsMounted(point));
            Assert.Equal("r", await File.ReadAllTextAsync(Path.Combine(point, "ready.txt")));
            Assert.Equal(0, Kill(daemon.Id, 15));
            Assert.Contains("STOPPING=1", await ReceiveAsync(listener));
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await daemon.WaitForExitAsync(limit.Token);
            Assert.True(daemon.ExitCode == 0, await errors);
        }
        finally
        {
            if (!daemon.HasExited) daemon.Kill(entireProcessTree: true);
            if (FuseMount.IsMounted(point)) FuseMount.Unmount(point, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        }
    }

    private static async Task<string> ReceiveAsync(Socket listener)
    {
        var buffer = new byte[4096];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var count = await listener.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
        return Encoding.UTF8.GetString(buffer, 0, count);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
