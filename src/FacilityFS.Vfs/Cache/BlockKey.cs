using System.Security.Cryptography;
using System.Text;

namespace FacilityFS.Vfs.Cache;

/// <summary>Names one block of one version of a file: a changed file (new ETag, or size and time) never reuses old blocks.</summary>
/// <param name="Piece">0 for a whole block; otherwise the size of the small piece a random reader fetched (pieces stay in memory only).</param>
public readonly record struct BlockKey(string Path, string Version, long Index, int Piece = 0)
{
    /// <summary>Bumped when the on-disk block format changes, so old cache files are never misread.</summary>
    public const int FormatVersion = 1;

    public string Text => $"v{FormatVersion}\n{Path}\n{Version}\n{Index}";

    /// <summary>The disk tier's file name: a hash, so any path or ETag is a safe name.</summary>
    public string FileName => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text))) + ".blk";
}
