using FacilityFS.Cli.Output;
using FacilityFS.Storage;

namespace FacilityFS.Cli.Transfers;

/// <summary>Runs one transfer per file, several at once; a failed file is reported and the others go on.</summary>
internal static class ParallelFiles
{
    public static async Task RunAsync<T>(IReadOnlyList<T> items, int parallel, CliContext context, Func<T, string> describe,
        Func<T, CancellationToken, Task> transfer, CancellationToken cancellationToken)
    {
        var failures = 0;
        Exception? first = null;
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                try
                {
                    await transfer(item, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException or Identity.CredentialException)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref first, e, null);
                    context.ErrorLine($"error: {describe(item)}: {e.Message}");
                }
            }).ConfigureAwait(false);
        if (first is not null) throw new TransferFailedException(failures, items.Count, first);
    }
}
