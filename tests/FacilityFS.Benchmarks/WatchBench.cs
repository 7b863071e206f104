using System.Diagnostics;
using FacilityFS.TestServers;

namespace FacilityFS.Benchmarks;

/// <summary>10 000 small files written into a watched folder (`facilityfs watch --upload-to`) against the same written into a mount with the same rules:
/// the time from the last close (the marker) until the dataset is registered with all its files.</summary>
internal static class WatchBench
{
    private const int Files = 10_000;

    public static async Task RunAsync(string facilityfs, WebDavServer server, string work)
    {
        await using var scicat = await SciCatStandIn.StartAsync();
        var password = Path.Combine(work, "scicat.password");
        await File.WriteAllTextAsync(password, SciCatStandIn.Password);
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = Path.Combine(work, "watch-config.yaml");
        await File.WriteAllTextAsync(config, $"""
            catalogs:
              bench:
                url: {scicat.ApiBase}
                username: {SciCatStandIn.Username}
                password_file: {password}
                defaults:
                  ownerGroup: {SciCatStandIn.Group}
                  owner: Bench
                  contactEmail: bench@example.org
                  principalInvestigator: pi@example.org
                  creationLocation: /TESTLIGHT/p01
            """);
        var rules = Path.Combine(work, "watch-rules.yaml");
        await File.WriteAllTextAsync(rules, "rules:\n  - folders: raw\n    complete: marker\n    marker: .complete\n");
        // Both keep their state (journal, ledger, spool) in the work folder, not in the user's.
        var state = new Dictionary<string, string> { ["XDG_STATE_HOME"] = Path.Combine(work, "state"), ["XDG_CACHE_HOME"] = Path.Combine(work, "cache") };

        server.CreateDirectory("watch-bench");
        var watched = Directory.CreateDirectory(Path.Combine(work, "watched")).FullName;
        var start = Start(facilityfs, state, "--config", config, "watch", watched, "--catalog-rules", rules, "--upload-to",
            new Uri(server.BaseUri, "watch-bench/").AbsoluteUri, "--settle", "0.2", "--transfers", "8", "--foreground");
        start.RedirectStandardError = true;
        var watch = Process.Start(start)!;
        var said = new System.Text.StringBuilder();
        watch.ErrorDataReceived += (_, e) => { lock (said) said.AppendLine(e.Data); };
        watch.BeginErrorReadLine();
        TimeSpan watchTime;
        try
        {
            await WaitAsync(() => { lock (said) return said.ToString().Contains("watching ", StringComparison.Ordinal) || watch.HasExited; }, "the watch to start");
            if (watch.HasExited) throw new InvalidOperationException($"facilityfs watch ended: {said}");
            watchTime = await WriteAndRegisterAsync(Path.Combine(watched, "raw", "scan"), scicat, "/watch-bench/raw/scan");
        }
        finally
        {
            watch.Kill();
            await watch.WaitForExitAsync();
        }

        var point = Directory.CreateDirectory(Path.Combine(work, "watch-bench-mount")).FullName;
        server.CreateDirectory("mount-bench");
        await RunAsync(Start(facilityfs, state, "--config", config, "mount", new Uri(server.BaseUri, "mount-bench/").AbsoluteUri, point, "--catalog-rules", rules,
            "--upload-delay", "0.2", "--spool-dir", Path.Combine(work, "watch-bench-spool")));
        TimeSpan mountTime;
        try
        {
            mountTime = await WriteAndRegisterAsync(Path.Combine(point, "raw", "scan"), scicat, "/mount-bench/raw/scan");
        }
        finally
        {
            await RunAsync(Start(facilityfs, state, "unmount", point));
        }
        // Above 1: the watch registers sooner after the last close than the mount does.
        Report.Speedup($"watch: {Files} small, registered", watchTime, "mount", mountTime, 0.8);
        Directory.Delete(server.PathOf("watch-bench"), recursive: true);
        Directory.Delete(server.PathOf("mount-bench"), recursive: true);
    }

    /// <summary>Writes the files and the marker like an instrument, then times from the marker's close until the dataset and its files are in the catalog.</summary>
    private static async Task<TimeSpan> WriteAndRegisterAsync(string folder, SciCatStandIn scicat, string sourceFolder)
    {
        Directory.CreateDirectory(folder);
        var content = new byte[1024];
        Random.Shared.NextBytes(content);
        for (var i = 0; i < Files; i++) await File.WriteAllBytesAsync(Path.Combine(folder, $"f{i:D5}.dat"), content);
        await File.WriteAllTextAsync(Path.Combine(folder, ".complete"), "");
        var clock = Stopwatch.StartNew();
        await WaitAsync(() =>
        {
            lock (scicat.Datablocks)
            {
                var dataset = scicat.Datasets.Values.FirstOrDefault(d => d["sourceFolder"]?.ToString() == sourceFolder);
                return dataset is not null && scicat.Datablocks.Any(b => b["datasetId"]!.ToString() == dataset["pid"]!.ToString());
            }
        }, $"{sourceFolder} to be registered");
        return clock.Elapsed;
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        if (!await Eventually.HoldsAsync(condition, TimeSpan.FromMinutes(10))) throw new TimeoutException($"waited 10 minutes for {what}");
    }

    private static ProcessStartInfo Start(string facilityfs, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(facilityfs, args) { UseShellExecute = false };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return start;
    }

    private static async Task RunAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {start.FileName}");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}");
    }
}
