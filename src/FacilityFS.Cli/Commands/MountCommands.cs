using System.CommandLine;
using System.Diagnostics;
using System.Text;
using FacilityFS.Cli.Config;
using FacilityFS.Cli.Control;
using FacilityFS.Cli.Mounting;
using FacilityFS.Cli.Output;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Commands;

/// <summary>`mount` and `unmount`: the remote tree as a local folder (Linux, FUSE) or drive (Windows, WinFsp), in the background by default.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("windows")]
internal static class MountCommands
{
    public static Command Mount(CliContext context)
    {
        var remote = new Argument<string>("REMOTE") { Description = "A URL or name:path of a folder" };
        var mountpoint = new Argument<string>("MOUNTPOINT") { Description = "An empty local folder (Linux); a drive letter X: or a folder not there yet (Windows)" };
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay in the foreground until unmounted (Ctrl-C unmounts)" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Keep fetched blocks in this folder too, across remounts (default: memory only)" };
        var cacheMax = new Option<string>("--cache-max-size") { Description = "Largest size of the disk cache", DefaultValueFactory = _ => "10G" };
        var readOnly = new Option<bool>("--read-only") { Description = "Refuse every change (EROFS)" };
        var spoolDir = new Option<string?>("--spool-dir") { Description = "Where written files wait for upload, with their journal (default: ~/.cache/facilityfs/spool/…, one per remote folder)" };
        var spoolMax = new Option<string>("--spool-max-size") { Description = "Room for files waiting for upload; writers wait past it", DefaultValueFactory = _ => "20G" };
        var uploadDelay = new Option<double>("--upload-delay") { Description = "Seconds a closed file waits before its upload starts", DefaultValueFactory = _ => 1 };
        var transfers = new Option<int>("--transfers") { Description = "Uploads at once", DefaultValueFactory = _ => 8 };
        var fsync = new Option<string>("--fsync") { Description = "What fsync waits for: local (spool on disk) or remote (committed on the storage)", DefaultValueFactory = _ => "local" };
        var catalogRules = new Option<string?>("--catalog-rules") { Description = "Register datasets written into designated folders in SciCat, by the rules in this YAML file" };
        var flushTimeout = new Option<double>("--flush-timeout") { Description = "Seconds unmount waits for pending uploads; the rest go at the next mount", DefaultValueFactory = _ => 60 };
        var mountOptions = new Option<string[]>("-o") { Description = "Mount options: allow_other", AllowMultipleArgumentsPerToken = false };
        var logFile = new Option<string?>("--log-file") { Description = "Where the mount logs (default: standard error in the foreground, else ~/.cache/facilityfs/logs/…)" };
        var attrTimeout = new Option<double>("--attr-timeout") { Description = "Seconds the kernel caches attributes", DefaultValueFactory = _ => 1 };
        var dirCacheTime = new Option<double>("--dir-cache-time") { Description = "Seconds a listing is trusted before the server is asked again", DefaultValueFactory = _ => 30 };
        var memory = new Option<string>("--memory") { Description = "Memory for cached blocks and read-ahead together", DefaultValueFactory = _ => "128M" };
        var metrics = new Option<string?>("--metrics") { Description = "Serve Prometheus metrics at http://ADDRESS:PORT/metrics (e.g. 127.0.0.1:9464; no authentication)" };
        var xattr = new Option<bool>("--xattr")
        {
            Description = "Answer extended attributes: each file's upload state as user.facilityfs.state (getfattr); costs ls -l a round trip per entry, so off by default (facilityfs status PATH tells the state)",
        };
        var installUnit = new Option<bool>("--install-unit") { Description = "Do not mount: write the settings of a systemd facilityfs@.service instance for this mount (system-wide as root, else the user's)" };
        var command = new Command("mount", "Mount a remote folder at a local folder")
        {
            remote, mountpoint, foreground, cacheDir, cacheMax, readOnly, mountOptions, logFile, attrTimeout, dirCacheTime, memory,
            spoolDir, spoolMax, uploadDelay, transfers, fsync, flushTimeout, catalogRules, metrics, xattr, installUnit,
        };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var point = MountpointOf(parse.GetValue(mountpoint)!);
            // The unit resolves the remote when it starts, with the configuration it is given (root's may not be the caller's).
            if (parse.GetValue(installUnit))
            {
                var (file, start) = Systemd.UnitInstaller.Install(parse.GetValue(remote)!, point, UnitOptions(parse, remote, mountpoint, [installUnit, foreground]));
                context.Line($"wrote {file}; start the mount (and at every boot) with: {start}");
                return;
            }
            var target = scope.Remotes.Resolve(parse.GetValue(remote)!);
            var allowOther = false;
            foreach (var option in (parse.GetValue(mountOptions) ?? []).SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries)))
            {
                if (option == "allow_other") allowOther = true;
                else throw new UsageException($"-o {option}: unknown mount option (known: allow_other)");
            }
            var attr = parse.GetValue(attrTimeout);
            var dirs = parse.GetValue(dirCacheTime);
            if (attr < 0 || dirs < 0) throw new UsageException("--attr-timeout and --dir-cache-time take seconds ≥ 0");
            var delay = parse.GetValue(uploadDelay);
            var flush = parse.GetValue(flushTimeout);
            if (delay < 0 || flush < 0) throw new UsageException("--upload-delay and --flush-timeout take seconds ≥ 0");
            if (parse.GetValue(metrics) is { } endpoint) MetricsExporter.Parse(endpoint);
            if (parse.GetValue(transfers) is < 1 or > 64) throw new UsageException($"--transfers {parse.GetValue(transfers)}: give 1 to 64 uploads at once");
            var fsyncRemote = parse.GetValue(fsync) switch
            {
                "local" => false,
                "remote" => true,
                var other => throw new UsageException($"--fsync {other}: give local or remote"),
            };
            var writable = !parse.GetValue(readOnly);
            MountCatalog? rules = null;
            if (parse.GetValue(catalogRules) is { } rulesFile)
            {
                var (catalogConfig, ruleList) = CatalogRulesLoader.Load(Path.GetFullPath(rulesFile), scope.Config);
                rules = new MountCatalog(catalogConfig, ruleList, scope.Config);
            }
            if (rules is not null && !writable) throw new UsageException("--catalog-rules registers what is written through the mount; a --read-only mount writes nothing");
            var options = new VfsOptions
            {
                AttributeTimeout = TimeSpan.FromSeconds(attr),
                EntryTimeout = TimeSpan.FromSeconds(attr),
                NegativeTimeout = TimeSpan.FromSeconds(attr),
                DirectoryCacheTime = TimeSpan.FromSeconds(dirs),
                MemoryBudget = ByteSize.Parse(parse.GetValue(memory)!, "--memory"),
                // Opt-in, as in mountpoint-s3: writing every byte read to disk costs a cold read a third of its speed, and home folders have quotas.
                CacheDirectory = parse.GetValue(cacheDir) is { } folder ? Path.GetFullPath(folder) : null,
                CacheMaxSize = ByteSize.Parse(parse.GetValue(cacheMax)!, "--cache-max-size"),
                ReadOnly = !writable,
                WriteBack = writable ? new Vfs.Writes.WriteBackOptions
                {
                    SpoolDirectory = Path.GetFullPath(parse.GetValue(spoolDir) ?? DefaultSpool(target)),
                    SpoolLimit = ByteSize.Parse(parse.GetValue(spoolMax)!, "--spool-max-size"),
                    UploadDelay = TimeSpan.FromSeconds(delay),
                    ParallelUploads = parse.GetValue(transfers),
                    FsyncRemote = fsyncRemote,
                } : null,
            };
            if (parse.GetValue(foreground))
            {
                var settings = new MountSettings(target, point, options, TimeSpan.FromSeconds(flush), allowOther, rules) { ExtendedAttributes = parse.GetValue(xattr) };
                await RunForegroundAsync(settings, parse.GetValue(logFile), parse.GetValue(metrics), context, token).ConfigureAwait(false);
                return;
            }
            var log = Path.GetFullPath(parse.GetValue(logFile) ?? DefaultLogFile(point));
            await StartBackgroundAsync([.. parse.Tokens.Select(t => t.Value)], point, log, context, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    public static Command Unmount(CliContext context)
    {
        var mountpoint = new Argument<string>("MOUNTPOINT") { Description = "The folder a FacilityFS mount is at" };
        var command = new Command("unmount", "Unmount a mounted folder (lazily: open files keep working until closed)") { mountpoint };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (_, token) =>
        {
            var point = MountpointOf(parse.GetValue(mountpoint)!);
            var backend = Backend();
            if (!backend.IsMounted(point)) throw new UsageException($"{point} is not a mountpoint");
            var daemon = DaemonOf(point);
            MountReport? report = null;
            try
            {
                // The mount unmounts itself, so that it can also cancel what waits on the server and end within its flush timeout.
                report = await ControlClient.AskAsync<MountReport>(point, new ControlRequest("unmount"), token).ConfigureAwait(false);
            }
            catch (UsageException)
            {
                // A mount that does not answer (killed, or another program's) is still unmounted; there is nothing to wait for.
                if (backend.IsMounted(point)) backend.ForceUnmount(point, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            }
            var pending = report?.Status.Pending.Count ?? 0;
            if (pending > 0) context.ErrorLine($"{pending} files still to upload; waiting up to {report!.FlushTimeoutSeconds:0.#} s");
            // The daemon finishes its work (uploads, cache writes) after the kernel let go; returning only then makes a remount see all of it.
            var deadline = DateTime.UtcNow.AddSeconds((report?.FlushTimeoutSeconds ?? 0) + 15);
            while (IsRunning(daemon) && DateTime.UtcNow < deadline) await Task.Delay(50, token).ConfigureAwait(false);
            if (IsRunning(daemon))
                throw new UsageException($"the mount daemon of {point} (pid {daemon}) is still running {(report?.FlushTimeoutSeconds ?? 0) + 15:0.#} s after the unmount; see its log");
            context.Line($"unmounted {point}");
            if (report?.Status.SpoolDirectory is { } spool)
            {
                var left = VirtualFileSystem.PendingInSpool(spool);
                if (left > 0) context.ErrorLine($"{left} files were not uploaded yet; they stay in {spool} and upload at the next mount of {report.Remote}");
            }
        }, ct));
        return command;
    }

    private static async Task RunForegroundAsync(MountSettings settings, string? logFile, string? metrics, CliContext context, CancellationToken cancellationToken)
    {
        using var logger = FileLogger.Open(logFile, LogLevel.Information);
        var pidFile = ControlSocket.PidFileOf(settings.Mountpoint);
        Directory.CreateDirectory(Path.GetDirectoryName(pidFile)!);
        await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        try
        {
            var host = new MountHost(settings, Backend(), logger);
            using var service = new ServiceObserver(Systemd.ServiceNotifier.FromEnvironment(), metrics);
            await host.RunAsync(() => context.ErrorLine($"mounted {settings.Target} at {settings.Mountpoint}; unmount with: facilityfs unmount {settings.Mountpoint}"),
                cancellationToken, service).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    /// <summary>The backend of this platform; the command picks it and nothing else.</summary>
    private static IMountBackend Backend() => OperatingSystem.IsWindows() ? new WinFspBackend()
        : OperatingSystem.IsLinux() ? new FuseBackend()
        : throw new PlatformNotSupportedException("mounting needs Linux (FUSE) or Windows (WinFsp)");

    /// <summary>A drive letter (X:) stays as it is; anything else is a folder, made absolute.</summary>
    private static string MountpointOf(string given) => OperatingSystem.IsWindows() && WinFspBackend.IsDriveLetter(given) ? given.ToUpperInvariant() : Path.GetFullPath(given);

    /// <summary>Starts this same command in the foreground as a detached daemon and returns once its mount is there (or it failed).</summary>
    private static async Task StartBackgroundAsync(List<string> given, string point, string log, CliContext context, CancellationToken cancellationToken)
    {
        // The daemon gets the same words, minus any log option (it is given the resolved one), plus --foreground.
        var args = new List<string>();
        // The words as parsed, not the process's own: mount(8)'s helper form came in other words (SPEC DIR -o …).
        for (var i = 0; i < given.Count; i++)
        {
            if (given[i] == "--log-file") i++;
            else if (!given[i].StartsWith("--log-file=", StringComparison.Ordinal)) args.Add(given[i]);
        }
        var executable = Environment.ProcessPath ?? throw new UsageException("cannot find the facilityfs executable to start the mount daemon");
        // Under `dotnet facilityfs.dll` (the JIT build the tests run) the daemon is that same dll; the native binary is its own executable.
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet") args.Insert(0, Path.Combine(AppContext.BaseDirectory, "facilityfs.dll"));
        args.AddRange(["--foreground", "--log-file", log]);
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var start = new ProcessStartInfo(File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (start.FileName == "/usr/bin/setsid") start.ArgumentList.Add(executable);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var daemon = Process.Start(start) ?? throw new UsageException($"cannot start {executable}");
        daemon.StandardInput.Close();
        var said = new StringBuilder();
        daemon.ErrorDataReceived += (_, e) => { lock (said) said.AppendLine(e.Data); };
        daemon.OutputDataReceived += (_, e) => { lock (said) said.AppendLine(e.Data); };
        daemon.BeginErrorReadLine();
        daemon.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (Backend().IsMounted(point) && !daemon.HasExited)
            {
                context.Line($"mounted at {point} (log: {log}); unmount with: facilityfs unmount {point}");
                return;
            }
            if (daemon.HasExited)
            {
                await daemon.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                string text;
                lock (said) text = said.ToString().Trim();
                if (text.StartsWith("facilityfs: ", StringComparison.Ordinal)) text = text["facilityfs: ".Length..];
                throw new MountFailedException(daemon.ExitCode, text.Length > 0 ? text : $"the mount daemon exited with {daemon.ExitCode}; see {log}");
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        // A daemon left waiting would mount later, after this command said it failed (mount -a at boot moved on): it is stopped, and
        // what it managed to mount meanwhile undone, so failing means nothing is left behind.
        try
        {
            daemon.Kill();
        }
        catch (InvalidOperationException)
        {
            // It ended by itself just now.
        }
        await daemon.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        if (Backend().IsMounted(point)) Backend().ForceUnmount(point, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var last = LastLineOf(log);
        throw new MountFailedException(ExitCode.Remote,
            $"the mount at {point} was not ready within 60 s (the storage did not answer in time?); stopped it{(last is null ? "" : $"; its last word: {last}")}; see {log}");
    }

    /// <summary>The last line of a mount's log, for the error of a mount that never got ready (null when it wrote nothing).</summary>
    private static string? LastLineOf(string log)
    {
        try
        {
            return File.Exists(log) ? File.ReadLines(log).LastOrDefault(l => l.Trim().Length > 0)?.Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The command line's options as given, for a unit to pass on: without the two arguments and the options named, paths made absolute (a unit runs elsewhere).</summary>
    private static List<string> UnitOptions(ParseResult parse, Argument<string> remote, Argument<string> mountpoint, Option[] without)
    {
        var skip = new HashSet<System.CommandLine.Parsing.Token>(ReferenceEqualityComparer.Instance);
        foreach (var argument in new[] { remote, mountpoint }) skip.UnionWith(parse.GetResult(argument)?.Tokens ?? []);
        var words = new List<string>();
        var pathNext = false;
        foreach (var token in parse.Tokens)
        {
            if (skip.Contains(token) || token.Type == System.CommandLine.Parsing.TokenType.Command) continue;
            if (token.Type == System.CommandLine.Parsing.TokenType.Option && without.Any(o => o.Name == token.Value || o.Aliases.Contains(token.Value))) continue;
            words.Add(pathNext ? Path.GetFullPath(token.Value) : token.Value);
            pathNext = token.Type == System.CommandLine.Parsing.TokenType.Option && token.Value is "--config" or "--cache-dir" or "--spool-dir" or "--log-file" or "--catalog-rules";
        }
        return words;
    }

    /// <summary>Whether the mount daemon <paramref name="pid"/> still runs (it finishes uploads and cache writes after the system let go of the mount).</summary>
    private static bool IsRunning(int? pid)
    {
        if (pid is null) return false;
        try
        {
            using var process = Process.GetProcessById(pid.Value);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int? DaemonOf(string point)
    {
        var pidFile = ControlSocket.PidFileOf(point);
        return File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) ? pid : null;
    }

    /// <summary>One spool per remote folder, so a remount (wherever it is mounted) resumes what the last mount of it left.</summary>
    private static string DefaultSpool(RemoteTarget target) => Path.Combine(UserFolders.Cache, "spool", ControlSocket.Hash(target.StoreKey + "\n" + target.Path.Value));

    private static string DefaultLogFile(string point) => Path.Combine(UserFolders.Cache, "logs", $"mount-{ControlSocket.Hash(point)}.log");
}

/// <summary>The background mount daemon exited before its mount was ready; carries its exit code and its own words.</summary>
public sealed class MountFailedException(int exitCode, string message) : Exception(message)
{
    public int DaemonExitCode { get; } = exitCode;
}
