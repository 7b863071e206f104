using System.Diagnostics;
using FacilityFS.Fuse;
using FacilityFS.TestServers;

namespace FacilityFS.Conformance.Targets;

/// <summary>A real FUSE mount, made by `facilityfs mount` in its own process, of a local-folder remote; programs reach it through the kernel (System.IO).</summary>
public sealed class FuseMountTarget : FolderTarget
{
    private readonly string _work;
    private readonly string _config;

    private FuseMountTarget(string work, string mountpoint, string config) : base(mountpoint)
    {
        _work = work;
        _config = config;
    }

    private string StoreFolder => Path.Combine(_work, "store");

    /// <summary>Mounts with <paramref name="uploadDelay"/> seconds between a close and its upload: the default 1 s, or 0 so that uploads commit while the kernel still works on the files.</summary>
    public static async Task<FuseMountTarget> StartAsync(double uploadDelay = 1)
    {
        var work = Directory.CreateTempSubdirectory("ffs-conform-fuse-").FullName;
        var store = Directory.CreateDirectory(Path.Combine(work, "store")).FullName;
        var mountpoint = Directory.CreateDirectory(Path.Combine(work, "mnt")).FullName;
        var config = Path.Combine(work, "config.yaml");
        await File.WriteAllTextAsync(config, $"remotes:\n  local:\n    path: {store}\n");
        var target = new FuseMountTarget(work, mountpoint, config);
        await target.RunAsync("mount", "local:/", mountpoint, "--spool-dir", Path.Combine(work, "spool"), "--log-file", Path.Combine(work, "mount.log"),
            "--dir-cache-time", "1", "--attr-timeout", "1", "--upload-delay", uploadDelay.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return target;
    }

    /// <summary>`facilityfs sync` waits until every closed file is on the storage; then the store's folder says what arrived.</summary>
    public override async Task<byte[]?> StoredAsync(string path)
    {
        await RunAsync("sync", Root);
        var file = Path.Combine(StoreFolder, path);
        return File.Exists(file) ? await File.ReadAllBytesAsync(file) : null;
    }

    public override async ValueTask DisposeAsync()
    {
        if (FuseMount.IsMounted(Root)) await RunAsync("unmount", Root);
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>Runs the facilityfs command, bounded in time so that a hung mount fails the test rather than the run.</summary>
    private async Task RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(FacilityCommand.File) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in FacilityCommand.Args(["--config", _config, .. args])) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"facilityfs {string.Join(' ', args)} did not finish in time");
        }
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(_work, "mount.log");
            throw new InvalidOperationException($"facilityfs {string.Join(' ', args)}: exit {process.ExitCode}\n{await output}\n{await error}\nlog: {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
        }
    }
}
