namespace FacilityFS.Cli.Output;

/// <summary>Where a command writes: its output and error writers, and whether a person is watching a terminal.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, bool interactive)
{
    private readonly Lock _gate = new();

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Output goes to a terminal: progress bars are worth drawing.</summary>
    public bool Interactive { get; } = interactive;

    /// <remarks>Output into a pipe or file gets a writer of its own, flushed line by line like the console's, so that <see cref="Batch"/> can hold lines back.</remarks>
    public static CliContext ForConsole()
    {
        var output = Console.IsOutputRedirected
            ? new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = true }
            : Console.Out;
        return new(output, Console.Error, !Console.IsOutputRedirected && !Console.IsErrorRedirected);
    }

    /// <summary>Until disposed, lines into a pipe or file are written a buffer at a time rather than one system call per line (a listing of a million names).</summary>
    public IDisposable Batch()
    {
        lock (_gate)
        {
            if (Out is not StreamWriter { AutoFlush: true } writer) return NoBatch.Instance;
            writer.AutoFlush = false;
            return new Batching(writer, _gate);
        }
    }

    private sealed class Batching(StreamWriter writer, Lock gate) : IDisposable
    {
        public void Dispose()
        {
            // Setting AutoFlush back writes out what the batch held.
            lock (gate) writer.AutoFlush = true;
        }
    }

    private sealed class NoBatch : IDisposable
    {
        public static readonly NoBatch Instance = new();

        public void Dispose()
        {
        }
    }

    /// <summary>Writes one line; safe from parallel transfers.</summary>
    public void Line(string text)
    {
        lock (_gate) Out.WriteLine(text);
    }

    public void ErrorLine(string text)
    {
        lock (_gate) Error.WriteLine(text);
    }

    /// <summary>Writes one JSON object on one line (JSON Lines), so scripts can read results as they come.</summary>
    public void Json<T>(T value) => Line(CliJson.Write(value));
}
