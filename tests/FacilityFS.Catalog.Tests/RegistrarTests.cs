using FacilityFS.TestServers;
using System.Text.Json.Nodes;
using FacilityFS.Identity;

namespace FacilityFS.Catalog.Tests;

/// <summary>Datasets built from metadata and registered exactly once against the stand-in: crashes between steps, lost answers, outages, expired tokens.</summary>
public sealed class RegistrarTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-catalog-");
    private SciCatStandIn _scicat = null!;

    public async Task InitializeAsync() => _scicat = await SciCatStandIn.StartAsync();

    public async Task DisposeAsync()
    {
        await _scicat.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private SciCatClient Client()
    {
        var password = Path.Combine(_work.FullName, "scicat.password");
        File.WriteAllText(password, SciCatStandIn.Password);
        return new SciCatClient(Http, _scicat.ApiBase, new SciCatLogin(Http, _scicat.ApiBase, SciCatStandIn.Username, new SecretFile(password)));
    }

    private RegistrationLedger Ledger() => new(Path.Combine(_work.FullName, "ledger.db"));

    private static readonly IReadOnlyList<DataFileEntry> Files =
    [
        new("frame_0001.raw", 1000, DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), "0a0b0c0d"),
        new("sub/frame_0002.raw", 2000, DateTimeOffset.Parse("2026-12-01T10:00:05Z", System.Globalization.CultureInfo.InvariantCulture), "01020304"),
    ];

    private static readonly JsonObject Beamtime = JsonNode.Parse("""
        {"beamtimeId": "12345", "proposalId": "p12345", "beamline": "p01", "facility": "TESTLIGHT", "title": "Crystals at low T",
         "ownerGroup": "p12345", "applicant": {"email": "pi@example.org", "lastname": "Doe"}, "leader": {"lastname": "Roe", "email": "roe@example.org"}}
        """)!.AsObject();

    private static DatasetRegistration Scan(string folder, string? thumbnail = null) =>
        new(folder, DatasetBuilder.Build(null, Beamtime, new JsonObject { ["scientificMetadata"] = new JsonObject { ["temperature"] = new JsonObject { ["value"] = 4.2, ["unit"] = "K" } } },
            folder, folder.Split('/').Last(), Files), Files, thumbnail);

    [Fact]
    public async Task A_dataset_is_built_from_the_beamtime_metadata_and_registered_once_with_its_files_and_thumbnail()
    {
        using var ledger = Ledger();
        var registrar = new Registrar(Client(), ledger);
        var pid = (await registrar.RegisterAsync(Scan("/data/p12345/scan_0001", "data:image/png;base64,iVBORw0KGgo="), CancellationToken.None)).Pid;
        var dataset = _scicat.Datasets[pid];
        Assert.Equal("Roe", dataset["owner"]!.ToString());
        Assert.Equal("pi@example.org", dataset["principalInvestigator"]!.ToString());
        Assert.Equal("/TESTLIGHT/p01", dataset["creationLocation"]!.ToString());
        Assert.Equal("12345", dataset["scientificMetadata"]!["beamtimeId"]!.ToString());
        Assert.Equal(4.2, dataset["scientificMetadata"]!["temperature"]!["value"]!.GetValue<double>());
        Assert.Equal("2026-12-01T10:00:05.000Z", dataset["creationTime"]!.ToString());
        var block = Assert.Single(_scicat.Datablocks);
        Assert.Equal(3000, block["size"]!.GetValue<long>());
        Assert.Equal(["0a0b0c0d", "01020304"], ((JsonArray)block["dataFileList"]!).Select(f => f!["chk"]!.ToString()));
        Assert.Single(_scicat.Attachments);
        Assert.Equal(pid, (await registrar.RegisterAsync(Scan("/data/p12345/scan_0001", "data:image/png;base64,iVBORw0KGgo="), CancellationToken.None)).Pid);
        Assert.Single(_scicat.Datasets);
        Assert.Single(_scicat.Datablocks);
        Assert.Equal(RegistrationStep.Done, ledger.Find("/data/p12345/scan_0001")!.Value.Step);
    }

    [Fact]
    public async Task A_crash_between_dataset_and_datablock_resumes_without_a_second_dataset()
    {
        using (var ledger = Ledger())
        {
            // login, dataset lookup by folder, create, list blocks: the fifth request, the block's POST, fails.
            _scicat.FailRequest(5);
            await Assert.ThrowsAsync<CatalogException>(() => new Registrar(Client(), ledger).RegisterAsync(Scan("/data/p12345/scan_0002"), CancellationToken.None));
            Assert.Equal(RegistrationStep.Dataset, ledger.Find("/data/p12345/scan_0002")!.Value.Step);
        }
        using var reopened = Ledger();
        var pid = (await new Registrar(Client(), reopened).RegisterAsync(Scan("/data/p12345/scan_0002"), CancellationToken.None)).Pid;
        Assert.Single(_scicat.Datasets);
        Assert.Equal(pid, Assert.Single(_scicat.Datablocks)["datasetId"]!.ToString());
    }

    [Fact]
    public async Task A_dataset_whose_creation_answer_was_lost_is_found_by_its_folder_not_created_again()
    {
        var client = Client();
        var earlier = await client.CreateDatasetAsync(Scan("/data/p12345/scan_0003").Dataset, CancellationToken.None);
        using var ledger = Ledger();
        Assert.Equal(earlier, (await new Registrar(client, ledger).RegisterAsync(Scan("/data/p12345/scan_0003"), CancellationToken.None)).Pid);
        Assert.Single(_scicat.Datasets);
    }

    [Fact]
    public async Task A_catalog_outage_fails_transiently_and_an_expired_token_is_renewed()
    {
        using var ledger = Ledger();
        var registrar = new Registrar(Client(), ledger);
        _scicat.Down = true;
        var down = await Assert.ThrowsAsync<CatalogException>(() => registrar.RegisterAsync(Scan("/data/p12345/scan_0004"), CancellationToken.None));
        Assert.True(down.IsTransient);
        Assert.NotEqual(RegistrationStep.Failed, ledger.Find("/data/p12345/scan_0004")?.Step ?? RegistrationStep.Pending);
        _scicat.Down = false;
        await registrar.RegisterAsync(Scan("/data/p12345/scan_0004"), CancellationToken.None);
        _scicat.ForgetTokens();
        await registrar.RegisterAsync(Scan("/data/p12345/scan_0005"), CancellationToken.None);
        Assert.Equal(2, _scicat.Datasets.Count);
    }

    [Fact]
    public async Task A_refusal_is_recorded_as_failed_with_the_servers_words()
    {
        using var ledger = Ledger();
        var scan = Scan("/data/p12345/scan_0006");
        scan.Dataset["ownerGroup"] = "someone-elses-group";
        var refused = await Assert.ThrowsAsync<CatalogException>(() => new Registrar(Client(), ledger).RegisterAsync(scan, CancellationToken.None));
        Assert.Contains("Unauthorized to create this dataset", refused.Message);
        var row = ledger.Find("/data/p12345/scan_0006")!.Value;
        Assert.Equal(RegistrationStep.Failed, row.Step);
        Assert.Contains("Unauthorized to create this dataset", row.Error);
    }

    [Fact]
    public void A_dataset_missing_required_fields_or_with_unknown_ones_is_refused_by_name_before_any_request()
    {
        var missing = Assert.Throws<DatasetIncompleteException>(() => DatasetBuilder.Build(new JsonObject { ["ownerGroup"] = "g" }, null, null, "/data/x", "x", Files, "rules.yaml"));
        Assert.Contains("owner", missing.Message);
        Assert.Contains("principalInvestigator", missing.Message);
        Assert.StartsWith("rules.yaml:", missing.Message);
        var unknown = Assert.Throws<DatasetIncompleteException>(() => DatasetBuilder.Build(null, Beamtime, new JsonObject { ["temperature"] = 4 }, "/data/x", "x", Files));
        Assert.Contains("unknown to SciCat: temperature", unknown.Message);
        Assert.Empty(_scicat.Requests);
    }

    [Theory]
    [InlineData(UpdateStrategy.No, "description", 1, "Crystals at low T")]
    [InlineData(UpdateStrategy.Patch, "description", 1, "changed")]
    [InlineData(UpdateStrategy.Create, "description", 2, "changed")]
    [InlineData(UpdateStrategy.Mixed, "description", 2, "changed")]
    [InlineData(UpdateStrategy.Mixed, "scientificMetadata", 1, "Crystals at low T")]
    public async Task A_registered_dataset_registered_again_follows_the_update_strategy(UpdateStrategy strategy, string changed, int datasets, string description)
    {
        using var ledger = Ledger();
        var registrar = new Registrar(Client(), ledger);
        var first = (await registrar.RegisterAsync(Scan("/data/p12345/scan_0100"), CancellationToken.None)).Pid;
        var again = Scan("/data/p12345/scan_0100");
        if (changed == "description") again.Dataset["description"] = "changed";
        else again.Dataset["scientificMetadata"]!["temperature"]!["value"] = 5.0;
        var extra = again with { Files = [.. again.Files, new DataFileEntry("late.raw", 10, DateTimeOffset.UtcNow, "00ff00ff")] };
        var pid = (await registrar.RegisterAsync(extra, CancellationToken.None, again: true, strategy)).Pid;
        Assert.Equal(datasets, _scicat.Datasets.Count);
        Assert.Equal(description, _scicat.Datasets[pid]["description"]!.ToString());
        Assert.Equal(datasets == 1, pid == first);
        if (strategy == UpdateStrategy.No) Assert.Single(_scicat.Datablocks);
        else Assert.Contains(_scicat.Datablocks, b => b["datasetId"]!.ToString() == pid && ((JsonArray)b["dataFileList"]!).Any(f => f!["path"]!.ToString() == "late.raw"));
        if (strategy == UpdateStrategy.Mixed && changed == "scientificMetadata")
            Assert.Equal(5.0, _scicat.Datasets[pid]["scientificMetadata"]!["temperature"]!["value"]!.GetValue<double>());
        Assert.Equal(pid, ledger.Find("/data/p12345/scan_0100")!.Value.Pid);
    }

    [Fact]
    public async Task A_patch_after_a_changed_file_replaces_the_file_list_and_totals_and_sends_only_changed_fields()
    {
        using var ledger = Ledger();
        var registrar = new Registrar(Client(), ledger);
        var pid = (await registrar.RegisterAsync(Scan("/data/p12345/scan_0200"), CancellationToken.None)).Pid;
        // frame_0001.raw was written again: bigger, another checksum.
        IReadOnlyList<DataFileEntry> changed = [Files[0] with { Size = 1500, Checksum = "0f0f0f0f" }, Files[1]];
        var again = Scan("/data/p12345/scan_0200") with { Files = changed };
        again.Dataset["description"] = "rewritten";
        var result = await registrar.RegisterAsync(again, CancellationToken.None, again: true, UpdateStrategy.Patch);
        Assert.Equal((pid, RegistrationOutcome.Updated), (result.Pid, result.Outcome));
        var block = Assert.Single(_scicat.Datablocks);
        Assert.Equal(["frame_0001.raw:1500:0f0f0f0f", "sub/frame_0002.raw:2000:01020304"],
            ((JsonArray)block["dataFileList"]!).Select(f => $"{f!["path"]}:{f["size"]}:{f["chk"]}"));
        Assert.Equal(3500, _scicat.Datasets[pid]["size"]!.GetValue<long>());
        Assert.Equal(2, _scicat.Datasets[pid]["numberOfFiles"]!.GetValue<long>());
        // Only what changed (the creationTime comes back as ".000Z" and is the same instant), never pid or type.
        Assert.Equal(["description"], _scicat.Patches.First().Select(p => p.Key));
    }

    [Theory]
    [InlineData(UpdateStrategy.Mixed)]
    [InlineData(UpdateStrategy.Patch)]
    [InlineData(UpdateStrategy.Create)]
    public async Task A_reingest_with_nothing_changed_sends_nothing(UpdateStrategy strategy)
    {
        using var ledger = Ledger();
        var registrar = new Registrar(Client(), ledger);
        var pid = (await registrar.RegisterAsync(Scan("/data/p12345/scan_0201"), CancellationToken.None)).Pid;
        var before = _scicat.Requests.Count;
        var result = await registrar.RegisterAsync(Scan("/data/p12345/scan_0201"), CancellationToken.None, again: true, strategy);
        Assert.Equal((pid, RegistrationOutcome.Unchanged), (result.Pid, result.Outcome));
        Assert.DoesNotContain(_scicat.Requests.Skip(before), r => r.Method is "POST" or "PATCH" or "DELETE");
        Assert.Single(_scicat.Datasets);
    }

    [Fact]
    public async Task Create_makes_versions_pid_2_and_pid_3_when_the_account_chooses_pids()
    {
        using var ledger = Ledger();
        var registrar = new Registrar(Client(), ledger);
        DatasetRegistration Version(string description)
        {
            var scan = Scan("/data/p12345/scan_0202");
            scan.Dataset["pid"] = "12345/scan_0202";
            scan.Dataset["description"] = description;
            return scan;
        }
        Assert.Equal("12345/scan_0202", (await registrar.RegisterAsync(Version("first"), CancellationToken.None)).Pid);
        var second = await registrar.RegisterAsync(Version("second"), CancellationToken.None, again: true, UpdateStrategy.Create);
        Assert.Equal(("12345/scan_0202/2", RegistrationOutcome.NewVersion), (second.Pid, second.Outcome));
        Assert.Equal("12345/scan_0202/3", (await registrar.RegisterAsync(Version("third"), CancellationToken.None, again: true, UpdateStrategy.Create)).Pid);
        Assert.Equal("third", _scicat.Datasets["12345/scan_0202/3"]["description"]!.ToString());
        Assert.Equal(3, _scicat.Datablocks.Count);
    }

    [Fact]
    public async Task A_catalog_account_without_delete_rights_fails_the_reingest_with_the_servers_words()
    {
        using var ledger = Ledger();
        var registrar = new Registrar(Client(), ledger);
        await registrar.RegisterAsync(Scan("/data/p12345/scan_0203"), CancellationToken.None);
        _scicat.MayDelete = false;
        var again = Scan("/data/p12345/scan_0203") with { Files = [Files[0] with { Checksum = "0e0e0e0e" }, Files[1]] };
        var refused = await Assert.ThrowsAsync<CatalogException>(() => registrar.RegisterAsync(again, CancellationToken.None, again: true, UpdateStrategy.Patch));
        Assert.Contains("Forbidden resource", refused.Message);
        Assert.Single(_scicat.Datablocks);
    }

    [Theory]
    [InlineData("creationTime", "\"2026-12-01 10:00:00\"", "creationTime: \"2026-12-01 10:00:00\" is not an ISO 8601 date")]
    [InlineData("endTime", "\"yesterday\"", "endTime: \"yesterday\" is not an ISO 8601 date")]
    [InlineData("contactEmail", "\"doe at example.org\"", "contactEmail: \"doe at example.org\" is not an e-mail address")]
    [InlineData("ownerGroup", "12345", "ownerGroup: 12345 is not text")]
    [InlineData("accessGroups", "[\"a\", 7]", "accessGroups: [\"a\",7] is not a list of strings")]
    [InlineData("isPublished", "\"no\"", "isPublished: \"no\" is not true or false")]
    public void A_field_of_the_wrong_type_or_format_is_refused_naming_the_field_and_its_file_before_any_request(string field, string json, string expected)
    {
        var sidecar = new JsonObject { [field] = JsonNode.Parse(json) };
        var refused = Assert.Throws<DatasetIncompleteException>(() => DatasetBuilder.Build(null, Beamtime, sidecar, "/data/p12345/scan_0300", "scan_0300", Files, "st:/data/p12345/scan_0300"));
        Assert.StartsWith("st:/data/p12345/scan_0300: cannot register:", refused.Message);
        Assert.Contains(expected, refused.Message);
        Assert.Contains("(from dataset.json)", refused.Message);
        Assert.Empty(_scicat.Requests);
    }
}
