namespace FacilityFS.Cli.Systemd;

/// <summary>The sd_notify protocol, spoken directly: READY once the mount serves, STOPPING when the flush begins, STATUS lines between (nothing when NOTIFY_SOCKET is unset).</summary>
public sealed class ServiceNotifier(string? socketPath)
{
    public static ServiceNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 } socket ? socket : null);

    public bool Enabled => socketPath is not null;

    // MAINPID: the process systemd started may be a wrapper (setsid, a shell); the daemon that must stop last is this one.
    public void Ready(string status) => Send($"READY=1\nMAINPID={Environment.ProcessId}\nSTATUS={OneLine(status)}");

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={OneLine(status)}");

    private void Send(string message)
    {
        if (socketPath is not null) DatagramSender.TrySend(socketPath, message);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
