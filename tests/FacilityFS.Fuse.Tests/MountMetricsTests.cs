using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace FacilityFS.Fuse.Tests;

/// <summary>`mount --metrics`: a scrape of /metrics shows what the mount read, wrote, uploaded and asked the server, under the documented names.</summary>
[Collection("lifecycle")]
public sealed class MountMetricsTests : ServerPerTest
{
    [Fact]
    public async Task A_scrape_counts_bytes_cache_uploads_and_http_responses_by_verb()
    {
        Server.WriteFile("metrics/read.bin", new byte[300_000]);
        var port = FreePort();
        await using var mount = await MountedFolder.StartAsync(Remote, Work.FullName, null, "--metrics", $"127.0.0.1:{port}", "--upload-delay", "0");
        Assert.Equal(300_000, (await File.ReadAllBytesAsync(mount.Under("metrics/read.bin"))).Length);
        await File.WriteAllBytesAsync(mount.Under("metrics/written.bin"), new byte[123_456]);
        var sync = await ProcessRun.RunAsync(Repository.CommandFile, Repository.CommandArgs("sync", mount.Path), TimeSpan.FromMinutes(5));
        Assert.True(sync.ExitCode == 0, sync.ToString());

        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.True(Value(text, "facilityfs_read_bytes_total") >= 300_000, text);
        Assert.True(Value(text, "facilityfs_written_bytes_total") >= 123_456, text);
        Assert.True(Value(text, "facilityfs_cache_misses_total") >= 1, text);
        Assert.Equal(1, Value(text, "facilityfs_uploads_committed_total"));
        Assert.Equal(0, Value(text, "facilityfs_uploads_failed_total"));
        Assert.Equal(0, Value(text, "facilityfs_uploads_pending"));
        Assert.Equal(1, Value(text, "facilityfs_upload_duration_seconds_count"));
        Assert.Equal(0, Value(text, "facilityfs_registrations_total"));
        Assert.True(Value(text, "facilityfs_http_responses_total{method=\"PROPFIND\",code=\"207\"}") >= 1, text);
        Assert.True(Value(text, "facilityfs_http_responses_total{method=\"PUT\",code=\"201\"}") >= 1, text);
    }

    [Fact]
    public async Task A_metrics_address_that_is_not_address_and_port_is_refused_naming_it()
    {
        var point = Directory.CreateDirectory(Path.Combine(Work.FullName, "bad")).FullName;
        var run = await ProcessRun.FacilityFsAsync("mount", Remote, point, "--foreground", "--metrics", "localhost");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--metrics localhost", run.Error);
        Assert.False(FuseMount.IsMounted(point));
    }

    private static double Value(string exposition, string series)
    {
        var match = Regex.Match(exposition, "^" + Regex.Escape(series) + @" (\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no {series} in:\n{exposition}");
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
