using System.Text.Json.Nodes;
using FacilityFS.TestServers;

namespace FacilityFS.Cli.Tests;

/// <summary>`facilityfs metadata`: what a NeXus file gives SciCat, for a local file and for one on the storage, as a scientist checks it before a beamtime.</summary>
[Collection("apache")]
public sealed class MetadataCommandTests(ApacheFixture fixture, NexusFiles files) : IClassFixture<ApacheFixture>, IClassFixture<NexusFiles>
{
    [Fact]
    public async Task A_local_and_a_remote_master_print_the_same_dataset_fields()
    {
        var local = files.Make("full");
        var name = $"meta-{Guid.NewGuid():N}.nxs";
        fixture.Server.WriteFile(name, File.ReadAllBytes(local));

        var here = await CliRun.RunAsync("metadata", local, "--json");
        Assert.True(here.ExitCode == 0, here.ToString());
        var fields = JsonNode.Parse(here.Out)!;
        Assert.Equal("Silver behenate calibration", fields["description"]!.GetValue<string>());
        Assert.Equal("2026-11-30T08:05:00.000Z", fields["creationTime"]!.GetValue<string>());
        Assert.Equal("AgBeh-0042", fields["sampleId"]!.GetValue<string>());
        Assert.Equal("mm", fields["scientificMetadata"]!["instrument"]!["detector"]!["distance"]!["unit"]!.GetValue<string>());

        var there = await CliRun.RunAsync("metadata", new Uri(fixture.Server.BaseUri, name).AbsoluteUri, "--json");
        Assert.True(there.ExitCode == 0, there.ToString());
        Assert.Equal(here.Out, there.Out);
    }

    [Fact]
    public async Task Options_choose_the_entry_and_the_one_d_values()
    {
        var multi = files.Make("multi");
        var second = await CliRun.RunAsync("metadata", multi, "--entry", "scan_0002", "--oned", "--max-oned-size", "20");
        Assert.True(second.ExitCode == 0, second.ToString());
        var fields = JsonNode.Parse(second.Out)!;
        Assert.Equal("second", fields["description"]!.GetValue<string>());
        Assert.Equal(11, fields["scientificMetadata"]!["data"]!["counts"]!["value"]!.AsArray().Count);

        var missing = await CliRun.RunAsync("metadata", multi, "--entry", "nothere");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("nothere", missing.Error);
    }

    [Fact]
    public async Task A_file_that_is_not_hdf5_is_named_in_the_error()
    {
        var plain = files.Make("plain");
        var run = await CliRun.RunAsync("metadata", plain);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(plain, run.Error);
        Assert.Empty(run.Out);
    }
}
