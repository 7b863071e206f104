using Microsoft.Data.Sqlite;

namespace FacilityFS.Catalog;

/// <summary>Which datasets were registered and how far: SQLite in WAL mode, one row per dataset (its storage folder), updated after every step that succeeded.</summary>
/// <remarks>With the pid recorded right after the POST, a restart continues at the next step instead of creating the dataset again.</remarks>
public sealed class RegistrationLedger : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;

    public RegistrationLedger(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL");
        Execute("PRAGMA synchronous=FULL");
        Execute("CREATE TABLE IF NOT EXISTS datasets(folder TEXT PRIMARY KEY, pid TEXT, step TEXT NOT NULL, error TEXT, updated INTEGER NOT NULL)");
        Execute("CREATE TABLE IF NOT EXISTS reingests(folder TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY(folder, tag))");
        Execute("CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, size INTEGER NOT NULL, checksum TEXT NOT NULL, modified INTEGER NOT NULL)");
    }

    /// <summary>A dataset was seen (a file of it committed) but is not complete yet: a row that a restart finds, never lowering one that is further on.</summary>
    public void MarkSeen(string folder)
    {
        lock (_gate)
        {
            using var command = Command("INSERT OR IGNORE INTO datasets(folder, pid, step, error, updated) VALUES($folder, NULL, $step, NULL, $now)",
                ("$folder", folder), ("$step", nameof(RegistrationStep.Pending)), ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The durable intent "this dataset is complete", written before anything is sent: a restart registers it. A row already further on (or done) stays as it is; a failed one is tried again.</summary>
    public void MarkComplete(string folder)
    {
        lock (_gate)
        {
            using var command = Command("""
                INSERT INTO datasets(folder, pid, step, error, updated) VALUES($folder, NULL, $step, NULL, $now)
                ON CONFLICT(folder) DO UPDATE SET step=$step, error=NULL, updated=$now WHERE step IN ($pending, $failed)
                """, ("$folder", folder), ("$step", nameof(RegistrationStep.Complete)), ("$pending", nameof(RegistrationStep.Pending)),
                ("$failed", nameof(RegistrationStep.Failed)), ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Keeps the checksum the write path computed for a committed file, and when it was written (the data's time), so a registration (also after a restart) need not read it again.</summary>
    public void RecordFile(string path, long size, string checksum, DateTimeOffset modified)
    {
        lock (_gate)
        {
            using var command = Command("INSERT OR REPLACE INTO files(path, size, checksum, modified) VALUES($path, $size, $checksum, $modified)",
                ("$path", path), ("$size", size), ("$checksum", checksum), ("$modified", modified.ToUnixTimeMilliseconds()));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The kept checksums of files below <paramref name="folder"/>, by path relative to it, with the size they were computed for.</summary>
    public IReadOnlyDictionary<string, KeptFile> FilesUnder(string folder)
    {
        var prefix = folder.TrimEnd('/') + "/";
        lock (_gate)
        {
            using var command = Command("SELECT path, size, checksum, modified FROM files WHERE substr(path, 1, length($prefix)) = $prefix", ("$prefix", prefix));
            using var reader = command.ExecuteReader();
            var files = new Dictionary<string, KeptFile>(StringComparer.Ordinal);
            while (reader.Read())
                files[reader.GetString(0)[prefix.Length..]] = new KeptFile(reader.GetInt64(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));
            return files;
        }
    }

    public (string? Pid, RegistrationStep Step, string? Error)? Find(string folder)
    {
        lock (_gate)
        {
            using var command = Command("SELECT pid, step, error FROM datasets WHERE folder=$folder", ("$folder", folder));
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            return (reader.IsDBNull(0) ? null : reader.GetString(0), Enum.Parse<RegistrationStep>(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2));
        }
    }

    public void Record(string folder, string? pid, RegistrationStep step, string? error = null)
    {
        lock (_gate)
        {
            using var command = Command("""
                INSERT INTO datasets(folder, pid, step, error, updated) VALUES($folder, $pid, $step, $error, $now)
                ON CONFLICT(folder) DO UPDATE SET pid=coalesce($pid, pid), step=$step, error=$error, updated=$now
                """, ("$folder", folder), ("$pid", pid), ("$step", step.ToString()), ("$error", error), ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Records a re-ingest request ("scan:tag" in a list file); false when that one was handled before, in this run or an earlier one.</summary>
    public bool MarkReingest(string folder, string tag)
    {
        lock (_gate)
        {
            using var command = Command("INSERT OR IGNORE INTO reingests(folder, tag) VALUES($folder, $tag)", ("$folder", folder), ("$tag", tag));
            return command.ExecuteNonQuery() == 1;
        }
    }

    public IReadOnlyList<(string Folder, string? Pid, RegistrationStep Step, string? Error)> All()
    {
        lock (_gate)
        {
            using var command = Command("SELECT folder, pid, step, error FROM datasets ORDER BY folder");
            using var reader = command.ExecuteReader();
            var rows = new List<(string, string?, RegistrationStep, string?)>();
            while (reader.Read())
                rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), Enum.Parse<RegistrationStep>(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3)));
            return rows;
        }
    }

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

    public void Dispose() => _connection.Dispose();
}

/// <summary>What the write path told of a committed file: its size, Adler-32 and when it was written (the data's time, not the upload's).</summary>
public sealed record KeptFile(long Size, string Checksum, DateTimeOffset Modified);

/// <summary>How far a dataset's registration got; each step is recorded once it succeeded.</summary>
public enum RegistrationStep
{
    /// <summary>Seen (a file committed) and not complete yet, or complete and waiting for the catalog.</summary>
    Pending,
    /// <summary>Known complete, nothing sent yet: the durable intent a restart acts on.</summary>
    Complete,
    Dataset,
    Datablock,
    Done,
    Failed,
}
