using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FacilityFS.Vfs.Writes;

/// <summary>The crash-safe record of every written file not yet on the storage: SQLite in WAL mode, one connection behind a lock.</summary>
/// <remarks>
/// synchronous=NORMAL makes every change survive a crash of the process at once and a crash of the machine after the next
/// <see cref="MakeDurable"/> (fsync) — the same promise a local disk gives for data that was not fsync'd.
/// </remarks>
public sealed class SpoolJournal : IDisposable
{
    private const int SchemaVersion = 2;
    private const int SqliteFull = 13;
    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;

    public SpoolJournal(string path)
    {
        Path = path;
        try
        {
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            _connection.Open();
            Execute("PRAGMA journal_mode=WAL");
            Execute("PRAGMA synchronous=NORMAL");
            Execute("""
                CREATE TABLE IF NOT EXISTS files(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    path TEXT NOT NULL UNIQUE,
                    size INTEGER NOT NULL,
                    checksum TEXT,
                    state TEXT NOT NULL,
                    base_version TEXT,
                    mtime INTEGER NOT NULL,
                    error TEXT,
                    writing INTEGER NOT NULL DEFAULT 0,
                    staged_size INTEGER,
                    staged_checksum TEXT);
                CREATE TABLE IF NOT EXISTS temporaries(
                    path TEXT PRIMARY KEY);
                CREATE TABLE IF NOT EXISTS conflicts(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    path TEXT NOT NULL,
                    kept_as TEXT NOT NULL,
                    at INTEGER NOT NULL);
                """);
            var version = Convert.ToInt32(Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture);
            if (version == 0) Execute($"PRAGMA user_version={SchemaVersion}");
            else if (version == 1)
            {
                // Format 1 knew neither open writers nor staged versions: its rows were all closed files.
                Execute("""
                    ALTER TABLE files ADD COLUMN writing INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE files ADD COLUMN staged_size INTEGER;
                    ALTER TABLE files ADD COLUMN staged_checksum TEXT;
                    """);
                Execute($"PRAGMA user_version={SchemaVersion}");
            }
            else if (version != SchemaVersion)
                throw new VfsException(VfsError.InvalidArgument, $"{path}: spool journal format {version} is not the {SchemaVersion} this version reads; finish its uploads with the version that wrote it");
        }
        catch (SqliteException e)
        {
            throw new VfsException(VfsError.IoError, $"{path}: cannot open the spool journal: {e.Message}", e);
        }
    }

    public string Path { get; }

    /// <summary>Adds the row of a file being created or opened for writing: it is marked as held by a writer until its close is recorded.</summary>
    public long Insert(string path, string? baseVersion, DateTimeOffset modified) => Run($"recording {path}", () =>
    {
        using var command = Command("INSERT INTO files(path, size, state, base_version, mtime, writing) VALUES($path, 0, 'dirty', $base, $mtime, 1) RETURNING id",
            ("$path", path), ("$base", baseVersion), ("$mtime", modified.ToUnixTimeMilliseconds()));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    });

    public void Update(JournalRecord record) => Run($"recording {record.Path}", () =>
    {
        using var command = Command("""
            UPDATE files SET path=$path, size=$size, checksum=$checksum, state=$state, base_version=$base, mtime=$mtime, error=$error,
                writing=$writing, staged_size=$staged_size, staged_checksum=$staged_checksum WHERE id=$id
            """,
            ("$id", record.Id), ("$path", record.Path), ("$size", record.Size), ("$checksum", record.Checksum), ("$state", NameOf(record.State)),
            ("$base", record.BaseVersion), ("$mtime", record.Modified.ToUnixTimeMilliseconds()), ("$error", record.Error),
            ("$writing", record.Writing ? 1 : 0), ("$staged_size", record.Staged?.Size), ("$staged_checksum", record.Staged?.Checksum));
        return command.ExecuteNonQuery();
    });

    /// <summary>Marks a file as held open by a writer (at its first writer) or closed (at the last writer's release).</summary>
    public void SetWriting(long id, bool writing) => Run("recording an open file", () =>
    {
        using var command = Command("UPDATE files SET writing=$writing WHERE id=$id", ("$id", id), ("$writing", writing ? 1 : 0));
        return command.ExecuteNonQuery();
    });

    public void Delete(long id) => Run("dropping a file from the journal", () =>
    {
        using var command = Command("DELETE FROM files WHERE id=$id", ("$id", id));
        return command.ExecuteNonQuery();
    });

    /// <summary>Records an upload's hidden name before anything is sent to it, so a later start can delete what a crash left.</summary>
    public void AddTemporary(string path) => Run($"recording the upload temporary {path}", () =>
    {
        using var command = Command("INSERT OR IGNORE INTO temporaries(path) VALUES($path)", ("$path", path));
        return command.ExecuteNonQuery();
    });

