namespace FacilityFS.Cli.Mounting;

/// <summary>A log file that stays bounded: past <see cref="MaxBytes"/> it becomes NAME.1 (older ones move up to NAME.<c>keep</c>, the oldest is dropped) and a new one starts.</summary>
/// <remarks>Not thread-safe: its one writer (<see cref="FileLogger"/>) serialises lines.</remarks>
public sealed class RotatingLogFile(string path, long maxBytes, int keep) : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private StreamWriter _writer = Open(path);

    public long MaxBytes { get; } = maxBytes;

    public void WriteLine(string line)
    {
        // Before the line, not after: the newest line is always in the file of the name a person tails.
        if (_writer.BaseStream.Length >= MaxBytes) Rotate();
        _writer.WriteLine(line);
    }

    private void Rotate()
    {
        _writer.Dispose();
        File.Delete($"{path}.{keep}");
        for (var i = keep - 1; i >= 1; i--)
            if (File.Exists($"{path}.{i}")) File.Move($"{path}.{i}", $"{path}.{i + 1}");
        File.Move(path, $"{path}.1");
        _writer = Open(path);
    }

    // The log names the user's files: 0600, like the spool; appended to across remounts, and readable while written.
    private static StreamWriter Open(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Private;
        return new StreamWriter(new FileStream(path, options)) { AutoFlush = true };
    }

    public void Dispose() => _writer.Dispose();
}
