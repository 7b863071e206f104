using System.CommandLine;
using FacilityFS.Cli.Output;
using FacilityFS.Cli.Systemd;

namespace FacilityFS.Cli.Mounting;

/// <summary>mount(8)'s helper form (`mount.facilityfs SPEC DIR [-sfnvw] [-o OPTIONS] [-t TYPE]`, also as mount.fuse.facilityfs): fstab options become the `mount` command's flags.</summary>
/// <remarks>Option names come from the mount command's own definition (cache_dir= is --cache-dir), so the two can never drift apart.</remarks>
internal static class MountHelper
{
    /// <summary>The names under which the binary acts as mount(8)'s helper (symlinks in /usr/sbin).</summary>
    public static bool IsHelperName(string programPath) => Path.GetFileName(programPath) is "mount.facilityfs" or "mount.fuse.facilityfs";

    // Said to mount(8), the kernel or systemd, not to us: accepted and left alone.
    private static readonly HashSet<string> ForOthers =
    [
        "defaults", "auto", "noauto", "_netdev", "nofail", "user", "users", "nouser", "owner", "group", "rw", "suid", "nosuid", "dev", "nodev",
        "exec", "noexec", "atime", "noatime", "relatime", "norelatime", "strictatime", "lazytime", "nolazytime", "async", "sync", "dirsync",
        "diratime", "nodiratime", "loud", "silent",
    ];

    /// <summary>The `facilityfs` words for one helper call, or null for mount -f (fake: do nothing).</summary>
    public static string[]? Translate(IReadOnlyList<string> args, RootCommand root)
    {
        var positional = new List<string>();
        var options = new List<string>();
        var fake = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "-o" when i + 1 < args.Count:
                    options.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "-t" when i + 1 < args.Count:
                    i++;
                    break;
                case "-f":
                    fake = true;
                    break;
                case "-s" or "-n" or "-v" or "-w" or "-r":
                    if (args[i] == "-r") options.Add("ro");
                    break;
                case "-N":
                    throw new UsageException("mount.facilityfs: -N (another mount namespace) is not supported");
                case var word when word.StartsWith('-'):
                    throw new UsageException($"mount.facilityfs: unknown flag {word} (usage: mount.facilityfs REMOTE MOUNTPOINT [-o OPTIONS])");
                default:
                    positional.Add(args[i]);
                    break;
            }
        }
        if (positional.Count != 2) throw new UsageException("mount.facilityfs: give REMOTE and MOUNTPOINT (usage: mount.facilityfs REMOTE MOUNTPOINT [-o OPTIONS])");
        if (fake) return null;
        var mount = root.Subcommands.Single(c => c.Name == "mount");
        var known = new Dictionary<string, Option>(StringComparer.Ordinal);
        foreach (var option in mount.Options.Concat(root.Options))
            if (option.Name.StartsWith("--", StringComparison.Ordinal) && option.Name is not ("--install-unit" or "--help" or "--version"))
                known.TryAdd(option.Name[2..].Replace('-', '_'), option);
        var words = new List<string> { "mount", positional[0], positional[1] };
        foreach (var option in options)
        {
            var (key, value) = option.IndexOf('=') is var at and >= 0 ? (option[..at], option[(at + 1)..]) : (option, null);
            if (ForOthers.Contains(key) || key.StartsWith("x-", StringComparison.Ordinal) || key == "comment") continue;
            if (key == "ro") words.Add("--read-only");
            else if (key == "allow_other") words.AddRange(["-o", "allow_other"]);
            else if (known.TryGetValue(key, out var flag))
            {
                var isSwitch = flag.ValueType == typeof(bool);
                if (isSwitch && value is not null) throw new UsageException($"mount option {key}: takes no value (give {key} alone)");
                if (!isSwitch && string.IsNullOrEmpty(value)) throw new UsageException($"mount option {key}: needs a value ({key}=…)");
                words.Add(flag.Name);
                if (!isSwitch) words.Add(value!);
            }
            else
            {
                throw new UsageException($"mount option {key}: unknown (known: ro, allow_other, {string.Join(", ", known.Keys.Order(StringComparer.Ordinal))})");
            }
        }
        return [.. words];
    }

    /// <summary>Runs one helper call: the mount in the background as `facilityfs mount` would, its errors also to the system log (mount -a at boot has no terminal).</summary>
    public static async Task<int> RunAsync(string[] args, CliContext console)
    {
        string[]? words;
        try
        {
            words = Translate(args, CliApp.Build(console));
        }
        catch (UsageException e)
        {
            console.ErrorLine(e.Message);
            Syslog.Error(e.Message);
            return ExitCode.Usage;
        }
        if (words is null) return ExitCode.Ok;
        // Run as `facilityfs mount …` in a process of its own name: named mount.facilityfs, the command tree's root would be
        // called "mount" too (System.CommandLine names it after the program), clashing with its own mount command.
        var executable = Environment.ProcessPath ?? throw new UsageException("cannot find the facilityfs executable");
        var start = new System.Diagnostics.ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet") start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "facilityfs.dll"));
        foreach (var word in words) start.ArgumentList.Add(word);
        using var mount = System.Diagnostics.Process.Start(start) ?? throw new UsageException($"cannot start {executable}");
        var said = (await mount.StandardError.ReadToEndAsync().ConfigureAwait(false)).Trim();
        await mount.WaitForExitAsync().ConfigureAwait(false);
        var code = mount.ExitCode;
        if (said.Length > 0) console.ErrorLine(said);
        if (code == ExitCode.Ok) Syslog.Info($"mounted {words[1]} at {words[2]}");
        else Syslog.Error($"mount of {words[1]} at {words[2]} failed (exit {code}): {said}");
        return code;
    }
}
