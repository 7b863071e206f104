namespace FacilityFS.Vfs.Writes;

/// <summary>A wake-up for everyone waiting on "something changed": take <see cref="Next"/>, check the condition, await it.</summary>
internal sealed class AsyncPulse
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Waits for <paramref name="task"/> at most <paramref name="timeout"/>, however it ends; only the caller's cancellation throws.</summary>
    public static async Task WaitQuietlyAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await task.WaitAsync(timeout, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
