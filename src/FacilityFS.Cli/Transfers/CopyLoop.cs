using System.Buffers;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Cli.Transfers;

/// <summary>Copies a stream to another in large pooled buffers, hashing with Adler-32 and reporting progress on the way.</summary>
internal static class CopyLoop
{
    private const int BufferSize = 1 << 20;

    public static async Task<(long Bytes, Checksum Adler32)> CopyAsync(Stream from, Stream to, IProgress<long> progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var adler = new Adler32();
        long total = 0;
        try
        {
            while (true)
            {
                // Network reads come in socket-sized pieces; gathering a full buffer first keeps disk writes large and few.
                var filled = 0;
                int n;
                while (filled < BufferSize && (n = await from.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), cancellationToken).ConfigureAwait(false)) > 0)
                    filled += n;
                if (filled == 0) break;
                adler.Append(buffer.AsSpan(0, filled));
                await to.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
                total += filled;
                progress.Report(filled);
                if (filled < BufferSize) break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return (total, adler.ToChecksum());
    }
}
