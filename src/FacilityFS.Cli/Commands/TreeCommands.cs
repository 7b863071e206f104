using System.CommandLine;
using FacilityFS.Cli.Output;
using FacilityFS.Storage;

namespace FacilityFS.Cli.Commands;

/// <summary>`mkdir`, `rm` and `mv`: changes to the remote tree.</summary>
internal static class TreeCommands
{
    public static Command MakeDirectory(CliContext context)
    {
        var remotes = new Argument<string[]>("REMOTE") { Description = "Folders to create", Arity = ArgumentArity.OneOrMore };
        var parents = new Option<bool>("--parents", "-p") { Description = "Create missing parents; no error if the folder exists" };
        var command = new Command("mkdir", "Create remote folders") { remotes, parents };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            foreach (var spec in parse.GetValue(remotes)!)
            {
                var target = scope.Remotes.Resolve(spec);
                await target.Store.CreateDirectoryAsync(target.Path, parse.GetValue(parents), token).ConfigureAwait(false);
            }
        }, ct));
        return command;
    }

    public static Command Remove(CliContext context)
    {
        var remotes = new Argument<string[]>("REMOTE") { Description = "Files or folders to delete", Arity = ArgumentArity.OneOrMore };
        var recursive = GlobalOptions.Recursive("Delete folders with everything in them");
        var command = new Command("rm", "Delete remote files or folders") { remotes, recursive };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            foreach (var spec in parse.GetValue(remotes)!)
            {
                var target = scope.Remotes.Resolve(spec);
                var entry = await target.Store.StatAsync(target.Path, token).ConfigureAwait(false);
                if (entry.IsDirectory && !parse.GetValue(recursive))
                    throw new UsageException($"{target} is a folder; use rm -r to delete it with everything in it");
                await target.Store.DeleteAsync(target.Path, token).ConfigureAwait(false);
            }
        }, ct));
        return command;
    }

    public static Command Move(CliContext context)
    {
        var source = new Argument<string>("SOURCE") { Description = "A remote file or folder" };
        var destination = new Argument<string>("DESTINATION") { Description = "The new name, or an existing folder to move into" };
        var command = new Command("mv", "Move or rename on the server") { source, destination };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var from = scope.Remotes.Resolve(parse.GetValue(source)!);
            var to = scope.Remotes.Resolve(parse.GetValue(destination)!);
            if (from.StoreKey != to.StoreKey) throw new UsageException($"mv works within one remote; {from} and {to} are on different ones (use get and put)");
            var entry = await from.Store.StatAsync(from.Path, token).ConfigureAwait(false);
            var existing = await to.Store.TryStatAsync(to.Path, token).ConfigureAwait(false);
            var target = to.TrailingSlash || existing is { IsDirectory: true } ? to.Path.Child(entry.Path.Name) : to.Path;
            await from.Store.MoveAsync(from.Path, target, overwrite: !entry.IsDirectory, token).ConfigureAwait(false);
        }, ct));
        return command;
    }
}
