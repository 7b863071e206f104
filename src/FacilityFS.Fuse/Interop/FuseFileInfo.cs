using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>libfuse 3.14 <c>struct fuse_file_info</c> (40 bytes); the bit-fields live in one uint at offset 4, least significant bit first.</summary>
/// <remarks>Only ever received from libfuse and handed back; never allocated here, since newer libfuse versions grow it.</remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseFileInfo
{
    public const uint DirectIo = 1 << 1;
    public const uint KeepCache = 1 << 2;
    public const uint NonSeekable = 1 << 4;
    public const uint CacheReaddir = 1 << 6;

    public int Flags;
    public uint BitFields;
    public uint Padding2;
    public uint Hole;
    public ulong Handle;
    public ulong LockOwner;
    public uint PollEvents;
    public uint TailPadding;
}
