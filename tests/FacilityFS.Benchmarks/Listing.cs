using System.Globalization;
using System.Text;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Benchmarks;

/// <summary>`facilityfs ls` of a folder of a million entries, generated as it is sent: its time against curl's for the same PROPFIND, and its peak memory.</summary>
internal static class Listing
{
    public const int Entries = 1_000_000;

    public static async Task RunAsync(string facilityfs, string work)
    {
        await using var server = await ScriptedServer.StartAsync(AnswerAsync);
        var url = new Uri(server.BaseUri, "million/").AbsoluteUri;
        var memory = Path.Combine(work, "ls-rss.txt");
        var (ours, curl) = await Timed.CompareAsync(3,
            () => Timed.RunAsync("/usr/bin/time", "-f", "%M", "-o", memory, facilityfs, "ls", url),
            () => Timed.RunAsync("curl", "-sSf", "-o", "/dev/null", "-X", "PROPFIND", "-H", "Depth: 1", url));
        Report.Speedup($"ls of {Entries / 1000}k entries", ours, "curl PROPFIND", curl, 0.5);
        var peakKiB = double.Parse(File.ReadAllLines(memory).Last(l => l.Trim().Length > 0), CultureInfo.InvariantCulture);
        Report.Limit($"ls of {Entries / 1000}k, peak RSS", peakKiB / 1024, "MB", 150);
    }

    private static async Task AnswerAsync(HttpContext c)
    {
        if (c.Request.Headers["Depth"] == "0")
        {
            await ScriptedServer.MultistatusAsync(c, ScriptedServer.Response("/million/"));
            return;
        }
        await ScriptedServer.BeginMultistatusAsync(c, ScriptedServer.Response("/million/"));
        var batch = new StringBuilder();
        for (var i = 0; i < Entries; i++)
        {
            batch.Append(ScriptedServer.Response(string.Create(CultureInfo.InvariantCulture, $"/million/file-{i:D7}.dat"), i));
            if (batch.Length < 1 << 16) continue;
            await c.Response.WriteAsync(batch.ToString());
            batch.Clear();
        }
        await c.Response.WriteAsync(batch.Append(ScriptedServer.MultistatusEnd).ToString());
    }
}
