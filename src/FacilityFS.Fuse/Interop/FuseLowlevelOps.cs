using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>libfuse 3.14 <c>struct fuse_lowlevel_ops</c>: 44 function pointers, 352 bytes, copied by <c>fuse_session_new</c>. A null slot gets libfuse's default.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseLowlevelOps
{
    public delegate* unmanaged<nint, FuseConnInfo*, void> Init;
    public delegate* unmanaged<nint, void> Destroy;
    public delegate* unmanaged<nint, ulong, byte*, void> Lookup;
    public delegate* unmanaged<nint, ulong, ulong, void> Forget;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> GetAttr;
    public delegate* unmanaged<nint, ulong, NativeStat*, int, FuseFileInfo*, void> SetAttr;
    public delegate* unmanaged<nint, ulong, void> ReadLink;
    public delegate* unmanaged<nint, ulong, byte*, uint, ulong, void> MkNod;
    public delegate* unmanaged<nint, ulong, byte*, uint, void> MkDir;
    public delegate* unmanaged<nint, ulong, byte*, void> Unlink;
    public delegate* unmanaged<nint, ulong, byte*, void> RmDir;
    public delegate* unmanaged<nint, byte*, ulong, byte*, void> Symlink;
    public delegate* unmanaged<nint, ulong, byte*, ulong, byte*, uint, void> Rename;
    public delegate* unmanaged<nint, ulong, ulong, byte*, void> Link;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> Open;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> Read;
    public delegate* unmanaged<nint, ulong, byte*, nuint, long, FuseFileInfo*, void> Write;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> Flush;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> Release;
    public delegate* unmanaged<nint, ulong, int, FuseFileInfo*, void> Fsync;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> OpenDir;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> ReadDir;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> ReleaseDir;
    public delegate* unmanaged<nint, ulong, int, FuseFileInfo*, void> FsyncDir;
    public delegate* unmanaged<nint, ulong, void> StatFs;
    public delegate* unmanaged<nint, ulong, byte*, byte*, nuint, int, void> SetXAttr;
    public delegate* unmanaged<nint, ulong, byte*, nuint, void> GetXAttr;
    public delegate* unmanaged<nint, ulong, nuint, void> ListXAttr;
    public delegate* unmanaged<nint, ulong, byte*, void> RemoveXAttr;
    public delegate* unmanaged<nint, ulong, int, void> Access;
    public delegate* unmanaged<nint, ulong, byte*, uint, FuseFileInfo*, void> Create;
    public nint GetLk;
    public nint SetLk;
    public nint Bmap;
    public nint Ioctl;
    public nint Poll;
    public nint WriteBuf;
    public nint RetrieveReply;
    public delegate* unmanaged<nint, nuint, FuseForgetData*, void> ForgetMulti;
    public nint Flock;
    public nint Fallocate;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> ReadDirPlus;
    public nint CopyFileRange;
    public nint Lseek;
}
