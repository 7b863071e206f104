using System.Buffers.Binary;
using System.Text;
using FacilityFS.Storage.Checksums;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Vfs.Cache;

/// <summary>Blocks on local disk, self-describing (key and Adler-32 in a header) so the cache survives a remount and a damaged block is refetched, not served.</summary>
/// <remarks>The index is the folder itself: at start it is scanned for sizes and last-use times; eviction removes the least recently used files past the size limit.</remarks>
internal sealed class DiskTier : IDisposable
{
    // Blocks written before direct writes had the data right after the header ("packed"); they are still read.
    private static readonly byte[] MagicPacked = "FFSBLK01"u8.ToArray();
    private static readonly byte[] MagicAligned = "FFSBLK02"u8.ToArray();
    private const int FixedHeader = 8 + 4 + 4 + 4; // magic, adler32, data length, key length

    private readonly string _folder;
    private readonly long _maxSize;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _writeGate = new();
    private AlignedBuffer? _header;
    private bool _direct = true;
    private readonly Dictionary<string, (long Size, long LastUse)> _index = new(StringComparer.Ordinal);
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private long _total;
    private long _clock;

    public DiskTier(string folder, long maxSize, ILogger logger)
    {
        _folder = folder;
        _maxSize = maxSize;
        _logger = logger;
        // Cached remote data is as private as the files it came from: the folder is 0700 and each block 0600.
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else
        {
            Directory.CreateDirectory(folder, PrivateFolder);
            File.SetUnixFileMode(folder, PrivateFolder);
        }
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*.blk").OrderBy(f => f.LastWriteTimeUtc))
        {
            _index[file.Name] = (file.Length, ++_clock);
            _total += file.Length;
        }
        foreach (var stray in Directory.EnumerateFiles(folder, "*.tmp")) TryDelete(stray);
    }

    /// <summary>Whether blocks in aligned memory are still written past the page cache (false once the folder's file system refused it).</summary>
    internal bool WritesDirect => _direct;

    /// <summary>The size the tier evicts down from.</summary>
    public long MaxSize => _maxSize;

    public long TotalBytes
    {
        get
        {
            lock (_gate) return _total;
        }
    }

    public bool Contains(BlockKey key)
    {
        lock (_gate) return _index.ContainsKey(key.FileName);
    }

    /// <summary>Reads the block into <paramref name="destination"/> and returns its length; -1 when absent or damaged (a damaged file is deleted so the block is fetched again).</summary>
    public int TryRead(BlockKey key, Span<byte> destination)
    {
        var name = key.FileName;
        lock (_gate)
        {
            if (!_index.TryGetValue(name, out var entry)) return -1;
            _index[name] = (entry.Size, ++_clock);
        }
        var path = Path.Combine(_folder, name);
        try
        {
            using var handle = File.OpenHandle(path);
            var length = Decode(handle, key, destination);
            if (length >= 0) return length;
            _logger.LogWarning("cache block {File} for {Path} block {Index} is damaged; fetching it again", name, key.Path, key.Index);
        }
        catch (IOException e)
        {
            _logger.LogWarning("cannot read cache block {File}: {Error}", name, e.Message);
        }
        Forget(name);
        TryDelete(path);
        return -1;
    }

