using FacilityFS.Fuse.Interop;

namespace FacilityFS.Fuse.Tests;

/// <summary>A real FUSE mount made by `facilityfs mount` in the background, unmounted (and checked gone) on dispose.</summary>
internal sealed class MountedFolder : IAsyncDisposable
{
    private MountedFolder(string path, string cacheDirectory, string log)
    {
        Path = path;
        CacheDirectory = cacheDirectory;
        Log = log;
    }

    public string Path { get; }

    public string CacheDirectory { get; }

    public string Log { get; }

    /// <summary>Mounts <paramref name="remote"/> at a fresh folder under <paramref name="workFolder"/>, with short cache times unless told otherwise.</summary>
    public static Task<MountedFolder> StartAsync(string remote, string workFolder, string? cacheDirectory = null, params string[] extra) =>
        StartAsync(null, remote, workFolder, cacheDirectory, extra);

    /// <summary>Like the overload without it, with extra environment variables for the mount daemon (crash points of crash tests).</summary>
    public static async Task<MountedFolder> StartAsync(IReadOnlyDictionary<string, string>? environment, string remote, string workFolder,
        string? cacheDirectory, params string[] extra)
    {
        var path = Directory.CreateDirectory(System.IO.Path.Combine(workFolder, "mnt-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var cache = cacheDirectory ?? System.IO.Path.Combine(workFolder, "cache-" + Guid.NewGuid().ToString("N")[..8]);
        var log = System.IO.Path.Combine(workFolder, System.IO.Path.GetFileName(path) + ".log");
        // Each mount gets a spool of its own under the work folder unless the test names one (to remount onto it).
        string[] spool = extra.Contains("--spool-dir") || extra.Contains("--read-only") ? [] : ["--spool-dir", System.IO.Path.Combine(workFolder, "spool-" + Guid.NewGuid().ToString("N")[..8])];
        string[] args = ["mount", remote, path, "--cache-dir", cache, "--log-file", log, "--dir-cache-time", "1", "--attr-timeout", "1", .. spool, .. extra];
        var run = await ProcessRun.RunAsync(Repository.CommandFile, Repository.CommandArgs(args), environment: environment);
        if (run.ExitCode != 0) throw new InvalidOperationException($"mount failed: {run}\nlog: {(File.Exists(log) ? File.ReadAllText(log) : "")}");
        return new MountedFolder(path, cache, log);
    }

    public string Under(string relative) => System.IO.Path.Combine(Path, relative);

    public async ValueTask DisposeAsync()
    {
        if (!FuseMount.IsMounted(Path)) return;
        var run = await ProcessRun.FacilityFsAsync("unmount", Path);
        if (FuseMount.IsMounted(Path)) Libc.Umount2(Path, Libc.MntDetach);
        if (run.ExitCode != 0) throw new InvalidOperationException($"unmount failed: {run}");
    }
}
