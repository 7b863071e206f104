namespace FacilityFS.Storage.Checksums;

/// <summary>Reads and writes RFC 3230 instance digests (<c>Digest: adler32=03da0195,md5=…</c>) as dCache sends them.</summary>
public static class DigestHeader
{
    public static string WantDigestValue(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Adler32 => "adler32",
        ChecksumAlgorithm.Md5 => "md5",
        ChecksumAlgorithm.Sha256 => "sha-256",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    /// <summary>Parses every digest the header carries; unknown algorithms and malformed values are skipped.</summary>
    public static IReadOnlyList<Checksum> Parse(IEnumerable<string> headerValues)
    {
        var result = new List<Checksum>();
        foreach (var header in headerValues)
        {
            foreach (var part in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=');
                if (eq <= 0) continue;
                var name = part[..eq].Trim().ToLowerInvariant();
                var value = part[(eq + 1)..].Trim();
                var parsed = name switch
                {
                    "adler32" => ParseAdler(value),
                    "md5" => ParseBase64(ChecksumAlgorithm.Md5, value, 16),
                    "sha-256" => ParseBase64(ChecksumAlgorithm.Sha256, value, 32),
                    _ => null,
                };
                if (parsed is not null) result.Add(parsed);
            }
        }
        return result;
    }

    private static Checksum? ParseAdler(string value)
    {
        if (value.Length is 0 or > 8 || !uint.TryParse(value, System.Globalization.NumberStyles.HexNumber, null, out var v))
            return null;
        return new Checksum(ChecksumAlgorithm.Adler32, v.ToString("x8"));
    }

    private static Checksum? ParseBase64(ChecksumAlgorithm algorithm, string value, int expectedBytes)
    {
        Span<byte> buffer = stackalloc byte[64];
        if (!Convert.TryFromBase64String(value, buffer, out var written) || written != expectedBytes)
            return null;
        return new Checksum(algorithm, Convert.ToHexStringLower(buffer[..written]));
    }
}
