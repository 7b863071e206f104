namespace FacilityFS.TestServers;

/// <summary>The facilityfs command the suites start as a process: the native binary FFS_COMMAND names (make test sets bin/facilityfs), else dotnet with the JIT build next to the tests.</summary>
public static class FacilityCommand
{
    /// <summary>The native binary the suite runs against, when one is named.</summary>
    public static string? Native => Environment.GetEnvironmentVariable("FFS_COMMAND") is { Length: > 0 } native ? native : null;

    /// <summary>The program to start.</summary>
    public static string File => Native ?? "dotnet";

    /// <summary>The arguments for <see cref="File"/>: the command's own words, after the dll when run under dotnet.</summary>
    public static string[] Args(params string[] args) => Native is null ? [Path.Combine(AppContext.BaseDirectory, "facilityfs.dll"), .. args] : args;
}
