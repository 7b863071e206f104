using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Mounting;

/// <summary>The mount daemon's log: timestamped lines to a file (or standard error in the foreground), flushed as they come.</summary>
public sealed class FileLogger(TextWriter writer, LogLevel minimum) : ILogger, ILoggerProvider
{
    private readonly Lock _gate = new();

    public static FileLogger Open(string? path, LogLevel minimum)
    {
        if (path is null) return new FileLogger(Console.Error, minimum);
        // The log names the user's files: a folder made for it is 0700 and the log 0600, like the spool. On Windows the
        // folder is under %LOCALAPPDATA%, whose ACL already keeps other users out.
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var stream = new FileStream(path, options);
        return new FileLogger(new StreamWriter(stream) { AutoFlush = true }, minimum);
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        // Names and servers' words end up in messages: one entry stays one line, and a terminal tailing the log obeys no escape in them.
        var line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {logLevel.ToString().ToLowerInvariant()} {Storage.Printable.Escape(formatter(state, exception))}";
        if (exception is not null && logLevel >= LogLevel.Error) line += Environment.NewLine + exception;
        lock (_gate) writer.WriteLine(line);
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
        if (writer != Console.Error) writer.Dispose();
    }
}
