using FacilityFS.Storage;

namespace FacilityFS.Vfs.Cache;

/// <summary>One version of one remote file, as a reader saw it when opening: blocks are fetched for exactly this version.</summary>
/// <param name="ETag">Sent with every ranged GET so a file that changes mid-read fails instead of mixing versions; null when the server gives none.</param>
public sealed record FileVersion(RemotePath Path, string Version, string? ETag, long Size)
{
    public static FileVersion Of(RemoteEntry entry) => new(entry.Path, entry.VersionKey, entry.ETag, entry.Size);

    public BlockKey KeyOf(long index) => new(Path.Value, Version, index);

    /// <summary>The key of piece <paramref name="index"/> when the file is cut in pieces of <paramref name="piece"/> bytes.</summary>
    public BlockKey PieceKeyOf(long index, int piece) => new(Path.Value, Version, index, piece);
}
