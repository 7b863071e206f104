namespace FacilityFS.Storage.WebDav;

/// <summary>Passes a PROPFIND body through, failing once one &lt;response&gt; has taken more than its share of bytes (a 1 GB href would otherwise be read whole).</summary>
/// <remarks>The XML reader reads ahead by a buffer, so the count is exact to within a few kilobytes; the limit is generous enough for that not to matter.</remarks>
internal sealed class ResponseSizeLimit(Stream inner, int maxResponseBytes) : ForwardReadStream
{
    private long _read;
    private long _responseStart;

    /// <summary>Called as a new &lt;response&gt; begins: the bytes read before it no longer count.</summary>
    public void StartResponse() => _responseStart = _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _read += n;
        Check();
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        _read += n;
        Check();
        return n;
    }

    // The reader fills its first buffer before any <response> starts, so only bytes read since the last start count.
    private void Check()
    {
        if (_read - _responseStart > maxResponseBytes + 65536L)
            throw new PropfindTooLargeException($"one <response> of the answer is larger than {maxResponseBytes} bytes (the limit is max_response_size in the configuration)");
    }
}
