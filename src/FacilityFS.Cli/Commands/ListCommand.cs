using System.CommandLine;
using System.Globalization;
using FacilityFS.Cli.Config;
using FacilityFS.Cli.Output;
using FacilityFS.Storage;

namespace FacilityFS.Cli.Commands;

/// <summary>`ls [-l] [-r] REMOTE`: names, or long lines with kind, size and time; folders end with '/'.</summary>
internal static class ListCommand
{
    internal sealed record Listed(string Path, string Name, string Type, long Size, DateTimeOffset? Modified, string? Etag);

    public static Command Create(CliContext context)
    {
        var remote = new Argument<string>("REMOTE") { Description = "A URL or name:path" };
        var longFormat = new Option<bool>("--long", "-l") { Description = "Show kind, size and modification time" };
        var recursive = GlobalOptions.Recursive("List everything below the folder");
        var json = GlobalOptions.Json();
        var command = new Command("ls", "List a remote folder") { remote, longFormat, recursive, json };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var target = scope.Remotes.Resolve(parse.GetValue(remote)!);
            var entry = await target.Store.StatAsync(target.Path, token).ConfigureAwait(false);
            var print = Printer(context, parse.GetValue(longFormat), parse.GetValue(json));
            if (!entry.IsDirectory)
            {
                print(entry, entry.Name);
                return;
            }
            using var batch = context.Batch();
            await ListAsync(target, target.Path, parse.GetValue(recursive), print, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    /// <summary>Folders up to this many entries are printed sorted by name; larger ones as they arrive, so memory stays flat for a million files.</summary>
    internal const int SortedUpTo = 10_000;

    private static async Task ListAsync(RemoteTarget target, RemotePath folder, bool recursive, Action<RemoteEntry, string> print, CancellationToken cancellationToken)
    {
        var first = new List<RemoteEntry>();
        var subfolders = new List<RemotePath>();
        var streaming = false;
        void Print(RemoteEntry child)
        {
            print(child, child.Path.RelativeTo(target.Path));
            if (recursive && child.IsDirectory) subfolders.Add(child.Path);
        }
        await foreach (var child in target.Store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            if (streaming)
            {
                Print(child);
                continue;
            }
            first.Add(child);
            if (first.Count <= SortedUpTo) continue;
            streaming = true;
            foreach (var held in first) Print(held);
            first.Clear();
        }
        foreach (var child in first.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            print(child, child.Path.RelativeTo(target.Path));
            if (recursive && child.IsDirectory) await ListAsync(target, child.Path, recursive, print, cancellationToken).ConfigureAwait(false);
        }
        // A folder printed as it came has its subfolders follow it, once its own listing is done.
        foreach (var subfolder in subfolders) await ListAsync(target, subfolder, recursive, print, cancellationToken).ConfigureAwait(false);
    }

    private static Action<RemoteEntry, string> Printer(CliContext context, bool longFormat, bool json) => (entry, shown) =>
    {
        // A name is the server's to choose: escape sequences in it are shown, not obeyed, and a newline cannot pass for two entries.
        var name = Printable.Escape(entry.IsDirectory ? shown + "/" : shown);
        if (json)
            context.Json(new Listed(entry.Path.Value, entry.Name, entry.IsDirectory ? "directory" : "file", entry.Size, entry.LastModified, entry.ETag));
        else if (longFormat)
            context.Line(string.Create(CultureInfo.InvariantCulture,
                $"{(entry.IsDirectory ? 'd' : '-')} {entry.Size,14} {entry.LastModified?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",19} {name}"));
        else
            context.Line(name);
    };
}
