using System.Text;

namespace FacilityFS.Fuse.Tests;

/// <summary>What programs do to files, checked the same way on a local disk (the baseline) and through a writable mount.</summary>
public abstract class WriteConformance
{
    /// <summary>An empty folder of this test's own.</summary>
    protected abstract string NewFolder();

    [Fact]
    public void Create_write_append_and_read_back()
    {
        var root = NewFolder();
        var file = Path.Combine(root, "notes.txt");
        File.WriteAllText(file, "first line\n");
        File.AppendAllText(file, "second line\n");
        Assert.Equal("first line\nsecond line\n", File.ReadAllText(file));
        Assert.Equal(23, new FileInfo(file).Length);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public void Overwrite_in_the_middle_and_truncate_shorter_and_longer()
    {
        var root = NewFolder();
        var file = Path.Combine(root, "data.bin");
        File.WriteAllBytes(file, Encoding.ASCII.GetBytes("0123456789"));
        using (var handle = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.Write(handle, "ab"u8, 4);
            RandomAccess.SetLength(handle, 8);
        }
        Assert.Equal("0123ab67", File.ReadAllText(file));
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write)) stream.SetLength(12);
        Assert.Equal("0123ab67\0\0\0\0", File.ReadAllText(file));
        File.WriteAllText(file, "short");
        Assert.Equal("short", File.ReadAllText(file));
    }

    [Fact]
    public void Rename_replaces_an_existing_file_and_moves_between_folders()
    {
        var root = NewFolder();
        Directory.CreateDirectory(Path.Combine(root, "a"));
        Directory.CreateDirectory(Path.Combine(root, "b"));
        File.WriteAllText(Path.Combine(root, "a", "new.txt"), "new");
        File.WriteAllText(Path.Combine(root, "a", "old.txt"), "old");
        File.Move(Path.Combine(root, "a", "new.txt"), Path.Combine(root, "a", "old.txt"), overwrite: true);
        Assert.Equal("new", File.ReadAllText(Path.Combine(root, "a", "old.txt")));
        Assert.False(File.Exists(Path.Combine(root, "a", "new.txt")));
        File.Move(Path.Combine(root, "a", "old.txt"), Path.Combine(root, "b", "moved.txt"));
        Assert.Equal("new", File.ReadAllText(Path.Combine(root, "b", "moved.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(root, "a")));
        Assert.Throws<IOException>(() => File.Move(Path.Combine(root, "b", "moved.txt"), Path.Combine(root, "a")));
        Directory.Move(Path.Combine(root, "b"), Path.Combine(root, "c"));
        Assert.Equal("new", File.ReadAllText(Path.Combine(root, "c", "moved.txt")));
    }

    [Fact]
    public void Folders_are_made_listed_and_removed_only_when_empty()
    {
        var root = NewFolder();
        var folder = Path.Combine(root, "run", "scan");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "frame.raw"), "pixels");
        Assert.ThrowsAny<IOException>(() => Directory.Delete(Path.Combine(root, "run")));
        Assert.Throws<IOException>(() => Directory.CreateDirectory(Path.Combine(folder, "frame.raw")));
        File.Delete(Path.Combine(folder, "frame.raw"));
        Assert.False(File.Exists(Path.Combine(folder, "frame.raw")));
        Directory.Delete(folder);
        Directory.Delete(Path.Combine(root, "run"));
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public void An_open_file_reads_what_was_just_written_through_another_handle()
    {
        var root = NewFolder();
        var file = Path.Combine(root, "shared.log");
        using var writer = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
        using var reader = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        writer.Write("event 1\n"u8);
        writer.Flush();
        var buffer = new byte[64];
        Assert.Equal("event 1\n", Encoding.ASCII.GetString(buffer, 0, reader.Read(buffer)));
        writer.Write("event 2\n"u8);
        writer.Flush();
        Assert.Equal("event 2\n", Encoding.ASCII.GetString(buffer, 0, reader.Read(buffer)));
    }
}

/// <summary>The baseline: the same behaviours on the local disk.</summary>
public sealed class LocalDiskWriteConformance : WriteConformance, IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-conform-");

    protected override string NewFolder() => Directory.CreateDirectory(Path.Combine(_work.FullName, Guid.NewGuid().ToString("N")[..8])).FullName;

    public void Dispose() => _work.Delete(recursive: true);
}

/// <summary>The same behaviours through a writable mount of Apache.</summary>
[Collection("apache-write-mount")]
public sealed class ApacheMountWriteConformance(ApacheWritableMountFixture fixture) : WriteConformance, IClassFixture<ApacheWritableMountFixture>
{
    protected override string NewFolder() => Directory.CreateDirectory(fixture.Mount.Under("conform-" + Guid.NewGuid().ToString("N")[..8])).FullName;
}

/// <summary>The same behaviours through a writable mount of nginx.</summary>
[Collection("nginx-write-mount")]
public sealed class NginxMountWriteConformance(NginxWritableMountFixture fixture) : WriteConformance, IClassFixture<NginxWritableMountFixture>
{
    protected override string NewFolder() => Directory.CreateDirectory(fixture.Mount.Under("conform-" + Guid.NewGuid().ToString("N")[..8])).FullName;
}
