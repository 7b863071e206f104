namespace FacilityFS.Cli;

/// <summary>Where FacilityFS keeps per-user files, following the XDG base-directory variables.</summary>
public static class UserFolders
{
    /// <summary>$XDG_CONFIG_HOME/facilityfs, else ~/.config/facilityfs.</summary>
    public static string Config => Under("XDG_CONFIG_HOME", ".config");

    /// <summary>$XDG_CACHE_HOME/facilityfs, else ~/.cache/facilityfs.</summary>
    public static string Cache => Under("XDG_CACHE_HOME", ".cache");

    private static string Under(string variable, string fallback)
    {
        var home = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), fallback);
        return Path.Combine(home, "facilityfs");
    }
}
