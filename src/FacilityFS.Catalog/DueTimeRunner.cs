namespace FacilityFS.Catalog;

/// <summary>What one attempt of a <see cref="DueTimeRunner"/> came to.</summary>
public enum AttemptOutcome
{
    /// <summary>Finished (or failed for good): the runner stops until scheduled again.</summary>
    Done,
    /// <summary>Not yet (e.g. files still pending): look again after the shortest wait.</summary>
    Soon,
    /// <summary>The other side is away: try again, each time waiting twice as long up to the longest wait.</summary>
    BackOff,
}

/// <summary>Runs one piece of work at a due time that can be moved (sooner, or restarted as an idle timer), again after a failed attempt with doubling waits.</summary>
/// <remarks>The write-back's uploader has the same loop inside WriteBack; this is the catalog's own copy, to be folded into one shared runner.</remarks>
public sealed class DueTimeRunner(Func<CancellationToken, Task<AttemptOutcome>> attempt, CancellationToken stopping)
{
    private static readonly TimeSpan Shortest = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private long _dueAt;
    private long _requests;
    private Task? _running;

    /// <summary>The loop while it runs (for waiting on it at shutdown); null when idle.</summary>
    public Task? Running
    {
        get
        {
            lock (_gate) return _running;
        }
    }

    /// <summary>Runs the work after <paramref name="delay"/>: the earlier of this and a time already due, or exactly this with <paramref name="restart"/> (an idle timer).</summary>
    public void Schedule(TimeSpan delay, bool restart = false)
    {
        if (stopping.IsCancellationRequested) return;
        lock (_gate)
        {
            var due = Environment.TickCount64 + (long)delay.TotalMilliseconds;
            _dueAt = restart || _running is null ? due : Math.Min(_dueAt, due);
            _requests++;
            _running ??= Task.Run(LoopAsync);
        }
    }

    private async Task LoopAsync()
    {
        var wait = Shortest;
        try
        {
            while (true)
            {
                long left, requests;
                lock (_gate)
                {
                    left = _dueAt - Environment.TickCount64;
                    requests = _requests;
                }
                if (left > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(left), stopping).ConfigureAwait(false);
                    continue;
                }
                var outcome = await attempt(stopping).ConfigureAwait(false);
                lock (_gate)
                {
                    if (outcome == AttemptOutcome.Done)
                    {
                        // Scheduled again while the attempt ran (a re-ingest, a new file): that is one more round at the time it asked for.
                        if (_requests != requests) continue;
                        _running = null;
                        return;
                    }
                    wait = outcome == AttemptOutcome.BackOff ? TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, Longest.Ticks)) : Shortest;
                    _dueAt = Environment.TickCount64 + (long)wait.TotalMilliseconds;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            lock (_gate) _running = null;
        }
    }
}
