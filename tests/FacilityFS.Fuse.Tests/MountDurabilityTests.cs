using System.Security.Cryptography;
using System.Text.Json;
using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>Write-back at the edges through a real mount of Apache: files never closed, crashes around the MOVE, open-unlinked files, times, a spool that is not ours, a full spool disk, private cache and log modes.</summary>
[Collection("lifecycle")]
public sealed class MountDurabilityTests : ServerPerTest
{
    private string Spool(string name) => Path.Combine(Work.FullName, "spool-" + name);

    private static async Task<ProcessRun> SyncAsync(MountedFolder mount) =>
        await ProcessRun.RunAsync(Repository.CommandFile, Repository.CommandArgs("sync", mount.Path), TimeSpan.FromMinutes(5));

    private static async Task<JsonElement> StatusAsync(MountedFolder mount)
    {
        var run = await ProcessRun.FacilityFsAsync("status", mount.Path, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Out).RootElement;
    }

    private static async Task<ProcessRun> RecoverAsync(params string[] args)
    {
        var run = await ProcessRun.FacilityFsAsync(["recover", .. args]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="seconds"/> pass.</summary>
    private static async Task<bool> EventuallyAsync(Func<bool> condition, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>Waits until the daemon is gone (killed by the test or by its own crash point) and detaches its dead mount.</summary>
    private static async Task DetachDeadAsync(MountedFolder mount, int daemon)
    {
        Assert.True(await EventuallyAsync(() => !Directory.Exists($"/proc/{daemon}")), $"the mount daemon {daemon} is still running");
        // A killed daemon leaves a dead mount ("Transport endpoint is not connected") for the user to detach.
        Assert.Equal(0, TestLibc.Umount2(mount.Path, 2));
    }

    /// <summary>Runs <paramref name="body"/> with a folder on a tmpfs of <paramref name="size"/> (a spool disk that fills up), unmounted afterwards.</summary>
    private async Task OnSmallDiskAsync(string name, string size, Func<string, Task> body)
    {
        var small = Directory.CreateDirectory(Path.Combine(Work.FullName, name)).FullName;
        var tmpfs = await ProcessRun.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", small]);
        Assert.True(tmpfs.ExitCode == 0, tmpfs.ToString());
        try
        {
            await body(small);
        }
        finally
        {
            await ProcessRun.RunAsync("umount", [small]);
        }
    }

    private static string[] ServerNames(string folder) =>
        [.. Directory.GetFiles(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Files_never_closed_before_kill_9_stay_interrupted_and_recover_publishes_aside_publishes_or_drops_them()
    {
        var spool = Spool("interrupted");
        var big = RandomNumberGenerator.GetBytes(3 << 20);
        var whole = RandomNumberGenerator.GetBytes(1 << 20);
        var dropped = RandomNumberGenerator.GetBytes(100_000);
        var closed = RandomNumberGenerator.GetBytes(200_000);
        await using (var first = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600", "--spool-dir", spool))
        {
            var daemon = (await StatusAsync(first)).GetProperty("process_id").GetInt32();
            Directory.CreateDirectory(first.Under("run"));
            await using (var file = new FileStream(first.Under("run/closed.bin"), FileMode.CreateNew, FileAccess.Write))
            {
                await file.WriteAsync(closed);
                file.Flush(flushToDisk: true);
            }
            // The kernel sends the release a moment after close returns; only then is the file closed for the mount.
            Assert.Equal("dirty", await UploadState.AfterAsync(first.Under("run/closed.bin"), "open"));
            var open = new List<FileStream>();
            foreach (var (name, bytes) in new[] { ("run/big.bin", big), ("run/whole.bin", whole), ("run/dropped.bin", dropped) })
            {
                var file = new FileStream(first.Under(name), FileMode.CreateNew, FileAccess.Write);
                await file.WriteAsync(bytes);
                // In the spool, but the writer never closes it.
                file.Flush(flushToDisk: true);
                open.Add(file);
            }
            Assert.Equal(0, TestLibc.Kill(daemon, 9));
            await DetachDeadAsync(first, daemon);
            foreach (var file in open)
            {
                try
                {
                    await file.DisposeAsync();
                }
                catch (IOException)
                {
                    // The mount is gone under the open file.
                }
            }
        }
        await using var second = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--spool-dir", spool, "--upload-delay", "0.2");
        var sync = await SyncAsync(second);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal(closed, await File.ReadAllBytesAsync(Server.PathOf("run/closed.bin")));
        Assert.Equal(["closed.bin"], ServerNames(Server.PathOf("run")));
        Assert.Contains("never closed", sync.Error);
        var pending = (await StatusAsync(second)).GetProperty("status").GetProperty("pending").EnumerateArray()
            .ToDictionary(p => p.GetProperty("path").GetString()!, p => (State: p.GetProperty("state").GetString(), Size: p.GetProperty("size").GetInt64()));
        Assert.Equal(("interrupted", (long)big.Length), pending["/run/big.bin"]);
        Assert.Equal(("interrupted", (long)whole.Length), pending["/run/whole.bin"]);
        Assert.Equal(("interrupted", (long)dropped.Length), pending["/run/dropped.bin"]);
        var state = await UploadState.OfAsync(second.Under("run/big.bin"));
        Assert.StartsWith("interrupted", state);
        Assert.Contains(big.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), state);
        // The bytes are kept, and readable through the mount.
        Assert.Equal(big, await File.ReadAllBytesAsync(second.Under("run/big.bin")));

        var list = await RecoverAsync(second.Path);
        Assert.Contains(second.Under("run/big.bin"), list.Out);
        Assert.Contains(second.Under("run/dropped.bin"), list.Out);
        await RecoverAsync(second.Path, "--publish-aside", second.Under("run/big.bin"));
        await RecoverAsync(second.Path, "--publish", second.Under("run/whole.bin"));
        await RecoverAsync(second.Path, "--drop", second.Under("run/dropped.bin"));
        sync = await SyncAsync(second);
        Assert.True(sync.ExitCode == 0, sync.ToString());

        Assert.Equal(whole, await File.ReadAllBytesAsync(Server.PathOf("run/whole.bin")));
        Assert.False(File.Exists(Server.PathOf("run/big.bin")));
        Assert.False(File.Exists(Server.PathOf("run/dropped.bin")));
        var aside = Assert.Single(Directory.GetFiles(Server.PathOf("run"), "big.bin.interrupted-*"));
        Assert.Equal(big, await File.ReadAllBytesAsync(aside));
        Assert.Empty((await StatusAsync(second)).GetProperty("status").GetProperty("pending").EnumerateArray());
        Assert.Contains("no interrupted files", (await RecoverAsync(second.Path)).Out);
        Assert.False(File.Exists(second.Under("run/dropped.bin")));
    }

    /// <summary>The test's Apache, or a fresh nginx (disposed by the caller) for the items that depend on the server's MOVE and DELETE.</summary>
    private async Task<(WebDavServer Server, bool Own)> ServerOfAsync(string kind) =>
        kind == "nginx" ? (await WebDavServer.StartAsync(ServerKind.Nginx), true) : (Server, false);

    [Theory]
    [InlineData("apache")]
    [InlineData("nginx")]
    public async Task A_crash_right_after_the_move_is_recognised_as_our_own_upload_not_a_conflict(string kind)
    {
        var (server, own) = await ServerOfAsync(kind);
        try
        {
            await CrashAfterMoveAsync(server);
        }
        finally
        {
            if (own) await server.DisposeAsync();
        }
    }

    private async Task CrashAfterMoveAsync(WebDavServer server)
    {
        var remote = server.BaseUri.AbsoluteUri;
        var spool = Spool("moved-" + Guid.NewGuid().ToString("N")[..6]);
        var bytes = RandomNumberGenerator.GetBytes(2 << 20);
        var crash = new Dictionary<string, string> { ["FACILITYFS_TEST_CRASH_AT"] = "moved" };
        await using (var first = await MountedFolder.StartAsync(crash, remote, Work.FullName, null, "--upload-delay", "0.2", "--spool-dir", spool))
        {
            var daemon = (await StatusAsync(first)).GetProperty("process_id").GetInt32();
            await File.WriteAllBytesAsync(first.Under("result.bin"), bytes);
            await DetachDeadAsync(first, daemon);
            Assert.Contains("FACILITYFS_TEST_CRASH_AT=moved", await File.ReadAllTextAsync(first.Log));
        }
        // The MOVE happened; the journal did not learn it.
        Assert.Equal(bytes, await File.ReadAllBytesAsync(server.PathOf("result.bin")));
        await using var second = await MountedFolder.StartAsync(remote, Work.FullName, null, "--spool-dir", spool);
        var sync = await SyncAsync(second);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(server.PathOf("result.bin")));
        Assert.Equal(["result.bin"], ServerNames(server.PathOf("")));
        Assert.Empty((await StatusAsync(second)).GetProperty("status").GetProperty("conflicts").EnumerateArray());
        Assert.Contains("our own upload", await File.ReadAllTextAsync(second.Log));
    }

    [Theory]
    [InlineData("apache")]
    [InlineData("nginx")]
    public async Task Upload_temporaries_a_crash_left_are_deleted_at_the_next_mount_and_only_those(string kind)
    {
        var (server, own) = await ServerOfAsync(kind);
        try
        {
            await CrashAfterStagingAsync(server);
        }
        finally
        {
            if (own) await server.DisposeAsync();
        }
    }

    private async Task CrashAfterStagingAsync(WebDavServer server)
    {
        var remote = server.BaseUri.AbsoluteUri;
        var spool = Spool("staged-" + Guid.NewGuid().ToString("N")[..6]);
        var bytes = RandomNumberGenerator.GetBytes(2 << 20);
        var crash = new Dictionary<string, string> { ["FACILITYFS_TEST_CRASH_AT"] = "staged" };
        server.CreateDirectory("data");
        await using (var first = await MountedFolder.StartAsync(crash, remote, Work.FullName, null, "--upload-delay", "0.2", "--spool-dir", spool))
        {
            var daemon = (await StatusAsync(first)).GetProperty("process_id").GetInt32();
            await File.WriteAllBytesAsync(first.Under("data/orphan.bin"), bytes);
            await DetachDeadAsync(first, daemon);
        }
        var left = Assert.Single(Directory.GetFiles(server.PathOf("data"), ".ffs-upload-*"));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(left));
        // Another client's upload in progress: not ours to delete.
        var foreign = server.WriteFile("data/.ffs-upload-0123456789abcdef-theirs.bin", "theirs"u8);
        await using var second = await MountedFolder.StartAsync(remote, Work.FullName, null, "--spool-dir", spool);
        var sync = await SyncAsync(second);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(server.PathOf("data/orphan.bin")));
        Assert.True(await EventuallyAsync(() => !File.Exists(left)), $"{left} is still on the server");
        Assert.True(File.Exists(foreign));
        Assert.Equal([".ffs-upload-0123456789abcdef-theirs.bin", "orphan.bin"], ServerNames(server.PathOf("data")));
    }

    [Fact]
    public async Task An_unlinked_file_stays_readable_and_writable_through_its_open_handle_and_is_never_uploaded()
    {
        var spool = Spool("unlinked");
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "0.2", "--spool-dir", spool);
        var path = mount.Under("scratch.bin");
        var first = RandomNumberGenerator.GetBytes(300_000);
        var second = RandomNumberGenerator.GetBytes(200_000);
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite, 1))
        {
            await file.WriteAsync(first);
            File.Delete(path);
            Assert.False(File.Exists(path));
            await file.WriteAsync(second);
            Assert.Equal(first.Length + second.Length, file.Length);
            file.Position = 0;
            var back = new byte[first.Length + second.Length];
            await file.ReadExactlyAsync(back);
            Assert.Equal([.. first, .. second], back);
        }
        var sync = await SyncAsync(mount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Empty(ServerNames(Server.PathOf("")));
        Assert.Empty((await StatusAsync(mount)).GetProperty("status").GetProperty("pending").EnumerateArray());
        // The spool file goes with the last close.
        Assert.True(await EventuallyAsync(() => Directory.GetFiles(Path.Combine(spool, "files")).Length == 0, 10));
    }

