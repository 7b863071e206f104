using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>A server with one writable mount of it, shared by a test class.</summary>
public abstract class WritableMountFixture(ServerKind kind) : ServerMountFixture(kind, "ffs-wmount-")
{
    protected override string[] MountOptions => ["--upload-delay", "0.2"];
}

public sealed class ApacheWritableMountFixture() : WritableMountFixture(ServerKind.Apache);

public sealed class NginxWritableMountFixture() : WritableMountFixture(ServerKind.Nginx);

/// <summary>The write-back promises through a real mount of Apache: copies land identical, pending files survive kill -9 and outages, the spool limit, conflicts, refusals and fsync.</summary>
[Collection("lifecycle")]
public sealed class MountWriteTests : ServerPerTest
{

    private string Spool(string name) => Path.Combine(Work.FullName, "spool-" + name);

    private static async Task<ProcessRun> SyncAsync(MountedFolder mount)
    {
        var run = await ProcessRun.RunAsync(Repository.CommandFile, Repository.CommandArgs("sync", mount.Path), TimeSpan.FromMinutes(10));
        return run;
    }

    private static async Task<JsonElement> StatusAsync(MountedFolder mount)
    {
        var run = await ProcessRun.FacilityFsAsync("status", mount.Path, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Out).RootElement;
    }

    private static IEnumerable<string> Tree(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => $"{Path.GetRelativePath(root, p)} {(Directory.Exists(p) ? "dir" : new FileInfo(p).Length.ToString(System.Globalization.CultureInfo.InvariantCulture))}")
            .Order(StringComparer.Ordinal);

