using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FacilityFS.TestServers;

/// <summary>A private WebDAV server on 127.0.0.1 with its own config, data folder and request log under one folder; never touches system-wide configuration.</summary>
public abstract partial class WebDavServer : IAsyncDisposable
{
    private static readonly HashSet<WebDavServer> Running = [];
    private readonly bool _ownsRoot;
    private Process? _process;

    static WebDavServer()
    {
        // A test host that ends without disposing (a failed fixture, a crash) must not leave servers behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Running)
            {
                foreach (var server in Running) server.KillNow();
            }
        };
    }

    private void KillNow()
    {
        try
        {
            if (_process is { HasExited: false } process) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    protected WebDavServer(string? root, int? port)
    {
        _ownsRoot = root is null;
        Root = root is null ? Directory.CreateTempSubdirectory($"ffs-{GetType().Name.ToLowerInvariant()}-").FullName : Path.GetFullPath(root);
        Port = port ?? FreePort.Next();
        foreach (var folder in new[] { Root, DataDirectory, RunDirectory, LogDirectory })
        {
            Directory.CreateDirectory(folder);
            // The server's worker user must reach its folders even when the fixture runs as root with a 0700 temp dir.
            File.SetUnixFileMode(folder, (UnixFileMode)Convert.ToInt32("755", 8));
        }
        GiveToServer(DataDirectory);
        GiveToServer(RunDirectory);
    }

    public abstract ServerKind Kind { get; }

    /// <summary>The folder holding config, data, logs and run state.</summary>
    public string Root { get; }

    public int Port { get; }

    /// <summary>The files the server serves: its root URL maps here.</summary>
    public string DataDirectory => Path.Combine(Root, "data");

    public Uri BaseUri => new($"{Scheme}://127.0.0.1:{Port}/");

    protected virtual string Scheme => "http";

    public bool IsRunning => _process is { HasExited: false };

    protected string RunDirectory => Path.Combine(Root, "run");

    protected string LogDirectory => Path.Combine(Root, "logs");

    protected string AccessLogPath => Path.Combine(LogDirectory, "access.log");

    protected string ErrorLogPath => Path.Combine(LogDirectory, "error.log");

    /// <summary>The user the server's workers run as when the fixture is root; null when they run as the caller.</summary>
    protected virtual string? WorkerUser => null;

    /// <summary>Starts a server of the given kind in a fresh temp folder (or <paramref name="root"/>) and waits until it accepts connections.</summary>
    public static async Task<WebDavServer> StartAsync(ServerKind kind, string? root = null, int? port = null)
    {
        WebDavServer server = kind switch
        {
            ServerKind.Apache => new ApacheServer(root, port),
            ServerKind.Nginx => new NginxServer(root, port),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return await StartOwnAsync(server).ConfigureAwait(false);
    }

    /// <summary>Starts a server just made; one that fails to start is cleaned up (its folder, a half-started process) before the error goes on.</summary>
    protected static async Task<T> StartOwnAsync<T>(T server) where T : WebDavServer
    {
        try
        {
            await server.StartAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts (or restarts, on the same port) the server process.</summary>
    public async Task StartAsync()
    {
        if (IsRunning) return;
        WriteConfig();
        var start = StartInfo();
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {start.FileName}");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        RunRecord.Started(process);
        lock (Running) Running.Add(this);
        if (!await FreePort.WaitListeningAsync(Port, TimeSpan.FromSeconds(20), () => !process.HasExited).ConfigureAwait(false))
        {
            await StopAsync().ConfigureAwait(false);
            var log = File.Exists(ErrorLogPath) ? await File.ReadAllTextAsync(ErrorLogPath).ConfigureAwait(false) : "";
            string said;
            lock (output) said = output.ToString();
            throw new InvalidOperationException($"{Kind} did not start on 127.0.0.1:{Port} (config in {Root}): {said.Trim()} {log.Trim()}");
        }
    }

    /// <summary>Stops the server (SIGTERM, then SIGKILL of the whole tree); the data folder stays.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        lock (Running) Running.Remove(this);
        if (!process.HasExited)
        {
            Posix.Kill(process.Id, Posix.SigTerm);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        RunRecord.Ended(process.Id);
        process.Dispose();
        // Workers may outlive their parent by a moment; the port is free once nothing accepts on it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && await FreePort.WaitListeningAsync(Port, TimeSpan.FromMilliseconds(1)).ConfigureAwait(false))
            await Task.Delay(50).ConfigureAwait(false);
    }

    /// <summary>The full local path of a path relative to the data folder.</summary>
    public string PathOf(string relative) => Path.Combine(DataDirectory, relative.TrimStart('/'));

    /// <summary>Creates a file in the served tree (with its parent folders), owned so the server can replace or delete it.</summary>
    public string WriteFile(string relative, ReadOnlySpan<byte> content)
    {
        var path = PathOf(relative);
        CreateDirectory(Path.GetDirectoryName(Path.GetRelativePath(DataDirectory, path)) ?? "");
        File.WriteAllBytes(path, content.ToArray());
        GiveToServer(path);
        return path;
    }

    /// <summary>Creates a folder (and its parents) in the served tree, owned by the server's user.</summary>
    public string CreateDirectory(string relative)
    {
        var path = PathOf(relative);
        var missing = new Stack<string>();
        for (var p = path; p.Length > DataDirectory.Length && !Directory.Exists(p); p = Path.GetDirectoryName(p)!) missing.Push(p);
        Directory.CreateDirectory(path);
        foreach (var created in missing) GiveToServer(created);
        return path;
    }

    /// <summary>Hands a file or folder made by the fixture to the server's worker user.</summary>
    public void GiveToServer(string path)
    {
        if (WorkerUser is null || !Posix.IsRoot) return;
        var (uid, gid) = UserIds(WorkerUser);
        if (Posix.Chown(path, uid, gid) != 0)
            throw new IOException($"cannot hand {path} to {WorkerUser}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    private static (int Uid, int Gid) UserIds(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length > 3 && f[0] == user)
                return (int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture));
        }
        throw new InvalidOperationException($"user {user} does not exist on this machine (/etc/passwd)");
    }

    /// <summary>Every request the server logged since it started or since <see cref="ClearRequestLog"/>.</summary>
    public IReadOnlyList<LoggedRequest> RequestLog()
    {
        if (!File.Exists(AccessLogPath)) return [];
        using var stream = new FileStream(AccessLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var result = new List<LoggedRequest>();
        while (reader.ReadLine() is { } line)
        {
            var m = LogLine().Match(line);
            if (!m.Success) continue;
            var range = m.Groups["range"].Value;
            result.Add(new LoggedRequest(m.Groups["method"].Value, int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture),
                m.Groups["path"].Value, range is "" or "-" ? null : range));
        }
        return result;
    }

    public void ClearRequestLog()
    {
        // Both servers append with O_APPEND, so truncating in place keeps their file handle valid.
        if (File.Exists(AccessLogPath)) new FileInfo(AccessLogPath).Open(FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite).Dispose();
    }

    // Both configs log: METHOD STATUS "PATH" "RANGE"
    [GeneratedRegex("^(?<method>[A-Z]+) (?<status>[0-9]{3}) \"(?<path>.*)\" \"(?<range>.*)\"$")]
    private static partial Regex LogLine();

    protected abstract void WriteConfig();

    protected abstract ProcessStartInfo StartInfo();

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownsRoot)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a dying worker; the temp folder is cleaned by the OS later.
            }
        }
        GC.SuppressFinalize(this);
    }
}
