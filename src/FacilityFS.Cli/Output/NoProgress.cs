namespace FacilityFS.Cli.Output;

/// <summary>A progress sink that drops every report (unlike <see cref="Progress{T}"/>, which queues each one to the thread pool).</summary>
internal sealed class NoProgress : IProgress<long>
{
    public static readonly NoProgress Instance = new();

    public void Report(long value)
    {
    }
}
