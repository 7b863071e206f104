using System.Diagnostics;
using FacilityFS.Cli;
using FacilityFS.Cli.Output;

namespace FacilityFS.Cli.Tests;

/// <summary>One run of the `facilityfs` command line: its exit code and what it printed. In-process, or the native binary FFS_COMMAND names (make test sets bin/facilityfs).</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public IReadOnlyList<string> Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The native binary the suite runs against, when one is named.</summary>
    public static string? NativeCommand => TestServers.FacilityCommand.Native;

    public static async Task<CliRun> RunAsync(params string[] args)
    {
        if (NativeCommand is { } native) return await RunProcessAsync(native, args);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, new CliContext(output, error, interactive: false));
        return new CliRun(code, output.ToString(), error.ToString());
    }

    private static async Task<CliRun> RunProcessAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        return new CliRun(process.ExitCode, await output, await error);
    }

    public override string ToString() => $"exit {ExitCode}\nstdout: {Out}\nstderr: {Error}";
}
