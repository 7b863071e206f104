using System.Buffers;
using Microsoft.Win32.SafeHandles;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Cli.Transfers;

/// <summary>Copies a stream in large pooled buffers, hashing with Adler-32 and reporting progress on the way.</summary>
internal static class CopyLoop
{
    private const int BufferSize = 1 << 20;

    public static async Task<(long Bytes, Checksum Adler32)> CopyAsync(Stream from, Stream to, IProgress<long> progress, CancellationToken cancellationToken)
    {
        var (bytes, adler) = await CopyCoreAsync(from, (chunk, _) => to.WriteAsync(chunk, cancellationToken), progress, cancellationToken).ConfigureAwait(false);
        return (bytes, Adler32.ChecksumOf(adler));
    }

    /// <summary>Copies a stream into a file at <paramref name="offset"/> (parts of one file written in parallel), returning the part's Adler-32.</summary>
    public static Task<(long Bytes, uint Adler32)> CopyAtAsync(Stream from, SafeFileHandle to, long offset, IProgress<long> progress, CancellationToken cancellationToken) =>
        CopyCoreAsync(from, (chunk, written) =>
        {
            RandomAccess.Write(to, chunk.Span, offset + written);
            return ValueTask.CompletedTask;
        }, progress, cancellationToken);

    /// <param name="write">Writes one chunk, given how many bytes came before it.</param>
    private static async Task<(long Bytes, uint Adler32)> CopyCoreAsync(Stream from, Func<ReadOnlyMemory<byte>, long, ValueTask> write, IProgress<long> progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var adler = new Adler32();
        long total = 0;
        try
        {
            int filled;
            while ((filled = await FillAsync(from, buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                adler.Append(buffer.AsSpan(0, filled));
                await write(buffer.AsMemory(0, filled), total).ConfigureAwait(false);
                total += filled;
                progress.Report(filled);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return (total, adler.Value);
    }

    /// <summary>Reads until the buffer is full or the stream ends: network reads come in socket-sized pieces, and large writes are few.</summary>
    private static async Task<int> FillAsync(Stream from, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int n;
        while (filled < BufferSize && (n = await from.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), cancellationToken).ConfigureAwait(false)) > 0)
            filled += n;
        return filled;
    }
}
