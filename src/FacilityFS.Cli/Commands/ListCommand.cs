using System.CommandLine;
using System.Globalization;
using FacilityFS.Cli.Config;
using FacilityFS.Cli.Output;
using FacilityFS.Storage;

namespace FacilityFS.Cli.Commands;

/// <summary>`ls [-l] [-r] REMOTE`: names, or long lines with kind, size and time; folders end with '/'.</summary>
internal static class ListCommand
{
    private sealed record Listed(string Path, string Name, string Type, long Size, DateTimeOffset? Modified, string? Etag);

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
            await ListAsync(target, target.Path, parse.GetValue(recursive), print, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static async Task ListAsync(RemoteTarget target, RemotePath folder, bool recursive, Action<RemoteEntry, string> print, CancellationToken cancellationToken)
    {
        var children = await target.Store.ListAsync(folder, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var child in children.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            print(child, child.Path.RelativeTo(target.Path));
            if (recursive && child.IsDirectory) await ListAsync(target, child.Path, recursive, print, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Action<RemoteEntry, string> Printer(CliContext context, bool longFormat, bool json) => (entry, shown) =>
    {
        var name = entry.IsDirectory ? shown + "/" : shown;
        if (json)
            context.Json(new Listed(entry.Path.Value, entry.Name, entry.IsDirectory ? "directory" : "file", entry.Size, entry.LastModified, entry.ETag));
        else if (longFormat)
            context.Line(string.Create(CultureInfo.InvariantCulture,
                $"{(entry.IsDirectory ? 'd' : '-')} {entry.Size,14} {entry.LastModified?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",19} {name}"));
        else
            context.Line(name);
    };
}
