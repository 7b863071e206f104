namespace FacilityFS.Catalog.Tests;

/// <summary>The runner a dataset's registration uses: a schedule that comes while an attempt runs is one more round, and outages back off.</summary>
public sealed class DueTimeRunnerTests
{
    [Fact]
    public async Task A_schedule_during_an_attempt_is_one_more_round_not_lost()
    {
        using var stopping = new CancellationTokenSource();
        var first = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var attempts = 0;
        var runner = new DueTimeRunner(async _ =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                first.SetResult();
                await release.Task;
            }
            return AttemptOutcome.Done;
        }, stopping.Token);
        runner.Schedule(TimeSpan.Zero);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(10));
        runner.Schedule(TimeSpan.Zero);
        release.SetResult();
        for (var i = 0; i < 200 && runner.Running is not null; i++) await Task.Delay(20);
        Assert.Null(runner.Running);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Soon_retries_and_done_stops()
    {
        using var stopping = new CancellationTokenSource();
        var attempts = 0;
        var runner = new DueTimeRunner(_ => Task.FromResult(Interlocked.Increment(ref attempts) < 2 ? AttemptOutcome.Soon : AttemptOutcome.Done), stopping.Token);
        runner.Schedule(TimeSpan.Zero);
        for (var i = 0; i < 300 && (runner.Running is not null || attempts < 2); i++) await Task.Delay(20);
        Assert.Equal(2, attempts);
        Assert.Null(runner.Running);
    }
}
