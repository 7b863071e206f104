using System.Runtime.InteropServices;

namespace FacilityFS.WinFsp.Interop;

// Declarations written from WinFsp's inc/winfsp/fsctl.h and winfsp.h (x64). Sizes and offsets are asserted in the tests
// against the numbers the headers state (FSP_FSCTL_STATIC_ASSERT), so a slip here fails a test, not a volume.

/// <summary>FSP_FSCTL_VOLUME_PARAMS (version 1, 504 bytes): how the volume presents itself to Windows.</summary>
[StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
internal unsafe struct FspVolumeParams
{
    public const int PrefixChars = 192;
    public const int FileSystemNameChars = 16;

    public ushort Version;
    public ushort SectorSize;
    public ushort SectorsPerAllocationUnit;
    public ushort MaxComponentLength;
    public ulong VolumeCreationTime;
    public uint VolumeSerialNumber;
    public uint TransactTimeout;
    public uint IrpTimeout;
    public uint IrpCapacity;
    public uint FileInfoTimeout;
    /// <summary>The header's bit fields, CaseSensitiveSearch (bit 0) to KmReservedFlags (bit 31); see <see cref="FspVolumeFlags"/>.</summary>
    public uint Flags;
    public fixed char Prefix[PrefixChars];
    public fixed char FileSystemName[FileSystemNameChars];
    /// <summary>Version 1 bit fields: VolumeInfoTimeoutValid (bit 0) … EaTimeoutValid (bit 4).</summary>
    public uint AdditionalFlags;
    public uint VolumeInfoTimeout;
    public uint DirInfoTimeout;
    public uint SecurityTimeout;
    public uint StreamInfoTimeout;
    public uint EaTimeout;
    public uint FsextControlCode;
    public uint Reserved32;
    public ulong Reserved64A;
    public ulong Reserved64B;
}

/// <summary>The bit positions of FSP_FSCTL_VOLUME_PARAMS's first flag word, in the header's order.</summary>
[Flags]
internal enum FspVolumeFlags : uint
{
    CaseSensitiveSearch = 1u << 0,
    CasePreservedNames = 1u << 1,
    UnicodeOnDisk = 1u << 2,
    PersistentAcls = 1u << 3,
    ReparsePoints = 1u << 4,
    ReparsePointsAccessCheck = 1u << 5,
    NamedStreams = 1u << 6,
    HardLinks = 1u << 7,
    ExtendedAttributes = 1u << 8,
    ReadOnlyVolume = 1u << 9,
    PostCleanupWhenModifiedOnly = 1u << 10,
    PassQueryDirectoryPattern = 1u << 11,
    AlwaysUseDoubleBuffering = 1u << 12,
    PassQueryDirectoryFileName = 1u << 13,
    FlushAndPurgeOnCleanup = 1u << 14,
    DeviceControl = 1u << 15,
    UmFileContextIsUserContext2 = 1u << 16,
    UmFileContextIsFullContext = 1u << 17,
    UmNoReparsePointsDirCheck = 1u << 18,
    // bits 19-23: UmReservedFlags
    AllowOpenInKernelMode = 1u << 24,
    CasePreservedExtendedAttributes = 1u << 25,
    WslFeatures = 1u << 26,
    DirectoryMarkerAsNextOffset = 1u << 27,
    RejectIrpPriorToTransact0 = 1u << 28,
    SupportsPosixUnlinkRename = 1u << 29,
    PostDispositionWhenNecessaryOnly = 1u << 30,
}

/// <summary>FSP_FSCTL_VOLUME_INFO (88 bytes): sizes and label of the volume.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FspVolumeInfo
{
    public const int LabelChars = 32;

    public ulong TotalSize;
    public ulong FreeSize;
    /// <summary>In bytes, not characters.</summary>
    public ushort VolumeLabelLength;
    public fixed char VolumeLabel[LabelChars];
}

/// <summary>FSP_FSCTL_FILE_INFO (72 bytes): what Windows knows of a file; times are FILETIME (100 ns since 1601, UTC).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FspFileInfo
{
    public uint FileAttributes;
    public uint ReparseTag;
    public ulong AllocationSize;
    public ulong FileSize;
    public ulong CreationTime;
    public ulong LastAccessTime;
    public ulong LastWriteTime;
    public ulong ChangeTime;
    public ulong IndexNumber;
    public uint HardLinks;
    public uint EaSize;
}

/// <summary>FSP_FSCTL_DIR_INFO without its trailing name (104 bytes): one directory entry; the UTF-16 name follows, and <see cref="Size"/> counts both.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FspDirInfo
{
    public ushort Size;
    public FspFileInfo FileInfo;
    /// <summary>The union of NextOffset and Padding[24]: it makes the record as big as FILE_ID_BOTH_DIR_INFORMATION.</summary>
    public ulong NextOffset;
    public ulong Padding1;
    public ulong Padding2;
}

/// <summary>The head of FSP_FILE_SYSTEM: only Version and UserContext are touched (UserContext carries our dispatcher); the rest is WinFsp's.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FspFileSystemHead
{
    public ushort Version;
    public nint UserContext;
}

/// <summary>FSP_FILE_SYSTEM_INTERFACE: 64 function pointers (512 bytes on x64), in the header's slot order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FspFileSystemInterface
{
    public const int Slots = 64;

    public fixed long Pointers[Slots];
}

/// <summary>The slot of each FSP_FILE_SYSTEM_INTERFACE operation, in the header's order; slots not listed stay null (not implemented).</summary>
internal enum FspSlot
{
    GetVolumeInfo = 0,
    SetVolumeLabel = 1,
    GetSecurityByName = 2,
    Create = 3,
    Open = 4,
    Overwrite = 5,
    Cleanup = 6,
    Close = 7,
    Read = 8,
    Write = 9,
    Flush = 10,
    GetFileInfo = 11,
    SetBasicInfo = 12,
    SetFileSize = 13,
    CanDelete = 14,
    Rename = 15,
    GetSecurity = 16,
    SetSecurity = 17,
    ReadDirectory = 18,
    ResolveReparsePoints = 19,
    GetReparsePoint = 20,
    SetReparsePoint = 21,
    DeleteReparsePoint = 22,
    GetStreamInfo = 23,
    GetDirInfoByName = 24,
    Control = 25,
    SetDelete = 26,
    CreateEx = 27,
    OverwriteEx = 28,
    GetEa = 29,
    SetEa = 30,
    Obsolete0 = 31,
}
