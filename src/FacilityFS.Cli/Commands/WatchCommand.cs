using System.CommandLine;
using System.Runtime.InteropServices;
using FacilityFS.Cli.Config;
using FacilityFS.Cli.Control;
using FacilityFS.Cli.Mounting;
using FacilityFS.Cli.Output;
using FacilityFS.Cli.Watching;
using FacilityFS.Watch;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Commands;

/// <summary>`watch`: datasets that appear in an ordinary folder registered in place, or uploaded first (`--upload-to`), by a mount's catalog rules.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class WatchCommand
{
    public static Command Create(CliContext context)
    {
        var directory = new Argument<string>("DIR") { Description = "The local folder to watch (and every folder below it)" };
        var catalogRules = new Option<string>("--catalog-rules") { Description = "Register datasets in SciCat by the rules in this YAML file (as for mount)", Required = true };
        var uploadTo = new Option<string?>("--upload-to") { Description = "Upload every settled file to this remote folder (URL or name:path) before registering; default: register in place" };
        var corePath = new Option<string?>("--core-path") { Description = "In place: register the folder as this path (scingestor's corePath), e.g. /asap3/petra3/gpfs/p00/2026/data/ID" };
        var settle = new Option<double>("--settle") { Description = "Seconds a file must stay unmodified before it counts as complete", DefaultValueFactory = _ => 2 };
        var rescan = new Option<double>("--rescan") { Description = "Seconds between walks of the whole tree (finds what events missed)", DefaultValueFactory = _ => 60 };
        var noInotify = new Option<bool>("--no-inotify") { Description = "Use rescans only (file systems whose writes other hosts make, without events)" };
        var transfers = new Option<int>("--transfers") { Description = "Files uploaded or checksummed at once", DefaultValueFactory = _ => 4 };
        var journal = new Option<string?>("--journal") { Description = "The watch's journal (default: ~/.local/state/facilityfs/watch/…, one per folder and target)" };
        var flushTimeout = new Option<double>("--flush-timeout") { Description = "Seconds a stop waits for the files being sent; the rest go at the next start", DefaultValueFactory = _ => 60 };
        var logFile = new Option<string?>("--log-file") { Description = "Where the watch logs (default: standard error)" };
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay in the foreground (Ctrl-C stops after the current uploads); the only mode for now (run it under systemd or nohup)" };
        var command = new Command("watch", "Watch a folder: register datasets that appear in it, uploading their files first with --upload-to")
        {
            directory, catalogRules, uploadTo, corePath, settle, rescan, noInotify, transfers, journal, flushTimeout, logFile, foreground,
        };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(parse.GetValue(directory)!));
            if (!Directory.Exists(folder)) throw new UsageException($"{folder}: no such folder to watch");
            var (catalog, rules) = CatalogRulesLoader.Load(Path.GetFullPath(parse.GetValue(catalogRules)!), scope.Config);
            var target = parse.GetValue(uploadTo) is { } spec ? scope.Remotes.Resolve(spec) : null;
            var core = parse.GetValue(corePath);
            if (core is not null && target is not null) throw new UsageException("--core-path names where files already are; with --upload-to they are registered where they were uploaded");
            if (core is not null && !core.StartsWith('/')) throw new UsageException($"--core-path {core}: give an absolute path");
            if (parse.GetValue(settle) < 0 || parse.GetValue(rescan) <= 0 || parse.GetValue(flushTimeout) < 0)
                throw new UsageException("--settle and --flush-timeout take seconds ≥ 0, --rescan seconds > 0");
            if (parse.GetValue(transfers) is < 1 or > 64) throw new UsageException($"--transfers {parse.GetValue(transfers)}: give 1 to 64 at once");
            var options = new WatchOptions
            {
                Settle = TimeSpan.FromSeconds(parse.GetValue(settle)),
                Rescan = TimeSpan.FromSeconds(parse.GetValue(rescan)),
                UseInotify = !parse.GetValue(noInotify),
                Parallel = parse.GetValue(transfers),
            };
            var journalPath = Path.GetFullPath(parse.GetValue(journal) ?? DefaultJournal(folder, target));
            using var logger = FileLogger.Open(parse.GetValue(logFile), LogLevel.Information);
            var pidFile = WatchControl.PidFileOf(folder);
            Directory.CreateDirectory(Path.GetDirectoryName(pidFile)!);
            await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), token).ConfigureAwait(false);
            try
            {
                await using var host = await WatchHost.StartAsync(folder, target, core, catalog, rules, scope.Config, options, journalPath, logger, token).ConfigureAwait(false);
                var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                void Stop(PosixSignalContext signal)
                {
                    signal.Cancel = true;
                    stop.TrySetResult();
                }
                using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
                using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
                using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
                using var cancelled = token.Register(() => stop.TrySetResult());
                var flush = parse.GetValue(flushTimeout);
                WatchStatusReport Report()
                {
                    var (watch, datasets) = host.Status();
                    return new WatchStatusReport(folder, watch.Target, Environment.ProcessId, flush,
                        watch, [.. datasets.Select(d => new DatasetReport(d.Folder, d.Pid, d.Step.ToString().ToLowerInvariant(), d.Error))]);
                }
                await using var control = ControlServer.StartWatch(WatchControl.SocketOf(folder), Report, () => stop.TrySetResult(), logger);
                context.ErrorLine($"watching {folder} ({(target is null ? "registering in place" : "uploading to " + target)}); stop with: facilityfs unwatch {folder}");
                await stop.Task.ConfigureAwait(false);
                var left = await host.Watch.StopAsync(TimeSpan.FromSeconds(flush)).ConfigureAwait(false);
                var message = left == 0 ? $"stopped watching {folder}; nothing left" : $"stopped watching {folder}; {left} files left, handled at the next start (journal {journalPath})";
                logger.LogInformation("{Message}", message);
                context.ErrorLine(message);
            }
            finally
            {
                File.Delete(pidFile);
            }
        }, ct));
        return command;
    }

    public static Command Unwatch(CliContext context)
    {
        var directory = new Argument<string>("DIR") { Description = "A folder a facilityfs watch watches" };
        var command = new Command("unwatch", "Stop watching a folder once the files being sent are done, saying what is left") { directory };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (_, token) =>
        {
            var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(parse.GetValue(directory)!));
            var report = await WatchControl.AskAsync(folder, "unwatch", token).ConfigureAwait(false);
            // The watch ends its current uploads (up to its flush timeout) and then exits; returning only then makes a restart see all of it.
            var deadline = DateTime.UtcNow.AddSeconds(report.FlushTimeoutSeconds + 15);
            while (Directory.Exists($"/proc/{report.ProcessId}") && DateTime.UtcNow < deadline) await Task.Delay(50, token).ConfigureAwait(false);
            if (Directory.Exists($"/proc/{report.ProcessId}"))
                throw new UsageException($"the watch of {folder} (pid {report.ProcessId}) is still running {report.FlushTimeoutSeconds + 15:0.#} s after unwatch; see its log");
            var left = report.Watch.Waiting;
            context.Line(left == 0 ? $"stopped watching {folder}" : $"stopped watching {folder}; {left} files were waiting (the next watch of it handles them)");
            foreach (var failure in report.Watch.Failures) context.ErrorLine($"not committed: {failure.Path}: {failure.Reason}");
        }, ct));
        return command;
    }

    /// <summary>`status`'s part for watches: the one of <paramref name="given"/> when it is a watched folder, else every watch that answers.</summary>
    internal static async Task<bool> PrintStatusAsync(CliContext context, string? given, bool json, CancellationToken cancellationToken)
    {
        IReadOnlyList<WatchStatusReport> reports;
        if (given is not null)
        {
            var folder = Path.TrimEndingDirectorySeparator(given);
            if (!File.Exists(WatchControl.SocketOf(folder))) return false;
            reports = [await WatchControl.AskAsync(folder, "status", cancellationToken).ConfigureAwait(false)];
        }
        else reports = await WatchControl.RunningAsync(cancellationToken).ConfigureAwait(false);
        foreach (var report in reports)
        {
            if (json) context.Line(ControlJson.Write(report));
            else WatchControl.Print(context, report);
        }
        return reports.Count > 0;
    }

    /// <summary>One journal per watched folder and target, so a restart of the same watch resumes what the last one left.</summary>
    internal static string DefaultJournal(string folder, RemoteTarget? target) =>
        Path.Combine(UserFolders.State, "watch", ControlSocket.Hash(folder + "\n" + (target is null ? "" : target.StoreKey + "\n" + target.Path.Value)), "journal.db");

}
