using System.Buffers;
using System.Net;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Storage.WebDav;

/// <summary>The body of a PUT: streams the source once, hashing on the way, and rewinds it when a redirect asks for it again.</summary>
internal sealed class UploadSource(Stream source, long length, IdleWatchdog watchdog)
{
    private const int BufferSize = 1 << 20;
    private readonly long _origin = source.CanSeek ? source.Position : 0;
    private readonly long _length = length;
    private Adler32 _adler = new();
    private bool _started;

    public long BytesSent { get; private set; }

    public Checksum Checksum => _adler.ToChecksum();

    public HttpContent CreateContent() => new Content(this);

    private async Task CopyToAsync(Stream target, CancellationToken cancellationToken)
    {
        if (_started)
        {
            if (!source.CanSeek)
                throw new StorageException(StorageErrorKind.NotSupported, "the server asked for the upload again after it had started, and the source cannot be rewound");
            source.Seek(_origin, SeekOrigin.Begin);
            _adler = new Adler32();
            BytesSent = 0;
        }
        _started = true;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                _adler.Append(buffer.AsSpan(0, n));
                await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                BytesSent += n;
                watchdog.Touch();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed class Content(UploadSource owner) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            owner.CopyToAsync(stream, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            owner.CopyToAsync(stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = owner._length;
            return length >= 0;
        }
    }

}
