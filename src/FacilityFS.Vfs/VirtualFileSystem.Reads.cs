using System.Buffers;
using FacilityFS.Storage;
using FacilityFS.Vfs.Cache;
using FacilityFS.Vfs.Nodes;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Vfs;

public sealed partial class VirtualFileSystem
{
    /// <summary>One open file handle: the version it was opened at (for reads through the block cache) and, once the file is pending, its spool file.</summary>
    private sealed class OpenFile(Node node, FileVersion version, ReadAhead readAhead, VfsOpenFlags flags)
    {
        public Node Node { get; } = node;

        public FileVersion Version { get; } = version;

        public ReadAhead ReadAhead { get; } = readAhead;

        public VfsOpenFlags Flags { get; } = flags;

        public bool Writable => (Flags & VfsOpenFlags.Write) != 0;

        /// <summary>The spool file this handle reads (and, if writable, writes); held until release.</summary>
        public DirtyFile? Dirty { get; set; }

        public Lock Gate { get; } = new();
    }

    /// <summary>Opens a file; the kernel may keep its cached pages only when the file has not changed since it last opened it.</summary>
    /// <remarks>Opening for writing makes the file pending: without <see cref="VfsOpenFlags.Truncate"/> its content is first fetched into the spool (WebDAV replaces whole files).</remarks>
    public async ValueTask<VfsOpenResult> OpenAsync(ulong inode, VfsOpenFlags flags, CancellationToken cancellationToken = default)
    {
        var node = NodeOf(inode);
        if (node.Entry.IsDirectory) throw new VfsException(VfsError.IsDirectory, $"{node.Path} is a folder");
        if ((flags & VfsOpenFlags.Write) != 0)
        {
            var writer = await BeginWriteAsync(node, (flags & VfsOpenFlags.Truncate) != 0, cancellationToken).ConfigureAwait(false);
            return new VfsOpenResult(Register(new OpenFile(node, FileVersion.Of(node.Entry), NoReadAhead(node), flags) { Dirty = writer }), KeepCache: false);
        }
        if (_spool?.Find(node.Path) is { } pending && pending.TryHold())
            return new VfsOpenResult(Register(new OpenFile(node, FileVersion.Of(node.Entry), NoReadAhead(node), flags) { Dirty = pending }), KeepCache: false);
        await RevalidateAsync(node, cancellationToken).ConfigureAwait(false);
        FileVersion version;
        bool keepCache;
        lock (node.Gate)
        {
            version = FileVersion.Of(node.Entry);
            keepCache = node.OpenedVersion == version.Version;
            node.OpenedVersion = version.Version;
        }
        return new VfsOpenResult(Register(new OpenFile(node, version, new ReadAhead(Blocks, version, _options.MinReadAhead, _options.MaxReadAhead), flags)), keepCache);
    }

    private ReadAhead NoReadAhead(Node node) => new(Blocks, FileVersion.Of(node.Entry), 0, 0);

    private ulong Register(OpenFile file)
    {
        var handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _files[handle] = file;
        return handle;
    }

