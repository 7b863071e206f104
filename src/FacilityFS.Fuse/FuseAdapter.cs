using System.Runtime.InteropServices;
using System.Text;
using FacilityFS.Fuse.Interop;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Fuse;

/// <summary>Translates libfuse low-level requests onto <see cref="VirtualFileSystem"/>: no caching and no HTTP here, only conversion and replies.</summary>
/// <remarks>Every callback catches everything and replies exactly once, inline when the VFS answered synchronously, otherwise from the thread that completes the task (see FuseReplies.cs).</remarks>
/// <param name="extendedAttributes">Whether getxattr/listxattr answer (the upload state); otherwise both are ENOSYS, see <see cref="Operations"/>.</param>
internal sealed partial class FuseAdapter(VirtualFileSystem vfs, ILogger logger, bool extendedAttributes)
{
    private const int OpenAccessMode = 3;
    private const int OpenTruncate = 0x200;
    private const int OpenAppend = 0x400;
    private const uint TypeMask = 0xF000;
    private const int SetSize = 1 << 3;
    private const int SetMtime = 1 << 5;
    private const int SetMtimeNow = 1 << 8;
    private const uint RenameNoReplace = 1;
    private const uint RenameExchange = 2;
    private const string StateAttribute = "user.facilityfs.state";
    private const uint DirectoryType = 0x4000;
    private const uint RegularType = 0x8000;
    private const uint FifoType = 0x1000;
    private const uint CharacterDeviceType = 0x2000;
    private const uint BlockDeviceType = 0x6000;
    private const uint SocketType = 0xC000;

    private readonly uint _uid = Libc.GetEffectiveUserId();
    private readonly uint _gid = Libc.GetEffectiveGroupId();

    public VirtualFileSystem Vfs { get; } = vfs;

    public ILogger Logger { get; } = logger;

    /// <summary>Whether getxattr/listxattr answer; fixed for the mount's life, since the kernel remembers an ENOSYS for good.</summary>
    public bool ExtendedAttributes { get; } = extendedAttributes;

    /// <summary>The callbacks.</summary>
    /// <remarks>
    /// getxattr and listxattr are always registered, so that they are counted (<see cref="FuseMetrics.XattrRequests"/>), but answer only
    /// with extended attributes on: while getxattr answers, `ls -l` asks it for security.selinux and system.posix_acl_access on every entry
    /// (a round trip each; FUSE caches no xattr answer and no negative one): a warm `ls -lR` of 5 000 files took 0.42 s, 0.09 s without. ENOSYS
    /// makes the kernel stop asking for the rest of the mount (fc->no_getxattr, fc->no_listxattr): every later call fails with EOPNOTSUPP
    /// without reaching us, and ls remembers that per device. The upload state is then `facilityfs status PATH`'s to tell.
    /// (FUSE_POSIX_ACL would let the kernel cache the ACL answers, but not the security.selinux one, and would have it enforce ACLs.)
    /// </remarks>
    public static unsafe FuseLowlevelOps Operations() => new()
    {
        Init = &OnInit,
        Lookup = &OnLookup,
        Forget = &OnForget,
        ForgetMulti = &OnForgetMulti,
        GetAttr = &OnGetAttr,
        SetAttr = &OnSetAttr,
        MkNod = &OnMkNod,
        MkDir = &OnMkDir,
        Unlink = &OnUnlink,
        RmDir = &OnRmDir,
        Symlink = &OnSymlink,
        Rename = &OnRename,
        Link = &OnLink,
        Open = &OnOpen,
        Read = &OnRead,
        Write = &OnWrite,
        Flush = &OnFlush,
        Release = &OnRelease,
        Fsync = &OnFsync,
        OpenDir = &OnOpenDir,
        ReadDir = &OnReadDir,
        ReadDirPlus = &OnReadDirPlus,
        ReleaseDir = &OnReleaseDir,
        StatFs = &OnStatFs,
        GetXAttr = &OnGetXAttr,
        ListXAttr = &OnListXAttr,
        Create = &OnCreate,
    };

    private static FuseAdapter Of(nint request) => (FuseAdapter)GCHandle.FromIntPtr(LibFuse.RequestUserData(request)).Target!;

    private static unsafe string NameOf(byte* name) => Marshal.PtrToStringUTF8((nint)name) ?? "";

    // ----- callbacks -----

