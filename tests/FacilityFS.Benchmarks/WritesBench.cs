using FacilityFS.TestServers;

namespace FacilityFS.Benchmarks;

/// <summary>Writes while uploading: 4 successive 1 GiB dd into one writable mount, each while the ones before it still upload; each should take at most 1.5× the first.</summary>
internal static class WritesBench
{
    private const int Writes = 4;

    public static async Task RunAsync(string facilityfs, string passthrough, WebDavServer server, Mounts mounts, string work, int runs)
    {
        var limit = await PassthroughAsync(passthrough, mounts, work, runs);
        // Best of the runs for each position in the sequence; every run starts with an empty spool and server folder.
        var best = Enumerable.Repeat(TimeSpan.MaxValue, Writes).ToArray();
        for (var run = 0; run < runs; run++)
        {
            var point = await mounts.OursWritableAsync();
            try
            {
                Directory.CreateDirectory(Path.Combine(point, "writes"));
                var names = new List<string>();
                for (var i = 0; i < Writes; i++)
                {
                    var name = Path.Combine(point, "writes", $"w{run}-{i}.bin");
                    names.Add(name);
                    var time = await Timed.RunAsync("dd", "if=/dev/zero", $"of={name}", "bs=1M", "count=1024");
                    if (time < best[i]) best[i] = time;
                }
                // Every upload done, then gone from the spool and the server, so the next run starts from the same disk.
                await Timed.RunAsync(facilityfs, "sync", point);
                foreach (var name in names) File.Delete(name);
                await Timed.RunAsync(facilityfs, "sync", point);
            }
            finally
            {
                await mounts.UnmountAsync(point);
            }
            if (Directory.Exists(server.PathOf("writes"))) Directory.Delete(server.PathOf("writes"), recursive: true);
            await Timed.RunAsync("sync");
        }
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{"writes: dd 1 GiB #1",-28} facilityfs {best[0].TotalSeconds,8:F3} s ({1024 / best[0].TotalSeconds:F1} MiB/s), the time the next ones are held to"));
        // Above 1/1.5: the write took at most 1.5× the first one, though the ones before it were uploading.
        for (var i = 1; i < Writes; i++) Report.Speedup($"  …#{i + 1} while uploading", best[i], "#1", best[0], 1 / 1.5);
        // The limit of a FUSE write doing the same work: dd into libfuse's passthrough_ll while cp copies the files before it (as an upload would).
        for (var i = 0; i < Writes; i++) Report.Speedup($"  …#{i + 1} vs FUSE ceiling", best[i], "passthrough_ll + cp", limit[i], 0.9);
    }

    /// <summary>The physical limit of this sequence here: each dd into passthrough_ll over a local folder while the earlier files are copied out of it (an upload reads the spool, the server writes).</summary>
    private static async Task<TimeSpan[]> PassthroughAsync(string passthrough, Mounts mounts, string work, int runs)
    {
        var best = Enumerable.Repeat(TimeSpan.MaxValue, Writes).ToArray();
        var source = Directory.CreateDirectory(Path.Combine(work, "writes-passthrough")).FullName;
        var stored = Directory.CreateDirectory(Path.Combine(work, "writes-stored")).FullName;
        var spool = await mounts.PassthroughAsync(passthrough, source);
        try
        {
            for (var run = 0; run < runs; run++)
            {
                var copies = new List<Task>();
                for (var i = 0; i < Writes; i++)
                {
                    var name = Path.Combine(spool, $"w{i}.bin");
                    var time = await Timed.RunAsync("dd", "if=/dev/zero", $"of={name}", "bs=1M", "count=1024");
                    if (time < best[i]) best[i] = time;
                    // The upload reads the spool from the disk, not through FUSE.
                    copies.Add(Timed.RunAsync("cp", Path.Combine(source, $"w{i}.bin"), stored));
                }
                await Task.WhenAll(copies);
                foreach (var file in Directory.EnumerateFiles(spool).Concat(Directory.EnumerateFiles(stored))) File.Delete(file);
                await Timed.RunAsync("sync");
            }
        }
        finally
        {
            await mounts.UnmountAsync(spool);
        }
        return best;
    }
}
