using System.Text.Json;
using FacilityFS.TestServers;

namespace FacilityFS.Cli.Tests;

/// <summary>ls/stat/get/put/mkdir/rm/mv end to end through the command line, against one real server.</summary>
public abstract class TransferCommandTests(WebDavServer server) : IDisposable
{
    private readonly DirectoryInfo _local = Directory.CreateTempSubdirectory("ffs-cli-");
    private readonly string _folder = "c-" + Guid.NewGuid().ToString("N")[..10];

    protected WebDavServer Server { get; } = server;

    /// <summary>A URL for a path under this test's own folder on the server.</summary>
    protected string Url(string relative = "") => new Uri(Server.BaseUri, _folder + "/" + relative).AbsoluteUri;

    protected string LocalPath(string relative) => Path.Combine(_local.FullName, relative);

    private string MakeTree()
    {
        var root = LocalPath("tree");
        Directory.CreateDirectory(Path.Combine(root, "sub", "deeper"));
        File.WriteAllText(Path.Combine(root, "a.txt"), "alpha");
        File.WriteAllText(Path.Combine(root, "with space #1.txt"), "spaced");
        File.WriteAllBytes(Path.Combine(root, "sub", "data.bin"), RandomBytes(2_500_000));
        File.WriteAllBytes(Path.Combine(root, "sub", "deeper", "empty"), []);
        for (var i = 0; i < 40; i++) File.WriteAllText(Path.Combine(root, "sub", $"small-{i:D2}.txt"), $"file {i}");
        return root;
    }

    private static byte[] RandomBytes(int n)
    {
        var data = new byte[n];
        Random.Shared.NextBytes(data);
        return data;
    }

    private async Task<CliRun> MakeRemoteFolderAsync() => await CliRun.RunAsync("mkdir", "-p", Url());

    private static void AssertSameTree(string expected, string actual)
    {
        var want = Directory.EnumerateFiles(expected, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f)).Order().ToList();
        var got = Directory.EnumerateFiles(actual, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Order().ToList();
        Assert.Equal(want, got);
        foreach (var file in want) Assert.Equal(File.ReadAllBytes(Path.Combine(expected, file)), File.ReadAllBytes(Path.Combine(actual, file)));
    }

