using System.Diagnostics;

namespace FacilityFS.Fuse.Tests;

/// <summary>Runs a program to the end and returns its exit code and output (bounded in time, so a hung mount fails the test instead of CI).</summary>
internal sealed record ProcessRun(int ExitCode, string Out, string Error)
{
    public static async Task<ProcessRun> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        return new ProcessRun(process.ExitCode, await output, await error);
    }

    /// <summary>Runs the facilityfs command as built next to the tests.</summary>
    public static Task<ProcessRun> FacilityFsAsync(params string[] args) => RunAsync(Repository.CommandFile, Repository.CommandArgs(args));

    public override string ToString() => $"exit {ExitCode}\nstdout: {Out}\nstderr: {Error}";
}
