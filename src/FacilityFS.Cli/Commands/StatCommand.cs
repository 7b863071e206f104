using System.CommandLine;
using System.Globalization;
using FacilityFS.Cli.Output;
using FacilityFS.Storage;

namespace FacilityFS.Cli.Commands;

/// <summary>`stat REMOTE`: everything the store says about one file or folder, with its checksum where the server offers one.</summary>
internal static class StatCommand
{
    internal sealed record Stat(string Path, string Type, long Size, DateTimeOffset? Modified, string? Etag, string? Checksum);

    public static Command Create(CliContext context)
    {
        var remote = new Argument<string>("REMOTE") { Description = "A URL or name:path" };
        var json = GlobalOptions.Json();
        var command = new Command("stat", "Show a remote file's or folder's details") { remote, json };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var target = scope.Remotes.Resolve(parse.GetValue(remote)!);
            var entry = await target.Store.StatAsync(target.Path, token).ConfigureAwait(false);
            var checksum = entry.IsDirectory ? null : await target.Store.ServerAdler32Async(entry.Path, token).ConfigureAwait(false);
            var stat = new Stat(target.ToString(), entry.IsDirectory ? "directory" : "file", entry.Size, entry.LastModified, entry.ETag, checksum?.ToString());
            if (parse.GetValue(json))
            {
                context.Json(stat);
                return;
            }
            context.Line($"path:     {stat.Path}");
            context.Line($"type:     {stat.Type}");
            context.Line(string.Create(CultureInfo.InvariantCulture, $"size:     {stat.Size}"));
            context.Line($"modified: {stat.Modified?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "-"}");
            context.Line($"etag:     {stat.Etag ?? "-"}");
            context.Line($"checksum: {stat.Checksum ?? "- (not offered by the server)"}");
        }, ct));
        return command;
    }
}