    [Fact]
    public async Task A_tree_put_and_got_back_is_identical_and_a_rerun_skips_everything()
    {
        var tree = MakeTree();
        Assert.Equal(0, (await MakeRemoteFolderAsync()).ExitCode);
        var put = await CliRun.RunAsync("put", "-r", "--parallel", "6", tree, Url());
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal(44, put.Lines.Count(l => l.StartsWith("uploaded ", StringComparison.Ordinal)));

        var again = await CliRun.RunAsync("put", "-r", tree, Url());
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(44, again.Lines.Count(l => l.StartsWith("skipped ", StringComparison.Ordinal)));

        var download = LocalPath("download");
        var get = await CliRun.RunAsync("get", "-r", Url("tree"), download);
        Assert.True(get.ExitCode == 0, get.ToString());
        AssertSameTree(tree, download);
        Assert.Empty(Directory.EnumerateFiles(download, "*.part", SearchOption.AllDirectories));

        var getAgain = await CliRun.RunAsync("get", "-r", Url("tree"), download);
        Assert.Equal(44, getAgain.Lines.Count(l => l.StartsWith("skipped ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_large_file_fetched_in_parallel_ranges_is_identical_with_the_whole_files_checksum()
    {
        await MakeRemoteFolderAsync();
        var data = RandomBytes((70 << 20) + 12345);
        Server.WriteFile(_folder + "/large.bin", data);
        var target = LocalPath("large.bin");
        var run = await CliRun.RunAsync("get", "--json", Url("large.bin"), target);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(data, File.ReadAllBytes(target));
        using var json = JsonDocument.Parse(Assert.Single(run.Lines));
        Assert.Equal(FacilityFS.Storage.Checksums.Adler32.ChecksumOf(FacilityFS.Storage.Checksums.Adler32.Compute(data)).ToString(),
            json.RootElement.GetProperty("checksum").GetString());
        Assert.True(Server.RequestLog().Count(r => r.Method == "GET" && r.Path.EndsWith("/large.bin", StringComparison.Ordinal) && r.Range is not null) >= 3);
    }

    [Fact]
    public async Task Put_into_a_folder_keeps_the_name_and_reports_json()
    {
        await MakeRemoteFolderAsync();
        var file = LocalPath("result.h5");
        File.WriteAllBytes(file, RandomBytes(12345));
        var run = await CliRun.RunAsync("put", "--json", file, Url());
        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(Assert.Single(run.Lines));
        Assert.Equal(Url("result.h5"), json.RootElement.GetProperty("path").GetString());
        Assert.Equal("uploaded", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(12345, json.RootElement.GetProperty("bytes_written").GetInt64());
        Assert.StartsWith("adler32:", json.RootElement.GetProperty("checksum").GetString());
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Server.PathOf(_folder + "/result.h5")));

        var renamed = await CliRun.RunAsync("put", file, Url("renamed.h5"));
        Assert.Equal(0, renamed.ExitCode);
        Assert.True(File.Exists(Server.PathOf(_folder + "/renamed.h5")));
    }

    [Fact]
    public async Task Ls_and_stat_show_what_the_server_holds()
    {
        await MakeRemoteFolderAsync();
        Server.WriteFile(_folder + "/b.dat", new byte[777]);
        Server.CreateDirectory(_folder + "/inner dir");
        Server.WriteFile(_folder + "/inner dir/c.dat", [1]);
        var plain = await CliRun.RunAsync("ls", Url());
        Assert.Equal(["b.dat", "inner dir/"], plain.Lines);
        var recursive = await CliRun.RunAsync("ls", "-r", Url());
        Assert.Equal(["b.dat", "inner dir/", "inner dir/c.dat"], recursive.Lines);
        var longForm = await CliRun.RunAsync("ls", "-l", Url());
        Assert.Matches(@"^- +777 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d b\.dat$", longForm.Lines[0]);
        var json = await CliRun.RunAsync("ls", "--json", Url());
        Assert.Equal("directory", JsonDocument.Parse(json.Lines[1]).RootElement.GetProperty("type").GetString());
        var stat = await CliRun.RunAsync("stat", Url("b.dat"));
        Assert.Contains("size:     777", stat.Out);
        Assert.Contains("type:     file", stat.Out);
    }

    [Fact]
    public async Task Mkdir_rm_and_mv_change_the_tree()
    {
        await MakeRemoteFolderAsync();
        var noParent = await CliRun.RunAsync("mkdir", Url("x/y"));
        Assert.Equal(2, noParent.ExitCode);
        Assert.Contains("does not exist", noParent.Error);
        Assert.Equal(0, (await CliRun.RunAsync("mkdir", "-p", Url("x/y"))).ExitCode);
        Server.WriteFile(_folder + "/f.txt", [1, 2]);
        Assert.Equal(0, (await CliRun.RunAsync("mv", Url("f.txt"), Url("x/"))).ExitCode);
        Assert.True(File.Exists(Server.PathOf(_folder + "/x/f.txt")));
        Assert.Equal(0, (await CliRun.RunAsync("mv", Url("x/f.txt"), Url("x/g.txt"))).ExitCode);
        Assert.True(File.Exists(Server.PathOf(_folder + "/x/g.txt")));
        var refused = await CliRun.RunAsync("rm", Url("x"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("rm -r", refused.Error);
        Assert.True(Directory.Exists(Server.PathOf(_folder + "/x")));
        Assert.Equal(0, (await CliRun.RunAsync("rm", "-r", Url("x"))).ExitCode);
        Assert.False(Directory.Exists(Server.PathOf(_folder + "/x")));
    }

    [Fact]
    public async Task Bad_input_gets_one_clear_line_and_the_documented_exit_code()
    {
        await MakeRemoteFolderAsync();
        var missingRemote = await CliRun.RunAsync("get", Url("nope.txt"), LocalPath("nope.txt"));
        Assert.Equal(2, missingRemote.ExitCode);
        Assert.Contains("nope.txt", missingRemote.Error);
        Assert.Contains("404", missingRemote.Error);
        Assert.False(File.Exists(LocalPath("nope.txt")));

        var missingLocal = await CliRun.RunAsync("put", LocalPath("absent.dat"), Url());
        Assert.Equal(1, missingLocal.ExitCode);
        Assert.Contains("absent.dat", missingLocal.Error);

        Directory.CreateDirectory(LocalPath("folder"));
        var folderWithoutR = await CliRun.RunAsync("put", LocalPath("folder"), Url());
        Assert.Equal(1, folderWithoutR.ExitCode);
        Assert.Contains("put -r", folderWithoutR.Error);

        var unknownRemote = await CliRun.RunAsync("ls", "nosuch:/data");
        Assert.Equal(1, unknownRemote.ExitCode);
        Assert.Contains("unknown remote 'nosuch'", unknownRemote.Error);

        var notARemote = await CliRun.RunAsync("ls", "/just/a/path");
        Assert.Equal(1, notARemote.ExitCode);

        var down = await CliRun.RunAsync("ls", $"http://127.0.0.1:{FreePort.Next()}/x");
        Assert.Equal(2, down.ExitCode);
        Assert.Contains("cannot reach the server", down.Error);

        Assert.All(new[] { missingRemote, missingLocal, folderWithoutR, unknownRemote, down },
            r => Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task Get_of_a_folder_without_recursion_writes_nothing()
    {
        await MakeRemoteFolderAsync();
        Server.CreateDirectory(_folder + "/d");
        var run = await CliRun.RunAsync("get", Url("d"), LocalPath("d"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("get -r", run.Error);
        Assert.False(Directory.Exists(LocalPath("d")));
    }

    public void Dispose() => _local.Delete(recursive: true);
}

[Collection("apache")]
public sealed class ApacheTransferCommandTests(ApacheFixture fixture) : TransferCommandTests(fixture.Server), IClassFixture<ApacheFixture>;

[Collection("nginx")]
public sealed class NginxTransferCommandTests(NginxFixture fixture) : TransferCommandTests(fixture.Server), IClassFixture<NginxFixture>;
