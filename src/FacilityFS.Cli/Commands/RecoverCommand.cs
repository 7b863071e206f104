using System.CommandLine;
using FacilityFS.Cli.Control;
using FacilityFS.Cli.Output;
using FacilityFS.Vfs;

namespace FacilityFS.Cli.Commands;

/// <summary>`recover`: lists the files a mount kept because their writer never closed them, and publishes or drops them as the user says.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("windows")]
internal static class RecoverCommand
{
    public static Command Create(CliContext context)
    {
        var mountpoint = new Argument<string>("MOUNTPOINT") { Description = "A FacilityFS mount" };
        var paths = new Argument<string[]>("PATH") { Description = "Interrupted files in the mount (default with an action: none, see --all)", Arity = ArgumentArity.ZeroOrMore };
        var aside = new Option<bool>("--publish-aside") { Description = "Upload each as NAME.interrupted-HOST-TIME, leaving the name alone" };
        var publish = new Option<bool>("--publish") { Description = "Upload each under its own name, as if it had been closed" };
        var drop = new Option<bool>("--drop") { Description = "Delete each from the spool; nothing is uploaded" };
        var all = new Option<bool>("--all") { Description = "Apply the action to every interrupted file" };
        var json = GlobalOptions.Json();
        var command = new Command("recover", "List files whose writer never closed them (kept, not uploaded) and publish or drop them")
            { mountpoint, paths, aside, publish, drop, all, json };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (_, token) =>
        {
            var point = Path.GetFullPath(parse.GetValue(mountpoint)!);
            string[] actions = [.. new[] { (aside, "publish-aside"), (publish, "publish"), (drop, "drop") }.Where(a => parse.GetValue(a.Item1)).Select(a => a.Item2)];
            if (actions.Length > 1) throw new UsageException("give one of --publish-aside, --publish and --drop");
            var action = actions.SingleOrDefault();
            var files = parse.GetValue(paths) ?? [];
            if (action is null && (files.Length > 0 || parse.GetValue(all)))
                throw new UsageException("say what to do with the files: --publish-aside, --publish or --drop");
            if (action is not null && files.Length == 0 && !parse.GetValue(all))
                throw new UsageException($"name the files to {action} (as `facilityfs recover {point}` lists them) or give --all");
            if (files.Length > 0 && parse.GetValue(all)) throw new UsageException("give either files or --all, not both");
            var relative = files.Select(f => InMount(point, f)).ToList();
            var report = await ControlClient.AskAsync<RecoverReport>(point, new ControlRequest("recover", Action: action, Paths: relative), token).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                context.Line(ControlJson.Write(report));
                return;
            }
            foreach (var done in report.Done) context.Line($"{Under(point, done.Path)}: {done.Outcome}");
            if (report.Interrupted.Count == 0)
            {
                if (action is null) context.Line($"no interrupted files at {point}");
                return;
            }
            if (action is not null) context.Line("still interrupted:");
            foreach (var file in report.Interrupted)
                context.Line($"interrupted  {Under(point, file.Path)}  {file.Size} bytes, last written {file.Modified.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
            if (action is null)
                context.Line($"these were never closed by their writer and may be incomplete; decide with: facilityfs recover {point} (--publish-aside | --publish | --drop) (PATH… | --all)");
        }, ct));
        return command;
    }

    /// <summary>A file given as a path in the mount (absolute, or relative to the current folder), as the mount names it (from its root, with '/').</summary>
    private static string InMount(string point, string file)
    {
        var full = Path.GetFullPath(file);
        var relative = Path.GetRelativePath(point, full);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            throw new UsageException($"{file} is not a file in the mount at {point}");
        return "/" + relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static string Under(string point, string mountPath) => Path.Join(point, mountPath);
}
