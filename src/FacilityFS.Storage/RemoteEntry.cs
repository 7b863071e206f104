namespace FacilityFS.Storage;

/// <summary>What a store knows about one file or folder.</summary>
/// <param name="ETag">The validator as the server sent it (quotes and any W/ prefix kept); null when the server gives none.</param>
public sealed record RemoteEntry(RemotePath Path, bool IsDirectory, long Size, DateTimeOffset? LastModified, string? ETag)
{
    public string Name => Path.Name;

    /// <summary>A version key that changes when the content changes: the ETag, else size and mtime.</summary>
    public string VersionKey => ETag is { } etag ? WithoutWeakPrefix(etag) : $"{Size}@{LastModified?.ToUnixTimeSeconds() ?? 0}";

    /// <summary>An ETag with any W/ dropped: a weak and a strong form of one validator name the same content here.</summary>
    /// <remarks>Apache weakens the ETag of a file written within the last second, and other servers weaken it on compressed or ranged answers.</remarks>
    public static string WithoutWeakPrefix(string etag) => etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag;
}
