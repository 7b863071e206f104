using System.Net;
using System.Net.Sockets;

namespace FacilityFS.Fuse.Tests;

/// <summary>`mount` (and mount(8)'s helper, as `mount -a` runs it) against a server that accepts connections and never answers: the command ends with a clear error in bounded time and leaves no daemon behind that would mount later.</summary>
[Collection("lifecycle")]
public sealed class MountUnansweredTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-unanswered-");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _listener.Start();
        _accepting = AcceptForEverAsync();
        return Task.CompletedTask;
    }

    /// <summary>Takes every connection and holds it open, reading nothing and answering nothing (a hung server, a firewall that swallows).</summary>
    private async Task AcceptForEverAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_held) _held.Add(socket);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Remote => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/data";

    /// <summary>Mount daemons whose command line names <paramref name="point"/> (ours, found in /proc).</summary>
    private static List<int> DaemonsOf(string point)
    {
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var words = File.ReadAllText(Path.Combine(folder, "cmdline")).Split('\0');
                if (words.Contains("--foreground") && words.Contains(point)) found.Add(pid);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }
        return found;
    }

    [Fact]
    public async Task A_mount_of_a_server_that_never_answers_fails_in_bounded_time_naming_why_and_leaves_no_daemon()
    {
        var point = Directory.CreateDirectory(Path.Combine(_work.FullName, "mnt")).FullName;
        var log = Path.Combine(_work.FullName, "mount.log");
        string file;
        string[] args;
        var native = Repository.CommandFile != "dotnet";
        if (native)
        {
            // The helper as mount(8) runs it for an fstab line (`mount -a`, `mount POINT`), by the name it is installed under.
            file = Path.Combine(_work.FullName, "mount.facilityfs");
            File.CreateSymbolicLink(file, Repository.CommandFile);
            args = [Remote, point, "-o", $"_netdev,spool_dir={Path.Combine(_work.FullName, "spool")},log_file={log}"];
        }
        else
        {
            file = Repository.CommandFile;
            args = Repository.CommandArgs("mount", Remote, point, "--spool-dir", Path.Combine(_work.FullName, "spool"), "--log-file", log);
        }
        // Bounded by the harness: a hang fails the test with a TimeoutException instead of blocking the run.
        var run = await ProcessRun.RunAsync(file, args, TimeSpan.FromMinutes(4));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("not ready", run.Error);
        Assert.Contains(point, run.Error);
        Assert.False(FuseMount.IsMounted(point));
        // Nothing is left to mount later behind the back of a command that said it failed.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DaemonsOf(point).Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Empty(DaemonsOf(point));
        Assert.False(FuseMount.IsMounted(point));
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_held)
        {
            foreach (var socket in _held) socket.Dispose();
        }
        foreach (var pid in DaemonsOf(Path.Combine(_work.FullName, "mnt")))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
            catch (ArgumentException)
            {
            }
        }
        if (FuseMount.IsMounted(Path.Combine(_work.FullName, "mnt"))) Interop.Libc.Umount2(Path.Combine(_work.FullName, "mnt"), Interop.Libc.MntDetach);
        _stop.Dispose();
        _work.Delete(recursive: true);
    }
}
