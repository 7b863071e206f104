using FacilityFS.Storage;

namespace FacilityFS.Vfs;

/// <summary>A failed VFS operation, carrying the core error the adapters map and a message that names the path.</summary>
public sealed class VfsException(VfsError error, string message, Exception? inner = null) : Exception(message, inner)
{
    public VfsError Error { get; } = error;

    /// <summary>The core's view of a storage failure: one mapping from the storage vocabulary to the VFS one.</summary>
    public static VfsException From(StorageException e) => new(e.Kind switch
    {
        StorageErrorKind.NotFound => VfsError.NotFound,
        StorageErrorKind.AlreadyExists => VfsError.Exists,
        StorageErrorKind.PermissionDenied or StorageErrorKind.Unauthenticated => VfsError.AccessDenied,
        StorageErrorKind.InsufficientStorage => VfsError.NoSpace,
        StorageErrorKind.TooLarge => VfsError.FileTooLarge,
        StorageErrorKind.Conflict => VfsError.NotFound,
        StorageErrorKind.Changed => VfsError.Stale,
        StorageErrorKind.IsDirectory => VfsError.IsDirectory,
        StorageErrorKind.NotDirectory => VfsError.NotDirectory,
        StorageErrorKind.NotEmpty => VfsError.NotEmpty,
        StorageErrorKind.Unavailable or StorageErrorKind.InvalidResponse or StorageErrorKind.VerificationFailed => VfsError.IoError,
        StorageErrorKind.NotSupported => VfsError.NotSupported,
        StorageErrorKind.InvalidArgument => VfsError.InvalidArgument,
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.Kind, "unmapped storage error kind"),
    }, e.Message, e);
}
