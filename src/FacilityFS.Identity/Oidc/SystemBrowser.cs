using System.Diagnostics;

namespace FacilityFS.Identity.Oidc;

/// <summary>Opens a URL in the person's own browser: the command in $BROWSER if set, else xdg-open (Linux, with a display), open (macOS), the shell (Windows).</summary>
public static class SystemBrowser
{
    /// <summary>The command that opens a browser here, or null where there is none to open (no display: an SSH session, a server), so the device login is the one to use.</summary>
    public static string? Opener()
    {
        // $BROWSER is a colon-separated list of commands (the convention xdg-open and Python's webbrowser follow); the first is used.
        if (Environment.GetEnvironmentVariable("BROWSER") is { Length: > 0 } browser) return browser.Split(':')[0];
        if (OperatingSystem.IsWindows()) return "start";
        if (OperatingSystem.IsMacOS()) return "open";
        var display = Environment.GetEnvironmentVariable("DISPLAY") is { Length: > 0 } || Environment.GetEnvironmentVariable("WAYLAND_DISPLAY") is { Length: > 0 };
        return display && OnPath("xdg-open") ? "xdg-open" : null;
    }

    /// <summary>Starts the opener on the URL without waiting for it (a browser may run for hours); false when it could not be started.</summary>
    public static bool Open(string opener, Uri url)
    {
        try
        {
            if (OperatingSystem.IsWindows() && opener == "start")
            {
                using var shell = Process.Start(new ProcessStartInfo(url.AbsoluteUri) { UseShellExecute = true });
                return shell is not null;
            }
            // A $BROWSER entry may hold arguments and a %s for where the URL goes.
            var words = opener.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) return false;
            var arguments = words.Skip(1).Select(w => w.Replace("%s", url.AbsoluteUri, StringComparison.Ordinal)).ToList();
            if (!opener.Contains("%s", StringComparison.Ordinal)) arguments.Add(url.AbsoluteUri);
            using var process = Process.Start(new ProcessStartInfo(words[0], arguments) { UseShellExecute = false });
            return process is not null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(folder => File.Exists(Path.Combine(folder, command)));
}
