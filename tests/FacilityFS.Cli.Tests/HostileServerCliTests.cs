using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FacilityFS.Cli.Commands;
using FacilityFS.Cli.Output;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Cli.Tests;

/// <summary>The command line against servers that stall, lie about ranges or send names and pages full of control characters.</summary>
public sealed class HostileServerCliTests : IDisposable
{
    private readonly DirectoryInfo _local = Directory.CreateTempSubdirectory("ffs-cli-hostile-");

    private string Config(Uri server, string extra = "")
    {
        var path = Path.Combine(_local.FullName, $"config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"remotes:\n  t:\n    url: {server.AbsoluteUri}\n    retries: 0\n    timeout: 1s\n{extra}");
        return path;
    }

    [Fact]
    public async Task Ls_of_a_listing_that_stalls_mid_body_fails_within_the_timeout()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            if (c.Request.Headers["Depth"] == "0")
            {
                await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/"));
                return;
            }
            await ScriptedServer.BeginMultistatusAsync(c, ScriptedServer.Response("/"), ScriptedServer.Response("/a", 1));
            await ScriptedServer.StallAsync(c, TimeSpan.FromMinutes(2));
        });
        var clock = Stopwatch.StartNew();
        var run = await CliRun.RunAsync("ls", "--config", Config(server.BaseUri), "t:/");
        Assert.Equal(ExitCode.Remote, run.ExitCode);
        Assert.Contains("stopped sending", run.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    /// <summary>Signals when the first line is written, so a test sees whether output came before the server finished.</summary>
    private sealed class WatchedWriter : StringWriter
    {
        public TaskCompletionSource FirstLine { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            FirstLine.TrySetResult();
        }
    }

    [Fact]
    public async Task Ls_of_a_large_folder_prints_before_the_listing_ends()
    {
        var entries = ListCommand.SortedUpTo + 5000;
        using var output = new WatchedWriter();
        var printedEarly = false;
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            if (c.Request.Headers["Depth"] == "0")
            {
                await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/big/"));
                return;
            }
            await ScriptedServer.BeginMultistatusAsync(c, [ScriptedServer.Response("/big/"), .. Enumerable.Range(0, entries).Select(i => ScriptedServer.Response($"/big/f{i:D6}", i))]);
            // The body stays open until the client has printed (or a generous deadline passed: the test then fails below).
            printedEarly = await Task.WhenAny(output.FirstLine.Task, Task.Delay(TimeSpan.FromSeconds(30))) == output.FirstLine.Task;
            await c.Response.WriteAsync(ScriptedServer.MultistatusEnd);
        });
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(["ls", "--config", Config(server.BaseUri), "t:/big"], new CliContext(output, error, interactive: false));
        Assert.True(code == 0, error.ToString());
        Assert.True(printedEarly, "ls printed nothing until the whole listing had arrived");
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(entries, lines.Length);
        Assert.Equal(entries, lines.Distinct().Count());
    }

    [Fact]
    public async Task Control_characters_in_names_and_error_pages_are_printed_escaped()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            if (c.Request.Path.StartsWithSegments("/denied"))
            {
                c.Response.StatusCode = 403;
                await c.Response.WriteAsync("<html><p>no&#27;]0;pwned&#7; &#27;[2J</p></html>");
                return;
            }
            if (c.Request.Headers["Depth"] == "0")
            {
                await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/"));
                return;
            }
            await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/"),
                ScriptedServer.Response("/title%1B%5D0%3Bowned%07", 1), ScriptedServer.Response("/two%0Alines", 2), ScriptedServer.Response("/red%1B%5B31m", 3));
        });
        var config = Config(server.BaseUri);
        foreach (var args in new[] { new[] { "ls", "--config", config, "t:/" }, ["ls", "-r", "--config", config, "t:/"], ["ls", "-l", "--config", config, "t:/"] })
        {
            var run = await CliRun.RunAsync(args);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.DoesNotContain('\x1b', run.Out);
            Assert.DoesNotContain('\x07', run.Out);
            Assert.Equal(3, run.Lines.Count);
            Assert.Contains(run.Lines, l => l.EndsWith(@"title\e]0;owned\x07", StringComparison.Ordinal));
            Assert.Contains(run.Lines, l => l.EndsWith(@"two\nlines", StringComparison.Ordinal));
        }
        var denied = await CliRun.RunAsync("get", "--config", config, "t:/denied/f", Path.Combine(_local.FullName, "f"));
        Assert.NotEqual(0, denied.ExitCode);
        Assert.DoesNotContain('\x1b', denied.Error);
        Assert.Contains(@"\e]0;pwned", denied.Error);
    }

    private const int Big = (65 << 20) + 4321;

    private static byte ByteAt(long i) => (byte)(i * 31 + (i >> 16));

    /// <summary>Serves one file of <see cref="Big"/> bytes at /big.bin; a Range request goes to <paramref name="ranged"/>.</summary>
    private static Task<ScriptedServer> BigFileServerAsync(Func<HttpContext, long, Task> ranged) => ScriptedServer.StartAsync(async c =>
    {
        if (c.Request.Method == "PROPFIND")
        {
            await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/big.bin", Big));
            return;
        }
        if (c.Request.Method == "HEAD") return;
        var range = c.Request.Headers.Range.ToString();
        var from = range.Length == 0 ? -1 : long.Parse(range["bytes=".Length..].Split('-')[0]);
        await ranged(c, from);
    });

    private static async Task WriteBytesAsync(HttpContext c, long from, long count)
    {
        var buffer = new byte[1 << 20];
        for (var at = from; at < from + count;)
        {
            var n = (int)Math.Min(buffer.Length, from + count - at);
            for (var i = 0; i < n; i++) buffer[i] = ByteAt(at + i);
            try
            {
                await c.Response.Body.WriteAsync(buffer.AsMemory(0, n), c.RequestAborted);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                return;
            }
            at += n;
        }
    }

    [Fact]
    public async Task Get_from_a_server_answering_ranges_with_the_whole_file_gets_the_right_bytes()
    {
        await using var server = await BigFileServerAsync(async (c, _) =>
        {
            c.Response.ContentLength = Big;
            await WriteBytesAsync(c, 0, Big);
        });
        var target = Path.Combine(_local.FullName, "big.bin");
        var run = await CliRun.RunAsync("get", new Uri(server.BaseUri, "big.bin").AbsoluteUri, target);
        Assert.True(run.ExitCode == 0, run.ToString());
        var bytes = await File.ReadAllBytesAsync(target);
        Assert.Equal(Big, bytes.Length);
        for (var i = 0; i < bytes.Length; i += 4093) Assert.True(bytes[i] == ByteAt(i), $"wrong byte at {i}");
        Assert.Equal(ByteAt(Big - 1), bytes[^1]);
    }

    [Fact]
    public async Task Get_refuses_a_206_of_another_range_and_keeps_no_file()
    {
        await using var server = await BigFileServerAsync(async (c, from) =>
        {
            // Every part answered with the file's first bytes, labelled as such.
            const long length = 32 << 20;
            c.Response.StatusCode = from < 0 ? 200 : 206;
            if (from >= 0) c.Response.Headers.ContentRange = $"bytes 0-{length - 1}/{Big}";
            c.Response.ContentLength = from < 0 ? Big : length;
            await WriteBytesAsync(c, 0, from < 0 ? Big : length);
        });
        var target = Path.Combine(_local.FullName, "big.bin");
        var run = await CliRun.RunAsync("get", new Uri(server.BaseUri, "big.bin").AbsoluteUri, target);
        Assert.Equal(ExitCode.Remote, run.ExitCode);
        Assert.Contains("the server sent 0-", run.Error);
        Assert.Empty(_local.EnumerateFiles("big*"));
        Assert.Empty(_local.EnumerateFiles(".big*"));
    }

    public void Dispose() => _local.Delete(recursive: true);
}
