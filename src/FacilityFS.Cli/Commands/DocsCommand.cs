using System.CommandLine;
using FacilityFS.Cli.Docs;
using FacilityFS.Cli.Output;

namespace FacilityFS.Cli.Commands;

/// <summary>`docs man|bash|zsh` (hidden): the man page and completion scripts the Debian package ships, written from this very command tree.</summary>
internal static class DocsCommand
{
    public static Command Create(CliContext context, Func<RootCommand> root)
    {
        var kind = new Argument<string>("KIND") { Description = "man, bash or zsh" };
        kind.AcceptOnlyFromAmong("man", "bash", "zsh");
        var command = new Command("docs", "Print the man page or a shell completion script") { kind };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            var tree = root();
            context.Out.Write(parse.GetValue(kind) switch
            {
                "man" => ManPage.Write(tree, Version()),
                "bash" => ShellCompletions.Bash(tree),
                _ => ShellCompletions.Zsh(tree),
            });
            return ExitCode.Ok;
        });
        return command;
    }

    private static string Version() =>
        typeof(DocsCommand).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "0";
}
