using System.CommandLine;
using System.Globalization;
using FacilityFS.Cli.Control;
using FacilityFS.Cli.Output;
using FacilityFS.Vfs;

namespace FacilityFS.Cli.Commands;

/// <summary>`status` and `sync`: what a mount still has to upload (or one file's upload state), asked over its control socket.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("windows")]
internal static class WriteBackCommands
{
    private const int ShownWaiting = 20;

    public static Command Status(CliContext context)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "A mount (default: every mount of this user), a watched folder, or files in a mount (their upload state each)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var json = GlobalOptions.Json();
        var command = new Command("status", "Show pending, uploading and failed files, conflicts and cache use of mounts, what watches have left, or the upload state of files") { paths, json };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (_, token) =>
        {
            var given = parse.GetValue(paths) ?? [];
            var asJson = parse.GetValue(json);
            if (given.Length == 0)
            {
                var watches = OperatingSystem.IsLinux() && await WatchCommand.PrintStatusAsync(context, null, asJson, token).ConfigureAwait(false);
                var all = MountedPoints();
                if (all.Count == 0 && !asJson && !watches) context.Line("no FacilityFS mounts");
                foreach (var point in all) await PrintMountAsync(context, point, asJson, token).ConfigureAwait(false);
                return;
            }
            // Windows keeps no mount table to find a file's mount in: there, status is given mountpoints only.
            if (!OperatingSystem.IsLinux())
            {
                foreach (var point in given) await PrintMountAsync(context, Path.GetFullPath(point), asJson, token).ConfigureAwait(false);
                return;
            }
            // Every path is placed before anything is asked, so that one outside any mount fails the command before it prints half.
            // A path through a symbolic link is placed where the link leads.
            var places = given.Select(g => (Given: g, Full: Path.GetFullPath(g))).Select(p => (p.Given, p.Full, Mount: PathStatus.MountOf(PathStatus.Resolved(p.Full)))).ToList();
            var files = new List<(string Given, string Full, string Mountpoint, string Relative)>();
            foreach (var (asked, full, mount) in places)
            {
                if (File.Exists(Watching.WatchControl.SocketOf(Path.TrimEndingDirectorySeparator(full)))) continue;
                if (mount is null) throw new UsageException($"{asked} is not in a FacilityFS mount (facilityfs status lists the mounts)");
                if (mount.Value.Relative.Length > 0) files.Add((asked, full, mount.Value.Mountpoint, mount.Value.Relative));
            }
            foreach (var (_, full, mount) in places)
            {
                if (await WatchCommand.PrintStatusAsync(context, full, asJson, token).ConfigureAwait(false)) continue;
                if (mount!.Value.Relative.Length == 0) await PrintMountAsync(context, mount.Value.Mountpoint, asJson, token).ConfigureAwait(false);
            }
            var unknown = await PathStatus.PrintAsync(context, files, asJson, token).ConfigureAwait(false);
            if (unknown > 0) throw new NoFileStateException($"{unknown} of {files.Count} files have no upload state");
        }, ct));
        return command;
    }

    private static async Task PrintMountAsync(CliContext context, string point, bool json, CancellationToken token)
    {
        var report = await ControlClient.AskAsync<MountReport>(point, new ControlRequest("status"), token).ConfigureAwait(false);
        if (json) context.Line(ControlJson.Write(report));
        else Print(context, report);
    }

    public static Command Sync(CliContext context)
    {
        var mountpoint = new Argument<string>("MOUNTPOINT") { Description = "A FacilityFS mount" };
        var timeout = new Option<double?>("--timeout") { Description = "Give up waiting after this many seconds (default: wait until done)" };
        var command = new Command("sync", "Upload every closed file now and wait until all are on the storage") { mountpoint, timeout };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (_, token) =>
        {
            var point = Path.GetFullPath(parse.GetValue(mountpoint)!);
            var sync = await ControlClient.AskAsync<SyncReport>(point, new ControlRequest("sync", parse.GetValue(timeout)), token).ConfigureAwait(false);
            foreach (var open in sync.Open) context.ErrorLine($"still open for writing, not waited for: {Storage.Printable.Escape(open.Path)}");
            var pending = (await ControlClient.AskAsync<MountReport>(point, new ControlRequest("status"), token).ConfigureAwait(false)).Status.Pending;
            foreach (var kept in pending.Where(p => p.State == "interrupted"))
                context.ErrorLine($"never closed by its writer, kept and not uploaded: {Storage.Printable.Escape(kept.Path)} (facilityfs recover {point})");
            var left = pending.Where(p => p.State is "dirty" or "uploading").ToList();
            if (sync.Failed.Count > 0 || left.Count > 0)
            {
                foreach (var failed in sync.Failed) context.ErrorLine($"failed: {failed.Path}: {failed.Error}");
                foreach (var waiting in left) context.ErrorLine($"not yet uploaded: {waiting.Path}{(waiting.Error is null ? "" : ": " + waiting.Error)}");
                throw new SyncFailedException($"{sync.Failed.Count} files failed and {left.Count} are not uploaded yet at {point} (facilityfs status {point})");
            }
            context.Line($"everything closed at {point} is on the storage ({sync.Committed} files uploaded since mount)");
        }, ct));
        return command;
    }

    /// <summary>Mountpoints of FacilityFS mounts this user's run folder knows and the kernel still lists.</summary>
    private static List<string> MountedPoints()
    {
        // Windows keeps no mount table to read: there, status and sync are given the mountpoint.
        if (!OperatingSystem.IsLinux()) return [];
        return [.. PathStatus.Mountpoints().Where(p => File.Exists(ControlSocket.PathOf(p))).Order(StringComparer.Ordinal)];
    }

    private static void Print(CliContext context, MountReport report)
    {
        var s = report.Status;
        context.Line($"{report.Mountpoint}: {report.Remote}{(report.ReadOnly ? " (read-only)" : "")}");
        if (!report.ReadOnly)
        {
            var counts = s.Pending.GroupBy(p => p.State).ToDictionary(g => g.Key, g => g.Count());
            string Count(string state) => counts.GetValueOrDefault(state).ToString(CultureInfo.InvariantCulture);
            var interrupted = counts.ContainsKey("interrupted") ? $", {Count("interrupted")} interrupted (facilityfs recover)" : "";
            context.Line($"  uploads: {Count("open")} open, {Count("dirty")} pending, {Count("uploading")} uploading, {Count("failed")} failed{interrupted}; {s.Committed} committed ({Size(s.CommittedBytes)}) since mount");
            context.Line($"  spool: {Size(s.SpoolUsed)} of {Size(s.SpoolLimit)} in {s.SpoolDirectory}");
            // Uploads and failures always show; a long queue of waiting files is cut (--json has every one).
            var shown = s.Pending.Where(p => p.State is "uploading" or "failed").Concat(s.Pending.Where(p => p.State is not ("uploading" or "failed")).Take(ShownWaiting)).ToList();
            foreach (var p in shown)
            {
                var progress = p.State == "uploading" && p.Size > 0 ? $" {100.0 * p.UploadedBytes / p.Size:0}%" : "";
                var reason = p.Error is null ? "" : $" — {(p.State == "failed" ? "" : $"retry {p.Attempts}: ")}{p.Error}";
                context.Line($"  {p.State,-9} {Storage.Printable.Escape(p.Path)} ({Size(p.Size)}{progress}){Storage.Printable.Escape(reason)}");
            }
            if (s.Pending.Count > shown.Count) context.Line($"  … and {s.Pending.Count - shown.Count} more waiting (facilityfs status --json lists all)");
            foreach (var c in s.Conflicts) context.Line($"  conflict  {Storage.Printable.Escape(c.Path)} changed on the storage; ours kept as {Storage.Printable.Escape(c.KeptAs)} ({c.At:u})");
        }
        foreach (var d in report.Datasets ?? [])
            context.Line($"  dataset   {d}");
        context.Line($"  cache: memory {Size(s.MemoryCacheUsed)} of {Size(s.MemoryCacheLimit)}, disk {Size(s.DiskCacheUsed)}{(s.CacheDirectory is null ? " (off)" : $" in {s.CacheDirectory}")}");
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1 << 20 => $"{bytes / 1024.0:0.#} KiB",
        < 1 << 30 => $"{bytes / 1048576.0:0.#} MiB",
        _ => $"{bytes / 1073741824.0:0.##} GiB",
    };
}

/// <summary>`sync` ended with files failed or not uploaded; exits as a remote error.</summary>
public sealed class SyncFailedException(string message) : Exception(message);
