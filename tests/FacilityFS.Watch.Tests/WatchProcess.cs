using System.Diagnostics;
using System.Text;
using FacilityFS.TestServers;

namespace FacilityFS.Watch.Tests;

/// <summary>`facilityfs watch … --foreground` as its own process, as an operator runs it: started, asked to stop, or killed with SIGKILL.</summary>
internal sealed partial class WatchProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _said = new();

    private WatchProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) => { lock (_said) _said.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { lock (_said) _said.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    /// <summary>What the process printed so far.</summary>
    public string Said
    {
        get
        {
            lock (_said) return _said.ToString();
        }
    }

    /// <summary>Starts the command (built beside the tests) with <paramref name="state"/> as its XDG state and cache home, and waits until it watches.</summary>
    public static async Task<WatchProcess> StartAsync(string state, params string[] args)
    {
        var watch = new WatchProcess(Process.Start(StartInfo(state, args))!);
        var ready = await Eventually.HoldsAsync(() => watch.Said.Contains("watching ", StringComparison.Ordinal) || watch._process.HasExited, TimeSpan.FromSeconds(60));
        if (!ready || watch._process.HasExited)
        {
            var said = watch.Said;
            await watch.DisposeAsync();
            throw new InvalidOperationException($"facilityfs watch did not start: {said}");
        }
        return watch;
    }

    /// <summary>Runs another facilityfs command (status, unwatch) to its end, with the same state and cache home.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string state, params string[] args)
    {
        using var process = Process.Start(StartInfo(state, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs another program (mount, umount) to its end.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunProgramAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output, await error);
    }

    private static ProcessStartInfo StartInfo(string state, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "facilityfs.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["XDG_STATE_HOME"] = Path.Combine(state, "state");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(state, "cache");
        return start;
    }

    /// <summary>kill -9: no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as Ctrl-C or systemd stop: the watch ends after its current uploads and says what is left.</summary>
    public async Task<int> StopAsync()
    {
        Assert.Equal(0, Kill(_process.Id, 15));
        return await ExitCodeAsync();
    }

    /// <summary>Waits for the process to end by itself (after `facilityfs unwatch`).</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }
}
