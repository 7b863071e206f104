using System.Runtime.InteropServices;

namespace FacilityFS.Watch.Inotify;

/// <summary>libc's inotify calls and the bits of its event mask this watcher uses (see inotify(7)).</summary>
internal static partial class InotifyNative
{
    private const string Libc = "libc";

    public const uint CloseWrite = 0x00000008;
    public const uint MovedFrom = 0x00000040;
    public const uint MovedTo = 0x00000080;
    public const uint Create = 0x00000100;
    public const uint Delete = 0x00000200;
    public const uint DeleteSelf = 0x00000400;
    public const uint MoveSelf = 0x00000800;
    public const uint QueueOverflow = 0x00004000;
    public const uint Ignored = 0x00008000;
    public const uint OnlyDirectory = 0x01000000;
    public const uint DontFollow = 0x02000000;
    public const uint ExcludeUnlinked = 0x04000000;
    public const uint IsDirectory = 0x40000000;

    public const int NonBlocking = 0x800;
    public const int CloseOnExec = 0x80000;

    public const int Enoent = 2;
    public const int Eintr = 4;
    public const int Eacces = 13;
    public const int Eagain = 11;
    public const int Enotdir = 20;
    public const int Enospc = 28;

    /// <summary>The fixed part of struct inotify_event: wd, mask, cookie, len.</summary>
    public const int EventHeaderSize = 16;

    [LibraryImport(Libc, EntryPoint = "inotify_init1", SetLastError = true)]
    public static partial int Init(int flags);

    [LibraryImport(Libc, EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int AddWatch(InotifyHandle fd, string path, uint mask);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(InotifyHandle fd, byte* buffer, nint count);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}

/// <summary>An inotify instance's file descriptor, closed once whoever still uses it lets go.</summary>
internal sealed class InotifyHandle : SafeHandle
{
    public InotifyHandle() : base(-1, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>A new non-blocking, close-on-exec inotify instance.</summary>
    /// <exception cref="IOException">The kernel refused one (the per-user instance limit, EMFILE).</exception>
    public static InotifyHandle Open()
    {
        var fd = InotifyNative.Init(InotifyNative.NonBlocking | InotifyNative.CloseOnExec);
        if (fd < 0) throw new IOException($"cannot start an inotify instance: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var handle = new InotifyHandle();
        handle.SetHandle(fd);
        return handle;
    }

    protected override bool ReleaseHandle() => InotifyNative.Close((int)handle) == 0;
}
