using FacilityFS.TestServers;

namespace FacilityFS.Watch.Tests;

/// <summary>`facilityfs watch` as a process: killed with SIGKILL at each step of an upload and registration, restarted, and every dataset ends registered once.</summary>
public sealed class WatchCommandTests(ApacheFixture apache) : IClassFixture<ApacheFixture>, IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-watchcmd-");
    private readonly string _remoteName = "wc-" + Guid.NewGuid().ToString("N")[..10];
    private SciCatStandIn _scicat = null!;
    private string _config = "";
    private string _rules = "";

    private string Watched => Path.Combine(_work.FullName, "acquisition");

    private string W(string relative) => Path.Combine(Watched, relative);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Watched);
        apache.Server.CreateDirectory(_remoteName);
        _scicat = await SciCatStandIn.StartAsync();
        _config = await CatalogConfigFile.WriteAsync(_work.FullName, apache.Server.BaseUri.AbsoluteUri, "test", _scicat);
        _rules = Path.Combine(_work.FullName, "rules.yaml");
        await File.WriteAllTextAsync(_rules, """
            rules:
              - folders: raw
                complete: marker
                marker: .complete
            """);
    }

    public async Task DisposeAsync()
    {
        await _scicat.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private Task<WatchProcess> StartAsync() => WatchProcess.StartAsync(_work.FullName, "watch", Watched, "--config", _config, "--catalog-rules", _rules,
        "--upload-to", $"st:/{_remoteName}", "--settle", "0.2", "--foreground");

    public enum Step
    {
        /// <summary>Some files are on the storage, others not yet, the marker not written.</summary>
        MidUpload,
        /// <summary>Everything is uploaded and the registration hangs in the catalog.</summary>
        Registering,
        /// <summary>The dataset exists in the catalog, its file list was refused.</summary>
        DatasetWithoutFiles,
    }

    [Theory]
    [InlineData(Step.MidUpload)]
    [InlineData(Step.Registering)]
    [InlineData(Step.DatasetWithoutFiles)]
    public async Task A_watch_killed_with_sigkill_at_each_step_completes_after_a_restart_without_duplicates(Step step)
    {
        var source = $"/{_remoteName}/raw/scan_0001";
        var stored = apache.Server.PathOf(_remoteName + "/raw/scan_0001");
        Dictionary<string, byte[]> written;
        await using (var first = await StartAsync())
        {
            _scicat.Stall = step == Step.Registering;
            _scicat.RefuseDatablocks = step == Step.DatasetWithoutFiles;
            written = await Instrument.WriteScanAsync(W("raw/scan_0001"), 6, chunk: 64 << 10);
            if (step == Step.MidUpload)
                Assert.True(await Eventually.HoldsAsync(() => written.Keys.Any(f => File.Exists(Path.Combine(stored, f))), TimeSpan.FromSeconds(30)), first.Said);
            else
            {
                await File.WriteAllTextAsync(W("raw/scan_0001/.complete"), "");
                Assert.True(step == Step.Registering
                    ? await Eventually.HoldsAsync(() => File.Exists(Path.Combine(stored, ".complete")), TimeSpan.FromSeconds(30))
                    : await Eventually.HoldsAsync(() => _scicat.Datasets.Count == 1, TimeSpan.FromSeconds(30)), first.Said);
            }
            await first.KillAsync();
        }
        _scicat.Stall = false;
        _scicat.RefuseDatablocks = false;
        if (step == Step.MidUpload) await File.WriteAllTextAsync(W("raw/scan_0001/.complete"), "");
        await using var second = await StartAsync();
        var dataset = await Instrument.RegisteredAsync(_scicat, source);
        Instrument.AssertFilesListed(_scicat, dataset, written);
        Instrument.AssertStored(stored, written);
        Instrument.AssertRegisteredOnce(_scicat, source);
        Assert.Equal(0, await second.StopAsync());
        Assert.Contains("stopped watching", second.Said);
    }

    [Fact]
    public async Task With_its_journal_disk_full_files_wait_said_once_and_odd_names_upload_and_register_exactly_once_space_is_back()
    {
        var small = Directory.CreateDirectory(Path.Combine(_work.FullName, "small")).FullName;
        var tmpfs = await WatchProcess.RunProgramAsync("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small);
        Assert.True(tmpfs.ExitCode == 0, tmpfs.Error);
        try
        {
            await using var watch = await WatchProcess.StartAsync(_work.FullName, "watch", Watched, "--config", _config, "--catalog-rules", _rules,
                "--upload-to", $"st:/{_remoteName}", "--settle", "0.2", "--foreground", "--journal", Path.Combine(small, "journal.db"));
            // The disk under the journal fills up (another program's log, say).
            var filler = Path.Combine(small, "filler");
            await using (var fill = new FileStream(filler, FileMode.CreateNew, FileAccess.Write))
            {
                try
                {
                    while (true) await fill.WriteAsync(new byte[4096]);
                }
                catch (IOException)
                {
                    // Full.
                }
            }
            // Names as they come from instruments and people: composed and decomposed twins, a 255-byte name, \n, \, %, #, ?.
            var names = new[] { "caf\u00e9.raw", "cafe\u0301.raw", new string('n', 251) + ".raw", "line\nbreak.raw", "back\\slash.raw", "per%25cent.raw", "hash#tag.raw", "what?.raw" };
            var written = names.ToDictionary(n => n, n => System.Text.Encoding.UTF8.GetBytes(n + " data"));
            Directory.CreateDirectory(W("raw/scan_0001"));
            foreach (var (name, bytes) in written) await File.WriteAllBytesAsync(W("raw/scan_0001/" + name), bytes);
            await File.WriteAllTextAsync(W("raw/scan_0001/.complete"), "");
            (int ExitCode, string Out, string Error) status = default;
            Assert.True(await Eventually.HoldsAsync(async () =>
            {
                status = await WatchProcess.RunAsync(_work.FullName, "status", Watched);
                return status.Out.Contains("disk is full", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30)), $"{status.Out}\n{status.Error}\n{watch.Said}");
            Assert.Empty(Directory.EnumerateFileSystemEntries(apache.Server.PathOf(_remoteName)));
            // The newline in a name is shown escaped: it cannot start a line of the report of its own.
            Assert.True(await Eventually.HoldsAsync(async () =>
            {
                status = await WatchProcess.RunAsync(_work.FullName, "status", Watched);
                return status.Out.Contains("line\\nbreak.raw", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30)), status.Out);
            Assert.DoesNotContain("\nbreak.raw", status.Out);
            // A journal that cannot record is an outage of the journal: said as a wait, never as a crash of the worker.
            Assert.DoesNotContain("failed unexpectedly", watch.Said);

            File.Delete(filler);
            var dataset = await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0001", TimeSpan.FromSeconds(120));
            var listed = written.Keys.Append(".complete").ToDictionary(n => n, n => n == ".complete" ? [] : written[n]);
            Instrument.AssertFilesListed(_scicat, dataset, written);
            Instrument.AssertStored(apache.Server.PathOf(_remoteName + "/raw/scan_0001"), listed);
            Instrument.AssertRegisteredOnce(_scicat, $"/{_remoteName}/raw/scan_0001");
            Assert.Equal(0, await watch.StopAsync());
        }
        finally
        {
            await WatchProcess.RunProgramAsync("umount", "-l", small);
        }
    }

    [Fact]
    public async Task Status_shows_a_watch_with_a_refused_file_and_its_reason_and_unwatch_stops_it_saying_what_is_left()
    {
        var locked = $"{ApacheServer.ReadOnlyFolder}/{_remoteName}";
        apache.Server.CreateDirectory(locked);
        await using var watch = await WatchProcess.StartAsync(_work.FullName, "watch", Watched, "--config", _config, "--catalog-rules", _rules,
            "--upload-to", $"st:/{locked}", "--settle", "0.2", "--foreground");
        await File.WriteAllBytesAsync(W("refused.raw"), new byte[1000]);
        (int ExitCode, string Out, string Error) status = default;
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            status = await WatchProcess.RunAsync(_work.FullName, "status", Watched);
            return status.Out.Contains("failed    refused.raw", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30)), $"{status.Out}\n{status.Error}\n{watch.Said}");
        Assert.Contains($"{Watched}: watched, st:/{locked}", status.Out);
        Assert.Contains("1 waiting, 0 committed, 1 failed", status.Out);
        Assert.Contains("403", status.Out);
        var json = await WatchProcess.RunAsync(_work.FullName, "status", "--json");
        Assert.Equal(Watched, System.Text.Json.JsonDocument.Parse(json.Out).RootElement.GetProperty("directory").GetString());
        var unwatch = await WatchProcess.RunAsync(_work.FullName, "unwatch", Watched);
        Assert.True(unwatch.ExitCode == 0, unwatch.Error);
        Assert.Contains($"stopped watching {Watched}; 1 files were waiting", unwatch.Out);
        Assert.Contains("not committed: refused.raw", unwatch.Error);
        Assert.Equal(0, await watch.ExitCodeAsync());
        var after = await WatchProcess.RunAsync(_work.FullName, "unwatch", Watched);
        Assert.NotEqual(0, after.ExitCode);
        Assert.Contains("is not watched", after.Error);
    }
}
