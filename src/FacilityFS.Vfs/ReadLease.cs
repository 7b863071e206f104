using FacilityFS.Vfs.Cache;

namespace FacilityFS.Vfs;

/// <summary>Bytes of a read, lent without copying where they lie in one cached block; dispose to give them back.</summary>
public readonly struct ReadLease : IDisposable
{
    private readonly Block? _block;
    private readonly byte[]? _copy;
    private readonly int _offset;

    internal ReadLease(Block block, int offset, int length)
    {
        _block = block;
        _offset = offset;
        Length = length;
    }

    internal ReadLease(byte[] copy, int length)
    {
        _copy = copy;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _block is { } block ? block.Span.Slice(_offset, Length) : _copy.AsSpan(0, Length);

    public void Dispose()
    {
        _block?.Release();
        if (_copy is not null) System.Buffers.ArrayPool<byte>.Shared.Return(_copy);
    }
}
