using FacilityFS.Cli.Control;
using FacilityFS.Cli.Output;

namespace FacilityFS.Cli.Commands;

/// <summary>`facilityfs status PATH…` for files inside a mount: each file's upload state, asked of the mount that holds it over its control socket.</summary>
/// <remarks>The same words as the `user.facilityfs.state` extended attribute of a mount with `--xattr`, which mounts do not answer by default (it costs `ls -l` a round trip per entry).</remarks>
internal static partial class PathStatus
{
    /// <summary>The FacilityFS mountpoints the kernel lists (from /proc/self/mountinfo, octal escapes undone), whoever mounted them.</summary>
    public static IEnumerable<string> Mountpoints() =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(f => f.Length > 8 && Array.IndexOf(f, "fuse.facilityfs") > 0)
            .Select(f => System.Text.RegularExpressions.Regex.Replace(f[4], @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()));

    /// <summary>The innermost FacilityFS mount holding <paramref name="fullPath"/> and the path below it ("" for the mountpoint itself), or null.</summary>
    public static (string Mountpoint, string Relative)? MountOf(string fullPath)
    {
        var path = fullPath.Length > 1 ? fullPath.TrimEnd('/') : fullPath;
        (string, string)? best = null;
        foreach (var point in Mountpoints())
        {
            var relative = path == point ? "" : point == "/" ? path : path.StartsWith(point + "/", StringComparison.Ordinal) ? path[point.Length..] : null;
            if (relative is not null && (best is null || point.Length > best.Value.Item1.Length)) best = (point, relative);
        }
        return best;
    }

    /// <summary><paramref name="fullPath"/> with every symbolic link on the way resolved (as realpath(3) does), so a link that leads into a
    /// mount counts as inside it; a last part that does not exist (yet) is kept as named, after its resolved folder.</summary>
    public static string Resolved(string fullPath)
    {
        if (RealPath(fullPath) is { } whole) return whole;
        var folder = Path.GetDirectoryName(fullPath);
        return folder is not null && RealPath(folder) is { } resolved ? Path.Join(resolved, Path.GetFileName(fullPath)) : fullPath;
    }

    private static unsafe string? RealPath(string path)
    {
        // With no buffer given, realpath allocates the answer with malloc; it goes back with free.
        var answer = ResolvePath(path, 0);
        if (answer == 0) return null;
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(answer);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free((void*)answer);
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial nint ResolvePath(string path, nint resolved);

    /// <summary>Prints the state of each file (`PATH: STATE`, or one JSON object per file); the files of one mount go in few requests.</summary>
    /// <returns>How many files have no state to tell (missing, a folder); each is said on standard error.</returns>
    public static async Task<int> PrintAsync(CliContext context, IReadOnlyList<(string Given, string Full, string Mountpoint, string Relative)> files, bool json, CancellationToken cancellationToken)
    {
        var answers = new Dictionary<(string, string), FileState>();
        foreach (var mount in files.GroupBy(f => f.Mountpoint))
        {
            // In batches: a control request is one line of at most 64 KiB, and a shell glob can name thousands of files.
            foreach (var batch in mount.Select(f => f.Relative).Distinct(StringComparer.Ordinal).Chunk(100))
            {
                var report = await ControlClient.AskAsync<FileStatesReport>(mount.Key, new ControlRequest("state", Paths: batch), cancellationToken).ConfigureAwait(false);
                foreach (var answer in report.Files) answers[(mount.Key, answer.Path)] = answer;
            }
        }
        var unknown = 0;
        foreach (var file in files)
        {
            var answer = answers.GetValueOrDefault((file.Mountpoint, file.Relative))
                ?? new FileState(file.Relative, null, "the mount did not answer for it");
            if (json) context.Line(ControlJson.Write(answer with { Path = file.Full }));
            if (answer.State is { } state)
            {
                if (!json) context.Line($"{Storage.Printable.Escape(file.Given)}: {state}");
            }
            else
            {
                unknown++;
                context.ErrorLine($"{Storage.Printable.Escape(file.Given)}: {answer.Error}");
            }
        }
        return unknown;
    }
}

/// <summary>`status PATH…` named files that have no upload state (missing, or folders); exits as a remote error, as a missing remote file does.</summary>
public sealed class NoFileStateException(string message) : Exception(message);
