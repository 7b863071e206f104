using System.Security.Cryptography;
using System.Text;
using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>A server with a seeded tree and one read-only mount of it, shared by a test class.</summary>
public abstract class MountFixture(ServerKind kind) : ServerMountFixture(kind, "ffs-mount-")
{
    public const int MediumSize = 48 << 20;

    public byte[] Medium { get; private set; } = [];

    public static readonly string[] AwkwardNames = ["with space.txt", "hash#tag", "per%cent", "plus+sign", "ünïcödé 日本.dat", "quote'single"];

    // Read-only: these tests are about reading, and --read-only must keep refusing every change.
    protected override string[] MountOptions => ["--read-only"];

    protected override void Seed()
    {
        Medium = new byte[MediumSize];
        new Random(42).NextBytes(Medium);
        Server.WriteFile("tree/medium.bin", Medium);
        Server.WriteFile("tree/empty", []);
        Server.WriteFile("tree/a/b/c/deep.txt", "deep"u8);
        foreach (var name in AwkwardNames) Server.WriteFile("tree/names/" + name, Encoding.UTF8.GetBytes(name));
        for (var i = 0; i < 8; i++) Server.WriteFile($"tree/parallel/p{i}.bin", RandomNumberGenerator.GetBytes(3 << 20));
        Server.WriteFile("changes/changing.txt", "first version"u8);
        Server.WriteFile("random/replaced.bin", RandomNumberGenerator.GetBytes(4 << 20));
        // A chunked, gzip'd HDF5 stack written by libhdf5 itself, for h5py's random access through the mount.
        using var nexus = new NexusFiles();
        Server.WriteFile("hdf5/slabs.nxs", File.ReadAllBytes(nexus.Make("slabs", "16")));
    }
}

public sealed class ApacheMountFixture() : MountFixture(ServerKind.Apache);

public sealed class NginxMountFixture() : MountFixture(ServerKind.Nginx);

/// <summary>What a read-only mount promises (SEMANTICS.md), through the kernel, against one real server.</summary>
public abstract class MountTests(MountFixture fixture)
{
    private string Mounted(string relative) => fixture.Mount.Under(relative);

    private static IEnumerable<string> Tree(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => (p, info: new FileInfo(p)))
            .Select(x => $"{Path.GetRelativePath(root, x.p)} {(Directory.Exists(x.p) ? "dir" : x.info.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))}")
            .Order(StringComparer.Ordinal);

    [Fact]
    public async Task The_mounted_tree_equals_the_servers_tree()
    {
        Assert.Equal(Tree(fixture.Server.PathOf("tree")), Tree(Mounted("tree")));
        var ls = await ProcessRun.RunAsync("ls", ["-lR", Mounted("tree")]);
        Assert.Equal(0, ls.ExitCode);
        foreach (var name in MountFixture.AwkwardNames)
        {
            Assert.Contains(name, ls.Out);
            Assert.Equal(name, await File.ReadAllTextAsync(Mounted("tree/names/" + name)));
        }
    }

    [Fact]
    public async Task Files_read_back_identical_with_cmp()
    {
        var cmp = await ProcessRun.RunAsync("cmp", [Mounted("tree/medium.bin"), fixture.Server.PathOf("tree/medium.bin")]);
        Assert.True(cmp.ExitCode == 0, cmp.ToString());
        Assert.Empty(await File.ReadAllBytesAsync(Mounted("tree/empty")));
        Assert.Equal("deep", await File.ReadAllTextAsync(Mounted("tree/a/b/c/deep.txt")));
    }

