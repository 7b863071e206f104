namespace FacilityFS.Vfs;

/// <summary>The core's one error vocabulary; each platform adapter maps every value (errno, NTSTATUS) in one exhaustive switch.</summary>
public enum VfsError
{
    NotFound,
    Exists,
    AccessDenied,
    NotDirectory,
    IsDirectory,
    NotEmpty,
    ReadOnly,
    NoSpace,
    FileTooLarge,
    InvalidArgument,
    /// <summary>The remote file changed under an open handle; the handle's data would mix versions.</summary>
    Stale,
    /// <summary>The storage is unreachable or failed; worth trying again later.</summary>
    IoError,
    NotSupported,
    BadHandle,
    NameTooLong,
    /// <summary>The storage cannot hold this kind of thing at all (links, device nodes).</summary>
    NotPermitted,
}
