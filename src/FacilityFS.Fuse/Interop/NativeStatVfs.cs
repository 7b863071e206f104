using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>glibc x86_64 <c>struct statvfs</c> (112 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeStatVfs
{
    public ulong BlockSize;
    public ulong FragmentSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FilesAvailable;
    public ulong FsId;
    public ulong Flag;
    public ulong NameMax;
    public fixed int Spare[6];
}
