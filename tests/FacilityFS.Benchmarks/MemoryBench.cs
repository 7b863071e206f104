using FacilityFS.TestServers;

namespace FacilityFS.Benchmarks;

/// <summary>Peak resident memory (VmHWM) of our daemon streaming a 10 GiB read and a 10 GiB write through the mount.</summary>
/// <remarks>The read is of a sparse file on the server (the disk is not the limit). The write spools on local disk and then lands on the
/// server: it needs twice its size free for a moment, so a disk that cannot hold that gets the largest size that fits, said in the row.</remarks>
internal static class MemoryBench
{
    private const long GiB = 1L << 30;
    private const long Size = 10 * GiB;

    public static async Task RunAsync(string facilityfs, WebDavServer server, Mounts mounts, string work)
    {
        var huge = server.WriteFile("huge.bin", []);
        await using (var file = new FileStream(huge, FileMode.Open, FileAccess.Write)) file.SetLength(Size);
        var streaming = await mounts.OursAsync(diskCache: true, "--cache-max-size", "512M");
        try
        {
            await Timed.RunAsync("dd", $"if={streaming}/huge.bin", "of=/dev/null", "bs=1M");
            Report.Limit("mount: peak RSS, 10 GiB read", Mounts.PeakResidentBytes(streaming) / (double)(1 << 20), "MB", 250);
        }
        finally
        {
            await mounts.UnmountAsync(streaming);
            File.Delete(huge);
        }

        // Spool and server share this disk here: room for both copies, and a margin for everything else.
        var free = Math.Min(new DriveInfo(work).AvailableFreeSpace, new DriveInfo(server.DataDirectory).AvailableFreeSpace);
        var size = Math.Min(Size, (free - 4 * GiB) / 2 / GiB * GiB);
        if (size < GiB)
        {
            Console.WriteLine($"mount: peak RSS, write          skipped: {free / GiB} GiB free, not room for a 1 GiB spool and its upload");
            return;
        }
        var writing = await mounts.OursWritableAsync();
        try
        {
            var name = Path.Combine(writing, "huge-write.bin");
            await Timed.RunAsync("dd", "if=/dev/zero", $"of={name}", "bs=1M", $"count={size >> 20}");
            await Timed.RunAsync(facilityfs, "sync", writing);
            var what = size == Size ? "mount: peak RSS, 10 GiB write" : $"mount: peak RSS, {size / GiB} GiB write (disk too small for 10)";
            Report.Limit(what, Mounts.PeakResidentBytes(writing) / (double)(1 << 20), "MB", 250);
            File.Delete(name);
            await Timed.RunAsync(facilityfs, "sync", writing);
        }
        finally
        {
            await mounts.UnmountAsync(writing);
            if (File.Exists(server.PathOf("huge-write.bin"))) File.Delete(server.PathOf("huge-write.bin"));
        }
    }
}
