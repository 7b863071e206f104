namespace FacilityFS.Storage.Checksums;

/// <summary>The checksum algorithms the storage layer can name.</summary>
public enum ChecksumAlgorithm
{
    Adler32,
    Md5,
    Sha256,
}

/// <summary>A checksum value in canonical form: lowercase hexadecimal.</summary>
public sealed record Checksum(ChecksumAlgorithm Algorithm, string Value)
{
    public string AlgorithmName => Algorithm switch
    {
        ChecksumAlgorithm.Adler32 => "adler32",
        ChecksumAlgorithm.Md5 => "md5",
        ChecksumAlgorithm.Sha256 => "sha-256",
        _ => throw new ArgumentOutOfRangeException(nameof(Algorithm), Algorithm, null),
    };

    public override string ToString() => $"{AlgorithmName}:{Value}";
}
