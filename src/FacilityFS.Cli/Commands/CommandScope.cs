using System.CommandLine;
using FacilityFS.Cli.Config;
using FacilityFS.Cli.Output;
using FacilityFS.Cli.Transfers;

namespace FacilityFS.Cli.Commands;

/// <summary>What a command's action gets: the loaded configuration, remote resolution and where to write; turns failures into one error line and an exit code.</summary>
internal sealed class CommandScope(FacilityConfig config, RemoteResolver resolver, CliContext context)
{
    public FacilityConfig Config { get; } = config;

    public RemoteResolver Remotes { get; } = resolver;

    public CliContext Context { get; } = context;

    /// <summary>Runs <paramref name="body"/> with a scope built from the global options; every failure becomes "facilityfs: message" and its exit code.</summary>
    public static async Task<int> RunAsync(ParseResult parse, CliContext context, Func<CommandScope, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        try
        {
            var config = ConfigLoader.Load(parse.GetValue(GlobalOptions.Config));
            await using var resolver = new RemoteResolver(config, parse.GetValue(GlobalOptions.Insecure));
            await body(new CommandScope(config, resolver, context), cancellationToken).ConfigureAwait(false);
            return ExitCode.Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.ErrorLine("facilityfs: interrupted");
            return 130;
        }
        catch (TransferFailedException e)
        {
            context.ErrorLine($"facilityfs: {e.Message}");
            return ExitCode.For(e.First);
        }
        catch (OutOfMemoryException)
        {
            // Whatever filled memory is unreachable by now; a line (not a stack trace) says what happened.
            context.ErrorLine("facilityfs: out of memory (a server answer larger than this machine can hold?); see max_listing_entries and max_response_size in the configuration");
            return ExitCode.Remote;
        }
        catch (Exception e)
        {
            context.ErrorLine($"facilityfs: {OneLine(e.Message)}");
            return ExitCode.For(e);
        }
    }

    // Messages quote names and servers' words: a newline or an escape sequence in them is shown, not obeyed.
    private static string OneLine(string text) => Storage.Printable.Escape(text.ReplaceLineEndings(" "));
}
