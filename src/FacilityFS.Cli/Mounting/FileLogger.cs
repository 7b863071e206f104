using FacilityFS.Cli.Systemd;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Mounting;

/// <summary>The mount daemon's log: timestamped lines to a size-bounded file, or to standard error in the foreground; to the journal (with its priority prefixes) when systemd runs it.</summary>
public sealed class FileLogger : ILogger, ILoggerProvider
{
    /// <summary>Size at which the log file rotates; three old ones are kept, so a mount's logs take at most 40 MB.</summary>
    public const long RotateAt = 10 << 20;

    private readonly Lock _gate = new();
    private readonly LogLevel _minimum;
    private readonly RotatingLogFile? _file;
    private readonly TextWriter? _writer;
    private readonly bool _journal;

    private FileLogger(LogLevel minimum, RotatingLogFile? file, TextWriter? writer, bool journal)
    {
        _minimum = minimum;
        _file = file;
        _writer = writer;
        _journal = journal;
    }

    public FileLogger(TextWriter writer, LogLevel minimum) : this(minimum, null, writer, journal: false)
    {
    }

    public static FileLogger Open(string? path, LogLevel minimum, long rotateAt = RotateAt)
    {
        // Under systemd, standard error is the journal's stream: the journal rotates, timestamps and ranks, so no file of our own.
        if (OperatingSystem.IsLinux() && JournalStream.IsStandardError()) return new FileLogger(minimum, null, Console.Error, journal: true);
        if (path is null) return new FileLogger(Console.Error, minimum);
        // The log names the user's files: a folder made for it is 0700 (the file 0600), like the spool. On Windows the
        // folder is under %LOCALAPPDATA%, whose ACL already keeps other users out.
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new FileLogger(minimum, new RotatingLogFile(path, rotateAt, keep: 3), null, journal: false);
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        // Names and servers' words end up in messages: one entry stays one line, and a terminal tailing the log obeys no escape in them.
        var text = Storage.Printable.Escape(formatter(state, exception));
        // The journal takes one entry per line, so there the stack trace stays on it (escaped).
        if (exception is not null && logLevel >= LogLevel.Error) text += _journal ? " " + Storage.Printable.Escape(exception.ToString()) : Environment.NewLine + exception;
        var line = _journal ? $"<{JournalStream.Priority(logLevel)}>{text}" : $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {logLevel.ToString().ToLowerInvariant()} {text}";
        lock (_gate)
        {
            if (_file is not null) _file.WriteLine(line);
            else _writer!.WriteLine(line);
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
        _file?.Dispose();
        if (_writer is not null && _writer != Console.Error) _writer.Dispose();
    }
}
