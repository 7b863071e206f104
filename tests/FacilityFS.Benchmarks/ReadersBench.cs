using System.Diagnostics;
using System.Globalization;
using FacilityFS.TestServers;

namespace FacilityFS.Benchmarks;

/// <summary>Many readers at once: 8 processes each reading its own 256 MiB file through one cold mount, against 8 curls at once; and how fair the mount is to its slowest reader.</summary>
internal static class ReadersBench
{
    private const int Readers = 8;
    private const long FileSize = 256L << 20;

    public static async Task RunAsync(WebDavServer server, Mounts mounts, string work, int runs)
    {
        var one = Path.Combine(work, "reader.bin");
        var block = new byte[1 << 20];
        await using (var output = File.Create(one))
            for (long written = 0; written < FileSize; written += block.Length)
            {
                Random.Shared.NextBytes(block);
                output.Write(block);
            }
        var names = Enumerable.Range(0, Readers).Select(i => $"readers/r{i}.bin").ToList();
        foreach (var name in names)
        {
            server.WriteFile(name, []);
            File.Copy(one, server.PathOf(name), overwrite: true);
        }
        File.Delete(one);
        await Timed.RunAsync("sync");

        var bestOurs = (Wall: TimeSpan.MaxValue, Slowest: TimeSpan.MaxValue);
        var bestCurl = TimeSpan.MaxValue;
        for (var run = 0; run < runs; run++)
        {
            var curl = await AllAtOnceAsync(names.Select(n => (Func<Task<TimeSpan>>)(() =>
                Timed.RunAsync("curl", "-sSf", "-o", "/dev/null", new Uri(server.BaseUri, n).AbsoluteUri))));
            if (curl.Wall < bestCurl) bestCurl = curl.Wall;
            var point = await mounts.OursAsync(diskCache: false);
            try
            {
                var ours = await AllAtOnceAsync(names.Select(n => (Func<Task<TimeSpan>>)(() =>
                    Timed.RunAsync("dd", $"if={point}/{n}", "of=/dev/null", "bs=1M"))));
                if (ours.Wall < bestOurs.Wall) bestOurs = ours;
            }
            finally
            {
                await mounts.UnmountAsync(point);
            }
        }
        const long total = Readers * FileSize;
        Report.Throughput($"mount: {Readers} readers x 256 MiB", total, bestOurs.Wall, $"{Readers} curls", bestCurl, 0.8);
        // The slowest reader's rate against an even split of what all of them got: 1 is perfectly fair.
        var evenSplit = total / bestOurs.Wall.TotalSeconds / Readers;
        var slowest = FileSize / bestOurs.Slowest.TotalSeconds;
        var share = slowest / evenSplit;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"  …slowest reader",-28} facilityfs {slowest / (1 << 20),8:F1} MiB/s   an even split {evenSplit / (1 << 20),8:F1} MiB/s   share {share:F2} (target ≥ 0.50) {(share >= 0.5 ? "ok" : "BELOW TARGET")}"));
        Directory.Delete(server.PathOf("readers"), recursive: true);
    }

    /// <summary>Starts every reader at once; the wall time until the last ends, and the longest one's own time.</summary>
    private static async Task<(TimeSpan Wall, TimeSpan Slowest)> AllAtOnceAsync(IEnumerable<Func<Task<TimeSpan>>> readers)
    {
        var clock = Stopwatch.StartNew();
        var times = await Task.WhenAll(readers.Select(r => Task.Run(r)));
        return (clock.Elapsed, times.Max());
    }
}
