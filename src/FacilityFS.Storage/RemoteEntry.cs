namespace FacilityFS.Storage;

/// <summary>What a store knows about one file or folder.</summary>
/// <param name="ETag">The validator as the server sent it (quotes and any W/ prefix kept); null when the server gives none.</param>
public sealed record RemoteEntry(RemotePath Path, bool IsDirectory, long Size, DateTimeOffset? LastModified, string? ETag)
{
    public string Name => Path.Name;

    /// <summary>A version key that changes when the content changes: the ETag, else size and mtime.</summary>
    /// <remarks>A weak ETag counts as its strong form: Apache weakens the ETag of a file written within the last second,
    /// and the same content must keep one key across that second.</remarks>
    public string VersionKey => ETag is { } etag ? (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag)
        : $"{Size}@{LastModified?.ToUnixTimeSeconds() ?? 0}";
}
