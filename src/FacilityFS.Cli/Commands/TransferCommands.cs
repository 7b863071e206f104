using System.CommandLine;
using FacilityFS.Cli.Output;
using FacilityFS.Cli.Transfers;

namespace FacilityFS.Cli.Commands;

/// <summary>`get` and `put`: file and tree transfers with progress, resume by skipping identical files, and verification.</summary>
internal static class TransferCommands
{
    public static Command Get(CliContext context)
    {
        var remote = new Argument<string>("REMOTE") { Description = "A URL or name:path" };
        var local = new Argument<string?>("LOCAL") { Description = "Where to save (default: the remote name in the current folder)", Arity = ArgumentArity.ZeroOrOne };
        var recursive = GlobalOptions.Recursive("Download a folder with everything in it");
        var parallel = GlobalOptions.Parallel();
        var json = GlobalOptions.Json();
        var command = new Command("get", "Download a remote file or folder") { remote, local, recursive, parallel, json };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var reporter = new TransferReporter(context, parse.GetValue(json));
            var downloader = new Downloader(context, reporter, parse.GetValue(parallel) ?? scope.Config.Parallel);
            await downloader.GetAsync(scope.Remotes.Resolve(parse.GetValue(remote)!), parse.GetValue(local), parse.GetValue(recursive), token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    public static Command Put(CliContext context)
    {
        var local = new Argument<string>("LOCAL") { Description = "A local file or folder" };
        var remote = new Argument<string>("REMOTE") { Description = "A URL or name:path; ending in '/' (or naming a folder) keeps the local name" };
        var recursive = GlobalOptions.Recursive("Upload a folder with everything in it");
        var parallel = GlobalOptions.Parallel();
        var json = GlobalOptions.Json();
        var command = new Command("put", "Upload a local file or folder") { local, remote, recursive, parallel, json };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var reporter = new TransferReporter(context, parse.GetValue(json));
            var uploader = new Uploader(context, reporter, parse.GetValue(parallel) ?? scope.Config.Parallel);
            await uploader.PutAsync(parse.GetValue(local)!, scope.Remotes.Resolve(parse.GetValue(remote)!), parse.GetValue(recursive), token).ConfigureAwait(false);
        }, ct));
        return command;
    }
}
