using System.Runtime.InteropServices;
using System.Text;
using FacilityFS.Fuse.Interop;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Fuse;

/// <summary>Translates libfuse low-level requests onto <see cref="VirtualFileSystem"/>: no caching and no HTTP here, only conversion and replies.</summary>
/// <remarks>Every callback catches everything and replies exactly once, inline when the VFS answered synchronously, otherwise from the thread that completes the task.</remarks>
internal sealed class FuseAdapter(VirtualFileSystem vfs, ILogger logger)
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

    private readonly uint _uid = Libc.GetEffectiveUserId();
    private readonly uint _gid = Libc.GetEffectiveGroupId();

    public VirtualFileSystem Vfs { get; } = vfs;

    public ILogger Logger { get; } = logger;

    private int _pendingReplies;

    /// <summary>Replies still to be sent from other threads; the session must outlive them, since a reply points into it.</summary>
    public int PendingReplies => Volatile.Read(ref _pendingReplies);

    private async Task Tracked(Task reply)
    {
        Interlocked.Increment(ref _pendingReplies);
        try
        {
            await reply.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingReplies);
        }
    }

    /// <summary>The callbacks; a read-only mount leaves extended attributes out.</summary>
    /// <remarks>
    /// While getxattr is implemented, the kernel asks it for security.selinux on every `ls -l` entry (a round trip each, a fifth of
    /// a second per 5 000 files); without it the kernel learns at the first ENOSYS to stop asking. Only a writable mount has upload
    /// states worth that price.
    /// </remarks>
    public static unsafe FuseLowlevelOps Operations(bool readOnly)
    {
        var ops = AllOperations();
        if (readOnly)
        {
            ops.GetXAttr = null;
            ops.ListXAttr = null;
        }
        return ops;
    }

    private static unsafe FuseLowlevelOps AllOperations() => new()
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

    // ----- replies -----

    private void ReplyError(nint request, Exception error)
    {
        var errno = error switch
        {
            VfsException v => Errno.Of(v.Error),
            OperationCanceledException => Errno.EIO,
            _ => Errno.EIO,
        };
        if (error is VfsException { Error: not (VfsError.NotFound or VfsError.ReadOnly) } or not VfsException)
            Logger.LogWarning("request failed ({Errno}): {Message}", errno, error.Message);
        LibFuse.ReplyErr(request, errno);
    }

    /// <summary>Replies from the task's result, inline when it is already done; any failure becomes an errno.</summary>
    private void Complete<T>(nint request, ValueTask<T> pending, Action<nint, T> reply)
    {
        if (pending.IsCompletedSuccessfully)
        {
            reply(request, pending.Result);
            return;
        }
        _ = Tracked(CompleteLaterAsync(request, pending, reply));
    }

    private async Task CompleteLaterAsync<T>(nint request, ValueTask<T> pending, Action<nint, T> reply)
    {
        T result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ReplyError(request, e);
            return;
        }
        try
        {
            reply(request, result);
        }
        catch (Exception e)
        {
            Logger.LogError(e, "replying to the kernel failed");
        }
    }

    private void Fill(ref NativeStat stat, in VfsAttributes attributes)
    {
        stat = default;
        stat.Ino = attributes.Inode;
        stat.Mode = (attributes.IsDirectory ? DirectoryType : RegularType) | attributes.Permissions;
        stat.Nlink = attributes.IsDirectory ? 2u : 1u;
        stat.Uid = _uid;
        stat.Gid = _gid;
        stat.Size = attributes.Size;
        stat.BlockSize = Vfs.Options.BlockSize;
        stat.Blocks = (attributes.Size + 511) / 512;
        var seconds = attributes.Modified.ToUnixTimeSeconds();
        stat.MtimeSec = stat.AtimeSec = seconds;
        stat.CtimeSec = (attributes.Changed ?? attributes.Modified).ToUnixTimeSeconds();
    }

    private void FillEntry(ref FuseEntryParam entry, in VfsAttributes attributes)
    {
        entry = default;
        entry.Ino = attributes.Inode;
        Fill(ref entry.Attr, attributes);
        entry.AttrTimeout = Vfs.Options.AttributeTimeout.TotalSeconds;
        entry.EntryTimeout = Vfs.Options.EntryTimeout.TotalSeconds;
    }

    private unsafe void ReplyEntry(nint request, VfsEntry result)
    {
        var entry = default(FuseEntryParam);
        FillEntry(ref entry, result.Attributes);
        // An interrupted request's reply is dropped, and with it the kernel's reference: take ours back.
        if (LibFuse.ReplyEntry(request, &entry) != 0) Vfs.Forget(result.Attributes.Inode, 1);
    }

    private unsafe void ReplyAttributes(nint request, VfsAttributes attributes)
    {
        var stat = default(NativeStat);
        Fill(ref stat, attributes);
        LibFuse.ReplyAttr(request, &stat, Vfs.Options.AttributeTimeout.TotalSeconds);
    }

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

    /// <summary>A missing name as a negative entry, which the kernel remembers for the negative timeout instead of asking again.</summary>
    private unsafe void ReplyNegative(nint request)
    {
        var entry = default(FuseEntryParam);
        entry.EntryTimeout = Vfs.Options.NegativeTimeout.TotalSeconds;
        LibFuse.ReplyEntry(request, &entry);
    }

    /// <summary>Runs one callback's work with its adapter; whatever it throws becomes the request's one error reply.</summary>
    /// <remarks>The state carries copies of what the pointer arguments held, since those die when the callback returns.</remarks>
    private static void Guard<TState>(nint request, TState state, Action<FuseAdapter, nint, TState> body)
    {
        FuseAdapter? self = null;
        try
        {
            self = Of(request);
            body(self, request, state);
        }
        catch (Exception e)
        {
            if (self is not null) self.ReplyError(request, e);
            else LibFuse.ReplyErr(request, Errno.EIO);
        }
    }

    /// <summary>Runs work that has no error reply (forget, release): it replies <paramref name="done"/> whatever happens.</summary>
    private static void Always<TState>(nint request, TState state, Action<FuseAdapter, TState> body, Action<nint> done)
    {
        try
        {
            body(Of(request), state);
        }
        catch
        {
            // Nothing can be reported for these requests; at worst a reference or handle stays open.
        }
        done(request);
    }

    private static void ReplyNone(nint request) => LibFuse.ReplyNone(request);

    private static void ReplySuccess(nint request) => LibFuse.ReplyErr(request, 0);

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

    /// <summary>Replies an open with our handle in a copy of the request's file info; an interrupted open never gets its release, so the handle is closed here then.</summary>
    private unsafe void ReplyOpen(nint request, FuseFileInfo info, ulong handle, bool keepCache, bool isDirectory)
    {
        info.Handle = handle;
        info.BitFields = keepCache ? info.BitFields | FuseFileInfo.KeepCache : info.BitFields & ~FuseFileInfo.KeepCache;
        info.BitFields = WriteOnly(info.Flags) ? info.BitFields | FuseFileInfo.DirectIo : info.BitFields & ~FuseFileInfo.DirectIo;
        if (LibFuse.ReplyOpen(request, &info) == 0) return;
        if (isDirectory) Vfs.ReleaseDirectory(handle);
        else Vfs.Release(handle);
    }

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

    private static unsafe void ReplyBytes(nint request, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* data = bytes) LibFuse.ReplyBuf(request, data, (nuint)bytes.Length);
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

    /// <summary>Fills one readdir(plus) reply from the handle's snapshot: position 0 is ".", 1 is "..", 2 + i is entry i; each entry's offset is the next position.</summary>
    private unsafe void FillDirectory(nint request, ulong inode, ulong handle, int size, long offset, bool plus)
    {
        var entries = Vfs.DirectoryEntries(handle);
        var buffer = (byte*)NativeMemory.Alloc((nuint)size);
        try
        {
            var used = 0;
            for (var position = offset; position < entries.Count + 2; position++)
            {
                var (name, attributes) = position switch
                {
                    0 => (".", Self(inode)),
                    1 => ("..", Self(Vfs.ParentOf(inode))),
                    _ => (entries[(int)position - 2].Name, entries[(int)position - 2].Attributes),
                };
                var added = AddEntry(request, buffer + used, size - used, name, attributes, position + 1, plus);
                if (added == 0) break;
                // Entries that reached the kernel through readdirplus count as lookups ("." and ".." do not).
                if (plus && position >= 2) Vfs.AddLookup(attributes.Inode);
                used += added;
            }
            LibFuse.ReplyBuf(request, buffer, (nuint)used);
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    private VfsAttributes Self(ulong inode) => new(inode, true, 0, DateTimeOffset.UnixEpoch, Vfs.Options.ReadOnly);

    /// <summary>Adds one entry; 0 when it does not fit (nothing was written then).</summary>
    private unsafe int AddEntry(nint request, byte* buffer, int remaining, string name, VfsAttributes attributes, long next, bool plus)
    {
        var byteCount = Encoding.UTF8.GetByteCount(name);
        Span<byte> nameBytes = byteCount < 1024 ? stackalloc byte[byteCount + 1] : new byte[byteCount + 1];
        Encoding.UTF8.GetBytes(name, nameBytes);
        nameBytes[byteCount] = 0;
        fixed (byte* namePointer = nameBytes)
        {
            nuint needed;
            if (plus)
            {
                var entry = default(FuseEntryParam);
                FillEntry(ref entry, attributes);
                needed = LibFuse.AddDirEntryPlus(request, buffer, (nuint)remaining, namePointer, &entry, next);
            }
            else
            {
                var stat = default(NativeStat);
                Fill(ref stat, attributes);
                needed = LibFuse.AddDirEntry(request, buffer, (nuint)remaining, namePointer, &stat, next);
            }
            return needed > (nuint)remaining ? 0 : (int)needed;
        }
    }

    [UnmanagedCallersOnly]
    private static void OnStatFs(nint request, ulong inode) => Guard(request, inode, static (self, req, _) => self.ReplyStatFs(req));

    private unsafe void ReplyStatFs(nint request)
    {
        var info = Vfs.FileSystemInfo();
        var stat = default(NativeStatVfs);
        stat.BlockSize = stat.FragmentSize = (ulong)info.BlockSize;
        stat.Blocks = (ulong)info.TotalBlocks;
        stat.BlocksFree = stat.BlocksAvailable = (ulong)info.FreeBlocks;
        stat.Files = (ulong)info.TotalFiles;
        stat.FilesFree = stat.FilesAvailable = (ulong)info.FreeFiles;
        stat.NameMax = (ulong)info.MaxNameLength;
        LibFuse.ReplyStatfs(request, &stat);
    }
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
        Guard(request, (parent, name: NameOf(name), mode), static (self, req, s) =>
        {
            if ((s.mode & TypeMask) != RegularType)
                throw new VfsException(VfsError.NotPermitted, $"{s.name}: only regular files can be made on this mount, not device nodes, FIFOs or sockets");
            self.Complete(req, self.MakeEmptyFileAsync(s.parent, s.name), self.ReplyEntry);
        });

    private async ValueTask<VfsEntry> MakeEmptyFileAsync(ulong parent, string name)
    {
        var (entry, opened) = await Vfs.CreateAsync(parent, name, VfsOpenFlags.Write | VfsOpenFlags.Truncate).ConfigureAwait(false);
        Vfs.Release(opened.Handle);
        return entry;
    }

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
        Guard(request, NameOf(name), static (self, req, name) => self.ReplyError(req, new VfsException(VfsError.NotPermitted, $"{name}: WebDAV storage holds no symbolic links")));

    [UnmanagedCallersOnly]
    private static unsafe void OnLink(nint request, ulong inode, ulong newParent, byte* newName) =>
        Guard(request, NameOf(newName), static (self, req, name) => self.ReplyError(req, new VfsException(VfsError.NotPermitted, $"{name}: WebDAV storage holds no hard links")));

    [UnmanagedCallersOnly]
    private static unsafe void OnRename(nint request, ulong parent, byte* name, ulong newParent, byte* newName, uint flags) =>
        Guard(request, (parent, name: NameOf(name), newParent, newName: NameOf(newName), flags), static (self, req, s) =>
        {
            if ((s.flags & RenameExchange) != 0) throw new VfsException(VfsError.InvalidArgument, $"{s.name}: exchanging two names atomically is not possible on WebDAV storage");
            self.CompleteEmpty(req, self.Vfs.RenameAsync(s.parent, s.name, s.newParent, s.newName, (s.flags & RenameNoReplace) != 0));
        });

    [UnmanagedCallersOnly]
    private static unsafe void OnCreate(nint request, ulong parent, byte* name, uint mode, FuseFileInfo* fileInfo) =>
        Guard(request, (parent, name: NameOf(name), info: *fileInfo), static (self, req, s) =>
            self.Complete(req, self.Vfs.CreateAsync(s.parent, s.name, OpenFlagsOf(s.info.Flags)), (r, created) => self.ReplyCreate(r, s.info, created.Entry, created.Open)));

    /// <summary>Replies a create; an interrupted one gets neither release nor forget, so both are done here then.</summary>
    private unsafe void ReplyCreate(nint request, FuseFileInfo info, VfsEntry created, VfsOpenResult opened)
    {
        var entry = default(FuseEntryParam);
        FillEntry(ref entry, created.Attributes);
        info.Handle = opened.Handle;
        info.BitFields &= ~FuseFileInfo.KeepCache;
        info.BitFields = WriteOnly(info.Flags) ? info.BitFields | FuseFileInfo.DirectIo : info.BitFields & ~FuseFileInfo.DirectIo;
        if (LibFuse.ReplyCreate(request, &entry, &info) == 0) return;
        Vfs.Release(opened.Handle);
        Vfs.Forget(created.Attributes.Inode, 1);
    }

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
            if (s.name != StateAttribute)
            {
                LibFuse.ReplyErr(req, Errno.ENODATA);
                return;
            }
            self.ReplyXattrValue(req, Encoding.UTF8.GetBytes(self.Vfs.StateOf(s.inode)), s.size);
        });

    [UnmanagedCallersOnly]
    private static void OnListXAttr(nint request, ulong inode, nuint size) =>
        Guard(request, (inode, size: (int)Math.Min(size, int.MaxValue)), static (self, req, s) =>
        {
            var names = self.Vfs.IsDirectory(s.inode) ? [] : Encoding.UTF8.GetBytes(StateAttribute + "\0");
            self.ReplyXattrValue(req, names, s.size);
        });

    /// <summary>The xattr protocol: size 0 asks how large the value is; a buffer too small is ERANGE.</summary>
    private void ReplyXattrValue(nint request, byte[] value, int size)
    {
        if (size == 0) LibFuse.ReplyXattr(request, (nuint)value.Length);
        else if (size < value.Length) LibFuse.ReplyErr(request, Errno.ERANGE);
        else ReplyBytes(request, value);
    }

    /// <summary>Replies 0 once the task is done, inline when it already is; a failure becomes its errno.</summary>
    private void CompleteEmpty(nint request, ValueTask pending)
    {
        if (pending.IsCompletedSuccessfully)
        {
            ReplySuccess(request);
            return;
        }
        _ = Tracked(CompleteEmptyLaterAsync(request, pending));
    }

    private async Task CompleteEmptyLaterAsync(nint request, ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ReplyError(request, e);
            return;
        }
        ReplySuccess(request);
    }
}
