using System.Diagnostics;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Fuse.Tests;

/// <summary>A mount of a server whose listing stalls mid-body: `ls` fails in bounded time and tries afresh next time, and unmount or SIGTERM end the mount within its flush timeout with every request answered.</summary>
[Collection("lifecycle")]
public sealed class MountStallTests : IAsyncLifetime
{
    private const int FlushTimeout = 4;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-stall-");
    private ScriptedServer _server = null!;
    private int _listings;

    /// <summary>What a listing of /stall does once its first entries are out: stop for ever, or trickle a byte now and then (never idle, never done).</summary>
    private volatile bool _trickle;

    public async Task InitializeAsync() => _server = await ScriptedServer.StartAsync(AnswerAsync);

    private async Task AnswerAsync(HttpContext c)
    {
        var listing = c.Request.Headers["Depth"] == "1";
        if (!c.Request.Path.StartsWithSegments("/stall"))
        {
            await ScriptedServer.MultistatusAsync(c, listing ? [ScriptedServer.Response("/"), ScriptedServer.Response("/stall/")] : [ScriptedServer.Response("/")]);
            return;
        }
        if (!listing)
        {
            await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/stall/"));
            return;
        }
        Interlocked.Increment(ref _listings);
        await ScriptedServer.BeginMultistatusAsync(c, ScriptedServer.Response("/stall/"), ScriptedServer.Response("/stall/a", 1));
        if (!_trickle)
        {
            await ScriptedServer.StallAsync(c, TimeSpan.FromMinutes(5));
            return;
        }
        await ScriptedServer.TrickleAsync(c, TimeSpan.FromMilliseconds(300));
    }

    private async Task<string> ConfigAsync()
    {
        var config = Path.Combine(_work.FullName, "stall.yaml");
        await File.WriteAllTextAsync(config, $"remotes:\n  t:\n    url: {_server.BaseUri.AbsoluteUri}\n    retries: 0\n    timeout: 2s\n");
        return config;
    }

    private int Listings => Volatile.Read(ref _listings);

    private static Process StartLs(string folder)
    {
        var start = new ProcessStartInfo("ls", [folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        return Process.Start(start)!;
    }

    private async Task WaitForListingAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Listings < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the mount never asked for the listing ({Listings} of {count})");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_stalled_listing_fails_ls_with_eio_the_next_ls_asks_again_and_unmount_ends_a_trickling_one_in_time()
    {
        await using var mount = await MountedFolder.StartAsync("t:/", _work.FullName, null, "--config", await ConfigAsync(), "--read-only", "--flush-timeout", $"{FlushTimeout}");
        var folder = mount.Under("stall");

        var clock = Stopwatch.StartNew();
        var first = await ProcessRun.RunAsync("ls", [folder], TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, first.ExitCode);
        Assert.Contains("Input/output error", first.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"ls took {clock.Elapsed}");
        var asked = Listings;
        var second = await ProcessRun.RunAsync("ls", [folder], TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, second.ExitCode);
        Assert.True(Listings > asked, "the second ls did not ask the server again");

        _trickle = true;
        asked = Listings;
        using var stuck = StartLs(folder);
        await WaitForListingAsync(asked + 1);
        clock.Restart();
        var unmount = await ProcessRun.FacilityFsAsync("unmount", mount.Path);
        Assert.True(unmount.ExitCode == 0, unmount.ToString());
        Assert.Contains("unmounted", unmount.Out);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(FlushTimeout + 10), $"unmount took {clock.Elapsed}");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await stuck.WaitForExitAsync(limit.Token);
        Assert.NotEqual(0, stuck.ExitCode);
        Assert.False(FuseMount.IsMounted(mount.Path));
        Assert.Contains("cancelling the requests", await File.ReadAllTextAsync(mount.Log));
    }

    [Fact]
    public async Task Sigterm_ends_a_mount_whose_listing_never_finishes_within_the_flush_timeout()
    {
        _trickle = true;
        var point = Directory.CreateDirectory(Path.Combine(_work.FullName, "fg")).FullName;
        var start = new ProcessStartInfo(Repository.CommandFile) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in Repository.CommandArgs("mount", "t:/", point, "--foreground", "--read-only", "--config", await ConfigAsync(), "--flush-timeout", $"{FlushTimeout}"))
            start.ArgumentList.Add(arg);
        using var daemon = Process.Start(start)!;
        var errors = daemon.StandardError.ReadToEndAsync();
        _ = daemon.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!FuseMount.IsMounted(point) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(FuseMount.IsMounted(point), $"{point} was not mounted within 30 s");

        using var stuck = StartLs(Path.Combine(point, "stall"));
        await WaitForListingAsync(1);
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Kill(daemon.Id, 15));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(FlushTimeout + 10));
        await daemon.WaitForExitAsync(limit.Token);
        await stuck.WaitForExitAsync(limit.Token);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(FlushTimeout + 10), $"took {clock.Elapsed}");
        Assert.NotEqual(0, stuck.ExitCode);
        Assert.False(FuseMount.IsMounted(point));
        Assert.Contains("SIGTERM: unmounting", await errors);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        foreach (var mounted in Directory.EnumerateDirectories(_work.FullName).Where(FuseMount.IsMounted)) Interop.Libc.Umount2(mounted, Interop.Libc.MntDetach);
        _work.Delete(recursive: true);
    }
}