    /// <summary>Reads into <paramref name="destination"/> from <paramref name="offset"/>; fewer bytes only at the end of the file.</summary>
    public async ValueTask<int> ReadAsync(ulong handle, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var file = FileOf(handle);
        if (offset < 0) throw new VfsException(VfsError.InvalidArgument, $"negative offset {offset} in {file.Node.Path}");
        if (PendingOf(file) is { } dirty) return VfsMetrics.Read(ReadPending(dirty, offset, destination.Span));
        var length = LengthAt(file, offset, destination.Length);
        if (length == 0) return 0;
        var streaming = file.ReadAhead.OnRead(offset, length);
        return VfsMetrics.Read(await CopyAsync(file, offset, destination[..length], streaming, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Copies cached bytes from <paramref name="offset"/> until <paramref name="destination"/> is full, fetching what is missing.</summary>
    private async ValueTask<int> CopyAsync(OpenFile file, long offset, Memory<byte> destination, bool streaming, CancellationToken cancellationToken)
    {
        var copied = 0;
        while (copied < destination.Length)
        {
            var (block, within) = await CachedAtAsync(file, offset + copied, offset + destination.Length, streaming, cancellationToken).ConfigureAwait(false);
            try
            {
                var n = Math.Min(block.Length - within, destination.Length - copied);
                block.Span.Slice(within, n).CopyTo(destination.Span[copied..]);
                copied += n;
            }
            finally
            {
                block.Release();
            }
        }
        return copied;
    }

    /// <summary>Like <see cref="ReadAsync"/>, but lends the bytes straight from the cached block when the range lies in one (the usual case), saving a copy.</summary>
    public async ValueTask<ReadLease> ReadLeaseAsync(ulong handle, long offset, int size, CancellationToken cancellationToken = default)
    {
        var file = FileOf(handle);
        var length = offset < 0 ? 0 : LengthAt(file, offset, size);
        if (PendingOf(file) is not null || length == 0) return await CopiedLeaseAsync(handle, offset, size, cancellationToken).ConfigureAwait(false);
        var streaming = file.ReadAhead.OnRead(offset, length);
        var (block, within) = await CachedAtAsync(file, offset, offset + length, streaming, cancellationToken).ConfigureAwait(false);
        if (block.Length - within >= length) return new ReadLease(block, within, VfsMetrics.Read(length));
        // The range spans two blocks (or pieces): copy, starting with the one already here.
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var first = block.Length - within;
            block.Span.Slice(within, first).CopyTo(copy);
            block.Release();
            return new ReadLease(copy, VfsMetrics.Read(first + await CopyAsync(file, offset + first, copy.AsMemory(first, length - first), streaming, cancellationToken).ConfigureAwait(false)));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(copy);
            throw;
        }
    }

    private async ValueTask<ReadLease> CopiedLeaseAsync(ulong handle, long offset, int size, CancellationToken cancellationToken)
    {
        var copy = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            return new ReadLease(copy, await ReadAsync(handle, offset, copy.AsMemory(0, size), cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(copy);
            throw;
        }
    }

    /// <summary>The spool file a handle reads from: its own, or the one the file got since it was opened (another handle wrote to it).</summary>
    private DirtyFile? PendingOf(OpenFile file)
    {
        if (file.Dirty is { } held) return held;
        if (_spool?.Find(file.Node.Path) is not { } pending) return null;
        lock (file.Gate)
        {
            if (file.Dirty is null && pending.TryHold()) file.Dirty = pending;
            return file.Dirty;
        }
    }

    private static int ReadPending(DirtyFile dirty, long offset, Span<byte> destination)
    {
        long size;
        lock (dirty.Gate) size = dirty.Size;
        if (offset >= size) return 0;
        var length = (int)Math.Min(destination.Length, size - offset);
        var total = 0;
        while (total < length)
        {
            var n = dirty.Read(offset + total, destination[total..length]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private OpenFile FileOf(ulong handle) =>
        _files.TryGetValue(handle, out var file) ? file : throw new VfsException(VfsError.BadHandle, $"file handle {handle} is not open");

    /// <summary>How many of <paramref name="size"/> bytes from <paramref name="offset"/> lie inside the file as it was opened.</summary>
    private static int LengthAt(OpenFile file, long offset, int size) =>
        offset >= file.Version.Size ? 0 : (int)Math.Min(size, file.Version.Size - offset);

    /// <summary>The cached bytes holding <paramref name="position"/>, acquired for the caller, and where the position lies in them: a whole block for a stream, a piece for a random reader (up to <paramref name="end"/> in one request).</summary>
    private async ValueTask<(Block Block, int Within)> CachedAtAsync(OpenFile file, long position, long end, bool streaming, CancellationToken cancellationToken)
    {
        Block block;
        long start;
        try
        {
            if (streaming || Blocks.PieceSize == Blocks.BlockSize)
            {
                var index = position / Blocks.BlockSize;
                block = await Blocks.GetAsync(file.Version, index, cancellationToken).ConfigureAwait(false);
                start = index * Blocks.BlockSize;
            }
            else (block, start) = await Blocks.GetPieceAsync(file.Version, position, end, Blocks.PieceSize, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            throw VfsException.From(e);
        }
        var within = (int)(position - start);
        if (block.Length > within) return (block, within);
        block.Release();
        throw ShorterThanOpened(file);
    }

    private static VfsException ShorterThanOpened(OpenFile file) =>
        new(VfsError.Stale, $"{file.Version.Path} is shorter on the server than when it was opened");

    /// <summary>Closes a handle; the last writer's close records the file in the journal and queues its upload after the settle delay.</summary>
    public void Release(ulong handle)
    {
        if (!_files.TryRemove(handle, out var file)) return;
        file.ReadAhead.Abandon();
        if (file.Dirty is not { } dirty) return;
        if (file.Writable) EndWrite(dirty);
        dirty.Let();
    }
}
