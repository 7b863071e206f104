namespace FacilityFS.Storage;

/// <summary>A byte range to read: from <see cref="Offset"/>, <see cref="Length"/> bytes or to the end when null.</summary>
public readonly record struct ByteRange(long Offset, long? Length)
{
    public static ByteRange From(long offset) => new(offset, null);

    public string ToHeaderValue() => Length is { } n ? $"bytes={Offset}-{Offset + n - 1}" : $"bytes={Offset}-";
}
