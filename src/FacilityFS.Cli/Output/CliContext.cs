namespace FacilityFS.Cli.Output;

/// <summary>Where a command writes: its output and error writers, and whether a person is watching a terminal.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, bool interactive)
{
    private readonly Lock _gate = new();

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Output goes to a terminal: progress bars are worth drawing.</summary>
    public bool Interactive { get; } = interactive;

    public static CliContext ForConsole() => new(Console.Out, Console.Error, !Console.IsOutputRedirected && !Console.IsErrorRedirected);

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
