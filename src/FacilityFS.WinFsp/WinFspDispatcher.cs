using System.Collections.Concurrent;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.WinFsp;

/// <summary>The WinFsp file system interface in managed terms: each method is one FSP_FILE_SYSTEM_INTERFACE operation over the VFS, answering an NTSTATUS.</summary>
/// <remarks>
/// WinFsp is path-based and the VFS is inode-based: an open (file context, UserContext2 per handle) resolves its path once, holds one
/// lookup reference on the inode until Close, and opens VFS handles only when first needed (reading, or writing, which makes a file
/// pending). Names cross <see cref="WindowsNames"/> both ways. Nothing escapes: every failure becomes a status here. WinFsp's dispatcher
/// threads are its own, so the VFS's tasks are waited on. The unmanaged entry points (<see cref="WinFspFileSystem"/>) only marshal to these
/// methods, and the conformance simulator calls them directly.
/// </remarks>
public sealed partial class WinFspDispatcher(VirtualFileSystem vfs, byte[] securityDescriptor, ILogger logger)
{
    /// <summary>FILE_DIRECTORY_FILE in CreateOptions: the caller wants a folder.</summary>
    public const uint DirectoryFile = 0x1;

    /// <summary>FILE_NON_DIRECTORY_FILE in CreateOptions: the caller wants a file.</summary>
    public const uint NonDirectoryFile = 0x40;

    /// <summary>FspCleanupDelete in Cleanup's flags: the file was marked for deletion (DeleteFile, FILE_DELETE_ON_CLOSE).</summary>
    public const uint CleanupDelete = 0x01;

    /// <summary>STATUS_BUFFER_OVERFLOW: the descriptor did not fit; its size is given back.</summary>
    public const int BufferOverflow = unchecked((int)0x80000005);

    private readonly ConcurrentDictionary<ulong, OpenNode> _open = new();
    private long _nextContext;

    /// <summary>What one open handle of Windows holds.</summary>
    private sealed class OpenNode(ulong inode, bool isDirectory, string path, bool holdsLookup)
    {
        public ulong Inode { get; } = inode;

        public bool IsDirectory { get; } = isDirectory;

        /// <summary>The Windows path it was opened by (a rename changes it).</summary>
        public string Path { get; set; } = path;

        public bool HoldsLookup { get; } = holdsLookup;

        public ulong? ReadHandle { get; set; }

        public ulong? WriteHandle { get; set; }

        /// <summary>The listing the current enumeration pages through, taken when it starts (no marker).</summary>
        public List<(string Name, VfsAttributes Attributes)>? Listing { get; set; }

        public Lock Gate { get; } = new();
    }

    /// <summary>Open handles, for tests: every Create/Open is matched by a Close.</summary>
    public int OpenCount => _open.Count;

    public byte[] SecurityDescriptor => securityDescriptor;

    public int GetVolumeInfo(out ulong totalSize, out ulong freeSize)
    {
        var info = vfs.FileSystemInfo();
        totalSize = (ulong)(info.BlockSize * info.TotalBlocks);
        freeSize = (ulong)(info.BlockSize * info.FreeBlocks);
        return NtStatus.Success;
    }

    /// <summary>Attributes of a path, for the access check Windows makes before Open and Create; the descriptor is <see cref="SecurityDescriptor"/>.</summary>
    public int GetSecurityByName(string fileName, out uint fileAttributes)
    {
        uint attributes = 0;
        var status = Run(fileName, () =>
        {
            var (inode, held) = Resolve(fileName);
            try
            {
                attributes = FileInfos.Of(Wait(vfs.GetAttributesAsync(inode))).FileAttributes;
            }
            finally
            {
                if (held) vfs.Forget(inode, 1);
            }
        });
        fileAttributes = attributes;
        return status;
    }

