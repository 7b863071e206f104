namespace FacilityFS.Storage;

/// <summary>What a store knows about one file or folder.</summary>
/// <param name="ETag">The validator as the server sent it (quotes and any W/ prefix kept); null when the server gives none.</param>
public sealed record RemoteEntry(RemotePath Path, bool IsDirectory, long Size, DateTimeOffset? LastModified, string? ETag)
{
    public string Name => Path.Name;

    /// <summary>A version key that changes when the content changes: the ETag, else size and mtime.</summary>
    public string VersionKey => ETag ?? $"{Size}@{LastModified?.ToUnixTimeSeconds() ?? 0}";
}
