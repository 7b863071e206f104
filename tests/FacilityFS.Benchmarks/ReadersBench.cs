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

        var bestOurs = (Wall: TimeSpan.MaxValue, Each: Array.Empty<TimeSpan>());
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
        // The slowest reader's own rate against the mean of all readers' own rates: 1 is perfectly fair, a starved reader is far below.
        var rates = bestOurs.Each.Select(t => FileSize / t.TotalSeconds / (1 << 20)).ToList();
        var share = rates.Min() / rates.Average();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"  …slowest reader",-28} facilityfs {rates.Min(),8:F1} MiB/s   mean reader {rates.Average(),8:F1} MiB/s   share {share:F2} (target ≥ 0.50) {(share >= 0.5 ? "ok" : "BELOW TARGET")}"));
        Directory.Delete(server.PathOf("readers"), recursive: true);
    }

    /// <summary>Starts every reader at once; the wall time until the last ends, and each one's own time.</summary>
    private static async Task<(TimeSpan Wall, TimeSpan[] Each)> AllAtOnceAsync(IEnumerable<Func<Task<TimeSpan>>> readers)
    {
        var clock = Stopwatch.StartNew();
        var times = await Task.WhenAll(readers.Select(r => Task.Run(r)));
        return (clock.Elapsed, times);
    }
}
