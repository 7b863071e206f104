using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Mounting;

/// <summary>Ends a mount within its flush timeout whatever the server does: lazy unmount, then requests still waiting on the server cancelled, then the kernel given up on.</summary>
/// <remarks>
/// A lazy unmount only ends serving once no process uses the mount; a process whose request waits on a stalled server keeps it
/// for ever. Half the flush timeout is left for open files to finish; then every storage call is cancelled so that each request is
/// answered (EIO) and its process can let go; at the deadline the mount is left, and the kernel fails what remains when we exit.
/// </remarks>
internal sealed class MountShutdown(IMountedVolume mount, VirtualFileSystem vfs, TimeSpan flushTimeout, ILogger logger)
{
    private readonly TaskCompletionSource<long> _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the shutdown (a signal, or `facilityfs unmount` over the control socket); later requests change nothing.</summary>
    public void Request(string by)
    {
        if (!_requested.TrySetResult(Environment.TickCount64)) return;
        logger.LogInformation("{By}: unmounting {Mountpoint} (within {Seconds:0.#} s)", by, mount.Mountpoint, flushTimeout.TotalSeconds);
        mount.RequestUnmount();
    }

    /// <summary>Waits until the mount is gone, by itself (the kernel let go) or by a requested shutdown; returns how much of the flush timeout is left for uploads.</summary>
    public async Task<TimeSpan> WaitAsync()
    {
        await Task.WhenAny(mount.Stopped, _requested.Task).ConfigureAwait(false);
        if (mount.Stopped.IsCompleted)
        {
            logger.LogInformation("unmounted {Mountpoint}", mount.Mountpoint);
            return _requested.Task.IsCompleted ? Left() : flushTimeout;
        }
        if (!await EndsWithinAsync(flushTimeout / 2).ConfigureAwait(false))
        {
            logger.LogWarning("{Mountpoint} is still in use after {Seconds:0.#} s; cancelling the requests that wait on the server", mount.Mountpoint, (flushTimeout / 2).TotalSeconds);
            vfs.CancelStorageCalls();
            if (!await EndsWithinAsync(Left()).ConfigureAwait(false))
            {
                logger.LogError("the kernel still holds {Mountpoint} after the flush timeout ({Seconds:0.#} s); ending anyway, and requests still open in it fail",
                    mount.Mountpoint, flushTimeout.TotalSeconds);
                await mount.CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
                return TimeSpan.Zero;
            }
        }
        logger.LogInformation("unmounted {Mountpoint}", mount.Mountpoint);
        return Left();
    }

    private async Task<bool> EndsWithinAsync(TimeSpan wait)
    {
        try
        {
            await mount.Stopped.WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        return true;
    }

    private TimeSpan Left()
    {
        var spent = TimeSpan.FromMilliseconds(Environment.TickCount64 - _requested.Task.Result);
        return spent < flushTimeout ? flushTimeout - spent : TimeSpan.Zero;
    }
}