    [Fact]
    public async Task Times_of_pending_files_follow_writes_and_renames_and_an_explicit_time_is_kept_after_the_upload()
    {
        Server.WriteFile("stored.txt", "stored"u8);
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600");
        var path = mount.Under("times.txt");
        var explicitTime = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        await File.WriteAllTextAsync(path, "first");
        File.SetLastWriteTimeUtc(path, explicitTime);
        Assert.Equal(explicitTime, File.GetLastWriteTimeUtc(path));
        await File.AppendAllTextAsync(path, " second");
        Assert.True(File.GetLastWriteTimeUtc(path) > explicitTime.AddYears(1), "a write must move the modification time");
        File.SetLastWriteTimeUtc(path, explicitTime);
        var before = ChangeTime(path);
        File.Move(path, mount.Under("renamed.txt"));
        path = mount.Under("renamed.txt");
        Assert.Equal(explicitTime, File.GetLastWriteTimeUtc(path));
        Assert.True(ChangeTime(path) >= before);
        Assert.True(ChangeTime(path) > explicitTime.AddYears(1), "a rename moves the change time, not the modification time");

        File.SetLastWriteTimeUtc(mount.Under("stored.txt"), explicitTime);
        var sync = await SyncAsync(mount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal("first second", await File.ReadAllTextAsync(Server.PathOf("renamed.txt")));
        // Past the attribute cache time, the mount answers from what it keeps, not the server's upload time.
        await Task.Delay(1500);
        Assert.Equal(explicitTime, File.GetLastWriteTimeUtc(path));
        Assert.Equal(explicitTime, File.GetLastWriteTimeUtc(mount.Under("stored.txt")));
    }

    private static DateTime ChangeTime(string path)
    {
        var run = ProcessRun.RunAsync("stat", ["-c", "%Z", path]).GetAwaiter().GetResult();
        Assert.True(run.ExitCode == 0, run.ToString());
        return DateTimeOffset.FromUnixTimeSeconds(long.Parse(run.Out.Trim(), System.Globalization.CultureInfo.InvariantCulture)).UtcDateTime;
    }

    [Fact]
    public async Task A_spool_folder_that_is_a_symlink_or_not_made_by_us_is_refused_and_left_untouched()
    {
        var victim = Directory.CreateDirectory(Path.Combine(Work.FullName, "victim")).FullName;
        var kept = Path.Combine(Directory.CreateDirectory(Path.Combine(victim, "files")).FullName, "keep.bin");
        await File.WriteAllTextAsync(kept, "someone's data");
        const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(victim, open);
        var link = Path.Combine(Work.FullName, "spool-link");
        File.CreateSymbolicLink(link, victim);
        foreach (var (spool, why) in new[] { (link, "symbolic link"), (victim, "not made by FacilityFS") })
        {
            var point = Directory.CreateDirectory(Path.Combine(Work.FullName, "mnt-" + Guid.NewGuid().ToString("N")[..8])).FullName;
            var log = Path.Combine(Work.FullName, Path.GetFileName(point) + ".log");
            var run = await ProcessRun.FacilityFsAsync("mount", Remote, point, "--spool-dir", spool, "--log-file", log);
            if (run.ExitCode == 0) await ProcessRun.FacilityFsAsync("unmount", point);
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains(why, run.Error + (File.Exists(log) ? await File.ReadAllTextAsync(log) : ""));
            Assert.False(FuseMount.IsMounted(point));
        }
        Assert.Equal(open, File.GetUnixFileMode(victim));
        Assert.Equal("someone's data", await File.ReadAllTextAsync(kept));
        Assert.Equal(["keep.bin"], Directory.GetFiles(Path.Combine(victim, "files")).Select(Path.GetFileName));
        Assert.Equal(["files"], Directory.GetFileSystemEntries(victim).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_spool_file_a_reader_held_when_the_mount_was_killed_after_its_upload_is_cleared_at_the_next_mount_and_only_that()
    {
        var spool = Spool("dropped");
        var files = Path.Combine(spool, "files");
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        await using (var first = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "0.2", "--spool-dir", spool))
        {
            var daemon = (await StatusAsync(first)).GetProperty("process_id").GetInt32();
            await File.WriteAllBytesAsync(first.Under("held.bin"), bytes);
            // A reader of the pending file keeps its spool file after the upload dropped its journal entry, until it closes.
            await using var reader = new FileStream(first.Under("held.bin"), FileMode.Open, FileAccess.Read);
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (await UploadState.OfAsync(first.Under("held.bin")) != "committed")
            {
                Assert.True(DateTime.UtcNow < deadline, "held.bin was not committed within a minute");
                await Task.Delay(50);
            }
            Assert.Single(Directory.GetFiles(files));
            Assert.Equal(0, TestLibc.Kill(daemon, 9));
            await DetachDeadAsync(first, daemon);
        }
        // The journal no longer names it: without clearing, every crash with a reader open leaves one more behind for good.
        var dropped = Assert.Single(Directory.GetFiles(files));
        // Not ours to judge: a number the journal never gave out (a row a machine crash may have taken back) and a foreign name.
        var never = Path.Combine(files, "999999");
        var foreign = Path.Combine(files, "notes.txt");
        await File.WriteAllTextAsync(never, "unknown");
        await File.WriteAllTextAsync(foreign, "someone's");
        await using (var second = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "0.2", "--spool-dir", spool))
        {
            Assert.False(File.Exists(dropped));
            Assert.Equal(new[] { foreign, never }.Order(StringComparer.Ordinal), Directory.GetFiles(files).Order(StringComparer.Ordinal));
            Assert.Contains("deleted 1 files whose journal entries were dropped", await File.ReadAllTextAsync(second.Log));
            Assert.Contains("never named", await File.ReadAllTextAsync(second.Log));
            // A file written now gets a new number and uploads as usual.
            await File.WriteAllTextAsync(second.Under("after.txt"), "after");
            var sync = await SyncAsync(second);
            Assert.True(sync.ExitCode == 0, sync.ToString());
        }
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Server.PathOf("held.bin")));
        Assert.Equal("after", await File.ReadAllTextAsync(Server.PathOf("after.txt")));
    }

    [Fact]
    public async Task A_full_spool_disk_gives_enospc_rm_still_works_and_nothing_failed_is_uploaded()
    {
        await OnSmallDiskAsync("small", "3m", async small =>
        {
            var a = RandomNumberGenerator.GetBytes(1 << 20);
            var d = RandomNumberGenerator.GetBytes(10_000);
            await using (var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600", "--spool-dir", Path.Combine(small, "spool")))
            {
                await File.WriteAllBytesAsync(mount.Under("a.bin"), a);
                var full = await Assert.ThrowsAnyAsync<IOException>(() => File.WriteAllBytesAsync(mount.Under("b.bin"), RandomNumberGenerator.GetBytes(4 << 20)));
                Assert.Contains("No space left on device", full.Message);
                var again = await Assert.ThrowsAnyAsync<IOException>(() => File.WriteAllBytesAsync(mount.Under("c.bin"), RandomNumberGenerator.GetBytes(1 << 20)));
                Assert.Contains("No space left on device", again.Message);
                foreach (var name in new[] { "b.bin", "c.bin" })
                {
                    if (File.Exists(mount.Under(name))) File.Delete(mount.Under(name));
                }
                Assert.Equal(["a.bin"], Directory.GetFiles(mount.Path).Select(Path.GetFileName));
                var pending = (await StatusAsync(mount)).GetProperty("status").GetProperty("pending").EnumerateArray().Select(p => p.GetProperty("path").GetString());
                Assert.Equal(["/a.bin"], pending);
                await File.WriteAllBytesAsync(mount.Under("d.bin"), d);
            }
            // Unmount uploaded what was pending: exactly the files the listing showed.
            Assert.Equal(a, await File.ReadAllBytesAsync(Server.PathOf("a.bin")));
            Assert.Equal(d, await File.ReadAllBytesAsync(Server.PathOf("d.bin")));
            Assert.Equal(["a.bin", "d.bin"], ServerNames(Server.PathOf("")));
        });
    }

    [Fact]
    public async Task A_file_that_lost_a_write_to_a_full_spool_disk_is_held_as_interrupted_never_published_incomplete()
    {
        await OnSmallDiskAsync("small-lost", "3m", async small =>
        {
            var after = RandomNumberGenerator.GetBytes(100_000);
            await using (var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "0.2", "--spool-dir", Path.Combine(small, "spool")))
            {
                var full = await Assert.ThrowsAnyAsync<IOException>(() => File.WriteAllBytesAsync(mount.Under("partial.bin"), RandomNumberGenerator.GetBytes(4 << 20)));
                Assert.Contains("No space left on device", full.Message);
                // What the writer managed to write is kept, but held: its state says why, and sync does not upload it.
                var state = await UploadState.AfterAsync(mount.Under("partial.bin"), "open");
                Assert.StartsWith("interrupted", state);
                Assert.Contains("write into the spool failed", state);
                var sync = await SyncAsync(mount);
                Assert.True(sync.ExitCode == 0, sync.ToString());
                Assert.False(File.Exists(Server.PathOf("partial.bin")), "a file that lost a write was published under its name");
                Assert.Contains("partial.bin", (await RecoverAsync(mount.Path)).Out);
                // Dropping it gives the room back; the next file uploads as usual.
                await RecoverAsync(mount.Path, "--drop", mount.Under("partial.bin"));
                await File.WriteAllBytesAsync(mount.Under("after.bin"), after);
                sync = await SyncAsync(mount);
                Assert.True(sync.ExitCode == 0, sync.ToString());
            }
            Assert.Equal(["after.bin"], ServerNames(Server.PathOf("")));
            Assert.Equal(after, await File.ReadAllBytesAsync(Server.PathOf("after.bin")));
        });
    }

    [Fact]
    public async Task Cache_blocks_and_logs_are_private_to_the_user()
    {
        Server.WriteFile("private.bin", RandomNumberGenerator.GetBytes(1 << 20));
        var cache = Path.Combine(Work.FullName, "cache-private");
        await using (var mount = await MountedFolder.StartAsync(Remote, Work.FullName, cache))
        {
            await File.ReadAllBytesAsync(mount.Under("private.bin"));
            Assert.True(await EventuallyAsync(() => Directory.GetFiles(cache, "*.blk", SearchOption.AllDirectories).Length > 0, 10));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(mount.Log));
        }
        const UnixFileMode privateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var folder in Directory.GetDirectories(cache, "*", SearchOption.AllDirectories).Append(cache))
            Assert.Equal(privateFolder, File.GetUnixFileMode(folder));
        foreach (var block in Directory.GetFiles(cache, "*.blk", SearchOption.AllDirectories))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(block));
    }
}