    public int Create(string fileName, uint createOptions, uint fileAttributes, out ulong context, out FspFileInfo info)
    {
        ulong created = 0;
        FspFileInfo result = default;
        var status = Run(fileName, () =>
        {
            var (parentPath, name) = Split(fileName);
            var (parent, heldParent) = Resolve(parentPath, wholePathMissing: true);
            try
            {
                if (TryLookup(parent, name) is { } existing)
                {
                    vfs.Forget(existing.Attributes.Inode, 1);
                    throw new VfsException(VfsError.Exists, $"{fileName} exists");
                }
                if ((createOptions & DirectoryFile) != 0)
                {
                    var folder = Wait(vfs.MakeDirectoryAsync(parent, name));
                    created = Register(new OpenNode(folder.Attributes.Inode, true, fileName, holdsLookup: true));
                    result = FileInfos.Of(folder.Attributes);
                }
                else
                {
                    var (entry, open) = Wait(vfs.CreateAsync(parent, name, VfsOpenFlags.ReadWrite | VfsOpenFlags.Truncate));
                    created = Register(new OpenNode(entry.Attributes.Inode, false, fileName, holdsLookup: true) { WriteHandle = open.Handle });
                    result = FileInfos.Of(entry.Attributes);
                }
            }
            finally
            {
                if (heldParent) vfs.Forget(parent, 1);
            }
        });
        context = created;
        info = result;
        return status;
    }

    public int Open(string fileName, uint createOptions, out ulong context, out FspFileInfo info)
    {
        ulong opened = 0;
        FspFileInfo result = default;
        var status = Run(fileName, () =>
        {
            var (inode, held) = Resolve(fileName);
            try
            {
                var attributes = Wait(vfs.GetAttributesAsync(inode));
                if ((createOptions & DirectoryFile) != 0 && !attributes.IsDirectory) throw new VfsException(VfsError.NotDirectory, $"{fileName} is a file");
                if ((createOptions & NonDirectoryFile) != 0 && attributes.IsDirectory) throw new VfsException(VfsError.IsDirectory, $"{fileName} is a folder");
                opened = Register(new OpenNode(inode, attributes.IsDirectory, fileName, held));
                result = FileInfos.Of(attributes);
            }
            catch
            {
                if (held) vfs.Forget(inode, 1);
                throw;
            }
        });
        context = opened;
        info = result;
        return status;
    }

    /// <summary>FILE_OVERWRITE / FILE_SUPERSEDE of an open file: it becomes empty (attributes are not kept by WebDAV).</summary>
    public int Overwrite(ulong context, out FspFileInfo info) => WithInfo(context, out info, node =>
    {
        var handle = WriteHandleOf(node);
        return FileInfos.Of(Wait(vfs.SetAttributesAsync(node.Inode, handle, 0, null)));
    });

    /// <summary>The last handle of a file object closed: a file marked for deletion goes now; a written file has its close recorded (uploaded after Close).</summary>
    public void Cleanup(ulong context, string? fileName, uint flags)
    {
        if (!_open.TryGetValue(context, out var node)) return;
        Run(fileName ?? node.Path, () =>
        {
            if ((flags & CleanupDelete) != 0)
            {
                var (parentPath, name) = Split(node.Path);
                var (parent, held) = Resolve(parentPath);
                try
                {
                    if (node.IsDirectory) Wait(vfs.RemoveDirectoryAsync(parent, name));
                    else Wait(vfs.UnlinkAsync(parent, name));
                }
                finally
                {
                    if (held) vfs.Forget(parent, 1);
                }
            }
            else if (node.WriteHandle is { } handle)
            {
                vfs.Flush(handle);
            }
        });
    }

    public void Close(ulong context)
    {
        if (!_open.TryRemove(context, out var node)) return;
        Run(node.Path, () =>
        {
            lock (node.Gate)
            {
                if (node.ReadHandle is { } read) vfs.Release(read);
                if (node.WriteHandle is { } write) vfs.Release(write);
                node.ReadHandle = node.WriteHandle = null;
            }
            if (node.HoldsLookup) vfs.Forget(node.Inode, 1);
        });
    }

    public int Read(ulong context, Memory<byte> buffer, ulong offset, out uint bytesTransferred)
    {
        uint read = 0;
        var status = With(context, node =>
        {
            if (offset >= (ulong)Wait(vfs.GetAttributesAsync(node.Inode)).Size) return NtStatus.EndOfFile;
            read = (uint)Wait(vfs.ReadAsync(ReadHandleOf(node), (long)offset, buffer));
            return NtStatus.Success;
        });
        bytesTransferred = read;
        return status;
    }