    /// <summary>Stores a block (written to a temporary name, then renamed, so a crash never leaves a half block under its real name).</summary>
    /// <remarks>The header is padded to a page and the data follows it, so a block in page-aligned memory is written straight from it,
    /// past the page cache (<see cref="DirectWrites"/>), unless <paramref name="keepInPageCache"/>: a block read back from disk soon (a
    /// random reader's, once the memory tier evicted it) is better written through the page cache, which then serves it at memory speed.
    /// The caller holds <paramref name="block"/> until this returns; writes are one at a time (the disk tier has one writer).</remarks>
    public void Write(BlockKey key, Block block, bool keepInPageCache = false)
    {
        var name = key.FileName;
        var keyBytes = Encoding.UTF8.GetBytes(key.Text);
        var dataOffset = AlignedBuffer.RoundUp(FixedHeader + keyBytes.Length);
        var fileLength = dataOffset + block.Length;
        var path = Path.Combine(_folder, name);
        var temporary = path + "." + Environment.CurrentManagedThreadId + ".tmp";
        lock (_writeGate)
        {
            var header = HeaderOf(dataOffset);
            header.Clear();
            MagicAligned.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Adler32.Compute(block.Span));
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], block.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], keyBytes.Length);
            keyBytes.CopyTo(header[FixedHeader..]);
            try
            {
                var written = _direct && !keepInPageCache && block.PagePadded is { } padded && TryWriteDirect(temporary, header, padded.Span, fileLength);
                if (!written)
                {
                    using var stream = Create(temporary);
                    RandomAccess.Write(stream.SafeFileHandle, header, 0);
                    RandomAccess.Write(stream.SafeFileHandle, block.Span, dataOffset);
                }
                File.Move(temporary, path, overwrite: true);
            }
            catch (IOException e)
            {
                _logger.LogWarning("cannot write cache block {File}: {Error}", name, e.Message);
                TryDelete(temporary);
                return;
            }
        }
        var size = (long)fileLength;
        lock (_gate)
        {
            if (_index.TryGetValue(name, out var old)) _total -= old.Size;
            _index[name] = (size, ++_clock);
            _total += size;
        }
        Evict();
    }

    private static FileStream Create(string temporary)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, BufferSize = 0 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(temporary, options);
    }

    /// <summary>Writes the header and the page-padded data past the page cache, then cuts the padding off; false when the folder's file
    /// system refuses direct writes, and from then on the tier writes through the page cache.</summary>
    private bool TryWriteDirect(string temporary, ReadOnlySpan<byte> header, ReadOnlySpan<byte> padded, int fileLength)
    {
        using var stream = Create(temporary);
        var handle = stream.SafeFileHandle;
        if (!DirectWrites.TryEnable(handle))
        {
            _direct = false;
            return false;
        }
        try
        {
            RandomAccess.Write(handle, header, 0);
            RandomAccess.Write(handle, padded, header.Length);
        }
        catch (IOException e)
        {
            // Some file systems take the flag and refuse the write (EINVAL).
            _direct = false;
            _logger.LogInformation("cache folder {Folder} refuses direct writes ({Error}); writing through the page cache", _folder, e.Message);
            return false;
        }
        RandomAccess.SetLength(handle, fileLength);
        return true;
    }

    /// <summary>The page-aligned header buffer, <paramref name="length"/> long (grown for the rare long key); callers hold the write gate.</summary>
    private Span<byte> HeaderOf(int length)
    {
        if (_header is null || _header.Capacity < length)
        {
            _header?.Dispose();
            _header = new AlignedBuffer(length);
        }
        return _header.Span(length);
    }

    private static int Decode(Microsoft.Win32.SafeHandles.SafeFileHandle handle, BlockKey key, Span<byte> destination)
    {
        Span<byte> fixedPart = stackalloc byte[FixedHeader];
        if (RandomAccess.Read(handle, fixedPart, 0) != FixedHeader) return -1;
        var aligned = fixedPart[..8].SequenceEqual(MagicAligned);
        if (!aligned && !fixedPart[..8].SequenceEqual(MagicPacked)) return -1;
        var adler = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart[8..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[12..]);
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[16..]);
        if (keyLength is < 0 or > 65536 || length < 0 || length > destination.Length) return -1;
        var dataOffset = aligned ? AlignedBuffer.RoundUp(FixedHeader + keyLength) : FixedHeader + keyLength;
        if (RandomAccess.GetLength(handle) != dataOffset + (long)length) return -1;
        var keyBytes = new byte[keyLength];
        if (RandomAccess.Read(handle, keyBytes, FixedHeader) != keyLength || Encoding.UTF8.GetString(keyBytes) != key.Text) return -1;
        var data = destination[..length];
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(handle, data[read..], dataOffset + read);
            if (n == 0) return -1;
            read += n;
        }
        return Adler32.Compute(data) == adler ? length : -1;
    }

    /// <summary>Frees the header buffer; a write after this fails (and is only a block not cached).</summary>
    public void Dispose()
    {
        lock (_writeGate) _header?.Dispose();
    }

    private void Evict()
    {
        List<string>? victims = null;
        lock (_gate)
        {
            if (_total <= _maxSize) return;
            foreach (var (name, entry) in _index.OrderBy(e => e.Value.LastUse))
            {
                if (_total <= _maxSize * 9 / 10) break;
                (victims ??= []).Add(name);
                _total -= entry.Size;
            }
            foreach (var name in victims ?? []) _index.Remove(name);
        }
        foreach (var name in victims ?? []) TryDelete(Path.Combine(_folder, name));
    }

    private void Forget(string name)
    {
        lock (_gate)
        {
            if (_index.Remove(name, out var entry)) _total -= entry.Size;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
