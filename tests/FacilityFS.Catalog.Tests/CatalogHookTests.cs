using System.Text.Json.Nodes;
using FacilityFS.Identity;
using FacilityFS.Storage;
using FacilityFS.Storage.Local;
using FacilityFS.TestServers;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Catalog.Tests;

/// <summary>The catalog hook as a subscriber, without FUSE: committed files from a fake write path over a local folder, registrations in the stand-in, crashes as hooks that stop and start again.</summary>
public sealed class CatalogHookTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-hook-");
    private SciCatStandIn _scicat = null!;
    private LocalFolderStore _store = null!;
    private FakeWritePath _writes = null!;

    private static readonly JsonObject Defaults = new()
    {
        ["ownerGroup"] = SciCatStandIn.Group, ["owner"] = "Doe", ["contactEmail"] = "doe@example.org", ["principalInvestigator"] = "pi@example.org",
        ["creationLocation"] = "/TESTLIGHT/p01",
    };

    private static readonly CatalogRule Marked = new("raw", 1, CompletionRule.Marker, TimeSpan.Zero, ".complete", "", Defaults);
    private static readonly CatalogRule Quiet = new("quiet", 1, CompletionRule.Idle, TimeSpan.FromMilliseconds(300), "", "", Defaults);
    private static readonly CatalogRule Listed = new("listed", 1, CompletionRule.ListFile, TimeSpan.Zero, "", "scicat-datasets.lst", Defaults);

    public async Task InitializeAsync()
    {
        _scicat = await SciCatStandIn.StartAsync();
        Directory.CreateDirectory(Path.Combine(_work.FullName, "storage"));
        _store = new LocalFolderStore(Path.Combine(_work.FullName, "storage"));
        _writes = new FakeWritePath(_store);
    }

    public async Task DisposeAsync()
    {
        await _scicat.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private RegistrationLedger Ledger() => new(Path.Combine(_work.FullName, "ledger.db"));

    /// <summary>A hook as a mount starts it: subscribed, reconciling in the background.</summary>
    private CatalogHook Start(RegistrationLedger ledger, params CatalogRule[] rules)
    {
        var password = Path.Combine(_work.FullName, "scicat.password");
        File.WriteAllText(password, SciCatStandIn.Password);
        var client = new SciCatClient(Http, _scicat.ApiBase, new SciCatLogin(Http, _scicat.ApiBase, SciCatStandIn.Username, new SecretFile(password)));
        var hook = new CatalogHook(_store, RemotePath.Root, rules, new Registrar(client, ledger), ledger, _writes, NullLogger.Instance);
        hook.Start(_writes);
        return hook;
    }

    private static byte[] Bytes(int length) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);

    private async Task<JsonObject> RegisteredAsync(string sourceFolder, string? name = null)
    {
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(20); await Task.Delay(50))
        {
            lock (_scicat.Datablocks)
            {
                var dataset = _scicat.Datasets.Values.FirstOrDefault(d => d["sourceFolder"]?.ToString() == sourceFolder && (name is null || d["datasetName"]?.ToString() == name));
                if (dataset is not null && _scicat.Datablocks.Any(b => b["datasetId"]!.ToString() == dataset["pid"]!.ToString())) return dataset;
            }
        }
        throw new TimeoutException($"{sourceFolder} {name} was not registered");
    }

    private JsonArray FilesOf(JsonObject dataset)
    {
        lock (_scicat.Datablocks) return (JsonArray)Assert.Single(_scicat.Datablocks, b => b["datasetId"]!.ToString() == dataset["pid"]!.ToString())["dataFileList"]!.DeepClone();
    }

    [Fact]
    public async Task A_marked_dataset_is_registered_with_the_write_paths_checksums_never_reading_its_files()
    {
        using var ledger = Ledger();
        await using (var hook = Start(ledger, Marked))
        {
            // Checksums no reader could compute: the registration can only have them from the committed records.
            _writes.Commit("/raw/scan_0001/a.raw", Bytes(100), "11111111");
            _writes.Commit("/raw/scan_0001/sub/b.raw", Bytes(200), "22222222");
            _writes.Commit("/raw/scan_0001/dataset.json", """{"description": "two frames"}"""u8.ToArray());
            _writes.Commit("/raw/scan_0001/.complete", []);
            var dataset = await RegisteredAsync("/raw/scan_0001");
            Assert.Equal("two frames", dataset["description"]!.ToString());
            Assert.Equal(["a.raw:11111111", "sub/b.raw:22222222"], FilesOf(dataset).Select(f => $"{f!["path"]}:{f["chk"]}"));
        }
        // After a restart the kept checksums still hold: a re-ingest reads nothing either.
        using var reopened = Ledger();
        Assert.Equal("22222222", reopened.FilesUnder("/raw/scan_0001")["sub/b.raw"].Checksum);
    }

    [Fact]
    public async Task A_dataset_whose_files_are_still_pending_is_recorded_complete_and_registered_once_they_are_committed()
    {
        using var ledger = Ledger();
        await using var hook = Start(ledger, Marked);
        _writes.Commit("/raw/scan_0002/a.raw", Bytes(100));
        _writes.Hold("/raw/scan_0002/late.raw");
        _writes.Commit("/raw/scan_0002/.complete", []);
        Assert.Equal(RegistrationStep.Complete, ledger.Find("/raw/scan_0002")!.Value.Step);
        var late = Bytes(300);
        _writes.Commit("/raw/scan_0002/late.raw", late);
        var dataset = await RegisteredAsync("/raw/scan_0002");
        Assert.Equal(["a.raw", "late.raw"], FilesOf(dataset).Select(f => f!["path"]!.ToString()));
        Assert.Single(_scicat.Datasets);
    }

    [Fact]
    public async Task A_crash_between_the_committed_marker_and_its_ledger_row_is_reconciled_from_the_storage_at_start_and_registered_once()
    {
        // The previous run died after the marker reached the storage and before anyone heard of it: no event, no row.
        _writes.Put("/raw/scan_0003/a.raw", Bytes(100));
        _writes.Put("/raw/scan_0003/.complete", []);
        _writes.Put("/raw/scan_0004/a.raw", Bytes(100));
        using (var ledger = Ledger())
        {
            await using var hook = Start(ledger, Marked);
            await RegisteredAsync("/raw/scan_0003");
            await hook.Reconciled;
        }
        using (var ledger = Ledger())
        {
            await using var again = Start(ledger, Marked);
            await again.Reconciled;
            Assert.Equal(RegistrationStep.Done, ledger.Find("/raw/scan_0003")!.Value.Step);
        }
        Assert.Single(_scicat.Datasets);
        using var last = Ledger();
        Assert.Null(last.Find("/raw/scan_0004"));
    }

    [Theory]
    [InlineData(RegistrationStep.Complete)]
    [InlineData(RegistrationStep.Pending)]
    [InlineData(RegistrationStep.Dataset)]
    [InlineData(RegistrationStep.Datablock)]
    public async Task A_crash_at_each_step_after_completion_ends_in_one_registration_after_the_restart(RegistrationStep step)
    {
        _writes.Put("/listed/scan_0005/a.raw", Bytes(100));
        _writes.Put("/listed/scicat-datasets.lst", "scan_0005\n"u8.ToArray());
        using (var ledger = Ledger())
        {
            if (step is RegistrationStep.Dataset or RegistrationStep.Datablock)
            {
                // How far the previous run got: the dataset (and its block) is in the catalog, the ledger says so.
                var password = Path.Combine(_work.FullName, "scicat.password");
                File.WriteAllText(password, SciCatStandIn.Password);
                var client = new SciCatClient(Http, _scicat.ApiBase, new SciCatLogin(Http, _scicat.ApiBase, SciCatStandIn.Username, new SecretFile(password)));
                var registration = await new RegistrationAssembly(_store, ledger, SourceFolders.Identity, NullLogger.Instance).DatasetAsync(RemotePath.Parse("/listed/scan_0005"), Listed, null, CancellationToken.None);
                var pid = await client.CreateDatasetAsync(registration.Dataset, CancellationToken.None);
                if (step == RegistrationStep.Datablock) await client.CreateOrigDatablockAsync(pid, registration.Files, "adler32", CancellationToken.None);
                ledger.Record("/listed/scan_0005", pid, step);
            }
            else if (step == RegistrationStep.Pending) ledger.Record("/listed/scan_0005", null, step, "SciCat away");
            else ledger.MarkComplete("/listed/scan_0005");
        }
        using (var ledger = Ledger())
        {
            await using var hook = Start(ledger, Listed);
            await RegisteredAsync("/listed/scan_0005");
            for (var i = 0; i < 200 && ledger.Find("/listed/scan_0005")?.Step != RegistrationStep.Done; i++) await Task.Delay(50);
            Assert.Equal(RegistrationStep.Done, ledger.Find("/listed/scan_0005")!.Value.Step);
        }
        Assert.Single(_scicat.Datasets);
        Assert.Single(_scicat.Datablocks);
    }

    [Fact]
    public async Task An_idle_dataset_seen_before_a_crash_is_registered_after_the_restart()
    {
        using (var ledger = Ledger())
        {
            // The catalog is away, so the previous run cannot have registered it before it died.
            _scicat.Down = true;
            await using var hook = Start(ledger, Quiet);
            _writes.Commit("/quiet/scan_0006/a.raw", Bytes(100), "0000abcd");
            Assert.Equal(RegistrationStep.Pending, ledger.Find("/quiet/scan_0006")!.Value.Step);
        }
        _scicat.Down = false;
        using (var ledger = Ledger())
        {
            await using var hook = Start(ledger, Quiet);
            var dataset = await RegisteredAsync("/quiet/scan_0006");
            Assert.Equal("0000abcd", FilesOf(dataset)[0]!["chk"]!.ToString());
        }
        Assert.Single(_scicat.Datasets);
    }

    [Fact]
    public async Task A_list_file_on_the_storage_is_reconciled_at_start_with_its_measurement_and_member_keywords()
    {
        _writes.Put("/listed/scan_0007/a.raw", Bytes(100));
        _writes.Put("/listed/scan_0008/a.raw", Bytes(100));
        _writes.Put("/listed/scicat-datasets.lst", "__command__ start meas1\nscan_0007\nscan_0008\n__command__ stop\nbroken/../line\n"u8.ToArray());
        using var ledger = Ledger();
        await using var hook = Start(ledger, Listed);
        var seven = await RegisteredAsync("/listed/scan_0007");
        Assert.Contains("meas1", ((JsonArray)seven["keywords"]!).Select(k => k!.ToString()));
        await RegisteredAsync("/listed/scan_0008");
        var measurement = await RegisteredAsync("/listed", "meas1");
        Assert.Equal(["scan_0007/a.raw", "scan_0008/a.raw"], FilesOf(measurement).Select(f => f!["path"]!.ToString()));
        await hook.Reconciled;
        Assert.Equal(3, _scicat.Datasets.Count);
    }

    [Fact]
    public async Task Every_list_file_form_registers_detectors_master_files_master_only_scans_and_master_entries()
    {
        var bytes = Bytes(64);
        _writes.Put("/listed/beamtime-metadata-12345.json", """
            {"beamtimeId": "12345", "proposalId": "p12345", "beamline": "P01", "beamlineAlias": "p01-hires", "facility": "TESTLIGHT", "ownerGroup": "p12345",
             "applicant": {"email": "pi@example.org", "lastname": "Doe"}}
            """u8.ToArray());
        _writes.Put("/listed/scan_0010/a.raw", bytes);
        _writes.Put("/listed/scan_0010/a.raw~", bytes);
        _writes.Put("/listed/scan_0010/.hidden", bytes);
        _writes.Put("/listed/scan_0010.nxs", bytes);
        _writes.Put("/listed/pilatus1/scan_0010_00001.cbf", bytes);
        _writes.Put("/listed/scan_0011.h5", bytes);
        _writes.Put("/listed/multi.nxs", bytes);
        _writes.Hold("/listed/scan_0010.nxs");
        using var ledger = Ledger();
        var rule = Listed with { Templates = BeamtimeTemplates.Scingestor with { Pid = "{beamtimeId}/{scan}" } };
        await using var hook = Start(ledger, rule);
        // The master beside scan_0010 is still uploading: the scan waits for it.
        _writes.Commit("/listed/scicat-datasets.lst", "scan_0010 pilatus1\nscan_0011\nmulti::/scan12;multi_00012\n"u8.ToArray());
        var master = await RegisteredAsync("/listed/multi_00012");
        Assert.Equal(["../multi.nxs"], FilesOf(master).Select(f => f!["path"]!.ToString()));
        Assert.Equal("/scan12", master["scientificMetadata"]!["entry"]!.ToString());
        Assert.Equal("12345/multi_00012", master["pid"]!.ToString());
        var only = await RegisteredAsync("/listed/scan_0011");
        Assert.Equal(["../scan_0011.h5"], FilesOf(only).Select(f => f!["path"]!.ToString()));
        Assert.DoesNotContain(_scicat.Datasets.Values, d => d["sourceFolder"]!.ToString() == "/listed/scan_0010");
        _writes.Commit("/listed/scan_0010.nxs", bytes);
        var scan = await RegisteredAsync("/listed/scan_0010");
        Assert.Equal(["../pilatus1/scan_0010_00001.cbf", "../scan_0010.nxs", "a.raw"], FilesOf(scan).Select(f => f!["path"]!.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal("12345/scan_0010", scan["pid"]!.ToString());
        Assert.Equal("p12345.12345", scan["proposalId"]!.ToString());
        Assert.Equal("/TESTLIGHT/p01-hires", scan["creationLocation"]!.ToString());
        Assert.Equal("/testlight/p01", scan["instrumentId"]!.ToString());
    }

    [Fact]
    public async Task CreationTime_is_when_the_data_was_written_not_when_it_was_uploaded()
    {
        using var ledger = Ledger();
        await using var hook = Start(ledger, Marked);
        var written = DateTimeOffset.Parse("2026-11-30T08:15:00Z", System.Globalization.CultureInfo.InvariantCulture);
        _writes.Commit("/raw/scan_0012/a.raw", Bytes(10), modified: written);
        _writes.Commit("/raw/scan_0012/b.raw", Bytes(10), modified: written.AddMinutes(-5));
        _writes.Commit("/raw/scan_0012/.complete", []);
        var dataset = await RegisteredAsync("/raw/scan_0012");
        Assert.Equal("2026-11-30T08:15:00.000Z", dataset["creationTime"]!.ToString());
    }

    [Fact]
    public async Task A_dataset_with_a_nexus_master_carries_its_scientific_metadata_and_thumbnail()
    {
        using var files = new NexusFiles();
        var rule = Listed with { Folders = "nexus", Nexus = new Nexus.NexusOptions { Thumbnail = true } };
        _writes.Put("/nexus/scan_0007/frame_00000.raw", Bytes(1000));
        // The master beside the scan folder, as the NeXus writer leaves it.
        _writes.Put("/nexus/scan_0007.nxs", File.ReadAllBytes(files.Make("image")));
        using var ledger = Ledger();
        await using var hook = Start(ledger, rule);
        _writes.Commit("/nexus/scicat-datasets.lst", "scan_0007\n"u8.ToArray());
        var dataset = await RegisteredAsync("/nexus/scan_0007");
        Assert.Equal("Silver behenate calibration", dataset["description"]!.ToString());
        Assert.Equal("AgBeh-0042", dataset["sampleId"]!.ToString());
        Assert.Equal("mm", dataset["scientificMetadata"]!["instrument"]!["detector"]!["distance"]!["unit"]!.ToString());
        Assert.Equal("scan", dataset["scientificMetadata"]!["name"]!.ToString());
        Assert.Equal("small angle x-ray scattering", dataset["techniques"]![0]!["name"]!.ToString());
        Assert.True(await Eventually.HoldsAsync(() => _scicat.Attachments.Count == 1, TimeSpan.FromSeconds(20)));
        Assert.StartsWith("data:image/png;base64,", _scicat.Attachments[0]["thumbnail"]!.ToString());
    }

    [Fact]
    public async Task A_damaged_master_leaves_its_metadata_out_and_the_dataset_is_registered_all_the_same()
    {
        var rule = Marked with { Folders = "damaged", Nexus = new Nexus.NexusOptions() };
        using var ledger = Ledger();
        await using var hook = Start(ledger, rule);
        _writes.Commit("/damaged/scan_0001/master.nxs", "not hdf5 at all"u8.ToArray(), null);
        _writes.Commit("/damaged/scan_0001/.complete", [], null);
        var dataset = await RegisteredAsync("/damaged/scan_0001");
        Assert.Null(dataset["sampleId"]);
        Assert.Single(FilesOf(dataset));
    }
}

