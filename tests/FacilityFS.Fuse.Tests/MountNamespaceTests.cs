using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>POSIX namespace behaviour through a writable mount: folder renames, EFBIG, refused links and special files, long and decomposed names, each checked on the server too.</summary>
public abstract class MountNamespaceTests(WritableMountFixture fixture)
{
    private const int EPERM = 1;
    private const int EFBIG = 27;
    private const int ENAMETOOLONG = 36;
    private const int ENOTEMPTY = 39;

    private readonly string _folder = "ns-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A folder of this test's own in the mount (made through it); <see cref="OnServer"/> finds its files on the server.</summary>
    private string Folder(string relative = "") => Path.Combine(Directory.CreateDirectory(fixture.Mount.Under(_folder)).FullName, relative);

    private string OnServer(string relative) => fixture.Server.PathOf(Path.Combine(_folder, relative));

    private async Task SyncAsync()
    {
        var sync = await ProcessRun.RunAsync(Repository.CommandFile, Repository.CommandArgs("sync", fixture.Mount.Path), TimeSpan.FromMinutes(5));
        Assert.True(sync.ExitCode == 0, sync.ToString());
    }

    [Fact]
    public async Task A_folder_renamed_over_an_empty_folder_replaces_it_and_over_a_full_one_is_ENOTEMPTY()
    {
        Directory.CreateDirectory(Folder("results"));
        await File.WriteAllTextAsync(Folder("results/scan.txt"), "counts");
        Directory.CreateDirectory(Folder("empty"));
        await SyncAsync();
        Assert.True(File.Exists(OnServer("results/scan.txt")));

        Assert.Equal(0, NamespaceLibc.Errno(NamespaceLibc.Rename(Folder("results"), Folder("empty"))));
        Assert.Equal("counts", await File.ReadAllTextAsync(Folder("empty/scan.txt")));
        Assert.False(Directory.Exists(Folder("results")));
        Assert.Equal("counts", await File.ReadAllTextAsync(OnServer("empty/scan.txt")));
        Assert.False(Directory.Exists(OnServer("results")));

        Directory.CreateDirectory(Folder("other"));
        Assert.Equal(ENOTEMPTY, NamespaceLibc.Errno(NamespaceLibc.Rename(Folder("other"), Folder("empty"))));
        Assert.Equal("counts", await File.ReadAllTextAsync(OnServer("empty/scan.txt")));
        Assert.True(Directory.Exists(Folder("other")));
    }

    [Fact]
    public async Task Truncate_to_an_enormous_length_is_EFBIG_and_leaves_the_file_as_it_was()
    {
        await File.WriteAllTextAsync(Folder("small.txt"), "twelve bytes");
        Assert.Equal(EFBIG, NamespaceLibc.Errno(NamespaceLibc.Truncate(Folder("small.txt"), 1L << 50)));
        Assert.Equal(EFBIG, NamespaceLibc.Errno(NamespaceLibc.Truncate(Folder("small.txt"), long.MaxValue)));
        Assert.Equal("twelve bytes", await File.ReadAllTextAsync(Folder("small.txt")));
        Assert.Equal(0, NamespaceLibc.Errno(NamespaceLibc.Truncate(Folder("small.txt"), 6)));
        await SyncAsync();
        Assert.Equal("twelve", await File.ReadAllTextAsync(OnServer("small.txt")));
    }

