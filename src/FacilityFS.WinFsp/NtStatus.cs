using FacilityFS.Vfs;

namespace FacilityFS.WinFsp;

/// <summary>The NTSTATUS values the adapter answers with (ntstatus.h), and the VFS error vocabulary mapped onto them in one exhaustive switch.</summary>
public static class NtStatus
{
    public const int Success = 0;
    public const int EndOfFile = unchecked((int)0xC0000011);
    public const int InvalidHandle = unchecked((int)0xC0000008);
    public const int InvalidParameter = unchecked((int)0xC000000D);
    public const int InvalidDeviceRequest = unchecked((int)0xC0000010);
    public const int AccessDenied = unchecked((int)0xC0000022);
    public const int BufferTooSmall = unchecked((int)0xC0000023);
    public const int ObjectNameInvalid = unchecked((int)0xC0000033);
    public const int ObjectNameNotFound = unchecked((int)0xC0000034);
    public const int ObjectNameCollision = unchecked((int)0xC0000035);
    public const int ObjectPathNotFound = unchecked((int)0xC000003A);
    public const int DiskFull = unchecked((int)0xC000007F);
    public const int FileInvalid = unchecked((int)0xC0000098);
    public const int MediaWriteProtected = unchecked((int)0xC00000A2);
    public const int FileIsADirectory = unchecked((int)0xC00000BA);
    public const int NotSupported = unchecked((int)0xC00000BB);
    public const int DirectoryNotEmpty = unchecked((int)0xC0000101);
    public const int NotADirectory = unchecked((int)0xC0000103);
    public const int NameTooLong = unchecked((int)0xC0000106);
    public const int IoDeviceError = unchecked((int)0xC0000185);
    public const int FileTooLarge = unchecked((int)0xC0000904);

    /// <summary>The answer to Windows for a VFS error; a test walks every <see cref="VfsError"/> value.</summary>
    public static int Of(VfsError error) => error switch
    {
        VfsError.NotFound => ObjectNameNotFound,
        VfsError.Exists => ObjectNameCollision,
        VfsError.AccessDenied => AccessDenied,
        VfsError.NotDirectory => NotADirectory,
        VfsError.IsDirectory => FileIsADirectory,
        VfsError.NotEmpty => DirectoryNotEmpty,
        VfsError.ReadOnly => MediaWriteProtected,
        VfsError.NoSpace => DiskFull,
        VfsError.FileTooLarge => FileTooLarge,
        VfsError.InvalidArgument => InvalidParameter,
        // "The volume for a file has been externally altered such that the opened file is no longer valid."
        VfsError.Stale => FileInvalid,
        VfsError.IoError => IoDeviceError,
        VfsError.NotSupported => NotSupported,
        VfsError.BadHandle => InvalidHandle,
        VfsError.NameTooLong => NameTooLong,
        // Links and device nodes cannot exist on the storage; Windows has no EPERM, and access denied is what it shows for "not allowed here".
        VfsError.NotPermitted => AccessDenied,
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "unmapped VFS error"),
    };

    /// <summary>The STATUS_ name of a value this class answers with, as SEMANTICS.md's error table writes it.</summary>
    public static string NameOf(int status) => status switch
    {
        Success => "STATUS_SUCCESS",
        EndOfFile => "STATUS_END_OF_FILE",
        InvalidHandle => "STATUS_INVALID_HANDLE",
        InvalidParameter => "STATUS_INVALID_PARAMETER",
        InvalidDeviceRequest => "STATUS_INVALID_DEVICE_REQUEST",
        AccessDenied => "STATUS_ACCESS_DENIED",
        BufferTooSmall => "STATUS_BUFFER_TOO_SMALL",
        ObjectNameInvalid => "STATUS_OBJECT_NAME_INVALID",
        ObjectNameNotFound => "STATUS_OBJECT_NAME_NOT_FOUND",
        ObjectNameCollision => "STATUS_OBJECT_NAME_COLLISION",
        ObjectPathNotFound => "STATUS_OBJECT_PATH_NOT_FOUND",
        DiskFull => "STATUS_DISK_FULL",
        FileInvalid => "STATUS_FILE_INVALID",
        MediaWriteProtected => "STATUS_MEDIA_WRITE_PROTECTED",
        FileIsADirectory => "STATUS_FILE_IS_A_DIRECTORY",
        NotSupported => "STATUS_NOT_SUPPORTED",
        DirectoryNotEmpty => "STATUS_DIRECTORY_NOT_EMPTY",
        NotADirectory => "STATUS_NOT_A_DIRECTORY",
        NameTooLong => "STATUS_NAME_TOO_LONG",
        IoDeviceError => "STATUS_IO_DEVICE_ERROR",
        FileTooLarge => "STATUS_FILE_TOO_LARGE",
        _ => $"0x{status:X8}",
    };
}
