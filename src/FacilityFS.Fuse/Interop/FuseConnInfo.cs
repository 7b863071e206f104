using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>libfuse 3.14 <c>struct fuse_conn_info</c> (128 bytes), negotiated in init.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseConnInfo
{
    public const uint CapAsyncRead = 1 << 0;
    public const uint CapAutoInvalData = 1 << 12;
    public const uint CapReaddirPlus = 1 << 13;
    public const uint CapReaddirPlusAuto = 1 << 14;
    public const uint CapParallelDirops = 1 << 18;

    public uint ProtoMajor;
    public uint ProtoMinor;
    public uint MaxWrite;
    public uint MaxRead;
    public uint MaxReadahead;
    public uint Capable;
    public uint Want;
    public uint MaxBackground;
    public uint CongestionThreshold;
    public uint TimeGranularity;
    public fixed uint Reserved[22];
}
