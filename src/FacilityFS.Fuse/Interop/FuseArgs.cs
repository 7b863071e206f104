using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>libfuse <c>struct fuse_args</c> (24 bytes); zero-initialised it is FUSE_ARGS_INIT(0, NULL).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseArgs
{
    public int Argc;
    public byte** Argv;
    public int Allocated;
}
