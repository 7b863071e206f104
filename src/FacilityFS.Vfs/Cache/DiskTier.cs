using System.Buffers.Binary;
using System.Text;
using FacilityFS.Storage.Checksums;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Vfs.Cache;

/// <summary>Blocks on local disk, self-describing (key and Adler-32 in a header) so the cache survives a remount and a damaged block is refetched, not served.</summary>
/// <remarks>The index is the folder itself: at start it is scanned for sizes and last-use times; eviction removes the least recently used files past the size limit.</remarks>
internal sealed class DiskTier
{
    private static readonly byte[] Magic = "FFSBLK01"u8.ToArray();
    private const int FixedHeader = 8 + 4 + 4 + 4; // magic, adler32, data length, key length

    private readonly string _folder;
    private readonly long _maxSize;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Size, long LastUse)> _index = new(StringComparer.Ordinal);
    private long _total;
    private long _clock;

    public DiskTier(string folder, long maxSize, ILogger logger)
    {
        _folder = folder;
        _maxSize = maxSize;
        _logger = logger;
        Directory.CreateDirectory(folder);
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*.blk").OrderBy(f => f.LastWriteTimeUtc))
        {
            _index[file.Name] = (file.Length, ++_clock);
            _total += file.Length;
        }
        foreach (var stray in Directory.EnumerateFiles(folder, "*.tmp")) TryDelete(stray);
    }

    public long TotalSize
    {
        get
        {
            lock (_gate) return _total;
        }
    }

    public int Count
    {
        get
        {
            lock (_gate) return _index.Count;
        }
    }

    public bool Contains(BlockKey key)
    {
        lock (_gate) return _index.ContainsKey(key.FileName);
    }

    /// <summary>The block, or null when absent or damaged (a damaged file is deleted so the block is fetched again).</summary>
    public byte[]? TryRead(BlockKey key)
    {
        var name = key.FileName;
        lock (_gate)
        {
            if (!_index.TryGetValue(name, out var entry)) return null;
            _index[name] = (entry.Size, ++_clock);
        }
        var path = Path.Combine(_folder, name);
        try
        {
            var bytes = File.ReadAllBytes(path);
            var data = Decode(bytes, key);
            if (data is not null) return data;
            _logger.LogWarning("cache block {File} for {Path} block {Index} is damaged; fetching it again", name, key.Path, key.Index);
        }
        catch (IOException e)
        {
            _logger.LogWarning("cannot read cache block {File}: {Error}", name, e.Message);
        }
        Forget(name);
        TryDelete(path);
        return null;
    }

    /// <summary>Stores a block (written to a temporary name, then renamed, so a crash never leaves a half block under its real name).</summary>
    public void Write(BlockKey key, ReadOnlySpan<byte> data)
    {
        var name = key.FileName;
        var keyBytes = Encoding.UTF8.GetBytes(key.Text);
        var bytes = new byte[FixedHeader + keyBytes.Length + data.Length];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), Adler32.Compute(data));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), keyBytes.Length);
        keyBytes.CopyTo(bytes, FixedHeader);
        data.CopyTo(bytes.AsSpan(FixedHeader + keyBytes.Length));
        var path = Path.Combine(_folder, name);
        var temporary = path + "." + Environment.CurrentManagedThreadId + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException e)
        {
            _logger.LogWarning("cannot write cache block {File}: {Error}", name, e.Message);
            TryDelete(temporary);
            return;
        }
        lock (_gate)
        {
            if (_index.TryGetValue(name, out var old)) _total -= old.Size;
            _index[name] = (bytes.Length, ++_clock);
            _total += bytes.Length;
        }
        Evict();
    }

    private static byte[]? Decode(byte[] bytes, BlockKey key)
    {
        if (bytes.Length < FixedHeader || !bytes.AsSpan(0, 8).SequenceEqual(Magic)) return null;
        var adler = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16));
        if (keyLength < 0 || length < 0 || FixedHeader + (long)keyLength + length != bytes.Length) return null;
        if (Encoding.UTF8.GetString(bytes, FixedHeader, keyLength) != key.Text) return null;
        var data = bytes.AsSpan(FixedHeader + keyLength, length);
        return Adler32.Compute(data) == adler ? data.ToArray() : null;
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
