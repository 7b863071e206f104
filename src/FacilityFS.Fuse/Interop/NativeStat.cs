using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>glibc x86_64 <c>struct stat</c> (144 bytes); the layout is checked against the C header by a test.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeStat
{
    public ulong Dev;
    public ulong Ino;
    public ulong Nlink;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public int Pad0;
    public ulong Rdev;
    public long Size;
    public long BlockSize;
    public long Blocks;
    public long AtimeSec;
    public long AtimeNsec;
    public long MtimeSec;
    public long MtimeNsec;
    public long CtimeSec;
    public long CtimeNsec;
    public long Reserved0;
    public long Reserved1;
    public long Reserved2;
}
