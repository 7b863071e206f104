namespace FacilityFS.Cli.Transfers;

/// <summary>Some files of a recursive transfer failed (each already reported); the first failure decides the exit code.</summary>
public sealed class TransferFailedException(int failed, int total, Exception first)
    : Exception($"{failed} of {total} files failed; the first: {first.Message}", first)
{
    public Exception First { get; } = first;
}