    [UnmanagedCallersOnly]
    private static unsafe void OnInit(nint userdata, FuseConnInfo* connection)
    {
        try
        {
            const uint wanted = FuseConnInfo.CapAsyncRead | FuseConnInfo.CapAutoInvalData | FuseConnInfo.CapReaddirPlus
                | FuseConnInfo.CapReaddirPlusAuto | FuseConnInfo.CapParallelDirops;
            // Asking for a capability the kernel lacks aborts the session, so only ever ask within what it offers.
            connection->Want |= connection->Capable & wanted;
            connection->MaxBackground = 64;
            connection->CongestionThreshold = 48;
            connection->TimeGranularity = 1_000_000_000;
        }
        catch
        {
            // Nothing to reply in init; the defaults stand.
        }
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnLookup(nint request, ulong parent, byte* name) =>
        Guard(request, (parent, NameOf(name)), static (self, req, s) => self.Lookup(req, s.parent, s.Item2));

    private void Lookup(nint request, ulong parent, string name)
    {
        ValueTask<VfsEntry> pending;
        try
        {
            pending = Vfs.LookupAsync(parent, name);
        }
        catch (VfsException e) when (e.Error == VfsError.NotFound)
        {
            ReplyNegative(request);
            return;
        }
        if (pending.IsCompletedSuccessfully) ReplyEntry(request, pending.Result);
        else _ = Tracked(LookupLaterAsync(request, pending));
    }

    private async Task LookupLaterAsync(nint request, ValueTask<VfsEntry> pending)
    {
        try
        {
            ReplyEntry(request, await pending.ConfigureAwait(false));
        }
        catch (VfsException e) when (e.Error == VfsError.NotFound)
        {
            ReplyNegative(request);
        }
        catch (Exception e)
        {
            ReplyError(request, e);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnForget(nint request, ulong inode, ulong count) =>
        Always(request, (inode, count), static (self, s) => self.Vfs.Forget(s.inode, s.count), ReplyNone);

    [UnmanagedCallersOnly]
    private static unsafe void OnForgetMulti(nint request, nuint count, FuseForgetData* forgets) =>
        Always(request, new ReadOnlySpan<FuseForgetData>(forgets, (int)count).ToArray(), static (self, all) =>
        {
            foreach (var forget in all) self.Vfs.Forget(forget.Ino, forget.Nlookup);
        }, ReplyNone);

    [UnmanagedCallersOnly]
    private static unsafe void OnGetAttr(nint request, ulong inode, FuseFileInfo* fileInfo) =>
        Guard(request, inode, static (self, req, ino) => self.Complete(req, self.Vfs.GetAttributesAsync(ino), self.ReplyAttributes));

    [UnmanagedCallersOnly]
    private static unsafe void OnOpen(nint request, ulong inode, FuseFileInfo* fileInfo) =>
        Guard(request, (inode, info: *fileInfo), static (self, req, s) =>
            self.Complete(req, self.Vfs.OpenAsync(s.inode, OpenFlagsOf(s.info.Flags)), (r, opened) => self.ReplyOpen(r, s.info, opened.Handle, opened.KeepCache, isDirectory: false)));

    /// <summary>A write-only handle bypasses the kernel's page cache: its bytes land in the spool's page cache only, not twice, which is what lets a copy into the mount run near local-disk speed.</summary>
    private static bool WriteOnly(int flags) => (flags & OpenAccessMode) == 1;

    /// <summary>open(2) flags in the core's terms; O_CREAT and O_EXCL never reach open (the kernel turns them into create after a lookup).</summary>
    private static VfsOpenFlags OpenFlagsOf(int flags)
    {
        var result = (flags & OpenAccessMode) switch
        {
            0 => VfsOpenFlags.Read,
            1 => VfsOpenFlags.Write,
            _ => VfsOpenFlags.ReadWrite,
        };
        if ((flags & OpenTruncate) != 0) result |= VfsOpenFlags.Truncate;
        if ((flags & OpenAppend) != 0) result |= VfsOpenFlags.Append;
        return result;
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnOpenDir(nint request, ulong inode, FuseFileInfo* fileInfo) =>
        Guard(request, (inode, info: *fileInfo), static (self, req, s) =>
            self.Complete(req, self.Vfs.OpenDirectoryAsync(s.inode), (r, handle) => self.ReplyOpen(r, s.info, handle, keepCache: false, isDirectory: true)));

    [UnmanagedCallersOnly]
    private static unsafe void OnRead(nint request, ulong inode, nuint size, long offset, FuseFileInfo* fileInfo) =>
        Guard(request, (handle: fileInfo->Handle, size: (int)Math.Min(size, int.MaxValue), offset), static (self, req, s) => _ = self.Tracked(self.ReadAsync(req, s.handle, s.size, s.offset)));

    private async Task ReadAsync(nint request, ulong handle, int size, long offset)
    {
        try
        {
            using var lease = await Vfs.ReadLeaseAsync(handle, offset, size).ConfigureAwait(false);
            ReplyBytes(request, lease.Span);
        }
        catch (Exception e)
        {
            ReplyError(request, e);
        }
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnRelease(nint request, ulong inode, FuseFileInfo* fileInfo) =>
        Always(request, fileInfo->Handle, static (self, handle) => self.Vfs.Release(handle), ReplySuccess);

    [UnmanagedCallersOnly]
    private static unsafe void OnReleaseDir(nint request, ulong inode, FuseFileInfo* fileInfo) =>
        Always(request, fileInfo->Handle, static (self, handle) => self.Vfs.ReleaseDirectory(handle), ReplySuccess);

    [UnmanagedCallersOnly]
    private static unsafe void OnReadDir(nint request, ulong inode, nuint size, long offset, FuseFileInfo* fileInfo) =>
        Guard(request, (inode, handle: fileInfo->Handle, size: (int)Math.Min(size, 1 << 20), offset),
            static (self, req, s) => self.FillDirectory(req, s.inode, s.handle, s.size, s.offset, plus: false));

    [UnmanagedCallersOnly]
    private static unsafe void OnReadDirPlus(nint request, ulong inode, nuint size, long offset, FuseFileInfo* fileInfo) =>
        Guard(request, (inode, handle: fileInfo->Handle, size: (int)Math.Min(size, 1 << 20), offset),
            static (self, req, s) => self.FillDirectory(req, s.inode, s.handle, s.size, s.offset, plus: true));

    [UnmanagedCallersOnly]
    private static void OnStatFs(nint request, ulong inode) => Guard(request, inode, static (self, req, _) => self.ReplyStatFs(req));

    // ----- changes (the core refuses them with ReadOnly on a read-only mount) -----

    [UnmanagedCallersOnly]
    private static unsafe void OnSetAttr(nint request, ulong inode, NativeStat* attr, int toSet, FuseFileInfo* fileInfo) =>
        Guard(request, (inode, toSet, size: attr->Size, mtime: attr->MtimeSec, mtimeNsec: attr->MtimeNsec, handle: fileInfo is null ? (ulong?)null : fileInfo->Handle),
            static (self, req, s) =>
            {
                long? size = (s.toSet & SetSize) != 0 ? s.size : null;
                DateTimeOffset? modified = (s.toSet & SetMtimeNow) != 0 ? DateTimeOffset.UtcNow
                    : (s.toSet & SetMtime) != 0 ? DateTimeOffset.FromUnixTimeSeconds(s.mtime).AddTicks(s.mtimeNsec / 100) : null;
                self.Complete(req, self.Vfs.SetAttributesAsync(s.inode, s.handle, size, modified), self.ReplyAttributes);
            });

    [UnmanagedCallersOnly]
    private static unsafe void OnMkNod(nint request, ulong parent, byte* name, uint mode, ulong device) =>
        Guard(request, (parent, name: NameOf(name), type: NodeTypeOf(mode)), static (self, req, s) =>
            self.Complete(req, self.Vfs.MakeNodeAsync(s.parent, s.name, s.type), self.ReplyEntry));

    /// <summary>The S_IFMT bits of a mode in the core's terms.</summary>
    private static VfsNodeType NodeTypeOf(uint mode) => (mode & TypeMask) switch
    {
        CharacterDeviceType => VfsNodeType.CharacterDevice,
        BlockDeviceType => VfsNodeType.BlockDevice,
        FifoType => VfsNodeType.Fifo,
        SocketType => VfsNodeType.Socket,
        // mknod(2) takes a type of 0 for a regular file.
        0 or RegularType => VfsNodeType.RegularFile,
        _ => VfsNodeType.Unknown,
    };

    [UnmanagedCallersOnly]
    private static unsafe void OnMkDir(nint request, ulong parent, byte* name, uint mode) =>
        Guard(request, (parent, name: NameOf(name)), static (self, req, s) => self.Complete(req, self.Vfs.MakeDirectoryAsync(s.parent, s.name), self.ReplyEntry));

    [UnmanagedCallersOnly]
    private static unsafe void OnUnlink(nint request, ulong parent, byte* name) =>
        Guard(request, (parent, name: NameOf(name)), static (self, req, s) => self.CompleteEmpty(req, self.Vfs.UnlinkAsync(s.parent, s.name)));

    [UnmanagedCallersOnly]
    private static unsafe void OnRmDir(nint request, ulong parent, byte* name) =>
        Guard(request, (parent, name: NameOf(name)), static (self, req, s) => self.CompleteEmpty(req, self.Vfs.RemoveDirectoryAsync(s.parent, s.name)));

    [UnmanagedCallersOnly]
    private static unsafe void OnSymlink(nint request, byte* link, ulong parent, byte* name) =>
        Guard(request, (parent, name: NameOf(name)), static (self, req, s) => self.ReplyEntry(req, self.Vfs.MakeSymbolicLink(s.parent, s.name)));

    [UnmanagedCallersOnly]
    private static unsafe void OnLink(nint request, ulong inode, ulong newParent, byte* newName) =>
        Guard(request, (inode, newParent, newName: NameOf(newName)), static (self, req, s) => self.ReplyEntry(req, self.Vfs.MakeHardLink(s.inode, s.newParent, s.newName)));

    [UnmanagedCallersOnly]
    private static unsafe void OnRename(nint request, ulong parent, byte* name, ulong newParent, byte* newName, uint flags) =>
        Guard(request, (parent, name: NameOf(name), newParent, newName: NameOf(newName), flags), static (self, req, s) =>
        {
            if ((s.flags & RenameExchange) == 0) self.CompleteEmpty(req, self.Vfs.RenameAsync(s.parent, s.name, s.newParent, s.newName, (s.flags & RenameNoReplace) != 0));
            else
            {
                self.Vfs.Exchange(s.parent, s.name, s.newParent, s.newName);
                ReplySuccess(req);
            }
        });

    [UnmanagedCallersOnly]
    private static unsafe void OnCreate(nint request, ulong parent, byte* name, uint mode, FuseFileInfo* fileInfo) =>
        Guard(request, (parent, name: NameOf(name), info: *fileInfo), static (self, req, s) =>
            self.Complete(req, self.Vfs.CreateAsync(s.parent, s.name, OpenFlagsOf(s.info.Flags)), (r, created) => self.ReplyCreate(r, s.info, created.Entry, created.Open)));

    [UnmanagedCallersOnly]
    private static unsafe void OnWrite(nint request, ulong inode, byte* buffer, nuint size, long offset, FuseFileInfo* fileInfo) =>
        Guard(request, (handle: fileInfo->Handle, data: (nint)buffer, size: (int)size, offset), static (self, req, s) =>
        {
            var data = new ReadOnlySpan<byte>((void*)s.data, s.size);
            if (self.Vfs.TryWrite(s.handle, s.offset, data))
            {
                LibFuse.ReplyWrite(req, (nuint)s.size);
                return;
            }
            // The spool is full: the bytes die with this callback, so the wait for room works on a copy.
            var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(s.size);
            data.CopyTo(copy);
            _ = self.Tracked(self.WriteLaterAsync(req, s.handle, s.offset, copy, s.size));
        });

    private async Task WriteLaterAsync(nint request, ulong handle, long offset, byte[] copy, int size)
    {
        try
        {
            await Vfs.WriteAsync(handle, offset, copy.AsMemory(0, size)).ConfigureAwait(false);
            LibFuse.ReplyWrite(request, (nuint)size);
        }
        catch (Exception e)
        {
            ReplyError(request, e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(copy);
        }
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnFlush(nint request, ulong inode, FuseFileInfo* fileInfo) =>
        Guard(request, fileInfo->Handle, static (self, req, handle) =>
        {
            // close() returns what flush answers: a write the journal could not record is the writer's error, not a silent loss.
            self.Vfs.Flush(handle);
            ReplySuccess(req);
        });

    [UnmanagedCallersOnly]
    private static unsafe void OnFsync(nint request, ulong inode, int dataOnly, FuseFileInfo* fileInfo) =>
        Guard(request, fileInfo->Handle, static (self, req, handle) => self.CompleteEmpty(req, self.Vfs.FsyncAsync(handle)));

    [UnmanagedCallersOnly]
    private static unsafe void OnGetXAttr(nint request, ulong inode, byte* name, nuint size) =>
        Guard(request, (inode, name: NameOf(name), size: (int)Math.Min(size, int.MaxValue)), static (self, req, s) =>
        {
            FuseMetrics.Count("getxattr");
            if (!self.ExtendedAttributes) LibFuse.ReplyErr(req, Errno.ENOSYS);
            else if (s.name != StateAttribute) LibFuse.ReplyErr(req, Errno.ENODATA);
            else self.ReplyXattrValue(req, Encoding.UTF8.GetBytes(self.Vfs.StateOf(s.inode)), s.size);
        });

    [UnmanagedCallersOnly]
    private static void OnListXAttr(nint request, ulong inode, nuint size) =>
        Guard(request, (inode, size: (int)Math.Min(size, int.MaxValue)), static (self, req, s) =>
        {
            FuseMetrics.Count("listxattr");
            if (!self.ExtendedAttributes)
            {
                LibFuse.ReplyErr(req, Errno.ENOSYS);
                return;
            }
            var names = self.Vfs.IsDirectory(s.inode) ? [] : Encoding.UTF8.GetBytes(StateAttribute + "\0");
            self.ReplyXattrValue(req, names, s.size);
        });

}
