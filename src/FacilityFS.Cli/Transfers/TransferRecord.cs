namespace FacilityFS.Cli.Transfers;

/// <summary>The result of one file's transfer, as printed in plain or JSON form.</summary>
/// <param name="Status">uploaded, downloaded or skipped (already identical).</param>
public sealed record TransferRecord(string Path, string Status, long BytesWritten, string? Checksum, string? Source = null);
