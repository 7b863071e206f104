namespace FacilityFS.Cli.Systemd;

/// <summary>One message to the system log through /dev/log (journald reads it too), for programs such as mount(8)'s helper that have no log file of their own.</summary>
internal static class Syslog
{
    private const int Daemon = 3 << 3;
    private const int ErrorSeverity = 3;
    private const int InfoSeverity = 6;

    public static void Error(string message) => Write(ErrorSeverity, message);

    public static void Info(string message) => Write(InfoSeverity, message);

    private static void Write(int severity, string message) =>
        DatagramSender.TrySend("/dev/log", $"<{Daemon | severity}>facilityfs[{Environment.ProcessId}]: {Storage.Printable.Escape(message.ReplaceLineEndings(" "))}");
}
