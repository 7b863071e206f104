namespace FacilityFS.Fuse.Tests;

/// <summary>Finds files of the repository (native/ probes) and the facilityfs command from the test's output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    /// <summary>The program that runs the facilityfs command (see <see cref="TestServers.FacilityCommand"/>).</summary>
    public static string CommandFile => TestServers.FacilityCommand.File;

    /// <summary>The arguments for <see cref="CommandFile"/>.</summary>
    public static string[] CommandArgs(params string[] args) => TestServers.FacilityCommand.Args(args);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FacilityFS.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no FacilityFS.sln above {AppContext.BaseDirectory}");
    }
}
