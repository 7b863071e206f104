using System.Diagnostics;
using System.Runtime.InteropServices;
using FacilityFS.Fuse.Interop;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Fuse;

/// <summary>One FUSE mount of a <see cref="VirtualFileSystem"/>: session, kernel mount, the libfuse loop on its own thread, and a clean shutdown.</summary>
/// <remarks>Shutdown is a lazy unmount from any thread (the only thing that wakes the loop), then, on the loop's side, session unmount and destroy.</remarks>
public sealed class FuseMount : IAsyncDisposable
{
    private readonly unsafe FuseArgs* _args;
    private readonly nint _session;
    private readonly GCHandle _adapter;
    private readonly Thread _loop;
    private readonly TaskCompletionSource<int> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private readonly uint _maxThreads;
    private int _unmountRequested;
    private int _disposed;

    private unsafe FuseMount(string mountpoint, FuseArgs* args, nint session, GCHandle adapter, uint maxThreads, ILogger logger)
    {
        _maxThreads = maxThreads;
        Mountpoint = mountpoint;
        _args = args;
        _session = session;
        _adapter = adapter;
        _logger = logger;
        _loop = new Thread(RunLoop) { Name = "fuse-loop", IsBackground = true };
        _loop.Start();
    }

    public string Mountpoint { get; }

    /// <summary>Completes with the loop's return code once the kernel side is gone.</summary>
    public Task<int> Stopped => _stopped.Task;

    /// <summary>Mounts <paramref name="vfs"/> at <paramref name="mountpoint"/>, which must be an empty folder; errors name the mountpoint.</summary>
    public static unsafe FuseMount Start(VirtualFileSystem vfs, string mountpoint, FuseMountOptions options, ILogger logger)
    {
        var full = Path.GetFullPath(mountpoint);
        CheckMountpoint(full);
        var adapter = GCHandle.Alloc(new FuseAdapter(vfs, logger, options.ExtendedAttributes));
        var args = (FuseArgs*)NativeMemory.AllocZeroed((nuint)sizeof(FuseArgs));
        nint session = 0;
        try
        {
            // argv[0] is required: libfuse reads options from argv[1] on.
            AddArg(args, "facilityfs");
            AddArg(args, "-o");
            var mountOptions = $"fsname={Escape(options.FsName)},subtype=facilityfs,default_permissions,noatime";
            if (options.AllowOther) mountOptions += ",allow_other";
            if (options.ReadOnly) mountOptions += ",ro";
            AddArg(args, mountOptions);
            var ops = FuseAdapter.Operations();
            session = LibFuse.SessionNew(args, &ops, (nuint)sizeof(FuseLowlevelOps), GCHandle.ToIntPtr(adapter));
            if (session == 0) throw new FuseMountException($"cannot create a FUSE session for {full} (libfuse refused the options '{mountOptions}')");
            if (LibFuse.SessionMount(session, full) != 0)
                throw new FuseMountException($"cannot mount at {full}: the kernel refused (is /dev/fuse usable, and are you allowed to mount there? see the log for libfuse's reason)");
            var mount = new FuseMount(full, args, session, adapter, options.MaxThreads, logger);
            vfs.ContentChanged += mount.DropKernelPages;
            // The kernel sets the read-ahead while it handles INIT, so it is raised only once a stat shows INIT done.
            _ = Task.Run(() =>
            {
                if (Directory.Exists(full)) RaiseReadAhead(full, logger);
            });
            return mount;
        }
        catch
        {
            if (session != 0) LibFuse.SessionDestroy(session);
            LibFuse.OptFreeArgs(args);
            NativeMemory.Free(args);
            adapter.Free();
            throw;
        }
    }

    private static void CheckMountpoint(string path)
    {
        if (!File.Exists("/dev/fuse")) throw new FuseMountException("/dev/fuse is missing: load the fuse module (modprobe fuse) or give the container the device");
        if (File.Exists(path)) throw new FuseMountException($"mountpoint {path} is a file, not a folder");
        if (!Directory.Exists(path)) throw new FuseMountException($"mountpoint {path} does not exist; create the folder first");
        if (IsMounted(path)) throw new FuseMountException($"{path} is already a mountpoint; unmount it first (facilityfs unmount {path})");
        if (Directory.EnumerateFileSystemEntries(path).Any()) throw new FuseMountException($"mountpoint {path} is not empty; mounting over files would hide them");
    }

    /// <summary>Whether the kernel lists <paramref name="path"/> as a mountpoint (from /proc/self/mountinfo, with its octal escapes).</summary>
    public static bool IsMounted(string path) => MountInfoOf(path) is not null;

    /// <summary>The fields of the /proc/self/mountinfo line whose mountpoint (field 5, octal-escaped) is <paramref name="path"/>, or null.</summary>
    private static string[]? MountInfoOf(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        return File.ReadLines("/proc/self/mountinfo").Select(line => line.Split(' ')).FirstOrDefault(f => f.Length > 4 && Unescape(f[4]) == full);
    }

