using System.Text.Json.Nodes;
using FacilityFS.Storage.Checksums;
using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>Datasets written through a real mount into designated folders are registered in the SciCat stand-in once complete: by marker, idle time and list file, after an outage, and across a kill -9.</summary>
[Collection("lifecycle")]
public sealed class MountCatalogTests : ServerPerTest, IAsyncLifetime
{
    private readonly string _catalog = "mc" + Guid.NewGuid().ToString("N")[..8];
    private SciCatStandIn _scicat = null!;
    private string _config = "";
    private string _rules = "";

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        _scicat = await SciCatStandIn.StartAsync();
        _config = await CatalogConfigFile.WriteAsync(Work.FullName, Remote, _catalog, _scicat);
        _rules = Path.Combine(Work.FullName, "rules.yaml");
        await File.WriteAllTextAsync(_rules, """
            rules:
              - folders: raw
                complete: marker
                marker: .complete
                thumbnail: true
              - folders: quiet
                complete: idle
                idle: 2s
              - folders: listed
                complete: list
                list_file: scicat-datasets.lst
                update: create
              - folders: nexus
                complete: marker
                marker: .complete
                metadata: nexus
                thumbnail: nexus
            """);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _scicat.DisposeAsync();
        var ledger = Path.Combine(Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } s ? s
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"), "facilityfs", $"catalog-{_catalog}.db");
        foreach (var file in new[] { ledger, ledger + "-wal", ledger + "-shm" }) File.Delete(file);
        await DisposeAsync();
    }

    private Task<MountedFolder> MountAsync(string? spool = null) =>
        MountedFolder.StartAsync("st:/", Work.FullName, null, ["--config", _config, "--catalog-rules", _rules, "--upload-delay", "0.2", .. spool is null ? [] : new[] { "--spool-dir", spool }]);

    private static async Task<Dictionary<string, byte[]>> WriteScanAsync(string folder, int files)
    {
        var written = new Dictionary<string, byte[]>();
        for (var i = 0; i < files; i++)
        {
            var relative = i % 2 == 0 ? $"frame{i:D3}.raw" : $"sub/frame{i:D3}.raw";
            var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1000 + i * 511);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, relative))!);
            await File.WriteAllBytesAsync(Path.Combine(folder, relative), bytes);
            written[relative] = bytes;
        }
        return written;
    }

    private async Task<JsonObject> RegisteredAsync(string sourceFolder, TimeSpan within)
    {
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < within; await Task.Delay(200))
        {
            lock (_scicat.Datablocks)
            {
                var dataset = _scicat.Datasets.Values.FirstOrDefault(d => d["sourceFolder"]?.ToString() == sourceFolder);
                if (dataset is not null && _scicat.Datablocks.Any(b => b["datasetId"]!.ToString() == dataset["pid"]!.ToString())) return dataset;
            }
        }
        throw new TimeoutException($"{sourceFolder} was not registered within {within}");
    }

    private void AssertFilesListed(JsonObject dataset, Dictionary<string, byte[]> written)
    {
        var block = Assert.Single(_scicat.Datablocks, b => b["datasetId"]!.ToString() == dataset["pid"]!.ToString());
        var listed = ((JsonArray)block["dataFileList"]!).ToDictionary(f => f!["path"]!.ToString(), f => f!["chk"]!.ToString());
        Assert.Equal(written.Keys.Order(), listed.Keys.Order());
        foreach (var (path, bytes) in written) Assert.Equal(Adler32.ChecksumOf(Adler32.Compute(bytes)).Value, listed[path]);
    }

    [Fact]
    public async Task A_nexus_master_written_by_h5py_into_the_mount_gives_its_dataset_the_scientific_metadata_that_metadata_prints()
    {
        await using var mount = await MountAsync();
        using var nexus = new NexusFiles();
        // libhdf5 writes the master straight into the mount (seeks, rewrites its superblock at close), as acquisition software does.
        var master = mount.Under("nexus/scan_0009/scan_0009.nxs");
        Directory.CreateDirectory(Path.GetDirectoryName(master)!);
        nexus.MakeAt("image", master);
        await File.WriteAllTextAsync(mount.Under("nexus/scan_0009/.complete"), "");
        var dataset = await RegisteredAsync("/nexus/scan_0009", TimeSpan.FromSeconds(60));
        var printed = await ProcessRun.FacilityFsAsync("metadata", master, "--json");
        Assert.True(printed.ExitCode == 0, printed.ToString());
        var fields = JsonNode.Parse(printed.Out)!;
        Assert.Equal(fields["scientificMetadata"]!.ToJsonString(), dataset["scientificMetadata"]!.ToJsonString());
        Assert.Equal("Silver behenate calibration", dataset["description"]!.ToString());
        Assert.Equal("AgBeh-0042", dataset["sampleId"]!.ToString());
        Assert.StartsWith("data:image/png;base64,", Assert.Single(_scicat.Attachments)["thumbnail"]!.ToString());
    }

    [Fact]
    public async Task Datasets_complete_by_marker_idle_time_and_list_file_are_registered_once_with_their_checksums()
    {
        await using var mount = await MountAsync();
        var marked = await WriteScanAsync(mount.Under("raw/scan_0001"), 6);
        var preview = System.Security.Cryptography.RandomNumberGenerator.GetBytes(300);
        await File.WriteAllBytesAsync(mount.Under("raw/scan_0001/preview.png"), preview);
        marked["preview.png"] = preview;
        await File.WriteAllTextAsync(mount.Under("raw/scan_0001/.complete"), "");
        var first = await RegisteredAsync("/raw/scan_0001", TimeSpan.FromSeconds(30));
        AssertFilesListed(first, marked);
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(preview), Assert.Single(_scicat.Attachments)["thumbnail"]!.ToString());

        // A dataset that cannot be built is not posted; status says why.
        await WriteScanAsync(mount.Under("raw/scan_bad"), 1);
        await File.WriteAllTextAsync(mount.Under("raw/scan_bad/dataset.json"), """{"temperature": 4}""");
        await File.WriteAllTextAsync(mount.Under("raw/scan_bad/.complete"), "");
        ProcessRun status = null!;
        for (var i = 0; i < 100; i++)
        {
            status = await ProcessRun.FacilityFsAsync("status", mount.Path);
            if (status.Out.Contains("/raw/scan_bad failed")) break;
            await Task.Delay(200);
        }
        Assert.Contains("unknown to SciCat: temperature", status.Out);
        Assert.Contains($"/raw/scan_0001 done as {first["pid"]}", status.Out);

        var quiet = await WriteScanAsync(mount.Under("quiet/scan_0002"), 4);
        AssertFilesListed(await RegisteredAsync("/quiet/scan_0002", TimeSpan.FromSeconds(30)), quiet);

        var listed = await WriteScanAsync(mount.Under("listed/scan_0003"), 3);
        await WriteScanAsync(mount.Under("listed/scan_0004"), 2);
        await File.WriteAllTextAsync(mount.Under("listed/scicat-datasets.lst"), "scan_0003\n");
        AssertFilesListed(await RegisteredAsync("/listed/scan_0003", TimeSpan.FromSeconds(30)), listed);
        await Task.Delay(2000);
        Assert.DoesNotContain(_scicat.Datasets.Values, d => d["sourceFolder"]!.ToString() == "/listed/scan_0004");
        Assert.Equal(3, _scicat.Datasets.Count);
        // "scan:tag" re-ingests once per tag; a file of the scan was written again, so this rule's strategy makes a new version.
        await File.WriteAllBytesAsync(mount.Under("listed/scan_0003/frame000.raw"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(777));
        await File.WriteAllTextAsync(mount.Under("listed/scicat-datasets.lst"), "scan_0003\nscan_0003:1702988846.07\n");
        for (var i = 0; i < 100 && _scicat.Datasets.Values.Count(d => d["sourceFolder"]!.ToString() == "/listed/scan_0003") < 2; i++) await Task.Delay(200);
        Assert.True(_scicat.Datasets.Values.Count(d => d["sourceFolder"]!.ToString() == "/listed/scan_0003") == 2, await File.ReadAllTextAsync(mount.Log));
        await File.WriteAllTextAsync(mount.Under("listed/scicat-datasets.lst"), "scan_0003\nscan_0003:1702988846.07\n\n");
        await Task.Delay(2500);
        Assert.Equal(2, _scicat.Datasets.Values.Count(d => d["sourceFolder"]!.ToString() == "/listed/scan_0003"));
        // Scans between "__command__ start NAME" and "stop" are one measurement too, registered once it is stopped.
        var five = await WriteScanAsync(mount.Under("listed/scan_0005"), 2);
        var six = await WriteScanAsync(mount.Under("listed/scan_0006"), 3);
        await File.WriteAllTextAsync(mount.Under("listed/scicat-datasets.lst"),
            "scan_0003\nscan_0003:1702988846.07\n__command__ start meas1\nscan_0005\nscan_0006\n__command__ stop\n");
        await RegisteredAsync("/listed/scan_0005", TimeSpan.FromSeconds(30));
        await RegisteredAsync("/listed/scan_0006", TimeSpan.FromSeconds(30));
        JsonObject? measurement = null;
        for (var i = 0; i < 100 && measurement is null; i++, await Task.Delay(200))
            lock (_scicat.Datablocks) measurement = _scicat.Datasets.Values.FirstOrDefault(d => d["datasetName"]?.ToString() == "meas1" && _scicat.Datablocks.Any(b => b["datasetId"]!.ToString() == d["pid"]!.ToString()));
        Assert.NotNull(measurement);
        Assert.Equal("/listed", measurement["sourceFolder"]!.ToString());
        Assert.Equal(["scan_0005", "scan_0006"], ((JsonArray)measurement["scientificMetadata"]!["scans"]!).Select(n => n!.ToString()));
        AssertFilesListed(measurement, five.Select(f => ($"scan_0005/{f.Key}", f.Value)).Concat(six.Select(f => ($"scan_0006/{f.Key}", f.Value))).ToDictionary(p => p.Item1, p => p.Item2));
        Assert.DoesNotContain(_scicat.Datasets.Values, d => d["sourceFolder"]!.ToString() == "/raw/scan_bad");
    }

    [Fact]
    public async Task A_catalog_that_is_down_delays_registration_and_a_kill_9_between_dataset_and_files_leaves_no_duplicate()
    {
        var spool = Path.Combine(Work.FullName, "spool-catalog");
        Dictionary<string, byte[]> written;
        await using (var first = await MountAsync(spool))
        {
            _scicat.Down = true;
            written = await WriteScanAsync(first.Under("raw/scan_0010"), 4);
            await File.WriteAllTextAsync(first.Under("raw/scan_0010/.complete"), "");
            await Task.Delay(3000);
            Assert.Empty(_scicat.Datasets);
            // Back, but refusing files: the dataset is made, its files are not.
            _scicat.Down = false;
            _scicat.RefuseDatablocks = true;
            for (var i = 0; i < 150 && _scicat.Datasets.Count == 0; i++) await Task.Delay(200);
            Assert.Single(_scicat.Datasets);
            var status = await ProcessRun.FacilityFsAsync("status", first.Path, "--json");
            var daemon = System.Text.Json.JsonDocument.Parse(status.Out).RootElement.GetProperty("process_id").GetInt32();
            Assert.Equal(0, TestLibc.Kill(daemon, 9));
            for (var i = 0; i < 100 && Directory.Exists($"/proc/{daemon}"); i++) await Task.Delay(50);
            Assert.Equal(0, TestLibc.Umount2(first.Path, 2));
        }
        _scicat.RefuseDatablocks = false;
        await using var second = await MountAsync(spool);
        var dataset = await RegisteredAsync("/raw/scan_0010", TimeSpan.FromSeconds(30));
        Assert.Single(_scicat.Datasets);
        AssertFilesListed(dataset, written);
    }

    [Fact]
    public async Task A_kill_9_after_datasets_were_complete_and_before_their_registration_ends_registers_each_once_after_the_remount()
    {
        var spool = Path.Combine(Work.FullName, "spool-complete");
        Dictionary<string, byte[]> marked, quiet, listed;
        await using (var first = await MountAsync(spool))
        {
            // A catalog that hangs: each registration is under way, nothing of it arrives, when the mount dies.
            _scicat.Stall = true;
            marked = await WriteScanAsync(first.Under("raw/scan_0020"), 3);
            await File.WriteAllTextAsync(first.Under("raw/scan_0020/.complete"), "");
            listed = await WriteScanAsync(first.Under("listed/scan_0021"), 2);
            await File.WriteAllTextAsync(first.Under("listed/scicat-datasets.lst"), "scan_0021\n");
            // An idle dataset dies before its idle time is over.
            quiet = await WriteScanAsync(first.Under("quiet/scan_0022"), 2);
            var sync = await ProcessRun.FacilityFsAsync("sync", first.Path);
            Assert.Equal(0, sync.ExitCode);
            var status = await ProcessRun.FacilityFsAsync("status", first.Path, "--json");
            var daemon = System.Text.Json.JsonDocument.Parse(status.Out).RootElement.GetProperty("process_id").GetInt32();
            Assert.Equal(0, TestLibc.Kill(daemon, 9));
            for (var i = 0; i < 100 && Directory.Exists($"/proc/{daemon}"); i++) await Task.Delay(50);
            Assert.Equal(0, TestLibc.Umount2(first.Path, 2));
        }
        _scicat.Stall = false;
        Assert.Empty(_scicat.Datasets);
        await using var second = await MountAsync(spool);
        AssertFilesListed(await RegisteredAsync("/raw/scan_0020", TimeSpan.FromSeconds(30)), marked);
        AssertFilesListed(await RegisteredAsync("/listed/scan_0021", TimeSpan.FromSeconds(30)), listed);
        AssertFilesListed(await RegisteredAsync("/quiet/scan_0022", TimeSpan.FromSeconds(30)), quiet);
        Assert.Equal(3, _scicat.Datasets.Count);
        var report = await ProcessRun.FacilityFsAsync("status", second.Path);
        Assert.Contains("/raw/scan_0020 done as", report.Out);
    }

    [Fact]
    public async Task Bad_rules_stop_the_mount_with_the_file_line_and_key()
    {
        var bad = Path.Combine(Work.FullName, "bad-rules.yaml");
        await File.WriteAllTextAsync(bad, "rules:\n  - folders: raw\n    complete: sometimes\n");
        var point = Directory.CreateDirectory(Path.Combine(Work.FullName, "never")).FullName;
        var run = await ProcessRun.FacilityFsAsync("--config", _config, "mount", "st:/", point, "--catalog-rules", bad);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{bad}:3:", run.Error);
        Assert.Contains("rules[0].complete", run.Error);
        Assert.False(FuseMount.IsMounted(point));
    }
}
