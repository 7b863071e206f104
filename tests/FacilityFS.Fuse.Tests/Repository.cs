namespace FacilityFS.Fuse.Tests;

/// <summary>Finds files of the repository (native/ probes) and of the build (the facilityfs command) from the test's output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    public static string CommandDll => Path.Combine(AppContext.BaseDirectory, "facilityfs.dll");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FacilityFS.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no FacilityFS.sln above {AppContext.BaseDirectory}");
    }
}
