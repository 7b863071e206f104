namespace FacilityFS.Storage;

/// <summary>The storage layer's one error vocabulary; every adapter maps these exhaustively.</summary>
public enum StorageErrorKind
{
    NotFound,
    AlreadyExists,
    PermissionDenied,
    Unauthenticated,
    InsufficientStorage,
    TooLarge,
    /// <summary>The request conflicts with the tree, e.g. a missing parent folder (WebDAV 409).</summary>
    Conflict,
    /// <summary>The file changed on the server since it was last seen (ETag differs, 412).</summary>
    Changed,
    IsDirectory,
    NotDirectory,
    NotEmpty,
    /// <summary>Connection failed, timed out, or the server said 5xx/429: worth retrying later.</summary>
    Unavailable,
    /// <summary>The server answered something this client cannot understand.</summary>
    InvalidResponse,
    NotSupported,
    /// <summary>Data arrived but its size or checksum is not what it should be.</summary>
    VerificationFailed,
    InvalidArgument,
}
