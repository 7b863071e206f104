using FacilityFS.Cli.Control;
using FacilityFS.Cli.Output;
using FacilityFS.Watch;

namespace FacilityFS.Cli.Watching;

/// <summary>What a running watch says about itself over its control socket (the answer to "status" and "unwatch").</summary>
public sealed record WatchStatusReport(string Directory, string Target, int ProcessId, double FlushTimeoutSeconds, WatchReport Watch, IReadOnlyList<DatasetReport> Datasets);

/// <summary>Where a watch's control socket and pid file live, and how `status` prints a watch.</summary>
internal static class WatchControl
{
    public static string SocketOf(string directory) => Path.Combine(ControlSocket.RunFolder, $"watch-{ControlSocket.Hash(directory)}.sock");

    public static string PidFileOf(string directory) => Path.Combine(ControlSocket.RunFolder, $"watch-{ControlSocket.Hash(directory)}.pid");

    /// <summary>Asks the watch of <paramref name="directory"/>; a watch that does not answer is a clear error naming the folder.</summary>
    public static async Task<WatchStatusReport> AskAsync(string directory, string command, CancellationToken cancellationToken)
    {
        try
        {
            return await ControlClient.AskAsync<WatchStatusReport>(directory, new ControlRequest(command), cancellationToken, SocketOf(directory)).ConfigureAwait(false);
        }
        catch (UsageException) when (!File.Exists(PidFileOf(directory)))
        {
            throw new UsageException($"{directory} is not watched (no facilityfs watch of it answers)");
        }
    }

    /// <summary>Every watch of this user that answers (a killed watch leaves a socket nobody answers on).</summary>
    public static async Task<IReadOnlyList<WatchStatusReport>> RunningAsync(CancellationToken cancellationToken)
    {
        var reports = new List<WatchStatusReport>();
        if (!Directory.Exists(ControlSocket.RunFolder)) return reports;
        foreach (var socket in Directory.EnumerateFiles(ControlSocket.RunFolder, "watch-*.sock").Order(StringComparer.Ordinal))
        {
            try
            {
                reports.Add(await ControlClient.AskAsync<WatchStatusReport>(socket, new ControlRequest("status"), cancellationToken, socket).ConfigureAwait(false));
            }
            catch (UsageException)
            {
                // Left by a watch that was killed: nobody answers, nothing to show.
            }
        }
        return reports;
    }

    public static void Print(CliContext context, WatchStatusReport report)
    {
        var w = report.Watch;
        context.Line($"{report.Directory}: watched, {report.Target} (pid {report.ProcessId}){(w.Inotify ? "" : ", rescans only")}");
        context.Line($"  files: {w.Waiting} waiting, {w.Committed} committed, {w.Failures.Count} failed");
        // Names are the instrument's: a newline or escape sequence in one must not forge or garble lines of the report.
        foreach (var f in w.Failures) context.Line($"  failed    {Storage.Printable.Escape(f.Path)} — {Storage.Printable.Escape(f.Reason)}");
        foreach (var problem in w.Problems) context.Line($"  problem   {Storage.Printable.Escape(problem)}");
        foreach (var d in report.Datasets)
            context.Line($"  dataset   {d}");
    }
}
