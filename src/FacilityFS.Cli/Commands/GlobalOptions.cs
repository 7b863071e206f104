using System.CommandLine;

namespace FacilityFS.Cli.Commands;

/// <summary>Options every command takes.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "The configuration file (default: ~/.config/facilityfs/config.yaml)",
        Recursive = true,
    };

    /// <summary>Skips TLS certificate checks for every remote of this run (warns); never the default.</summary>
    public static readonly Option<bool> Insecure = new("--insecure")
    {
        Description = "Do not check servers' TLS certificates (warns; for test setups only)",
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json") { Description = "Print results as JSON, one object per line" };

    public static Option<bool> Recursive(string what) => new("--recursive", "-r") { Description = what };

    public static Option<int?> Parallel() => new("--parallel", "-j")
    {
        Description = "Files transferred at once (default 4, or transfers.parallel from the configuration)",
    };
}