    public void RemoveTemporary(string path) => Run($"dropping the upload temporary {path}", () =>
    {
        using var command = Command("DELETE FROM temporaries WHERE path=$path", ("$path", path));
        return command.ExecuteNonQuery();
    });

    /// <summary>Hidden upload names recorded and not known to be gone: an earlier run may have left them on the storage.</summary>
    public IReadOnlyList<string> Temporaries() => Run("reading the upload temporaries", () =>
    {
        using var command = Command("SELECT path FROM temporaries ORDER BY path");
        using var reader = command.ExecuteReader();
        var paths = new List<string>();
        while (reader.Read()) paths.Add(reader.GetString(0));
        return paths;
    });

    /// <summary>Renames a path and everything below it (a folder's pending files move with it).</summary>
    public void RenameTree(string from, string to) => Run($"renaming {from} to {to}", () =>
    {
        using var command = Command("""
            UPDATE files SET path = $to || substr(path, length($from) + 1)
            WHERE path = $from OR substr(path, 1, length($from) + 1) = $from || '/'
            """, ("$from", from), ("$to", to));
        return command.ExecuteNonQuery();
    });

    /// <summary>The highest file id the journal ever gave out (AUTOINCREMENT: an id is never given twice), 0 before the first.</summary>
    /// <remarks>A spool file numbered at most this with no row was provably dropped by the journal; a higher one it never knew (a row a machine crash took back).</remarks>
    public long LastAssignedId() => Run("reading the journal's last file id", () =>
    {
        using var command = Command("SELECT seq FROM sqlite_sequence WHERE name='files'");
        return command.ExecuteScalar() is { } seq and not DBNull ? Convert.ToInt64(seq, CultureInfo.InvariantCulture) : 0L;
    });

    public IReadOnlyList<JournalRecord> All()
    {
        lock (_gate)
        {
            using var command = Command("SELECT id, path, size, checksum, state, base_version, mtime, error, writing, staged_size, staged_checksum FROM files ORDER BY id");
            using var reader = command.ExecuteReader();
            var records = new List<JournalRecord>();
            while (reader.Read())
            {
                records.Add(new JournalRecord(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    StateOf(reader.GetString(4)), reader.IsDBNull(5) ? null : reader.GetString(5),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), reader.IsDBNull(7) ? null : reader.GetString(7),
                    reader.GetInt64(8) != 0, reader.IsDBNull(9) ? null : new StagedVersion(reader.GetInt64(9), reader.IsDBNull(10) ? null : reader.GetString(10))));
            }
            return records;
        }
    }

    public void AddConflict(string path, string keptAs, DateTimeOffset at) => Run($"recording the conflict copy {keptAs}", () =>
    {
        using var command = Command("INSERT INTO conflicts(path, kept_as, at) VALUES($path, $kept, $at)",
            ("$path", path), ("$kept", keptAs), ("$at", at.ToUnixTimeMilliseconds()));
        return command.ExecuteNonQuery();
    });

    public IReadOnlyList<(string Path, string KeptAs, DateTimeOffset At)> Conflicts()
    {
        lock (_gate)
        {
            using var command = Command("SELECT path, kept_as, at FROM conflicts ORDER BY id");
            using var reader = command.ExecuteReader();
            var conflicts = new List<(string, string, DateTimeOffset)>();
            while (reader.Read()) conflicts.Add((reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
            return conflicts;
        }
    }

    /// <summary>Forces everything recorded so far to disk (the WAL is synced and folded into the database).</summary>
    public void MakeDurable() => Run("syncing the journal", () =>
    {
        Execute("PRAGMA wal_checkpoint(FULL)");
        return 0;
    });

    /// <summary>Runs one statement under the lock; a failure is the caller's error (ENOSPC when the disk is full), never silent.</summary>
    private T Run<T>(string what, Func<T> body)
    {
        lock (_gate)
        {
            try
            {
                return body();
            }
            catch (SqliteException e)
            {
                throw new VfsException(e.SqliteErrorCode == SqliteFull ? VfsError.NoSpace : VfsError.IoError, $"{Path}: {what} failed: {e.Message}", e);
            }
        }
    }

    public static string NameOf(UploadState state) => state switch
    {
        UploadState.Dirty => "dirty",
        UploadState.Uploading => "uploading",
        UploadState.Committed => "committed",
        UploadState.Failed => "failed",
        UploadState.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    private UploadState StateOf(string name) => name switch
    {
        "dirty" => UploadState.Dirty,
        "uploading" => UploadState.Uploading,
        "committed" => UploadState.Committed,
        "failed" => UploadState.Failed,
        "interrupted" => UploadState.Interrupted,
        _ => throw new VfsException(VfsError.InvalidArgument, $"{Path}: unknown upload state '{name}' in the spool journal"),
    };

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = Command(sql);
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
        SqliteConnection.ClearAllPools();
    }
}
