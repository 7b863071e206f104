using System.Diagnostics;
using System.Globalization;
using FacilityFS.TestServers;

namespace FacilityFS.Benchmarks;

/// <summary>An analysis script's random access: h5py reading 200 random hyperslabs of a chunked, gzip'd ~300 MB stack, through a cold mount (ours, rclone's) and from the local file.</summary>
internal static class SlabsBench
{
    private const int Slabs = 200;

    public static async Task RunAsync(WebDavServer server, Mounts mounts, int runs)
    {
        using var files = new NexusFiles();
        var local = files.Make("slabs", "270");
        const string name = "slabs.nxs";
        server.WriteFile(name, []);
        File.Copy(local, server.PathOf(name), overwrite: true);
        var size = new FileInfo(local).Length;
        var sums = new HashSet<string>();
        async Task<TimeSpan> ThroughAsync(Func<Task<string>> mount)
        {
            var point = await mount();
            try
            {
                return Read(Path.Combine(point, name), sums);
            }
            finally
            {
                await mounts.UnmountAsync(point);
            }
        }
        // Each run starts cold: a fresh mount, and the local file's pages dropped from the page cache.
        var ours = await Timed.BestAsync(runs, () => ThroughAsync(() => mounts.OursAsync(diskCache: false)));
        var rclone = await Timed.BestAsync(runs, () => ThroughAsync(mounts.RcloneAsync));
        var localTime = await Timed.BestAsync(runs, async () =>
        {
            await Timed.RunAsync("dd", $"if={local}", "iflag=nocache", "count=0", "status=none");
            return Read(local, sums);
        });
        // Every reader must have read the same bytes, or the figures compare different work.
        if (sums.Count != 1) throw new InvalidOperationException($"the hyperslab sums differ between readers: {string.Join(", ", sums)}");
        var what = $"h5py {Slabs} hyperslabs, {size / 1e6:F0} MB";
        Report.Speedup(what, ours, "rclone", rclone, 1.5);
        Report.Speedup(what, ours, "local file (cold)", localTime, 0.1);
        File.Delete(server.PathOf(name));
    }

    /// <summary>Runs read_slabs.py on <paramref name="path"/> and returns the time it measured itself (so Python's start is not counted).</summary>
    private static TimeSpan Read(string path, HashSet<string> sums)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "nexus", "read_slabs.py"), path, Slabs.ToString(CultureInfo.InvariantCulture), "7"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var python = Process.Start(start) ?? throw new InvalidOperationException("cannot run /usr/bin/python3");
        var error = python.StandardError.ReadToEndAsync();
        var output = python.StandardOutput.ReadToEnd().Trim().Split(' ');
        python.WaitForExit();
        if (python.ExitCode != 0 || output.Length != 2) throw new InvalidOperationException($"read_slabs.py {path} failed: {error.Result}");
        sums.Add(output[1]);
        return TimeSpan.FromSeconds(double.Parse(output[0], CultureInfo.InvariantCulture));
    }
}
