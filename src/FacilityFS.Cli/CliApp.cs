using System.CommandLine;
using FacilityFS.Cli.Commands;
using FacilityFS.Cli.Output;

namespace FacilityFS.Cli;

/// <summary>The `facilityfs` command line: builds the command tree and runs one invocation.</summary>
public static class CliApp
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("FacilityFS: a facility's remote storage as a local folder, and transfers without a mount")
        {
            GlobalOptions.Config,
            GlobalOptions.Insecure,
            ListCommand.Create(context),
            StatCommand.Create(context),
            TransferCommands.Get(context),
            TransferCommands.Put(context),
            TreeCommands.MakeDirectory(context),
            TreeCommands.Remove(context),
            TreeCommands.Move(context),
            LoginCommands.LoginCommand(context),
            LoginCommands.LogoutCommand(context),
            LoginCommands.TokenCommand(context),
            LoginCommands.WhoAmICommand(context),
            CatalogCommands.Register(context),
            CatalogCommands.Upload(context),
            CatalogCommands.Datasets(context),
            MetadataCommand.Create(context),
        };
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            root.Subcommands.Add(MountCommands.Mount(context));
            root.Subcommands.Add(MountCommands.Unmount(context));
            root.Subcommands.Add(WriteBackCommands.Status(context));
            root.Subcommands.Add(WriteBackCommands.Sync(context));
            root.Subcommands.Add(RecoverCommand.Create(context));
        }
        // Folder watches use inotify, so they are Linux's only.
        if (OperatingSystem.IsLinux())
        {
            root.Subcommands.Add(WatchCommand.Create(context));
            root.Subcommands.Add(WatchCommand.Unwatch(context));
        }
        root.Subcommands.Add(DocsCommand.Create(context, () => root));
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var parse = Build(context).Parse(args);
        // A mistyped command line gets its one-line error (and a typo hint), not the whole help page.
        if (parse.Action is System.CommandLine.Invocation.ParseErrorAction error) error.ShowHelp = false;
        // Ctrl-C cancels the command's token; a mount in the foreground then needs time to unmount and write its cache, so the
        // forced exit that follows an unfinished cancellation waits a minute rather than the default two seconds.
        var invocation = new InvocationConfiguration { Output = context.Out, Error = context.Error, ProcessTerminationTimeout = TimeSpan.FromMinutes(1) };
        return parse.InvokeAsync(invocation, cancellationToken);
    }
}
