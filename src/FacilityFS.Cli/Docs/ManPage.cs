using System.CommandLine;
using System.Text;

namespace FacilityFS.Cli.Docs;

/// <summary>facilityfs(1) in roff, written from the command tree itself, so the page says what the binary accepts.</summary>
internal static class ManPage
{
    public static string Write(RootCommand root, string version)
    {
        var page = new StringBuilder();
        page.Append(".TH FACILITYFS 1 \"\" \"facilityfs ").Append(Escape(version)).Append("\" \"User Commands\"\n");
        page.Append(".SH NAME\nfacilityfs \\- ").Append(Escape(root.Description ?? "")).Append('\n');
        page.Append(".SH SYNOPSIS\n.B facilityfs\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR]\n");
        page.Append(".br\n.B mount.facilityfs\n\\fIREMOTE\\fR \\fIMOUNTPOINT\\fR [\\fB\\-o\\fR \\fIOPTIONS\\fR]\n");
        page.Append(".SH GLOBAL OPTIONS\n");
        foreach (var option in Visible(root.Options)) Option(page, option);
        page.Append(".SH COMMANDS\n");
        foreach (var command in CommandTree.Visible(root)) Command(page, command, "");
        page.Append(".SH FSTAB\nAn /etc/fstab line such as\n.PP\n.nf\ncta:/data /mnt/cta facilityfs _netdev,allow_other,cache_dir=/var/cache/facilityfs,config=/etc/facilityfs/config.yaml 0 0\n.fi\n.PP\n")
            .Append("mounts with \\fBmount \\-a\\fR through \\fBmount.facilityfs\\fR (type \\fBfuse.facilityfs\\fR works too). Each option ")
            .Append("\\fIname\\fR[=\\fIvalue\\fR] is the \\fBmount\\fR command's \\fB\\-\\-name\\fR with dashes for underscores; \\fBro\\fR is \\fB\\-\\-read\\-only\\fR; ")
            .Append("mount(8)'s own options (_netdev, noauto, nofail, x\\-systemd.*) are left to it. Errors go to standard error, the system log and the exit code.\n");
        page.Append(".SH SYSTEMD\n\\fBfacilityfs mount\\fR \\fIREMOTE MOUNTPOINT\\fR [\\fIOPTIONS\\fR] \\fB\\-\\-install\\-unit\\fR writes the settings of ")
            .Append("\\fBfacilityfs@\\fR\\fIINSTANCE\\fR\\fB.service\\fR (Type=notify; stopping flushes pending uploads) and prints the systemctl command that starts it.\n");
        page.Append(".SH FILES\n~/.config/facilityfs/config.yaml, /etc/facilityfs/mounts/*.conf, /usr/share/doc/facilityfs/examples/config.yaml\n");
        return page.ToString();
    }

    private static void Command(StringBuilder page, Command command, string parent)
    {
        var name = (parent + " " + command.Name).Trim();
        page.Append(".SS ").Append(Escape(name));
        foreach (var argument in command.Arguments) page.Append(' ').Append(Escape(argument.Name));
        page.Append('\n').Append(Escape(command.Description ?? "")).Append('\n');
        foreach (var option in Visible(command.Options)) Option(page, option);
        foreach (var sub in CommandTree.Visible(command)) Command(page, sub, name);
    }

    private static void Option(StringBuilder page, Option option)
    {
        page.Append(".TP\n.B ").Append(Escape(string.Join(", ", option.Aliases.Prepend(option.Name).Distinct())));
        if (option.ValueType != typeof(bool)) page.Append(" \\fIVALUE\\fR");
        page.Append('\n').Append(Escape(option.Description ?? "")).Append('\n');
    }

    private static IEnumerable<Option> Visible(IEnumerable<Option> options) => options.Where(o => !o.Hidden);

    // roff: a backslash and a leading dot or quote mean something; dashes are written \- so they copy as ASCII.
    private static string Escape(string text)
    {
        var escaped = text.Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);
        return escaped.StartsWith('.') || escaped.StartsWith('\'') ? "\\&" + escaped : escaped;
    }
}
