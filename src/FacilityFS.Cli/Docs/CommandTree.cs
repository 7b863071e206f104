using System.CommandLine;

namespace FacilityFS.Cli.Docs;

/// <summary>The parts of the command tree a person is shown (hidden commands and options are for the packaging).</summary>
internal static class CommandTree
{
    public static IEnumerable<Command> Visible(Command command) => command.Subcommands.Where(c => !c.Hidden);

    /// <summary>Every name an option answers to, long ones first.</summary>
    public static IEnumerable<string> Names(Command command) =>
        command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Distinct().OrderByDescending(n => n.StartsWith("--", StringComparison.Ordinal));
}
