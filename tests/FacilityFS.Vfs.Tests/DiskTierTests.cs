using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FacilityFS.Storage.Checksums;
using FacilityFS.Vfs.Cache;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Vfs.Tests;

/// <summary>The disk tier's file format: blocks written straight from aligned memory or through the page cache read back byte for byte, and blocks of the older packed layout still read.</summary>
public sealed class DiskTierTests() : TemporaryBlockFolder("ffs-disktier-")
{
    public static TheoryData<int, bool, bool> Shapes => new()
    {
        // length, aligned memory (direct write), keep in page cache
        { Block, true, false },
        { 5000, true, false },      // a file's short last block: padded to a page for the write, cut back after it
        { 4096 * 3, true, false },
        { 5000, true, true },
        { Block, false, false },    // not in aligned memory: written through the page cache
        { 777, false, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_written_block_reads_back_byte_for_byte_in_a_file_of_header_and_data_alone(int length, bool aligned, bool keepInPageCache)
    {
        var tier = new DiskTier(Root.FullName, 1L << 30, NullLogger.Instance);
        var key = new BlockKey("/data/run 7/scan.h5", "\"etag-1\"", 3);
        var data = RandomNumberGenerator.GetBytes(length);
        var block = BlockOf(data, aligned);
        tier.Write(key, block, keepInPageCache);
        block.Release();
        // The test folder's file system (ext4 or tmpfs here) takes direct writes: a refused one would have switched the tier to buffered.
        Assert.True(tier.WritesDirect);

        var back = new byte[Block];
        Assert.Equal(length, tier.TryRead(key, back));
        Assert.Equal(data, back[..length]);
        // No page padding is left on disk: the header rounded up to a page, then exactly the data.
        var keyLength = Encoding.UTF8.GetByteCount(key.Text);
        Assert.Equal(AlignedBuffer.RoundUp(20 + keyLength) + length, new FileInfo(Path.Combine(Root.FullName, key.FileName)).Length);
        Assert.Equal(tier.TotalBytes, new FileInfo(Path.Combine(Root.FullName, key.FileName)).Length);
        tier.Dispose();
    }

    [Fact]
    public void A_block_of_the_older_packed_layout_is_still_read_and_a_damaged_one_is_refused()
    {
        var key = new BlockKey("/old.bin", "\"v\"", 0);
        var data = RandomNumberGenerator.GetBytes(10_000);
        var keyBytes = Encoding.UTF8.GetBytes(key.Text);
        var file = new byte[20 + keyBytes.Length + data.Length];
        "FFSBLK01"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), Adler32.Compute(data));
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(12), data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), keyBytes.Length);
        keyBytes.CopyTo(file, 20);
        data.CopyTo(file, 20 + keyBytes.Length);
        var path = Path.Combine(Root.FullName, key.FileName);
        File.WriteAllBytes(path, file);

        var tier = new DiskTier(Root.FullName, 1L << 30, NullLogger.Instance);
        var back = new byte[Block];
        Assert.Equal(data.Length, tier.TryRead(key, back));
        Assert.Equal(data, back[..data.Length]);

        file[^1] ^= 0xFF;
        File.WriteAllBytes(path, file);
        Assert.Equal(-1, tier.TryRead(key, back));
        Assert.False(File.Exists(path));
        tier.Dispose();
    }

    [Fact]
    public void The_aligned_pool_gives_page_aligned_windows_with_room_for_the_page_padding_and_reuses_its_arrays()
    {
        var pool = new AlignedBlockPool(Block + 100, maxPooled: 1);
        var first = pool.Rent(Block);
        var window = AlignedBlockPool.WindowOf(first);
        Assert.InRange(window, 0, AlignedBuffer.Alignment - 1);
        Assert.True(first.Length - window >= AlignedBuffer.RoundUp(Block + 100));
        unsafe
        {
            fixed (byte* start = first) Assert.Equal(0u, (uint)((nuint)(start + window) % AlignedBuffer.Alignment));
        }
        var second = pool.Rent(1);
        pool.Return(first);
        pool.Return(second); // beyond maxPooled: left to the collector
        Assert.Same(first, pool.Rent(Block));
        Assert.NotSame(second, pool.Rent(Block));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(Block + 101));
        Assert.Throws<ArgumentException>(() => pool.Return(new byte[Block]));
    }

    private static Block BlockOf(byte[] data, bool aligned)
    {
        ArrayPool<byte> pool = aligned ? new AlignedBlockPool(Block, 4) : ArrayPool<byte>.Create(Block, 4);
        var array = pool.Rent(data.Length);
        data.CopyTo(Cache.Block.AreaOf(array, data.Length, pool));
        return new Block(array, data.Length, pool);
    }
}
