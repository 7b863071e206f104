using FacilityFS.Vfs;

namespace FacilityFS.Fuse;

/// <summary>The VFS error vocabulary as Linux errno values: one exhaustive switch, checked by a test over every <see cref="VfsError"/>.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ERANGE = 34;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
    public const int ESTALE = 116;

    public static int Of(VfsError error) => error switch
    {
        VfsError.NotFound => ENOENT,
        VfsError.Exists => EEXIST,
        VfsError.AccessDenied => EACCES,
        VfsError.NotDirectory => ENOTDIR,
        VfsError.IsDirectory => EISDIR,
        VfsError.NotEmpty => ENOTEMPTY,
        VfsError.ReadOnly => EROFS,
        VfsError.NoSpace => ENOSPC,
        VfsError.FileTooLarge => EFBIG,
        VfsError.InvalidArgument => EINVAL,
        VfsError.Stale => ESTALE,
        VfsError.IoError => EIO,
        VfsError.NotSupported => EOPNOTSUPP,
        VfsError.BadHandle => EBADF,
        VfsError.NameTooLong => ENAMETOOLONG,
        VfsError.NotPermitted => EPERM,
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "unmapped VFS error"),
    };
}
