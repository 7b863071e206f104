namespace FacilityFS.Cli;

/// <summary>Where FacilityFS keeps per-user files, following the XDG base-directory variables (on Windows, under %LOCALAPPDATA%\FacilityFS).</summary>
public static class UserFolders
{
    /// <summary>$XDG_CONFIG_HOME/facilityfs, else ~/.config/facilityfs.</summary>
    public static string Config => Under("XDG_CONFIG_HOME", ".config");

    /// <summary>$XDG_CACHE_HOME/facilityfs, else ~/.cache/facilityfs.</summary>
    public static string Cache => Under("XDG_CACHE_HOME", ".cache");

    /// <summary>$XDG_STATE_HOME/facilityfs, else ~/.local/state/facilityfs: what must outlive runs but is not configuration (the catalog ledger).</summary>
    public static string State => Under("XDG_STATE_HOME", Path.Combine(".local", "state"));

    private static string Under(string variable, string fallback)
    {
        // Windows: configuration, spool, cache, tokens and logs all under %LOCALAPPDATA%\FacilityFS (private to the user, not roamed).
        if (OperatingSystem.IsWindows()) return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "FacilityFS");
        var home = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), fallback);
        return Path.Combine(home, "facilityfs");
    }
}
