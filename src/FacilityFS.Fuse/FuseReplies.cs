using System.Runtime.InteropServices;
using System.Text;
using FacilityFS.Fuse.Interop;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Fuse;

/// <summary>The reply plumbing of the adapter: running a callback's work so it replies exactly once, completing later from other threads, and filling libfuse's reply structures.</summary>
internal sealed partial class FuseAdapter
{
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

    private static unsafe void ReplyBytes(nint request, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* data = bytes) LibFuse.ReplyBuf(request, data, (nuint)bytes.Length);
    }

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
