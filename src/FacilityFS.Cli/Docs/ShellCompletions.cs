using System.CommandLine;
using System.Text;

namespace FacilityFS.Cli.Docs;

/// <summary>Static bash and zsh completion scripts written from the command tree: commands, then each command's options (files for arguments).</summary>
internal static class ShellCompletions
{
    public static string Bash(RootCommand root)
    {
        var script = new StringBuilder("# bash completion for facilityfs (written by facilityfs itself from its command tree)\n_facilityfs()\n{\n");
        script.Append("    local cur=${COMP_WORDS[COMP_CWORD]} command=${COMP_WORDS[1]}\n");
        script.Append("    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        COMPREPLY=($(compgen -W \"")
            .Append(string.Join(' ', CommandTree.Visible(root).Select(c => c.Name).Concat(CommandTree.Names(root))))
            .Append("\" -- \"$cur\"))\n        return\n    fi\n    case $command in\n");
        foreach (var command in CommandTree.Visible(root))
        {
            var words = CommandTree.Visible(command).Select(c => c.Name).Concat(CommandTree.Names(command)).Concat(CommandTree.Names(root));
            script.Append("        ").Append(command.Name).Append(") local words=\"").Append(string.Join(' ', words)).Append("\" ;;\n");
        }
        script.Append("        *) local words=\"\" ;;\n    esac\n");
        script.Append("    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$words\" -- \"$cur\")); else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n}\n");
        script.Append("complete -F _facilityfs facilityfs\n");
        return script.ToString();
    }

    public static string Zsh(RootCommand root)
    {
        var script = new StringBuilder("#compdef facilityfs\n# zsh completion for facilityfs (written by facilityfs itself from its command tree)\n_facilityfs() {\n");
        script.Append("  local -a commands\n  commands=(\n");
        foreach (var command in CommandTree.Visible(root))
            script.Append("    '").Append(command.Name).Append(':').Append(Quote(command.Description)).Append("'\n");
        script.Append("  )\n  if (( CURRENT == 2 )); then\n    _describe command commands\n    return\n  fi\n  case ${words[2]} in\n");
        foreach (var command in CommandTree.Visible(root))
        {
            script.Append("    ").Append(command.Name).Append(") _arguments '*:file:_files'");
            foreach (var option in command.Options.Concat(root.Options).Where(o => !o.Hidden))
                script.Append(" '").Append(option.Name).Append('[').Append(Quote(option.Description).Replace("[", "(").Replace("]", ")")).Append(']')
                    .Append(option.ValueType == typeof(bool) ? "" : ":value:").Append('\'');
            script.Append(" ;;\n");
        }
        script.Append("  esac\n}\n_facilityfs \"$@\"\n");
        return script.ToString();
    }

    // Inside single quotes in zsh: a quote closes, so it is written '\''; a colon would end the description.
    private static string Quote(string? text) => (text ?? "").Replace("'", "'\\''").Replace(":", "\\:");
}
