using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>libfuse <c>struct fuse_entry_param</c> (176 bytes): the reply to lookup; <c>Ino = 0</c> is a cached negative entry.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseEntryParam
{
    public ulong Ino;
    public ulong Generation;
    public NativeStat Attr;
    public double AttrTimeout;
    public double EntryTimeout;
}
