namespace FacilityFS.Storage.WebDav;

/// <summary>Cancels a transfer that makes no progress for a while; a long transfer that keeps moving is never cut.</summary>
internal sealed class IdleWatchdog : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly Timer _timer;
    private readonly long _idleMillis;
    private long _lastProgress = Environment.TickCount64;

    public IdleWatchdog(TimeSpan idle, CancellationToken outer)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _idleMillis = (long)idle.TotalMilliseconds;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_idleMillis / 4, 50, 1000));
        _timer = new Timer(_ => Check(), null, period, period);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>How long a transfer may go without progress.</summary>
    public TimeSpan Idle => TimeSpan.FromMilliseconds(_idleMillis);

    /// <summary>True when this watchdog, not the caller, cancelled the token.</summary>
    public bool Fired { get; private set; }

    public void Touch() => Volatile.Write(ref _lastProgress, Environment.TickCount64);

    private void Check()
    {
        if (Environment.TickCount64 - Volatile.Read(ref _lastProgress) <= _idleMillis || _cts.IsCancellationRequested) return;
        Fired = true;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cts.Dispose();
    }
}
