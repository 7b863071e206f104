using System.Text.Json.Nodes;
using FacilityFS.Storage.Checksums;
using FacilityFS.TestServers;

namespace FacilityFS.Cli.Tests;

/// <summary>`upload --register`, `register` and `datasets` against Apache and the SciCat stand-in: resumable, registered once, checksums matching the bytes.</summary>
[Collection("apache")]
public sealed class CatalogCommandTests(ApacheFixture fixture) : IClassFixture<ApacheFixture>, IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-catcli-");
    private readonly string _state = "catalog-" + Guid.NewGuid().ToString("N")[..8];
    private SciCatStandIn _scicat = null!;
    private string _config = "";

    public async Task InitializeAsync()
    {
        _scicat = await SciCatStandIn.StartAsync();
        var password = Path.Combine(_work.FullName, "scicat.password");
        await File.WriteAllTextAsync(password, SciCatStandIn.Password);
        _config = Path.Combine(_work.FullName, "config.yaml");
        await File.WriteAllTextAsync(_config, $"""
            remotes:
              st:
                url: {fixture.Server.BaseUri}
              deep:
                url: {fixture.Server.BaseUri}two-{_state}/
            catalogs:
              {_state}:
                url: {_scicat.ApiBase}
                username: {SciCatStandIn.Username}
                password_file: {password}
                defaults:
                  ownerGroup: {SciCatStandIn.Group}
                  accessGroups: [{SciCatStandIn.Group}-part]
                  creationLocation: /TESTLIGHT/p01
                  keywords: [scan, "2026"]
            """);
    }

    public async Task DisposeAsync()
    {
        await _scicat.DisposeAsync();
        var ledger = Path.Combine(UserFolders.State, $"catalog-{_state}.db");
        foreach (var file in new[] { ledger, ledger + "-wal", ledger + "-shm" }) File.Delete(file);
        _work.Delete(recursive: true);
    }

    private Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync(["--config", _config, .. args]);

    [Fact]
    public async Task An_interrupted_upload_of_two_thousand_files_resumes_and_registers_once_with_the_right_checksums()
    {
        var source = Directory.CreateDirectory(Path.Combine(_work.FullName, "acq")).FullName;
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(1, 3000)];
            random.NextBytes(bytes);
            await File.WriteAllBytesAsync(Path.Combine(Directory.CreateDirectory(Path.Combine(source, $"d{i % 10}")).FullName, $"f{i:D4}.dat"), bytes);
        }
        await File.WriteAllTextAsync(Path.Combine(source, "dataset.json"), """{"owner": "Doe", "contactEmail": "doe@example.org", "principalInvestigator": "pi@example.org"}""");
        var remote = $"st:/uploads-{_state}/acq";
        // Interrupted: the command is cancelled while files are still going up.
        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1.5)))
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = await CliApp.RunAsync(["--config", _config, "upload", source, remote, "--register"], new Output.CliContext(output, error, interactive: false), cancel.Token);
            Assert.NotEqual(0, code);
        }
        Assert.Empty(_scicat.Datasets);
        var rerun = await RunAsync("upload", source, remote, "--register");
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var again = await RunAsync("upload", source, remote, "--register");
        Assert.True(again.ExitCode == 0, again.ToString());
        var dataset = Assert.Single(_scicat.Datasets.Values);
        Assert.Equal($"/uploads-{_state}/acq", dataset["sourceFolder"]!.ToString());
        Assert.Equal("Doe", dataset["owner"]!.ToString());
        var block = Assert.Single(_scicat.Datablocks);
        var listed = ((JsonArray)block["dataFileList"]!).ToDictionary(f => f!["path"]!.ToString(), f => f!["chk"]!.ToString());
        // dataset.json is metadata about the dataset, not one of its files.
        Assert.Equal(2000, listed.Count);
        foreach (var file in Directory.EnumerateFiles(source, "*.dat", SearchOption.AllDirectories))
            Assert.Equal(Adler32.ChecksumOf(Adler32.Compute(await File.ReadAllBytesAsync(file))).Value, listed[Path.GetRelativePath(source, file)]);
        Assert.Contains($"registered {remote} as {dataset["pid"]}", rerun.Out);
        Assert.Contains($"{remote} is already registered as {dataset["pid"]} in {_state}, not changed", again.Out);
        // The checksums computed while uploading were used: no file was downloaded to read it again, neither after the upload nor by the rerun.
        Assert.DoesNotContain(fixture.Server.RequestLog(), r => r.Method == "GET" && r.Path.Contains($"/uploads-{_state}/", StringComparison.Ordinal) && r.Path.EndsWith(".dat", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_folder_on_the_storage_registers_from_its_beamtime_metadata_and_is_found_and_shown()
    {
        fixture.Server.WriteFile($"bt-{_state}/beamtime-metadata-12345.json", """
            {"beamtimeId": "12345", "proposalId": "p12345", "beamline": "p01", "facility": "TESTLIGHT", "title": "Crystals",
             "ownerGroup": "p12345", "applicant": {"email": "pi@example.org", "lastname": "Doe"}}
            """u8);
        fixture.Server.WriteFile($"bt-{_state}/raw/scan_0042/frame.raw", new byte[5000]);
        var metadata = Path.Combine(_work.FullName, "extra.yaml");
        await File.WriteAllTextAsync(metadata, "description: crystals at 4 K\nscientificMetadata:\n  temperature: {value: 4.2, unit: K}\n");
        var run = await RunAsync("register", $"st:/bt-{_state}/raw/scan_0042", "--metadata", metadata);
        Assert.True(run.ExitCode == 0, run.ToString());
        var dataset = Assert.Single(_scicat.Datasets.Values);
        Assert.Equal("Doe", dataset["owner"]!.ToString());
        Assert.Equal("crystals at 4 K", dataset["description"]!.ToString());
        Assert.Equal(4.2, dataset["scientificMetadata"]!["temperature"]!["value"]!.GetValue<double>());
        Assert.Equal("12345", dataset["scientificMetadata"]!["beamtimeId"]!.ToString());
        var search = await RunAsync("datasets", "search", "SCAN_0042");
        Assert.Contains(dataset["pid"]!.ToString(), search.Out);
        var show = await RunAsync("datasets", "show", dataset["pid"]!.ToString());
        Assert.Contains("\"datasetName\": \"scan_0042\"", show.Out);
    }

    [Fact]
    public async Task A_dataset_missing_required_fields_is_refused_naming_them_and_nothing_is_posted()
    {
        fixture.Server.WriteFile($"bare-{_state}/scan/a.dat", "x"u8);
        var run = await RunAsync("register", $"st:/bare-{_state}/scan");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("missing owner, contactEmail", run.Error);
        Assert.Contains("principalInvestigator", run.Error);
        Assert.Empty(_scicat.Datasets);
    }

    [Fact]
    public async Task The_same_folder_through_two_remote_configurations_is_one_dataset_with_its_path_on_the_storage()
    {
        fixture.Server.WriteFile($"two-{_state}/raw/scan_0007/frame.raw", new byte[700]);
        fixture.Server.WriteFile($"two-{_state}/raw/scan_0007/dataset.json",
            """{"owner": "Doe", "contactEmail": "doe@example.org", "principalInvestigator": "pi@example.org"}"""u8);
        var first = await RunAsync("register", $"st:/two-{_state}/raw/scan_0007");
        Assert.True(first.ExitCode == 0, first.ToString());
        var dataset = Assert.Single(_scicat.Datasets.Values);
        Assert.Equal($"/two-{_state}/raw/scan_0007", dataset["sourceFolder"]!.ToString());
        var second = await RunAsync("register", "deep:/raw/scan_0007", "--update", "no");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"deep:/raw/scan_0007 is already registered as {dataset["pid"]} in {_state}, not changed", second.Out);
        Assert.DoesNotContain("bytes", second.Out);
        Assert.Single(_scicat.Datasets);
    }

    [Fact]
    public async Task Datasets_search_takes_the_text_literally_and_says_when_nothing_matched_or_the_limit_cut_the_list()
    {
        foreach (var name in new[] { "scan (1)", "scan 1b", "other" })
            _scicat.Datasets[$"{SciCatStandIn.PidPrefix}/{name}"] = new JsonObject { ["pid"] = $"{SciCatStandIn.PidPrefix}/{name}", ["datasetName"] = name, ["sourceFolder"] = "/x" };
        var paren = await RunAsync("datasets", "search", "(1)");
        Assert.True(paren.ExitCode == 0, paren.ToString());
        Assert.Contains("scan (1)", paren.Out);
        Assert.DoesNotContain("scan 1b", paren.Out);
        var everything = await RunAsync("datasets", "search", ".*");
        Assert.True(everything.ExitCode == 0, everything.ToString());
        Assert.Equal("", everything.Out);
        Assert.Contains("no dataset's name contains \".*\"", everything.Error);
        var cut = await RunAsync("datasets", "search", "scan", "--limit", "1");
        Assert.Single(cut.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("the first 1 are shown", cut.Error);
    }
}
