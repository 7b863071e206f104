using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Watch.Inotify;

/// <summary>An inotify watch on every folder of a tree, new folders watched as they appear; events reach <c>sink</c> on the watcher's own thread.</summary>
/// <remarks>
/// inotify watches one folder per watch and can lose events (queue overflow, a folder created and filled before its watch is added, writes
/// from other NFS/GPFS clients): every loss is reported as <see cref="TreeEventKind.Lost"/> or <see cref="TreeEventKind.FolderAppeared"/>,
/// and the owner rescans. When the per-user watch limit (fs.inotify.max_user_watches) is reached, <see cref="LimitReached"/> says so and
/// the owner lives on rescans alone.
/// </remarks>
public sealed class InotifyTree : IDisposable
{
    private const uint FolderMask = InotifyNative.CloseWrite | InotifyNative.MovedTo | InotifyNative.MovedFrom | InotifyNative.Create | InotifyNative.Delete
        | InotifyNative.DeleteSelf | InotifyNative.MoveSelf | InotifyNative.OnlyDirectory | InotifyNative.DontFollow | InotifyNative.ExcludeUnlinked;
    private const int PollMilliseconds = 250;

    private readonly string _root;
    private readonly Action<TreeEvent> _sink;
    private readonly ILogger _logger;
    private readonly InotifyHandle _fd;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, string> _folders = [];
    private readonly Thread _reader;
    private volatile bool _stopping;

    private InotifyTree(string root, Action<TreeEvent> sink, ILogger logger)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _sink = sink;
        _logger = logger;
        _fd = InotifyHandle.Open();
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "inotify " + _root };
    }

    /// <summary>Watches every folder below <paramref name="root"/> and starts reading events.</summary>
    public static InotifyTree Start(string root, Action<TreeEvent> sink, ILogger logger)
    {
        var tree = new InotifyTree(root, sink, logger);
        tree.AddTree("");
        tree._reader.Start();
        return tree;
    }

    /// <summary>Why watches could not be added any more (the kernel's limit); null while every folder is watched.</summary>
    public string? LimitReached { get; private set; }

    /// <summary>How many folders are watched.</summary>
    public int Watched
    {
        get
        {
            lock (_gate) return _folders.Count;
        }
    }

    /// <summary>Watches a folder and every folder below it (relative path; "" is the root).</summary>
    private void AddTree(string relative)
    {
        var pending = new Stack<string>([relative]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            if (!AddWatch(folder)) continue;
            IEnumerable<string> below;
            try
            {
                below = Directory.EnumerateDirectories(FullPath(folder)).Select(d => Join(folder, Path.GetFileName(d))).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone or unreadable meanwhile: the rescan says so in the log and status.
                continue;
            }
            foreach (var sub in below) pending.Push(sub);
        }
    }

    private bool AddWatch(string relative)
    {
        if (LimitReached is not null) return false;
        var wd = InotifyNative.AddWatch(_fd, FullPath(relative), FolderMask);
        if (wd >= 0)
        {
            lock (_gate) _folders[wd] = relative;
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == InotifyNative.Enospc)
        {
            LimitReached = $"the inotify watch limit is reached at {FullPath(relative)} (fs.inotify.max_user_watches); changes are found by rescans only";
            _logger.LogWarning("{Reason}", LimitReached);
            _sink(new TreeEvent(TreeEventKind.Lost, relative, LimitReached));
        }
        else if (errno is not (InotifyNative.Enoent or InotifyNative.Enotdir))
            _sink(new TreeEvent(TreeEventKind.Lost, relative, $"cannot watch {FullPath(relative)}: {Marshal.GetPInvokeErrorMessage(errno)}"));
        return false;
    }

    private unsafe void ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        var poll = new InotifyNative.PollFd { Fd = (int)_fd.DangerousGetHandle(), Events = 1 };
        while (!_stopping)
        {
            try
            {
                if (InotifyNative.Poll(&poll, 1, PollMilliseconds) <= 0) continue;
                nint n;
                fixed (byte* start = buffer) n = InotifyNative.Read(_fd, start, buffer.Length);
                if (n <= 0) continue;
                Dispatch(buffer.AsSpan(0, (int)n));
            }
            catch (Exception e)
            {
                // A sink that throws must not end the watch: what this batch said is left to the next rescan.
                _logger.LogError(e, "handling inotify events of {Root} failed; the next rescan finds what they said", _root);
                _sink(new TreeEvent(TreeEventKind.Lost, "", e.Message));
            }
        }
    }

    private void Dispatch(ReadOnlySpan<byte> events)
    {
        while (events.Length >= InotifyNative.EventHeaderSize)
        {
            var wd = MemoryMarshal.Read<int>(events);
            var mask = MemoryMarshal.Read<uint>(events[4..]);
            var length = (int)MemoryMarshal.Read<uint>(events[12..]);
            var nameBytes = events.Slice(InotifyNative.EventHeaderSize, length);
            var end = nameBytes.IndexOf((byte)0);
            var name = Encoding.UTF8.GetString(end < 0 ? nameBytes : nameBytes[..end]);
            events = events[(InotifyNative.EventHeaderSize + length)..];
            if ((mask & InotifyNative.QueueOverflow) != 0)
            {
                _sink(new TreeEvent(TreeEventKind.Lost, "", "the inotify queue overflowed"));
                continue;
            }
            string? folder;
            lock (_gate) folder = _folders.GetValueOrDefault(wd);
            if (folder is null) continue;
            if ((mask & (InotifyNative.Ignored | InotifyNative.DeleteSelf | InotifyNative.MoveSelf)) != 0)
            {
                // The folder itself went (its own watch ends with IN_IGNORED); its parent reports the name too.
                if ((mask & InotifyNative.Ignored) != 0)
                {
                    lock (_gate) _folders.Remove(wd);
                    _sink(new TreeEvent(TreeEventKind.FolderGone, folder));
                }
                continue;
            }
            var path = Join(folder, name);
            var isDirectory = (mask & InotifyNative.IsDirectory) != 0;
            if (isDirectory && (mask & (InotifyNative.Create | InotifyNative.MovedTo)) != 0)
            {
                AddTree(path);
                _sink(new TreeEvent(TreeEventKind.FolderAppeared, path));
            }
            else if (isDirectory && (mask & InotifyNative.MovedFrom) != 0) _sink(new TreeEvent(TreeEventKind.FolderGone, path));
            else if (!isDirectory && (mask & (InotifyNative.CloseWrite | InotifyNative.MovedTo)) != 0) _sink(new TreeEvent(TreeEventKind.FileWritten, path));
            else if (!isDirectory && (mask & (InotifyNative.Delete | InotifyNative.MovedFrom)) != 0) _sink(new TreeEvent(TreeEventKind.FileGone, path));
        }
    }

    private string FullPath(string relative) => relative.Length == 0 ? _root : Path.Combine(_root, relative);

    private static string Join(string folder, string name) => folder.Length == 0 ? name : folder + "/" + name;

    public void Dispose()
    {
        _stopping = true;
        if (_reader.IsAlive) _reader.Join();
        _fd.Dispose();
    }
}
