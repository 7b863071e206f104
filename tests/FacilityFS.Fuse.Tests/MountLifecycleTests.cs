using System.Security.Cryptography;
using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>Mounts that come and go: the disk cache across remounts, damaged cache blocks, an outage of the server, big trees and files, bad mountpoints.</summary>
[Collection("lifecycle")]
public sealed class MountLifecycleTests : ServerPerTest
{

    private int Gets(string path) => Server.RequestLog().Count(r => r.Method == "GET" && r.Path == path);

    [Fact]
    public async Task A_remount_reads_a_cached_file_from_disk_without_a_get()
    {
        var data = RandomNumberGenerator.GetBytes(20 << 20);
        Server.WriteFile("cached.bin", data);
        var cache = Path.Combine(Work.FullName, "cache");
        await using (var first = await MountedFolder.StartAsync(Remote, Work.FullName, cache))
            Assert.Equal(data, await File.ReadAllBytesAsync(first.Under("cached.bin")));
        Server.ClearRequestLog();
        await using (var second = await MountedFolder.StartAsync(Remote, Work.FullName, cache))
            Assert.Equal(data, await File.ReadAllBytesAsync(second.Under("cached.bin")));
        Assert.Equal(0, Gets("/cached.bin"));
        Assert.Contains(Server.RequestLog(), r => r.Method == "PROPFIND");
    }

    [Fact]
    public async Task A_damaged_cache_block_is_fetched_again_not_served()
    {
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        Server.WriteFile("damaged.bin", data);
        var cache = Path.Combine(Work.FullName, "cache-damaged");
        await using (var first = await MountedFolder.StartAsync(Remote, Work.FullName, cache))
            Assert.Equal(data, await File.ReadAllBytesAsync(first.Under("damaged.bin")));
        var blocks = Directory.GetFiles(cache, "*.blk");
        Assert.Equal(3, blocks.Length);
        foreach (var block in blocks)
        {
            await using var file = new FileStream(block, FileMode.Open, FileAccess.ReadWrite);
            file.Seek(-100, SeekOrigin.End);
            var b = file.ReadByte();
            file.Seek(-1, SeekOrigin.Current);
            file.WriteByte((byte)(b ^ 0xFF));
        }
        Server.ClearRequestLog();
        await using (var second = await MountedFolder.StartAsync(Remote, Work.FullName, cache))
        {
            Assert.Equal(data, await File.ReadAllBytesAsync(second.Under("damaged.bin")));
            Assert.Contains("damaged", await File.ReadAllTextAsync(second.Log));
        }
        Assert.True(Gets("/damaged.bin") >= 1);
    }

    [Fact]
    public async Task With_the_server_down_uncached_reads_fail_with_eio_and_the_mount_recovers()
    {
        Server.WriteFile("outage/cached.txt", "cached"u8);
        Server.WriteFile("outage/uncached.bin", RandomNumberGenerator.GetBytes(1 << 20));
        var config = Path.Combine(Work.FullName, "outage.yaml");
        await File.WriteAllTextAsync(config, $"remotes:\n  t:\n    url: {Remote}\n    retries: 0\n    timeout: 5s\n");
        await using var mount = await MountedFolder.StartAsync("t:/", Work.FullName, null, "--config", config);
        Assert.Equal("cached", await File.ReadAllTextAsync(mount.Under("outage/cached.txt")));
        Assert.True(File.Exists(mount.Under("outage/uncached.bin")));
        await Server.StopAsync();

        var error = await Assert.ThrowsAnyAsync<IOException>(() => File.ReadAllBytesAsync(mount.Under("outage/uncached.bin")));
        Assert.Contains("Input/output error", error.Message);
        Assert.True(FuseMount.IsMounted(mount.Path));

        await Server.StartAsync();
        var recovered = await File.ReadAllBytesAsync(mount.Under("outage/uncached.bin"));
        Assert.Equal(await File.ReadAllBytesAsync(Server.PathOf("outage/uncached.bin")), recovered);
    }

    [Fact]
    public async Task A_folder_of_twenty_thousand_entries_lists_completely()
    {
        var dir = Server.CreateDirectory("many");
        for (var i = 0; i < 20_000; i++) File.WriteAllBytes(Path.Combine(dir, $"f{i:D5}"), []);
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName);
        var names = Directory.GetFiles(mount.Under("many")).Select(Path.GetFileName).ToHashSet();
        Assert.Equal(20_000, names.Count);
        Assert.Contains("f19999", names);
    }

    [Fact]
    public async Task A_file_past_four_gibibytes_reads_back_identical()
    {
        const long size = (4L << 30) + 12345;
        var path = Server.WriteFile("huge.bin", []);
        var marks = new Dictionary<long, byte[]>();
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            // Sparse apart from random marks, among them ones straddling 2 GiB and 4 GiB, so offsets past 32 bits are checked.
            file.SetLength(size);
            foreach (var at in new[] { 0L, (2L << 30) - 3, (4L << 30) - 5, size - 4096 })
            {
                marks[at] = RandomNumberGenerator.GetBytes(4096);
                file.Seek(at, SeekOrigin.Begin);
                file.Write(marks[at]);
            }
        }
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--cache-max-size", "256M");
        Assert.Equal(size, new FileInfo(mount.Under("huge.bin")).Length);
        var cmp = await ProcessRun.RunAsync("cmp", [mount.Under("huge.bin"), path], TimeSpan.FromMinutes(5));
        Assert.True(cmp.ExitCode == 0, cmp.ToString());
        using var handle = File.OpenHandle(mount.Under("huge.bin"));
        var buffer = new byte[4096];
        foreach (var (at, bytes) in marks)
        {
            Assert.Equal(4096, RandomAccess.Read(handle, buffer, at));
            Assert.Equal(bytes, buffer);
        }
    }

    [Fact]
    public async Task Sigterm_to_a_foreground_mount_unmounts_it_and_exits_cleanly()
    {
        Server.WriteFile("term.txt", "x"u8);
        var point = Directory.CreateDirectory(Path.Combine(Work.FullName, "fg")).FullName;
        var start = new System.Diagnostics.ProcessStartInfo(Repository.CommandFile) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in Repository.CommandArgs("mount", Remote, point, "--foreground")) start.ArgumentList.Add(arg);
        using var daemon = System.Diagnostics.Process.Start(start)!;
        for (var i = 0; i < 200 && !FuseMount.IsMounted(point); i++) await Task.Delay(50);
        Assert.True(FuseMount.IsMounted(point));
        Assert.Equal("x", await File.ReadAllTextAsync(Path.Combine(point, "term.txt")));
        Assert.Equal(0, Kill(daemon.Id, 15));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await daemon.WaitForExitAsync(limit.Token);
        Assert.Equal(0, daemon.ExitCode);
        Assert.False(FuseMount.IsMounted(point));
        Assert.Empty(Directory.EnumerateFileSystemEntries(point));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public async Task A_mountpoint_that_is_not_an_empty_folder_is_refused_clearly()
    {
        var full = Directory.CreateDirectory(Path.Combine(Work.FullName, "full")).FullName;
        File.WriteAllText(Path.Combine(full, "keep.txt"), "mine");
        var run = await ProcessRun.FacilityFsAsync("mount", Remote, full);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("not empty", run.Error);
        Assert.Contains(full, run.Error);

        var missing = await ProcessRun.FacilityFsAsync("mount", Remote, Path.Combine(Work.FullName, "absent"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error);

        var notMounted = await ProcessRun.FacilityFsAsync("unmount", full);
        Assert.Equal(1, notMounted.ExitCode);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(full, "keep.txt")));
    }
}
