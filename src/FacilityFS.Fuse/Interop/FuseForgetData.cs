using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>libfuse <c>struct fuse_forget_data</c> (16 bytes), the elements of forget_multi.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseForgetData
{
    public ulong Ino;
    public ulong Nlookup;
}
