using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Systemd;

/// <summary>Whether standard error is systemd's journal stream (JOURNAL_STREAM=DEVICE:INODE names it), and the sd-daemon priority of a log level.</summary>
public static class JournalStream
{
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static bool IsStandardError()
    {
        // Only our own standard error counts: a daemon started by a command that ran under systemd inherits the variable but not the stream.
        if (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not { } stream || stream.Split(':') is not [_, var inode]) return false;
        try
        {
            return new FileInfo("/proc/self/fd/2").LinkTarget == $"socket:[{inode}]";
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static int Priority(LogLevel level) => level switch
    {
        LogLevel.Critical => 2,
        LogLevel.Error => 3,
        LogLevel.Warning => 4,
        LogLevel.Information => 6,
        _ => 7,
    };
}
