using System.Diagnostics;

namespace FacilityFS.Benchmarks;

/// <summary>Runs a command and measures its wall time; a failing command stops the benchmark with what it printed.</summary>
internal static class Timed
{
    public static async Task<TimeSpan> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        clock.Stop();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await error} {await output}");
        return clock.Elapsed;
    }

    /// <summary>The best of <paramref name="runs"/> runs, alternating with the peer's so both see the same machine state.</summary>
    public static async Task<(TimeSpan Ours, TimeSpan Peer)> CompareAsync(int runs, Func<Task<TimeSpan>> ours, Func<Task<TimeSpan>> peer)
    {
        var bestOurs = TimeSpan.MaxValue;
        var bestPeer = TimeSpan.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var p = await peer();
            var o = await ours();
            if (p < bestPeer) bestPeer = p;
            if (o < bestOurs) bestOurs = o;
        }
        return (bestOurs, bestPeer);
    }

    /// <summary>The best of <paramref name="runs"/> runs of one measurement.</summary>
    public static async Task<TimeSpan> BestAsync(int runs, Func<Task<TimeSpan>> measure)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var time = await measure();
            if (time < best) best = time;
        }
        return best;
    }
}
