using FacilityFS.Cli.Transfers;
using Spectre.Console;

namespace FacilityFS.Cli.Output;

/// <summary>Shows transfers as they run: progress bars on a terminal, otherwise one plain or JSON line per finished file.</summary>
public sealed class TransferReporter(CliContext context, bool json)
{
    private ProgressContext? _progress;
    private int _done;
    private int _skipped;
    private long _bytes;

    public int Done => _done;

    public int Skipped => _skipped;

    public long Bytes => Interlocked.Read(ref _bytes);

    private bool DrawsBars => context.Interactive && !json;

    /// <summary>Runs the transfers, inside a live progress display when a terminal is watching.</summary>
    public async Task RunAsync(Func<Task> transfers)
    {
        if (!DrawsBars)
        {
            await transfers().ConfigureAwait(false);
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Out) });
        await console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                _progress = progress;
                await transfers().ConfigureAwait(false);
            }).ConfigureAwait(false);
        _progress = null;
        // The bars clear themselves; what stays on the screen is what was done.
        var skipped = Skipped > 0 ? $", {Skipped} already identical" : "";
        context.Line($"{Done} file{(Done == 1 ? "" : "s")}, {Bytes} bytes{skipped}");
    }

    /// <summary>A progress sink for one file; bytes reported are added to its bar.</summary>
    public IProgress<long> Begin(string label, long size)
    {
        if (_progress is not { } progress) return NoProgress.Instance;
        var task = progress.AddTask(Markup.Escape(label), maxValue: Math.Max(size, 1));
        return new BarProgress(task);
    }

    public void Finished(TransferRecord record)
    {
        Interlocked.Increment(ref _done);
        Interlocked.Add(ref _bytes, record.BytesWritten);
        if (record.Status == "skipped") Interlocked.Increment(ref _skipped);
        if (json) context.Json(record);
        else if (!DrawsBars)
            context.Line($"{record.Status} {record.Path} ({record.BytesWritten} bytes{(record.Checksum is null ? "" : ", " + record.Checksum)})");
    }

    private sealed class BarProgress(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Increment(value);
    }
}
