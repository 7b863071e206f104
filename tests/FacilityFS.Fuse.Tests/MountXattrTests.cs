using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FacilityFS.Fuse.Tests;

/// <summary>Extended attributes and upload states: without --xattr a writable mount tells the kernel ENOSYS once, so `ls -l` costs no request per entry, and `facilityfs status PATH` tells a file's state; --xattr brings `user.facilityfs.state` back.</summary>
[Collection("lifecycle")]
public sealed class MountXattrTests : ServerPerTest
{
    private const int Files = 200;
    private const int EOPNOTSUPP = 95;

    [Fact]
    public async Task Ls_l_of_a_writable_mount_sends_no_getxattr_per_entry_and_the_state_attribute_is_not_supported()
    {
        WriteFiles();
        var port = FreePort();
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--metrics", $"127.0.0.1:{port}");
        await ListAsync(mount.Under("many"));
        await ListAsync(mount.Under("many"));
        var after = await ScrapeAsync(port);
        // ls asks security.selinux and the POSIX ACLs of all 200 entries, twice over; the kernel passes on only the first question.
        Assert.True(Count(after, "getxattr") <= 1, after);
        Assert.Equal(0, Count(after, "listxattr"));
        var error = Assert.Throws<IOException>(() => TestLibc.GetXattr(mount.Under("many/f007.txt"), "user.facilityfs.state"));
        Assert.Contains($"errno {EOPNOTSUPP}", error.Message);
        Assert.Equal("committed", await UploadState.OfAsync(mount.Under("many/f007.txt")));
    }

    [Fact]
    public async Task With_xattr_the_state_is_an_extended_attribute_again_and_ls_l_asks_for_it_per_entry()
    {
        WriteFiles();
        var port = FreePort();
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--xattr", "--metrics", $"127.0.0.1:{port}", "--upload-delay", "600");
        await ListAsync(mount.Under("many"));
        Assert.True(Count(await ScrapeAsync(port), "getxattr") >= Files, "getxattr is answered, so the kernel asks on for every entry");
        Assert.Equal("committed", TestLibc.GetXattr(mount.Under("many/f007.txt"), "user.facilityfs.state"));
        await File.WriteAllTextAsync(mount.Under("many/new.txt"), "pending");
        Assert.Equal("dirty", await UploadState.AfterAsync(mount.Under("many/new.txt"), "open"));
        Assert.Equal("dirty", TestLibc.GetXattr(mount.Under("many/new.txt"), "user.facilityfs.state"));
    }

    [Fact]
    public async Task Status_of_files_tells_each_ones_state_and_refuses_a_path_outside_any_mount_naming_it()
    {
        Server.WriteFile("run/stored.bin", "on the server"u8);
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--upload-delay", "600");
        await File.WriteAllTextAsync(mount.Under("run/written.txt"), "waits for upload");
        Assert.Equal("dirty", await UploadState.AfterAsync(mount.Under("run/written.txt"), "open"));

        // Several files at once, as given (relative to the working folder too), one line each.
        var both = await ProcessRun.RunAsync(Repository.CommandFile, Repository.CommandArgs("status", "run/stored.bin", "run/written.txt"), workingDirectory: mount.Path);
        Assert.True(both.ExitCode == 0, both.ToString());
        Assert.Equal(["run/stored.bin: committed", "run/written.txt: dirty"], both.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var sync = await ProcessRun.FacilityFsAsync("sync", mount.Path);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal("committed", await UploadState.OfAsync(mount.Under("run/written.txt")));

        // A missing file and a folder have no state: said per path, the others still answered, exit 2.
        var mixed = await ProcessRun.FacilityFsAsync("status", mount.Under("run/missing.txt"), mount.Under("run"), mount.Under("run/stored.bin"), "--json");
        Assert.Equal(2, mixed.ExitCode);
        var lines = mixed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([mount.Under("run/missing.txt"), mount.Under("run"), mount.Under("run/stored.bin")], lines.Select(l => l.GetProperty("path").GetString()));
        Assert.Contains("does not exist", lines[0].GetProperty("error").GetString());
        Assert.Contains("folder", lines[1].GetProperty("error").GetString());
        Assert.Equal("committed", lines[2].GetProperty("state").GetString());
        Assert.Contains(mount.Under("run/missing.txt"), mixed.Error);

        // Outside every mount: refused before anything is asked, naming the path.
        var outside = Path.Combine(Work.FullName, "local.txt");
        await File.WriteAllTextAsync(outside, "not in a mount");
        var refused = await ProcessRun.FacilityFsAsync("status", mount.Under("run/stored.bin"), outside);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"{outside} is not in a FacilityFS mount", refused.Error);
        Assert.Equal("", refused.Out);

        // A path through a symbolic link into the mount (a link to the file, or a link to a folder above it) is the file in the mount.
        var linkToFile = Path.Combine(Work.FullName, "stored-link.bin");
        var linkToFolder = Path.Combine(Work.FullName, "run-link");
        File.CreateSymbolicLink(linkToFile, mount.Under("run/stored.bin"));
        Directory.CreateSymbolicLink(linkToFolder, mount.Under("run"));
        var linked = await ProcessRun.FacilityFsAsync("status", linkToFile, Path.Combine(linkToFolder, "written.txt"));
        Assert.True(linked.ExitCode == 0, linked.ToString());
        Assert.Equal([$"{linkToFile}: committed", $"{Path.Combine(linkToFolder, "written.txt")}: committed"], linked.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The mountpoint itself is still the mount's report.
        var report = await ProcessRun.FacilityFsAsync("status", mount.Path);
        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Contains("uploads:", report.Out);
    }

    private void WriteFiles()
    {
        for (var i = 0; i < Files; i++) Server.WriteFile($"many/f{i:D3}.txt", "x"u8);
    }

    private static async Task ListAsync(string folder)
    {
        var ls = await ProcessRun.RunAsync("ls", ["-l", folder]);
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Equal(Files, ls.Out.Split('\n').Count(l => l.EndsWith(".txt", StringComparison.Ordinal)));
    }

    private static async Task<string> ScrapeAsync(int port)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
    }

    /// <summary>The kernel's xattr requests of one kind so far; a kind never asked has no series yet.</summary>
    private static double Count(string exposition, string op)
    {
        var match = Regex.Match(exposition, "^" + Regex.Escape($"facilityfs_xattr_requests_total{{op=\"{op}\"}}") + @" (\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
