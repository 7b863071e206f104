using FacilityFS.Storage;
using FacilityFS.Vfs.Writes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Vfs.Tests;

/// <summary>The spool on its own: what a restart finds (interrupted files, journals of the earlier format) and which folders it refuses.</summary>
public sealed class SpoolTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-spool-");

    public void Dispose() => _work.Delete(recursive: true);

    private string Folder(string name) => Path.Combine(_work.FullName, name);

    [Fact]
    public void A_file_whose_writer_never_closed_it_comes_back_interrupted_and_a_closed_one_dirty()
    {
        var folder = Folder("spool");
        using (var spool = Spool.Open(folder, 1 << 30, NullLogger.Instance))
        {
            var open = spool.Create(RemotePath.Parse("/open.bin"), null, DateTimeOffset.UtcNow);
            Assert.True(open.TryAddWriter(out _));
            open.Write(0, new byte[1000]);
            var closed = spool.Create(RemotePath.Parse("/closed.bin"), null, DateTimeOffset.UtcNow);
            Assert.True(closed.TryAddWriter(out _));
            closed.Write(0, new byte[500]);
            closed.RemoveWriter();
            spool.Journal.Update(closed.ToRecord());
            // The process dies here: open.bin's writer never closed it.
        }
        using var again = Spool.Open(folder, 1 << 30, NullLogger.Instance);
        var interrupted = Assert.Single(again.Interrupted());
        Assert.Equal("/open.bin", interrupted.Path.Value);
        Assert.Equal(1000, interrupted.Size);
        Assert.Equal("interrupted", interrupted.StateName);
        Assert.Equal(UploadState.Dirty, again.Find(RemotePath.Parse("/closed.bin"))!.State);
    }

    [Fact]
    public void What_an_ended_mount_left_in_its_spool_is_counted_without_claiming_it()
    {
        var folder = Folder("left");
        Assert.Equal(0, VirtualFileSystem.PendingInSpool(folder));
        using (var spool = Spool.Open(folder, 1 << 30, NullLogger.Instance))
        {
            foreach (var name in new[] { "/a.bin", "/b.bin" })
            {
                var file = spool.Create(RemotePath.Parse(name), null, DateTimeOffset.UtcNow);
                Assert.True(file.TryAddWriter(out _));
                file.Write(0, new byte[10]);
                file.RemoveWriter();
                spool.Journal.Update(file.ToRecord());
            }
        }
        Assert.Equal(2, VirtualFileSystem.PendingInSpool(folder));
        // Counting took no claim: the next mount still opens the spool and finds both files.
        using var again = Spool.Open(folder, 1 << 30, NullLogger.Instance);
        Assert.Equal(2, again.All().Count);
    }

    [Fact]
    public void A_spool_of_the_earlier_journal_format_is_adopted_and_its_files_resume_as_closed()
    {
        var folder = Directory.CreateDirectory(Folder("old")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "files"));
        File.WriteAllBytes(Path.Combine(folder, "files", "7"), new byte[42]);
        File.WriteAllBytes(Path.Combine(folder, "lock"), []);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "journal.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE files(id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, checksum TEXT,
                    state TEXT NOT NULL, base_version TEXT, mtime INTEGER NOT NULL, error TEXT);
                CREATE TABLE conflicts(id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, kept_as TEXT NOT NULL, at INTEGER NOT NULL);
                INSERT INTO files(id, path, size, state, mtime) VALUES(7, '/old.bin', 42, 'dirty', 0);
                PRAGMA user_version=1;
                """;
            command.ExecuteNonQuery();
        }
        using var spool = Spool.Open(folder, 1 << 30, NullLogger.Instance);
        var file = Assert.Single(spool.All());
        Assert.Equal(UploadState.Dirty, file.State);
        Assert.Equal(42, file.Size);
        Assert.True(File.Exists(Path.Combine(folder, ".facilityfs-spool")));
    }

    [Fact]
    public void A_folder_with_files_not_made_by_us_or_a_symlink_is_refused_and_left_as_it_was()
    {
        var foreign = Directory.CreateDirectory(Folder("foreign")).FullName;
        var kept = Path.Combine(Directory.CreateDirectory(Path.Combine(foreign, "files")).FullName, "data.bin");
        File.WriteAllText(kept, "not ours");
        var refused = Assert.Throws<VfsException>(() => Spool.Open(foreign, 1 << 30, NullLogger.Instance));
        Assert.Equal(VfsError.AccessDenied, refused.Error);
        Assert.Contains(foreign, refused.Message);
        var link = Folder("link");
        Directory.CreateSymbolicLink(link, foreign);
        refused = Assert.Throws<VfsException>(() => Spool.Open(link, 1 << 30, NullLogger.Instance));
        Assert.Contains("symbolic link", refused.Message);
        Assert.Equal("not ours", File.ReadAllText(kept));
        Assert.Equal(["files"], Directory.GetFileSystemEntries(foreign).Select(Path.GetFileName));
    }
}
