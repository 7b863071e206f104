using FacilityFS.Storage.Checksums;

namespace FacilityFS.Watch;

/// <summary>What a watched file looked like at one moment: a version is its size and modification time (milliseconds, as the journal keeps them).</summary>
public readonly record struct FileVersion(long Size, DateTimeOffset Modified)
{
    /// <summary>The version of the file at <paramref name="fullPath"/> now; null when it is gone (or is not a regular file).</summary>
    public static FileVersion? Of(string fullPath)
    {
        var info = new FileInfo(fullPath);
        if (!info.Exists || info.LinkTarget is not null) return null;
        return new FileVersion(info.Length, DateTimeOffset.FromUnixTimeMilliseconds(new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds()));
    }

    /// <summary>Whether nothing has written to it for <paramref name="settle"/>: the writer is done with it.</summary>
    public bool SettledAt(DateTimeOffset now, TimeSpan settle) => now - Modified >= settle;

    /// <summary>Adler-32 of the whole file, read once.</summary>
    public static async Task<Checksum> Adler32Async(string fullPath, CancellationToken cancellationToken)
    {
        var adler = new Adler32();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            await using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0) adler.Append(buffer.AsSpan(0, n));
            return adler.ToChecksum();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
