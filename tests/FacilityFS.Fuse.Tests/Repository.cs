namespace FacilityFS.Fuse.Tests;

/// <summary>Finds files of the repository (native/ probes) and of the build (the facilityfs command) from the test's output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    public static string CommandDll => Path.Combine(AppContext.BaseDirectory, "facilityfs.dll");

    /// <summary>The program that runs the facilityfs command: the native binary FFS_COMMAND names (make test sets bin/facilityfs), else dotnet with the JIT build next to the tests.</summary>
    public static string CommandFile => Environment.GetEnvironmentVariable("FFS_COMMAND") is { Length: > 0 } native ? native : "dotnet";

    /// <summary>The arguments for <see cref="CommandFile"/>: the command's own words, after the dll when run under dotnet.</summary>
    public static string[] CommandArgs(params string[] args) => CommandFile == "dotnet" ? [CommandDll, .. args] : args;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FacilityFS.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no FacilityFS.sln above {AppContext.BaseDirectory}");
    }
}
