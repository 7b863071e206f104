using System.Security.Cryptography;
using System.Text;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Storage.Tests;

/// <summary>What every <see cref="IRemoteStore"/> promises, run against Apache, nginx and a local folder alike.</summary>
public abstract class StoreContract : IAsyncLifetime
{
    protected abstract IRemoteStore Store { get; }

    /// <summary>A fresh folder per test, so tests sharing one server never see each other's files.</summary>
    protected RemotePath Folder { get; private set; } = RemotePath.Root;

    /// <summary>Puts a file straight into the store's backing folder, bypassing the client under test.</summary>
    protected abstract void Seed(RemotePath path, byte[] content);

    public virtual async Task InitializeAsync()
    {
        Folder = RemotePath.Parse("/t-" + Guid.NewGuid().ToString("N")[..12]);
        await Store.CreateDirectoryAsync(Folder);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    protected async Task<byte[]> ReadAllAsync(RemotePath path, ByteRange? range = null, string? etag = null)
    {
        await using var content = await Store.OpenReadAsync(path, range, etag);
        using var buffer = new MemoryStream();
        await content.Stream.CopyToAsync(buffer);
        Assert.Equal(content.Length, buffer.Length);
        return buffer.ToArray();
    }

    protected async Task<WriteResult> WriteAsync(RemotePath path, byte[] data) =>
        await Store.WriteAsync(path, new MemoryStream(data), data.Length);

    [Fact]
    public async Task Root_is_a_folder()
    {
        var root = await Store.StatAsync(RemotePath.Root);
        Assert.True(root.IsDirectory);
    }

    [Fact]
    public async Task Written_file_reads_back_identical_with_size_and_checksum()
    {
        var data = RandomBytes(300_000);
        var path = Folder.Child("data.bin");
        var result = await WriteAsync(path, data);
        Assert.Equal(data.Length, result.BytesWritten);
        Assert.Equal(Adler32.Compute(data).ToString("x8"), result.Adler32.Value);
        var entry = await Store.StatAsync(path);
        Assert.False(entry.IsDirectory);
        Assert.Equal(data.Length, entry.Size);
        Assert.NotNull(entry.LastModified);
        Assert.Equal(data, await ReadAllAsync(path));
    }

    [Fact]
    public async Task Empty_file_round_trips()
    {
        var path = Folder.Child("empty");
        await WriteAsync(path, []);
        Assert.Equal(0, (await Store.StatAsync(path)).Size);
        Assert.Empty(await ReadAllAsync(path));
    }

    [Fact]
    public async Task Streamed_write_of_unknown_length_from_an_unseekable_source()
    {
        var data = RandomBytes(48 << 20);
        var path = Folder.Child("stream.bin");
        var result = await Store.WriteAsync(path, new OneWayStream(data), -1);
        Assert.Equal(data.Length, result.BytesWritten);
        Assert.Equal(data.Length, (await Store.StatAsync(path)).Size);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await ReadAllAsync(path)));
    }

    [Fact]
    public async Task Ranges_read_exactly_the_bytes_asked_for()
    {
        var data = RandomBytes(100_000);
        var path = Folder.Child("ranged");
        await WriteAsync(path, data);
        Assert.Equal(data[1000..5000], await ReadAllAsync(path, new ByteRange(1000, 4000)));
        Assert.Equal(data[99_000..], await ReadAllAsync(path, ByteRange.From(99_000)));
        Assert.Equal(data[99_990..], await ReadAllAsync(path, new ByteRange(99_990, 500)));
        Assert.Empty(await ReadAllAsync(path, ByteRange.From(100_000)));
        await using var whole = await Store.OpenReadAsync(path, new ByteRange(10, 10));
        Assert.Equal(data.Length, whole.TotalSize);
        Assert.Equal(10, whole.Offset);
    }

    [Fact]
    public async Task A_file_changed_since_its_etag_was_seen_is_refused_not_mixed()
    {
        var path = Folder.Child("versioned");
        await WriteAsync(path, RandomBytes(5000));
        var etag = await CurrentETagAsync(path);
        Assert.NotNull(etag);
        Assert.Equal(5000, (await ReadAllAsync(path, new ByteRange(0, 5000), etag)).Length);
        await Task.Delay(1100);
        await WriteAsync(path, RandomBytes(6000));
        var error = await Assert.ThrowsAsync<StorageException>(() => ReadAllAsync(path, new ByteRange(100, 100), etag));
        Assert.Equal(StorageErrorKind.Changed, error.Kind);
    }

    /// <summary>The ETag as the read path sees it (a listing may not carry one: nginx dav-ext omits it).</summary>
    private async Task<string?> CurrentETagAsync(RemotePath path)
    {
        await using var content = await Store.OpenReadAsync(path, new ByteRange(0, 1));
        return content.ETag;
    }

    [Theory]
    [InlineData("with space.txt")]
    [InlineData("hash#tag")]
    [InlineData("per%cent")]
    [InlineData("plus+sign")]
    [InlineData("amp&semi;colon")]
    [InlineData("quote'and\"double")]
    [InlineData("ünïcödé-日本語")]
    [InlineData("[brackets]{braces}")]
    public async Task Awkward_names_round_trip_through_write_list_and_read(string name)
    {
        var path = Folder.Child(name);
        var data = Encoding.UTF8.GetBytes(name);
        await WriteAsync(path, data);
        var listed = await Store.ListAsync(Folder).ToListAsync();
        var entry = Assert.Single(listed);
        Assert.Equal(name, entry.Name);
        Assert.Equal(path, entry.Path);
        Assert.Equal(data, await ReadAllAsync(path));
    }

    [Fact]
    public async Task A_name_as_long_as_the_store_allows_uploads_through_a_short_hidden_temporary()
    {
        var name = new string('é', 100) + new string('n', 55);
        Assert.Equal(Store.Capabilities.MaxNameLength, Encoding.UTF8.GetByteCount(name));
        var target = Folder.Child(name);
        var temporary = Transfers.VerifiedUpload.TemporaryNameFor(target);
        Assert.Equal(target.Parent, temporary.Parent);
        Assert.StartsWith(Transfers.VerifiedUpload.TemporaryPrefix, temporary.Name, StringComparison.Ordinal);
        Assert.Equal(Transfers.VerifiedUpload.TemporaryNameLength, Encoding.UTF8.GetByteCount(temporary.Name));
        Assert.NotEqual(temporary, Transfers.VerifiedUpload.TemporaryNameFor(target));
        var data = RandomBytes(4000);
        await Transfers.VerifiedUpload.UploadAsync(Store, target, new MemoryStream(data), data.Length);
        var entry = Assert.Single(await Store.ListAsync(Folder).ToListAsync());
        Assert.Equal(name, entry.Name);
        Assert.Equal(data, await ReadAllAsync(target));
    }

    [Fact]
    public async Task Names_are_kept_byte_exact_so_a_decomposed_name_and_its_composed_twin_are_two_files()
    {
        var decomposed = "cafe\u0301";
        var composed = "caf\u00e9";
        await WriteAsync(Folder.Child(decomposed), [1]);
        await WriteAsync(Folder.Child(composed), [2, 2]);
        var listed = (await Store.ListAsync(Folder).ToListAsync()).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        // Ordinal order: the decomposed name's plain 'e' sorts before the composed 'é'.
        Assert.Equal([decomposed, composed], listed.Select(e => e.Name));
        Assert.Equal([1, 2], listed.Select(e => e.Size));
        Assert.Equal([1], await ReadAllAsync(Folder.Child(decomposed)));
        Assert.Equal(Folder.Value + "/" + decomposed, RemotePath.Parse(Folder.Value + "/" + decomposed).Value);
    }

    [Fact]
    public async Task Listing_holds_children_only_with_their_kinds_and_sizes()
    {
        await Store.CreateDirectoryAsync(Folder.Child("sub"));
        await WriteAsync(Folder.Child("sub").Child("deep.txt"), [1, 2, 3]);
        await WriteAsync(Folder.Child("a.txt"), new byte[1234]);
        var listed = (await Store.ListAsync(Folder).ToListAsync()).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["a.txt", "sub"], listed.Select(e => e.Name));
        Assert.False(listed[0].IsDirectory);
        Assert.Equal(1234, listed[0].Size);
        Assert.True(listed[1].IsDirectory);
        Assert.True((await Store.StatAsync(Folder.Child("sub"))).IsDirectory);
    }

    [Fact]
    public async Task Listing_a_file_or_a_missing_folder_fails_with_the_right_kind()
    {
        await WriteAsync(Folder.Child("file"), [1]);
        var notDir = await Assert.ThrowsAsync<StorageException>(() => Store.ListAsync(Folder.Child("file")).ToListAsync().AsTask());
        Assert.Equal(StorageErrorKind.NotDirectory, notDir.Kind);
        var missing = await Assert.ThrowsAsync<StorageException>(() => Store.ListAsync(Folder.Child("nope")).ToListAsync().AsTask());
        Assert.Equal(StorageErrorKind.NotFound, missing.Kind);
        var stat = await Assert.ThrowsAsync<StorageException>(() => Store.StatAsync(Folder.Child("nope")));
        Assert.Equal(StorageErrorKind.NotFound, stat.Kind);
        Assert.Contains(Folder.Child("nope").Value, stat.Message);
    }

    [Fact]
    public async Task Folders_are_created_with_or_without_parents()
    {
        var deep = Folder.Combine("x/y/z");
        var noParent = await Assert.ThrowsAsync<StorageException>(() => Store.CreateDirectoryAsync(deep));
        Assert.Equal(StorageErrorKind.Conflict, noParent.Kind);
        await Store.CreateDirectoryAsync(deep, createParents: true);
        Assert.True((await Store.StatAsync(deep)).IsDirectory);
        await Store.CreateDirectoryAsync(deep, createParents: true);
        var exists = await Assert.ThrowsAsync<StorageException>(() => Store.CreateDirectoryAsync(deep));
        Assert.Equal(StorageErrorKind.AlreadyExists, exists.Kind);
        await WriteAsync(Folder.Child("plain"), [1]);
        var overFile = await Assert.ThrowsAsync<StorageException>(() => Store.CreateDirectoryAsync(Folder.Child("plain"), createParents: true));
        Assert.Equal(StorageErrorKind.AlreadyExists, overFile.Kind);
    }

    [Fact]
    public async Task Delete_removes_files_and_whole_folders()
    {
        await Store.CreateDirectoryAsync(Folder.Combine("d/e"), createParents: true);
        await WriteAsync(Folder.Combine("d/e/f.txt"), [1]);
        await WriteAsync(Folder.Child("g.txt"), [1]);
        await Store.DeleteAsync(Folder.Child("g.txt"));
        await Store.DeleteAsync(Folder.Child("d"));
        Assert.Empty(await Store.ListAsync(Folder).ToListAsync());
        var missing = await Assert.ThrowsAsync<StorageException>(() => Store.DeleteAsync(Folder.Child("g.txt")));
        Assert.Equal(StorageErrorKind.NotFound, missing.Kind);
        await Assert.ThrowsAsync<StorageException>(() => Store.DeleteAsync(RemotePath.Root));
    }

    [Fact]
    public async Task Move_renames_files_and_folders_and_honours_overwrite()
    {
        var data = RandomBytes(1000);
        await WriteAsync(Folder.Child("one"), data);
        await WriteAsync(Folder.Child("two"), [9]);
        var refused = await Assert.ThrowsAsync<StorageException>(() => Store.MoveAsync(Folder.Child("one"), Folder.Child("two"), overwrite: false));
        Assert.Equal(StorageErrorKind.AlreadyExists, refused.Kind);
        await Store.MoveAsync(Folder.Child("one"), Folder.Child("two"), overwrite: true);
        Assert.Equal(data, await ReadAllAsync(Folder.Child("two")));
        await Assert.ThrowsAsync<StorageException>(() => Store.StatAsync(Folder.Child("one")));

        await Store.CreateDirectoryAsync(Folder.Child("dir"));
        await WriteAsync(Folder.Combine("dir/in.txt"), data);
        await Store.MoveAsync(Folder.Child("dir"), Folder.Child("renamed dir"), overwrite: false);
        Assert.Equal(data, await ReadAllAsync(Folder.Combine("renamed dir/in.txt")));
        var into = await Assert.ThrowsAsync<StorageException>(() => Store.MoveAsync(Folder.Child("renamed dir"), Folder.Combine("renamed dir/x"), false));
        Assert.Equal(StorageErrorKind.InvalidArgument, into.Kind);
    }

    [Fact]
    public async Task Server_side_copy_duplicates_files_and_folders()
    {
        var copier = Assert.IsAssignableFrom<IServerSideCopy>(Store);
        Assert.True(Store.Capabilities.ServerSideCopy);
        var data = RandomBytes(2000);
        await Store.CreateDirectoryAsync(Folder.Child("src"));
        await WriteAsync(Folder.Combine("src/f"), data);
        await copier.CopyAsync(Folder.Combine("src/f"), Folder.Child("f-copy"), overwrite: false);
        await copier.CopyAsync(Folder.Child("src"), Folder.Child("src-copy"), overwrite: false);
        Assert.Equal(data, await ReadAllAsync(Folder.Child("f-copy")));
        Assert.Equal(data, await ReadAllAsync(Folder.Combine("src-copy/f")));
        Assert.Equal(data, await ReadAllAsync(Folder.Combine("src/f")));
    }

    [Fact]
    public async Task Writing_into_a_missing_folder_fails_and_leaves_nothing()
    {
        var error = await Assert.ThrowsAsync<StorageException>(() => WriteAsync(Folder.Combine("missing/f"), [1, 2]));
        Assert.Equal(StorageErrorKind.Conflict, error.Kind);
        Assert.Empty(await Store.ListAsync(Folder).ToListAsync());
    }

    [Fact]
    public async Task Seeded_files_are_seen_by_listing()
    {
        Seed(Folder.Child("seeded.txt"), [1, 2, 3, 4]);
        var entry = Assert.Single(await Store.ListAsync(Folder).ToListAsync());
        Assert.Equal(4, entry.Size);
    }

    /// <summary>A stream that can only be read forward, like a pipe: no length, no seeking.</summary>
    private sealed class OneWayStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count)
        {
            // Short reads, as a pipe gives.
            var n = Math.Min(Math.Min(count, 70_001), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
