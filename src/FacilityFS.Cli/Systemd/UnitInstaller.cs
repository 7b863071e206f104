using System.Text;

namespace FacilityFS.Cli.Systemd;

/// <summary>`mount --install-unit`: the settings file of one facilityfs@INSTANCE.service (REMOTE=, OPTIONS=), system-wide for root, else the user's.</summary>
public static class UnitInstaller
{
    /// <summary>Where the template units read instance settings: /etc/facilityfs/mounts for the system unit, the user's config folder for the user unit.</summary>
    public static string SettingsFolder => Environment.IsPrivilegedProcess ? "/etc/facilityfs/mounts" : Path.Combine(UserFolders.Config, "mounts");

    /// <summary>Writes the settings and returns their file and the systemctl command that starts the mount (and at every boot or login).</summary>
    public static (string File, string Start) Install(string remote, string mountpoint, IReadOnlyList<string> options)
    {
        foreach (var word in options.Prepend(remote))
            if (word.Length == 0 || word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or '$' or '%'))
                throw new UsageException($"--install-unit: '{word}' cannot be passed through a systemd unit (no spaces, quotes, backslashes, $ or %); use a configuration file for it");
        var instance = EscapePath(mountpoint);
        Directory.CreateDirectory(SettingsFolder);
        var file = Path.Combine(SettingsFolder, instance + ".conf");
        var text = new StringBuilder()
            .Append("# facilityfs@").Append(instance).Append(".service: written by facilityfs mount --install-unit\n")
            .Append("REMOTE=").Append(remote).Append('\n')
            .Append("OPTIONS=").Append(string.Join(' ', options)).Append('\n');
        File.WriteAllText(file, text.ToString());
        var user = Environment.IsPrivilegedProcess ? "" : " --user";
        return (file, $"systemctl{user} daemon-reload && systemctl{user} enable --now facilityfs@{instance}.service");
    }

    /// <summary>systemd-escape --path: slashes become dashes, anything but [A-Za-z0-9:_.] (and a leading dot) becomes \xNN, so %f gives the path back.</summary>
    public static string EscapePath(string path)
    {
        var trimmed = path.Trim('/');
        if (trimmed.Length == 0) return "-";
        var escaped = new StringBuilder();
        var bytes = Encoding.UTF8.GetBytes(trimmed);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b == '/') escaped.Append('-');
            else if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)':' or (byte)'_' || (b == '.' && i > 0)) escaped.Append((char)b);
            else escaped.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:x2}");
        }
        return escaped.ToString();
    }
}