    [Fact]
    public async Task Random_preads_at_many_offsets_return_the_right_bytes()
    {
        var random = new Random(7);
        await using var file = new FileStream(Mounted("tree/medium.bin"), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        using var handle = file.SafeFileHandle;
        var buffer = new byte[70_000];
        for (var i = 0; i < 400; i++)
        {
            var offset = random.NextInt64(0, MountFixture.MediumSize);
            var length = random.Next(1, buffer.Length);
            var n = RandomAccess.Read(handle, buffer.AsSpan(0, length), offset);
            var expected = (int)Math.Min(length, MountFixture.MediumSize - offset);
            Assert.Equal(expected, n);
            Assert.True(buffer.AsSpan(0, n).SequenceEqual(fixture.Medium.AsSpan((int)offset, n)), $"bytes differ at {offset}+{n}");
        }
        Assert.Equal(0, RandomAccess.Read(handle, buffer, MountFixture.MediumSize + 10));
    }

    [Fact]
    public async Task Concurrent_random_readers_of_one_file_get_the_right_bytes()
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(reader => Task.Run(() =>
        {
            var random = new Random(20 + reader);
            using var handle = File.OpenHandle(Mounted("tree/medium.bin"), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            var buffer = new byte[300_000];
            for (var i = 0; i < 100; i++)
            {
                var offset = random.NextInt64(0, MountFixture.MediumSize);
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, random.Next(1, buffer.Length)), offset);
                Assert.True(n > 0 && buffer.AsSpan(0, n).SequenceEqual(fixture.Medium.AsSpan((int)offset, n)), $"reader {reader}: bytes differ at {offset}+{n}");
            }
        })));
    }

    [Fact]
    public void A_file_replaced_on_the_server_between_random_reads_fails_stale()
    {
        var original = File.ReadAllBytes(fixture.Server.PathOf("random/replaced.bin"));
        using var handle = File.OpenHandle(Mounted("random/replaced.bin"), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var buffer = new byte[4096];
        Assert.Equal(buffer.Length, RandomAccess.Read(handle, buffer, 3 << 20));
        Assert.True(buffer.AsSpan().SequenceEqual(original.AsSpan(3 << 20, buffer.Length)));
        // Other bytes and another size (nginx's ETag is mtime in seconds and size, so a same-size rewrite within a second looks unchanged).
        fixture.Server.WriteFile("random/replaced.bin", RandomNumberGenerator.GetBytes(original.Length + 4096));
        var stale = Assert.ThrowsAny<IOException>(() => RandomAccess.Read(handle, buffer, 1 << 20));
        Assert.Contains("stale", stale.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Hdf5_hyperslabs_h5py_reads_through_the_mount_equal_those_of_the_servers_file()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "nexus", "read_slabs.py");
        var mounted = await ProcessRun.RunAsync("/usr/bin/python3", [script, Mounted("hdf5/slabs.nxs"), "60", "5"]);
        var direct = await ProcessRun.RunAsync("/usr/bin/python3", [script, fixture.Server.PathOf("hdf5/slabs.nxs"), "60", "5"]);
        Assert.True(mounted.ExitCode == 0 && direct.ExitCode == 0, $"{mounted}\n{direct}");
        Assert.Equal(direct.Out.Trim().Split(' ')[1], mounted.Out.Trim().Split(' ')[1]);
    }

    [Fact]
    public async Task Eight_concurrent_readers_each_get_their_file()
    {
        var reads = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var mounted = SHA256.HashData(await File.ReadAllBytesAsync(Mounted($"tree/parallel/p{i}.bin")));
            var original = SHA256.HashData(await File.ReadAllBytesAsync(fixture.Server.PathOf($"tree/parallel/p{i}.bin")));
            Assert.Equal(original, mounted);
        }));
        await Task.WhenAll(reads);
    }

    [Fact]
    public void Changes_are_refused_as_read_only()
    {
        var error = Assert.ThrowsAny<IOException>(() => File.WriteAllText(Mounted("tree/new.txt"), "x"));
        Assert.Contains("Read-only", error.Message);
        Assert.ThrowsAny<IOException>(() => Directory.CreateDirectory(Mounted("tree/newdir")));
        Assert.ThrowsAny<IOException>(() => File.Delete(Mounted("tree/empty")));
        Assert.True(File.Exists(fixture.Server.PathOf("tree/empty")));
    }

    [Fact]
    public async Task A_remote_change_shows_up_after_the_cache_time()
    {
        Assert.Equal("first version", await File.ReadAllTextAsync(Mounted("changes/changing.txt")));
        Assert.False(File.Exists(Mounted("changes/appeared.txt")));
        fixture.Server.WriteFile("changes/changing.txt", "the second, longer version"u8);
        fixture.Server.WriteFile("changes/appeared.txt", "new"u8);
        // The mount caches for 1 s; the change must show once that has passed, however busy the machine is.
        Assert.True(await Eventually.HoldsAsync(async () => await File.ReadAllTextAsync(Mounted("changes/changing.txt")) == "the second, longer version", TimeSpan.FromSeconds(15)));
        Assert.True(await Eventually.HoldsAsync(() => File.Exists(Mounted("changes/appeared.txt")), TimeSpan.FromSeconds(15)));
    }
}

[Collection("apache-mount")]
public sealed class ApacheMountTests(ApacheMountFixture fixture) : MountTests(fixture), IClassFixture<ApacheMountFixture>;

[Collection("nginx-mount")]
public sealed class NginxMountTests(NginxMountFixture fixture) : MountTests(fixture), IClassFixture<NginxMountFixture>;
