using System.Diagnostics;

namespace FacilityFS.Benchmarks;

/// <summary>Starts and stops the mounts being compared: ours (bin/facilityfs), rclone's, each with a fresh cache folder, and the C ceilings (memfs_ll, passthrough_ll).</summary>
internal sealed class Mounts(string facilityfs, string work, Uri server)
{
    /// <summary>Mounts with our defaults (memory cache only), or with a fresh disk cache too; read-only unless it is for writing (a writable mount has a spool of its own).</summary>
    public async Task<string> OursAsync(bool diskCache, params string[] extra) => await MountAsync(diskCache, ["--read-only", .. extra]);

    public async Task<string> OursWritableAsync() => await MountAsync(false, ["--spool-dir", Path.Combine(work, "spool-" + Guid.NewGuid().ToString("N")[..8])]);

    private async Task<string> MountAsync(bool diskCache, string[] extra)
    {
        var (point, cache) = Fresh("ffs");
        string[] cacheArgs = diskCache ? ["--cache-dir", cache] : [];
        await Timed.RunAsync(facilityfs, ["mount", server.AbsoluteUri, point, .. cacheArgs, .. extra]);
        return point;
    }

    /// <summary>Unmounts whatever is still mounted below the work folder (after a failed measurement), so the folder can go.</summary>
    public void UnmountLeftovers()
    {
        foreach (var point in Directory.EnumerateDirectories(work).Where(Fuse.FuseMount.IsMounted))
            Fuse.FuseMount.Unmount(point, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    public async Task<string> RcloneAsync()
    {
        var (point, cache) = Fresh("rclone");
        await Timed.RunAsync("rclone", "mount", ":webdav:", point, "--webdav-url", server.AbsoluteUri, "--vfs-cache-mode", "full",
            "--cache-dir", cache, "--daemon", "--log-level", "ERROR");
        for (var i = 0; i < 200 && !Fuse.FuseMount.IsMounted(point); i++) await Task.Delay(50);
        return point;
    }

    /// <summary>The physical limit of a FUSE read here: native/ceiling/memfs_ll serving a file of <paramref name="mebibytes"/> from memory (built by make bench).</summary>
    public async Task<string> CeilingAsync(string ceiling, int mebibytes)
    {
        var (point, _) = Fresh("ceiling");
        // It fills its memory before mounting and serves in the foreground until unmounted; the unmount ends it.
        var process = Process.Start(new ProcessStartInfo(ceiling, [point, mebibytes.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException($"cannot start {ceiling}");
        await WaitMountedAsync(point, () => !process.HasExited);
        return point;
    }

    /// <summary>libfuse's own passthrough_ll example over a local folder (built by make bench from the libfuse3-dev examples): the limit of a FUSE write here.</summary>
    public async Task<string> PassthroughAsync(string passthrough, string source)
    {
        var (point, _) = Fresh("passthrough");
        await Timed.RunAsync(passthrough, "-o", $"source={source}", point);
        await WaitMountedAsync(point, () => true);
        return point;
    }

    private static async Task WaitMountedAsync(string point, Func<bool> alive)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!Fuse.FuseMount.IsMounted(point))
        {
            if (!alive() || DateTime.UtcNow > deadline) throw new InvalidOperationException($"nothing mounted at {point}");
            await Task.Delay(50);
        }
    }

    public async Task UnmountAsync(string point)
    {
        if (Path.GetFileName(point).StartsWith("ffs", StringComparison.Ordinal)) await Timed.RunAsync(facilityfs, "unmount", point);
        else await Timed.RunAsync("fusermount3", "-u", "-z", point);
    }

    /// <summary>The peak resident memory (VmHWM) of the process serving <paramref name="point"/>, in bytes.</summary>
    public static long PeakResidentBytes(string point)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            if (!commandLine.Contains("--foreground", StringComparison.Ordinal) || !commandLine.Contains(point, StringComparison.Ordinal)) continue;
            var line = File.ReadLines(Path.Combine(dir, "status")).First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"no mount daemon serves {point}");
    }

    private (string Point, string Cache) Fresh(string kind)
    {
        var id = kind + "-" + Guid.NewGuid().ToString("N")[..8];
        return (Directory.CreateDirectory(Path.Combine(work, id)).FullName, Path.Combine(work, id + "-cache"));
    }

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }
}
