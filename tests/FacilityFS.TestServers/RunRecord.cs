using System.Diagnostics;
using System.Globalization;

namespace FacilityFS.TestServers;

/// <summary>Writes the processes a test run started into the folder named by FFS_TEST_RUN, so that the run's cleanup ends exactly those, by PID (and start time, so a reused PID is left alone).</summary>
/// <remarks>Without FFS_TEST_RUN (a test started from an IDE) nothing is written: the fixtures' own disposal is then all the cleanup there is.</remarks>
public static class RunRecord
{
    private static readonly string? Folder = Environment.GetEnvironmentVariable("FFS_TEST_RUN") is { Length: > 0 } run ? Path.Combine(run, "pids") : null;

    /// <summary>Records a process this run started.</summary>
    public static void Started(Process process)
    {
        if (Folder is null) return;
        Directory.CreateDirectory(Folder);
        File.WriteAllText(FileOf(process.Id), $"{process.Id} {StartTimeOf(process.Id)}\n");
    }

    /// <summary>Forgets a process this run ended itself.</summary>
    public static void Ended(int pid)
    {
        if (Folder is not null) File.Delete(FileOf(pid));
    }

    private static string FileOf(int pid) => Path.Combine(Folder!, pid.ToString(CultureInfo.InvariantCulture) + ".pid");

    /// <summary>Field 22 of /proc/PID/stat: the start time in clock ticks since boot, which tells a reused PID apart.</summary>
    private static string StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (IOException)
        {
            return "0";
        }
    }
}