    /// <param name="writeToEndOfFile">FILE_APPEND_DATA: write at the end, wherever that is now.</param>
    /// <param name="constrainedIo">Paging I/O: never extend the file, only write within its size.</param>
    public int Write(ulong context, ReadOnlyMemory<byte> buffer, ulong offset, bool writeToEndOfFile, bool constrainedIo, out uint bytesTransferred, out FspFileInfo info)
    {
        uint written = 0;
        FspFileInfo result = default;
        var status = With(context, node =>
        {
            var handle = WriteHandleOf(node);
            var size = Wait(vfs.GetAttributesAsync(node.Inode)).Size;
            var at = writeToEndOfFile ? size : (long)offset;
            var data = buffer;
            if (constrainedIo)
            {
                if (at >= size) data = ReadOnlyMemory<byte>.Empty;
                else if (at + data.Length > size) data = data[..(int)(size - at)];
            }
            if (data.Length > 0 && !vfs.TryWrite(handle, at, data.Span)) Wait(vfs.WriteAsync(handle, at, data));
            written = (uint)data.Length;
            result = FileInfos.Of(Wait(vfs.GetAttributesAsync(node.Inode)));
            return NtStatus.Success;
        });
        bytesTransferred = written;
        info = result;
        return status;
    }

    /// <summary>FlushFileBuffers: what fsync does (spool and journal on disk; committed too with --fsync remote). Context 0 is the whole volume.</summary>
    public int Flush(ulong context, out FspFileInfo info)
    {
        if (context == 0)
        {
            info = default;
            return NtStatus.Success;
        }
        return WithInfo(context, out info, node =>
        {
            if (node.WriteHandle is { } handle) Wait(vfs.FsyncAsync(handle));
            return FileInfos.Of(Wait(vfs.GetAttributesAsync(node.Inode)));
        });
    }

    public int GetFileInfo(ulong context, out FspFileInfo info) =>
        WithInfo(context, out info, node => FileInfos.Of(Wait(vfs.GetAttributesAsync(node.Inode))));

    /// <summary>Times and attributes: the last-write time is kept (as utimensat is); attribute bits and the other times have nowhere to go on WebDAV.</summary>
    public int SetBasicInfo(ulong context, uint fileAttributes, ulong lastWriteTime, out FspFileInfo info) => WithInfo(context, out info, node =>
    {
        if (lastWriteTime == 0 || node.IsDirectory) return FileInfos.Of(Wait(vfs.GetAttributesAsync(node.Inode)));
        var time = DateTimeOffset.FromFileTime((long)lastWriteTime);
        return FileInfos.Of(Wait(vfs.SetAttributesAsync(node.Inode, node.WriteHandle, null, time)));
    });

    /// <param name="setAllocationSize">Only an allocation smaller than the file cuts it; the storage has no allocation of its own.</param>
    public int SetFileSize(ulong context, ulong newSize, bool setAllocationSize, out FspFileInfo info) => WithInfo(context, out info, node =>
    {
        var attributes = Wait(vfs.GetAttributesAsync(node.Inode));
        if (setAllocationSize && (long)newSize >= attributes.Size) return FileInfos.Of(attributes);
        if ((long)newSize == attributes.Size) return FileInfos.Of(attributes);
        return FileInfos.Of(Wait(vfs.SetAttributesAsync(node.Inode, WriteHandleOf(node), (long)newSize, null)));
    });

    /// <summary>DeleteFile / RemoveDirectory asks first: a read-only mount or a folder with anything in it says no; the deletion itself is at Cleanup.</summary>
    public int CanDelete(ulong context, string fileName) => With(context, node =>
    {
        if (vfs.Options.ReadOnly) throw new VfsException(VfsError.ReadOnly, $"{fileName}: the mount is read-only");
        if (node.IsDirectory && ListingOf(node.Inode).Count > 0) throw new VfsException(VfsError.NotEmpty, $"{fileName} is not empty");
        return NtStatus.Success;
    });

    /// <summary>MoveFileEx: without <paramref name="replaceIfExists"/> an existing target is a collision; replacing a folder is refused as Windows does.</summary>
    public int Rename(ulong context, string fileName, string newFileName, bool replaceIfExists) => With(context, node =>
    {
        var (fromPath, fromName) = Split(fileName);
        var (toPath, toName) = Split(newFileName);
        var (from, heldFrom) = Resolve(fromPath);
        try
        {
            var (to, heldTo) = Resolve(toPath, wholePathMissing: true);
            try
            {
                Wait(vfs.RenameAsync(from, fromName, to, toName, noReplace: !replaceIfExists));
            }
            catch (VfsException e) when (e.Error is VfsError.IsDirectory or VfsError.NotDirectory && replaceIfExists)
            {
                return NtStatus.AccessDenied;
            }
            finally
            {
                if (heldTo) vfs.Forget(to, 1);
            }
        }
        finally
        {
            if (heldFrom) vfs.Forget(from, 1);
        }
        node.Path = newFileName;
        return NtStatus.Success;
    });