    /// <summary>Lets the kernel read ahead 1 MiB (requests of up to 1 MiB) instead of its default 128 KiB, where we may (root): sequential reads then cost an eighth of the requests.</summary>
    /// <remarks>More than that buys a stream nothing (the VFS reads ahead itself), but made the kernel fetch megabytes after every pair of neighbouring HDF5 chunks.</remarks>
    private static void RaiseReadAhead(string path, ILogger logger)
    {
        var device = MountInfoOf(path)?[2];
        var setting = $"/sys/class/bdi/{device}/read_ahead_kb";
        try
        {
            if (device is not null && File.Exists(setting)) File.WriteAllText(setting, "1024");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogDebug("cannot raise read-ahead at {Setting}: {Error}", setting, e.Message);
        }
    }

    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace(",", "\\,");

    private static unsafe void AddArg(FuseArgs* args, string arg)
    {
        if (LibFuse.OptAddArg(args, arg) != 0) throw new OutOfMemoryException("fuse_opt_add_arg failed");
    }

    private void RunLoop()
    {
        var config = LibFuse.LoopConfigCreate();
        try
        {
            LibFuse.LoopConfigSetMaxThreads(config, _maxThreads);
            var rc = LibFuse.SessionLoopMt(_session, config);
            if (rc != 0) _logger.LogError("the FUSE loop for {Mountpoint} ended with {Code}", Mountpoint, rc);
            _stopped.TrySetResult(rc);
        }
        catch (Exception e)
        {
            _stopped.TrySetException(e);
        }
        finally
        {
            LibFuse.LoopConfigDestroy(config);
        }
    }

    /// <summary>Drops the kernel's cached pages and attributes of a file that changed remotely; from a pool thread, never inside a request handler.</summary>
    private void DropKernelPages(ulong inode)
    {
        if (_stopped.Task.IsCompleted) return;
        _ = Task.Run(() =>
        {
            if (Volatile.Read(ref _disposed) != 0) return;
            // -ENOENT (the kernel no longer knows the inode) is harmless.
            var rc = LibFuse.NotifyInvalInode(_session, inode, 0, 0);
            if (rc != 0 && rc != -Errno.ENOENT) _logger.LogDebug("notify_inval_inode({Inode}) returned {Code}", inode, rc);
        });
    }

    /// <summary>Asks the kernel to detach the mount (lazily, so open files do not block it); the loop then ends.</summary>
    public void RequestUnmount()
    {
        if (Interlocked.Exchange(ref _unmountRequested, 1) == 1) return;
        Unmount(Mountpoint, _logger);
    }

    /// <summary>Lazily unmounts any FUSE mount at <paramref name="mountpoint"/>: umount2(MNT_DETACH) as root, fusermount3 -u -z otherwise.</summary>
    public static void Unmount(string mountpoint, ILogger logger)
    {
        if (Libc.GetEffectiveUserId() == 0 && Libc.Umount2(mountpoint, Libc.MntDetach) == 0) return;
        using var process = Process.Start(new ProcessStartInfo("fusermount3", ["-u", "-z", mountpoint])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new FuseMountException("cannot run fusermount3 (package fuse3)");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            logger.LogWarning("fusermount3 -u -z {Mountpoint}: {Error}", mountpoint, error.Trim());
            throw new FuseMountException($"cannot unmount {mountpoint}: {error.Trim()}");
        }
    }

    public ValueTask DisposeAsync() => CloseAsync(TimeSpan.FromSeconds(30));

    /// <summary>Unmounts and waits up to <paramref name="wait"/> for the loop to end; past it the session is left as it is, and the kernel fails its requests once this process exits.</summary>
    public async ValueTask CloseAsync(TimeSpan wait)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (!_stopped.Task.IsCompleted)
        {
            try
            {
                RequestUnmount();
            }
            catch (FuseMountException e)
            {
                _logger.LogError("{Error}", e.Message);
            }
        }
        try
        {
            await _stopped.Task.WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogError("the FUSE loop for {Mountpoint} did not end within {Seconds:0.#} s (files still open in it?); leaving the session, whose requests fail once this process exits", Mountpoint, wait.TotalSeconds);
            return;
        }
        _loop.Join();
        var adapter = (FuseAdapter)_adapter.Target!;
        for (var waited = 0; adapter.PendingReplies > 0 && waited < 300; waited++) await Task.Delay(100).ConfigureAwait(false);
        if (adapter.PendingReplies > 0)
        {
            _logger.LogError("{Count} replies to the kernel still pending after 30 s; leaving the session rather than freeing it under them", adapter.PendingReplies);
            return;
        }
        ReleaseSession();
    }

    private unsafe void ReleaseSession()
    {
        LibFuse.SessionUnmount(_session);
        LibFuse.SessionDestroy(_session);
        LibFuse.OptFreeArgs(_args);
        NativeMemory.Free(_args);
        _adapter.Free();
    }
}

/// <summary>A mount could not be set up or taken down; the message names the mountpoint and what to do.</summary>
public sealed class FuseMountException(string message) : Exception(message);