    [Fact]
    public async Task Hard_links_symbolic_links_and_device_nodes_are_EPERM_and_nothing_reaches_the_server()
    {
        await File.WriteAllTextAsync(Folder("target.txt"), "data");
        Assert.Equal(EPERM, NamespaceLibc.Errno(NamespaceLibc.Symlink("target.txt", Folder("soft"))));
        Assert.Equal(EPERM, NamespaceLibc.Errno(NamespaceLibc.Link(Folder("target.txt"), Folder("hard"))));
        Assert.Equal(EPERM, NamespaceLibc.Errno(NamespaceLibc.Mknod(Folder("fifo"), NamespaceLibc.Fifo | 0x1A4, 0)));
        Assert.Equal(EPERM, NamespaceLibc.Errno(NamespaceLibc.Mknod(Folder("device"), NamespaceLibc.CharacterDevice | 0x1A4, 0x0103)));
        // A regular file made by mknod is an empty file, as on a local disk.
        Assert.Equal(0, NamespaceLibc.Errno(NamespaceLibc.Mknod(Folder("plain"), NamespaceLibc.Regular | 0x1A4, 0)));
        await SyncAsync();
        Assert.Equal(["plain", "target.txt"], Directory.GetFileSystemEntries(OnServer("")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(0, new FileInfo(OnServer("plain")).Length);
    }

    [Fact]
    public async Task A_name_of_255_bytes_uploads_and_one_of_256_is_ENAMETOOLONG_at_create_mkdir_and_rename()
    {
        // 100 two-byte characters and 55 one-byte ones: 255 bytes, the most ext4 holds under the server.
        var longest = new string('é', 100) + new string('n', 55);
        Assert.Equal(255, Encoding.UTF8.GetByteCount(longest));
        var bytes = RandomNumberGenerator.GetBytes(5000);
        await File.WriteAllBytesAsync(Folder(longest), bytes);
        await SyncAsync();
        Assert.Equal(bytes, await File.ReadAllBytesAsync(OnServer(longest)));
        Assert.Equal("committed", await UploadState.OfAsync(Folder(longest)));
        // The upload left no hidden temporary behind.
        Assert.Equal([longest], Directory.GetFileSystemEntries(OnServer("")).Select(Path.GetFileName));

        var tooLong = longest + "x";
        Assert.Equal(ENAMETOOLONG, NamespaceLibc.Errno(NamespaceLibc.Create(Folder(tooLong))));
        Assert.Equal(ENAMETOOLONG, NamespaceLibc.Errno(NamespaceLibc.MakeDirectory(Folder(tooLong), 0x1ED)));
        Assert.Equal(ENAMETOOLONG, NamespaceLibc.Errno(NamespaceLibc.Rename(Folder(longest), Folder(tooLong))));
        Assert.Equal([longest], Directory.GetFileSystemEntries(Folder()).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Decomposed_and_composed_names_stay_two_files_byte_exact_on_the_server_and_in_listings()
    {
        var decomposed = "cafe\u0301.txt";
        var composed = "caf\u00e9.txt";
        Assert.NotEqual(Encoding.UTF8.GetBytes(decomposed), Encoding.UTF8.GetBytes(composed));
        await File.WriteAllTextAsync(Folder(decomposed), "decomposed");
        await File.WriteAllTextAsync(Folder(composed), "composed");
        Directory.CreateDirectory(Folder("Übersicht".Normalize(NormalizationForm.FormD)));
        await SyncAsync();

        // Linux hands .NET names as the bytes on disk, so ordinal comparison here is byte comparison.
        var stored = Directory.GetFileSystemEntries(OnServer("")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { composed, decomposed, "Übersicht".Normalize(NormalizationForm.FormD) }.Order(StringComparer.Ordinal), stored);
        Assert.Equal("decomposed", await File.ReadAllTextAsync(OnServer(decomposed)));
        Assert.Equal("composed", await File.ReadAllTextAsync(OnServer(composed)));

        // A name the server already holds in NFD is listed and opened by those bytes through a folder the mount has not seen yet.
        var fresh = "fresh-" + Guid.NewGuid().ToString("N")[..8];
        var accented = "Ångström".Normalize(NormalizationForm.FormD);
        fixture.Server.WriteFile(Path.Combine(_folder, fresh, accented), "from the server"u8);
        // The mount sees the new folder once its cached listing of the parent expires (--dir-cache-time 1).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Directory.Exists(Folder(fresh)) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal([accented], Directory.GetFileSystemEntries(Folder(fresh)).Select(Path.GetFileName));
        Assert.Equal("from the server", await File.ReadAllTextAsync(Folder(Path.Combine(fresh, accented))));
        Assert.False(File.Exists(Folder(Path.Combine(fresh, "Ångström".Normalize(NormalizationForm.FormC)))));

        Assert.Equal("decomposed", await File.ReadAllTextAsync(Folder(decomposed)));
        Assert.Equal("composed", await File.ReadAllTextAsync(Folder(composed)));
    }
}

[Collection("apache-write-mount")]
public sealed class ApacheMountNamespaceTests(ApacheWritableMountFixture fixture) : MountNamespaceTests(fixture), IClassFixture<ApacheWritableMountFixture>;

[Collection("nginx-write-mount")]
public sealed class NginxMountNamespaceTests(NginxWritableMountFixture fixture) : MountNamespaceTests(fixture), IClassFixture<NginxWritableMountFixture>;

/// <summary>Offline: while the server is away, pending files in folders the mount has seen keep being made, renamed and deleted, past the listing's cache time; they all arrive once it is back.</summary>
[Collection("lifecycle")]
public sealed class MountOfflineTests : ServerPerTest
{
    [Fact]
    public async Task A_hundred_files_made_during_an_outage_longer_than_the_listing_cache_all_arrive_afterwards()
    {
        var config = Path.Combine(Work.FullName, "offline.yaml");
        await File.WriteAllTextAsync(config, $"remotes:\n  t:\n    url: {Remote}\n    retries: 0\n    timeout: 5s\n");
        // MountedFolder sets --dir-cache-time 1 and --attr-timeout 1: listings expire many times over during the outage.
        Server.CreateDirectory("unseen");
        await using var mount = await MountedFolder.StartAsync("t:/", Work.FullName, null, "--config", config, "--upload-delay", "0");
        Directory.CreateDirectory(mount.Under("run"));
        Assert.Empty(Directory.GetFileSystemEntries(mount.Under("run")));
        await Server.StopAsync();
        var outage = System.Diagnostics.Stopwatch.StartNew();

        var files = new Dictionary<string, byte[]>();
        for (var i = 0; i < 100; i++)
        {
            var bytes = RandomNumberGenerator.GetBytes(1000 + i);
            await File.WriteAllBytesAsync(mount.Under($"run/f{i:D3}.bin"), bytes);
            files[$"f{i:D3}.bin"] = bytes;
            // Spread over a few seconds, so creates meet expired listings and attributes, not one fresh listing.
            if (i % 10 == 9) await Task.Delay(TimeSpan.FromSeconds(1.2));
        }
        for (var i = 0; i < 10; i++)
        {
            File.Move(mount.Under($"run/f{i:D3}.bin"), mount.Under($"run/renamed{i:D3}.bin"));
            files[$"renamed{i:D3}.bin"] = files[$"f{i:D3}.bin"];
            files.Remove($"f{i:D3}.bin");
            File.Delete(mount.Under($"run/f{90 + i:D3}.bin"));
            files.Remove($"f{90 + i:D3}.bin");
        }
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(mount.Under("run")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(files["renamed003.bin"], await File.ReadAllBytesAsync(mount.Under("run/renamed003.bin")));
        Assert.True(outage.Elapsed > TimeSpan.FromSeconds(5), $"the outage lasted {outage.Elapsed}, not many listing cache times");
        // What needs the server still fails (EIO): the contents of a folder the mount has never listed.
        Assert.Throws<IOException>(() => Directory.GetFileSystemEntries(mount.Under("unseen")));

        await Server.StartAsync();
        var sync = await ProcessRun.RunAsync(Repository.CommandFile, Repository.CommandArgs("sync", mount.Path), TimeSpan.FromMinutes(5));
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(Server.PathOf("run")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in files) Assert.Equal(bytes, await File.ReadAllBytesAsync(Server.PathOf($"run/{name}")));
        var status = JsonDocument.Parse((await ProcessRun.FacilityFsAsync("status", mount.Path, "--json")).Out).RootElement;
        Assert.Equal(0, status.GetProperty("status").GetProperty("pending").GetArrayLength());
    }
}

/// <summary>The namespace calls of libc, so tests see the errno itself rather than .NET's reading of it.</summary>
internal static partial class NamespaceLibc
{
    public const uint Fifo = 0x1000;
    public const uint CharacterDevice = 0x2000;
    public const uint Regular = 0x8000;

    /// <summary>0 when the call succeeded, else its errno.</summary>
    public static int Errno(int result) => result == 0 ? 0 : Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Rename(string from, string to);

    [LibraryImport("libc", EntryPoint = "truncate", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Truncate(string path, long length);

    [LibraryImport("libc", EntryPoint = "symlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Symlink(string target, string path);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Link(string existing, string path);

    [LibraryImport("libc", EntryPoint = "mknod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Mknod(string path, uint mode, ulong device);

    [LibraryImport("libc", EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MakeDirectory(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>open(O_WRONLY | O_CREAT | O_EXCL) and close: 0 when the file was made, else -1 with the errno kept.</summary>
    public static int Create(string path)
    {
        var fd = Open(path, 0x1 | 0x40 | 0x80, 0x1A4);
        if (fd < 0) return -1;
        Close(fd);
        return 0;
    }
}
