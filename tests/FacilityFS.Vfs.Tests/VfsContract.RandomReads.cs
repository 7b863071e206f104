namespace FacilityFS.Vfs.Tests;

/// <summary>The random-read path: a reader that jumps around gets the stored bytes while fetching pieces, not blocks plus read-ahead.</summary>
public abstract partial class VfsContract
{
    private async Task<ulong> DataInodeAsync()
    {
        var sub = await Vfs.LookupAsync(VirtualFileSystem.RootInode, "sub");
        return (await Vfs.LookupAsync(sub.Attributes.Inode, "data.bin")).Attributes.Inode;
    }

    [Fact]
    public async Task A_random_read_fetches_a_small_piece_not_a_block_and_read_ahead()
    {
        var opened = await Vfs.OpenAsync(await DataInodeAsync(), VfsOpenFlags.Read);
        var before = Vfs.Blocks.BytesFetched;
        var buffer = new byte[4096];
        Assert.Equal(buffer.Length, await Vfs.ReadAsync(opened.Handle, (3 << 20) + 5000, buffer));
        Assert.True(buffer.AsSpan().SequenceEqual(Data.AsSpan((3 << 20) + 5000, buffer.Length)));
        var fetched = Vfs.Blocks.BytesFetched - before;
        Assert.True(fetched <= Vfs.Blocks.PieceSize, $"a 4 KiB random read fetched {fetched} bytes");
        Vfs.Release(opened.Handle);
    }

    [Fact]
    public async Task Random_offsets_and_lengths_from_concurrent_readers_return_the_stored_bytes()
    {
        var inode = await DataInodeAsync();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(reader => Task.Run(async () =>
        {
            var opened = await Vfs.OpenAsync(inode, VfsOpenFlags.Read);
            var random = new Random(100 + reader);
            for (var i = 0; i < 60; i++)
            {
                var offset = random.Next(0, Data.Length + 10);
                var size = random.Next(1, 300_000);
                var expected = Data.AsSpan(Math.Min(offset, Data.Length), Math.Max(0, Math.Min(size, Data.Length - offset))).ToArray();
                if (i % 2 == 0)
                {
                    var buffer = new byte[size];
                    var n = await Vfs.ReadAsync(opened.Handle, offset, buffer);
                    Assert.Equal(expected, buffer.AsSpan(0, n).ToArray());
                }
                else
                {
                    using var lease = await Vfs.ReadLeaseAsync(opened.Handle, offset, size);
                    Assert.Equal(expected, lease.Span.ToArray());
                }
            }
            Vfs.Release(opened.Handle);
        })));
    }

    [Fact]
    public async Task A_file_changed_on_the_store_during_random_reads_fails_stale()
    {
        var opened = await Vfs.OpenAsync(await DataInodeAsync(), VfsOpenFlags.Read);
        var buffer = new byte[4096];
        await Vfs.ReadAsync(opened.Handle, 4 << 20, buffer);
        var changed = Data.Select(b => (byte)~b).ToArray();
        await Store.WriteAsync(Root.Combine("sub/data.bin"), new MemoryStream(changed), changed.Length);
        var stale = await Assert.ThrowsAsync<VfsException>(() => Vfs.ReadAsync(opened.Handle, 1 << 20, buffer).AsTask());
        Assert.Equal(VfsError.Stale, stale.Error);
        Vfs.Release(opened.Handle);
    }
}
