using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Mounting;

/// <summary>One platform's way of showing a <see cref="VirtualFileSystem"/> as a local folder or drive (FUSE on Linux, WinFsp on Windows): it only starts, serves and stops.</summary>
public interface IMountBackend
{
    /// <summary>Puts <paramref name="vfs"/> at <paramref name="mountpoint"/> and starts serving it; errors name the mountpoint and what to do.</summary>
    IMountedVolume Mount(VirtualFileSystem vfs, string mountpoint, MountBackendOptions options, ILogger logger);

    /// <summary>Whether the operating system lists <paramref name="mountpoint"/> as mounted.</summary>
    bool IsMounted(string mountpoint);

    /// <summary>Takes a mount away whose daemon no longer answers (killed, or another program's).</summary>
    void ForceUnmount(string mountpoint, ILogger logger);
}

/// <summary>A running mount: it ends by itself when the operating system lets go, or on request.</summary>
public interface IMountedVolume : IAsyncDisposable
{
    string Mountpoint { get; }

    /// <summary>Completes once the operating system's side of the mount is gone.</summary>
    Task Stopped { get; }

    /// <summary>Asks the operating system to let go (lazily: open files keep working until closed); never throws, a failure is logged.</summary>
    void RequestUnmount();

    /// <summary>Unmounts and waits up to <paramref name="wait"/> for serving to end; past it, what is still open fails once this process exits.</summary>
    ValueTask CloseAsync(TimeSpan wait);
}

/// <summary>How the operating system's side of a mount is set up, the same for every platform.</summary>
/// <param name="FsName">The mount's source as the system shows it (the remote's URL).</param>
/// <param name="AllowOther">Whether other users may use the mount.</param>
public sealed record MountBackendOptions(string FsName, bool AllowOther, bool ReadOnly)
{
    /// <summary>Whether extended attributes are answered (the upload state); off, the FUSE backend tells the kernel ENOSYS once. WinFsp ignores it.</summary>
    public bool ExtendedAttributes { get; init; }
}