    /// <summary>Copies the descriptor into <paramref name="destination"/> if it fits; the size needed goes back either way (STATUS_BUFFER_OVERFLOW if it did not fit).</summary>
    public int CopySecurity(Span<byte> destination, ref ulong size)
    {
        var needed = (ulong)securityDescriptor.Length;
        if (size < needed)
        {
            size = needed;
            return BufferOverflow;
        }
        securityDescriptor.CopyTo(destination);
        size = needed;
        return NtStatus.Success;
    }

    public int GetSecurity(ulong context) => With(context, _ => NtStatus.Success);

    /// <summary>One page of a folder: the entries after <paramref name="marker"/> (the last name of the previous page) in ordinal order, "." and ".." included below the root.</summary>
    /// <remarks>A page without a marker starts an enumeration and takes a fresh listing; the following pages read that same listing, so a folder changing meanwhile neither repeats nor skips names.</remarks>
    public int ReadDirectory(ulong context, string? marker, IDirectoryBuffer buffer) => With(context, node =>
    {
        if (!node.IsDirectory) throw new VfsException(VfsError.NotDirectory, $"{node.Path} is not a folder");
        List<(string Name, VfsAttributes Attributes)> listing;
        lock (node.Gate)
        {
            if (marker is null || node.Listing is null) node.Listing = Enumerate(node);
            listing = node.Listing;
        }
        var start = 0;
        if (marker is not null)
        {
            // The first name greater than the marker: the marker itself may have gone meanwhile.
            var low = 0;
            var high = listing.Count;
            while (low < high)
            {
                var middle = (low + high) / 2;
                if (string.CompareOrdinal(listing[middle].Name, marker) <= 0) low = middle + 1;
                else high = middle;
            }
            start = low;
        }
        for (var i = start; i < listing.Count; i++)
        {
            if (!buffer.TryAdd(FileInfos.Of(listing[i].Attributes), listing[i].Name)) return NtStatus.Success;
        }
        buffer.End();
        return NtStatus.Success;
    });

    private List<(string Name, VfsAttributes Attributes)> Enumerate(OpenNode node)
    {
        var own = Wait(vfs.GetAttributesAsync(node.Inode));
        var entries = new List<(string Name, VfsAttributes Attributes)>();
        if (node.Inode != VirtualFileSystem.RootInode) entries.AddRange([(".", own), ("..", own)]);
        foreach (var entry in ListingOf(node.Inode))
        {
            if (WindowsNames.IsShowable(entry.Name)) entries.Add((WindowsNames.Encode(entry.Name), entry.Attributes));
            else logger.LogWarning("{Folder}: the name {Name} holds a character of the range names are encoded in (U+F001-U+F07F); it is not shown on Windows", node.Path, entry.Name);
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    private IReadOnlyList<VfsEntry> ListingOf(ulong inode)
    {
        var handle = Wait(vfs.OpenDirectoryAsync(inode));
        try
        {
            return vfs.DirectoryEntries(handle);
        }
        finally
        {
            vfs.ReleaseDirectory(handle);
        }
    }

    private ulong Register(OpenNode node)
    {
        var context = (ulong)Interlocked.Increment(ref _nextContext);
        _open[context] = node;
        return context;
    }

    private ulong ReadHandleOf(OpenNode node)
    {
        lock (node.Gate)
        {
            // A handle that writes reads its own bytes (the spool file).
            if (node.WriteHandle is { } write) return write;
            node.ReadHandle ??= Wait(vfs.OpenAsync(node.Inode, VfsOpenFlags.Read)).Handle;
            return node.ReadHandle.Value;
        }
    }

    /// <summary>Opened at the first change, not at Open: Explorer asks for write access on files it only reads, and opening for writing fetches the file into the spool.</summary>
    private ulong WriteHandleOf(OpenNode node)
    {
        if (node.IsDirectory) throw new VfsException(VfsError.IsDirectory, $"{node.Path} is a folder");
        lock (node.Gate)
        {
            node.WriteHandle ??= Wait(vfs.OpenAsync(node.Inode, VfsOpenFlags.ReadWrite)).Handle;
            return node.WriteHandle.Value;
        }
    }

    private VfsEntry? TryLookup(ulong parent, string name)
    {
        try
        {
            return Wait(vfs.LookupAsync(parent, name));
        }
        catch (VfsException e) when (e.Error == VfsError.NotFound)
        {
            return null;
        }
    }
}