    [Fact]
    public async Task A_copied_tree_with_a_four_gibibyte_file_and_two_thousand_small_files_lands_identical_on_the_server()
    {
        var source = Directory.CreateDirectory(Path.Combine(Work.FullName, "acquisition")).FullName;
        var block = RandomNumberGenerator.GetBytes(1 << 20);
        await using (var big = new FileStream(Path.Combine(source, "detector.raw"), FileMode.CreateNew, FileAccess.Write))
        {
            // 4 GiB and a bit, every MiB stamped with its index so a misplaced block cannot compare equal.
            for (long i = 0; i < 4097; i++)
            {
                BitConverter.TryWriteBytes(block, i);
                await big.WriteAsync(block);
            }
        }
        for (var i = 0; i < 2000; i++)
        {
            var folder = Directory.CreateDirectory(Path.Combine(source, $"scan{i / 200:D2}", i % 2 == 0 ? "even" : "odd")).FullName;
            await File.WriteAllBytesAsync(Path.Combine(folder, $"frame{i:D4}.dat"), RandomNumberGenerator.GetBytes(i % 7 * 1000 + 1));
        }
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600");
        var cp = await ProcessRun.RunAsync("cp", ["-r", source, mount.Under("acquisition")], TimeSpan.FromMinutes(10));
        Assert.True(cp.ExitCode == 0, cp.ToString());
        // Nothing is uploaded yet: the mount shows (and reads back) the pending files from its spool.
        Assert.True((await StatusAsync(mount)).GetProperty("status").GetProperty("pending").GetArrayLength() == 2001);
        Assert.Equal(Tree(source), Tree(mount.Under("acquisition")));
        var sync = await SyncAsync(mount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        var diff = await ProcessRun.RunAsync("diff", ["-r", "--brief", source, Server.PathOf("acquisition")], TimeSpan.FromMinutes(10));
        Assert.True(diff.ExitCode == 0, diff.ToString());
        var spoolFiles = Path.Combine(Directory.GetDirectories(Work.FullName, "spool-*").Single(), "files");
        for (var i = 0; i < 40 && Directory.GetFiles(spoolFiles).Length > 0; i++) await Task.Delay(50);
        Assert.Empty(Directory.GetFiles(spoolFiles));
    }

    [Fact]
    public async Task Renames_and_deletes_of_pending_files_upload_each_file_once_under_its_final_name()
    {
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600");
        await File.WriteAllTextAsync(mount.Under("draft.txt"), "final text");
        File.Move(mount.Under("draft.txt"), mount.Under("final.txt"));
        await File.WriteAllTextAsync(mount.Under("scratch.tmp"), "thrown away");
        File.Delete(mount.Under("scratch.tmp"));
        Directory.CreateDirectory(mount.Under("run"));
        await File.WriteAllTextAsync(mount.Under("run/data.txt"), "in a folder");
        Directory.Move(mount.Under("run"), mount.Under("run-renamed"));
        Assert.Equal("final text", await File.ReadAllTextAsync(mount.Under("final.txt")));
        Assert.Equal("in a folder", await File.ReadAllTextAsync(mount.Under("run-renamed/data.txt")));
        Server.ClearRequestLog();
        var sync = await SyncAsync(mount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal("final text", await File.ReadAllTextAsync(Server.PathOf("final.txt")));
        Assert.Equal("in a folder", await File.ReadAllTextAsync(Server.PathOf("run-renamed/data.txt")));
        Assert.False(File.Exists(Server.PathOf("draft.txt")));
        Assert.False(File.Exists(Server.PathOf("scratch.tmp")));
        Assert.False(Directory.Exists(Server.PathOf("run")));
        var puts = Server.RequestLog().Where(r => r.Method == "PUT").Select(r => r.Path).ToList();
        Assert.Equal(2, puts.Count);
        // Each went to a hidden temporary in its final folder (the pending folder rename reached the journal before the upload).
        Assert.Contains(puts, p => p.StartsWith("/.ffs-upload-", StringComparison.Ordinal));
        Assert.Contains(puts, p => p.StartsWith("/run-renamed/.ffs-upload-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_hundred_files_closed_before_kill_9_are_all_uploaded_after_the_remount()
    {
        var spool = Spool("kill");
        var files = Enumerable.Range(0, 200).ToDictionary(i => $"closed/f{i:D3}.bin", i => RandomNumberGenerator.GetBytes(1000 + i * 37));
        int daemon;
        await using (var first = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600", "--spool-dir", spool))
        {
            Directory.CreateDirectory(first.Under("closed"));
            foreach (var (name, bytes) in files) await File.WriteAllBytesAsync(first.Under(name), bytes);
            var status = await StatusAsync(first);
            Assert.Equal(200, status.GetProperty("status").GetProperty("pending").GetArrayLength());
            daemon = status.GetProperty("process_id").GetInt32();
            Assert.Equal(0, TestLibc.Kill(daemon, 9));
            for (var i = 0; i < 100 && Directory.Exists($"/proc/{daemon}"); i++) await Task.Delay(50);
            Assert.Empty(Directory.GetFiles(Server.PathOf("closed")));
            // A killed daemon leaves a dead mount ("Transport endpoint is not connected") for the user to detach.
            Assert.Equal(0, TestLibc.Umount2(first.Path, 2));
        }
        await using var second = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--spool-dir", spool);
        var sync = await SyncAsync(second);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        foreach (var (name, bytes) in files) Assert.Equal(bytes, await File.ReadAllBytesAsync(Server.PathOf(name)));
        Assert.Contains("resuming 200 uploads", await File.ReadAllTextAsync(second.Log));
    }

    [Fact]
    public async Task Uploads_interrupted_by_a_thirty_second_outage_all_complete_once_the_server_is_back()
    {
        var config = Path.Combine(Work.FullName, "outage.yaml");
        await File.WriteAllTextAsync(config, $"remotes:\n  t:\n    url: {Remote}\n    retries: 0\n    timeout: 5s\n");
        await using var mount = await MountedFolder.StartAsync("t:/", Work.FullName, null, "--config", config, "--upload-delay", "0", "--transfers", "2");
        var files = Enumerable.Range(0, 40).ToDictionary(i => $"f{i:D2}.bin", _ => RandomNumberGenerator.GetBytes(2 << 20));
        foreach (var (name, bytes) in files) await File.WriteAllBytesAsync(mount.Under(name), bytes);
        await Server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(30));
        var during = (await StatusAsync(mount)).GetProperty("status").GetProperty("pending");
        Assert.True(during.GetArrayLength() > 0, "every file was uploaded before the server stopped; the outage tested nothing");
        Assert.Contains(during.EnumerateArray(), p => p.TryGetProperty("error", out _));
        await Server.StartAsync();
        var sync = await SyncAsync(mount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        foreach (var (name, bytes) in files) Assert.Equal(bytes, await File.ReadAllBytesAsync(Server.PathOf(name)));
    }

    [Fact]
    public async Task Writers_wait_for_room_in_a_full_spool_instead_of_failing()
    {
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600", "--spool-max-size", "8M");
        var files = Enumerable.Range(0, 6).ToDictionary(i => $"spool{i}.bin", _ => RandomNumberGenerator.GetBytes(4 << 20));
        foreach (var (name, bytes) in files) await File.WriteAllBytesAsync(mount.Under(name), bytes);
        var sync = await SyncAsync(mount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        foreach (var (name, bytes) in files) Assert.Equal(bytes, await File.ReadAllBytesAsync(Server.PathOf(name)));
        Assert.Contains("is full", await File.ReadAllTextAsync(mount.Log));
    }

    [Fact]
    public async Task A_conflict_copy_of_a_name_at_the_255_byte_limit_is_cut_short_keeping_its_suffix_and_is_stored()
    {
        // 127 two-byte letters and one more byte: 255 bytes, the longest name the server takes. NAME.conflict-HOST-TIME would pass it.
        var name = new string('é', 127) + "x";
        Server.WriteFile("shared/" + name, "v1\n"u8);
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600");
        await File.AppendAllTextAsync(mount.Under("shared/" + name), "ours\n");
        // The server's time has whole seconds: theirs must be younger than what the mount saw at open.
        await Task.Delay(1100);
        Server.WriteFile("shared/" + name, "theirs\n"u8);
        var sync = await SyncAsync(mount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal("theirs\n", await File.ReadAllTextAsync(Server.PathOf("shared/" + name)));
        var copy = Path.GetFileName(Assert.Single(Directory.GetFiles(Server.PathOf("shared"), "*.conflict-*")));
        Assert.Equal("v1\nours\n", await File.ReadAllTextAsync(Server.PathOf("shared/" + copy)));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(copy) <= 255, copy);
        Assert.Matches(@"^é+\.conflict-.+-\d{8}T\d{6}Z$", copy);
        var conflict = Assert.Single((await StatusAsync(mount)).GetProperty("status").GetProperty("conflicts").EnumerateArray());
        Assert.Equal("/shared/" + copy, conflict.GetProperty("kept_as").GetString());
    }

    [Fact]
    public async Task A_file_changed_on_the_server_meanwhile_keeps_both_versions()
    {
        Server.WriteFile("shared/notes.txt", "v1\n"u8);
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600");
        await File.AppendAllTextAsync(mount.Under("shared/notes.txt"), "ours\n");
        await Task.Delay(1100);
        Server.WriteFile("shared/notes.txt", "theirs\n"u8);
        var sync = await SyncAsync(mount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal("theirs\n", await File.ReadAllTextAsync(Server.PathOf("shared/notes.txt")));
        var copy = Assert.Single(Directory.GetFiles(Server.PathOf("shared"), "notes.txt.conflict-*"));
        Assert.Equal("v1\nours\n", await File.ReadAllTextAsync(copy));
        var conflict = Assert.Single((await StatusAsync(mount)).GetProperty("status").GetProperty("conflicts").EnumerateArray());
        Assert.Equal("/shared/notes.txt", conflict.GetProperty("path").GetString());
        var status = await ProcessRun.FacilityFsAsync("status", mount.Path);
        Assert.Contains("conflict", status.Out);
        await Task.Delay(1200);
        Assert.Equal("theirs\n", await File.ReadAllTextAsync(mount.Under("shared/notes.txt")));
        Assert.True(File.Exists(mount.Under("shared/" + Path.GetFileName(copy))));
    }

    [Fact]
    public async Task A_refused_upload_keeps_the_file_and_status_and_the_file_itself_say_why()
    {
        Server.WriteFile($"{ApacheServer.ReadOnlyFolder}/readme.txt", "read only here"u8);
        // --xattr: the file's own extended attribute says it too.
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--xattr");
        var path = mount.Under($"{ApacheServer.ReadOnlyFolder}/result.txt");
        await File.WriteAllTextAsync(path, "precious result");
        var sync = await SyncAsync(mount);
        Assert.Equal(2, sync.ExitCode);
        Assert.Contains("result.txt", sync.Error);
        Assert.Contains("403", sync.Error);
        var pending = Assert.Single((await StatusAsync(mount)).GetProperty("status").GetProperty("pending").EnumerateArray());
        Assert.Equal("failed", pending.GetProperty("state").GetString());
        Assert.Contains("403", pending.GetProperty("error").GetString());
        var state = await UploadState.OfAsync(path);
        Assert.StartsWith("failed: ", state);
        Assert.Contains("403", state);
        Assert.Equal(state, TestLibc.GetXattr(path, "user.facilityfs.state"));
        Assert.Equal("precious result", await File.ReadAllTextAsync(path));
        Assert.False(File.Exists(Server.PathOf($"{ApacheServer.ReadOnlyFolder}/result.txt")));
    }

    [Fact]
    public async Task Fsync_in_remote_mode_returns_only_once_the_file_is_on_the_server()
    {
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600", "--fsync", "remote");
        var bytes = RandomNumberGenerator.GetBytes(3 << 20);
        await using (var file = new FileStream(mount.Under("synced.bin"), FileMode.CreateNew, FileAccess.Write))
        {
            await file.WriteAsync(bytes);
            file.Flush(flushToDisk: true);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Server.PathOf("synced.bin")));
            Assert.Equal("open", await UploadState.OfAsync(mount.Under("synced.bin")));
        }
        // Closed after its fsync: nothing is left to upload.
        Assert.Equal("committed", await UploadState.AfterAsync(mount.Under("synced.bin"), "open"));
        await File.WriteAllTextAsync(mount.Under("later.txt"), "no fsync");
        Assert.Equal("dirty", await UploadState.AfterAsync(mount.Under("later.txt"), "open"));
    }

    [Fact]
    public async Task Unmount_waits_for_pending_uploads_and_says_so()
    {
        var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600");
        for (var i = 0; i < 30; i++) await File.WriteAllTextAsync(mount.Under($"u{i}.txt"), $"pending {i}");
        var unmount = await ProcessRun.FacilityFsAsync("unmount", mount.Path);
        Assert.True(unmount.ExitCode == 0, unmount.ToString());
        Assert.Contains("30 files still to upload", unmount.Error);
        for (var i = 0; i < 30; i++) Assert.Equal($"pending {i}", await File.ReadAllTextAsync(Server.PathOf($"u{i}.txt")));
        await mount.DisposeAsync();
    }
}

/// <summary>libc calls the tests need and .NET does not offer.</summary>
internal static partial class TestLibc
{
    [LibraryImport("libc", EntryPoint = "kill")]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "umount2", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "getxattr", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial nint GetXattrRaw(string path, string name, byte* value, nuint size);

    public static unsafe string GetXattr(string path, string name)
    {
        var buffer = new byte[4096];
        fixed (byte* value = buffer)
        {
            var n = GetXattrRaw(path, name, value, (nuint)buffer.Length);
            if (n < 0) throw new IOException($"getxattr {path} {name}: errno {Marshal.GetLastPInvokeError()}");
            return Encoding.UTF8.GetString(buffer, 0, (int)n);
        }
    }
}
