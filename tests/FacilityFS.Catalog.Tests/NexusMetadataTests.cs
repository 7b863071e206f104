using System.Text.Json.Nodes;
using FacilityFS.Catalog.Nexus;
using FacilityFS.TestServers;

namespace FacilityFS.Catalog.Tests;

/// <summary>Scientific metadata from NeXus files written by libhdf5: every value read as the type it is, the entry tree as nxsfileinfo gives it, damage named and skipped.</summary>
public sealed class NexusMetadataTests(NexusFiles files) : IClassFixture<NexusFiles>
{
    private static readonly NexusOptions Defaults = new();

    private static JsonNode Field(JsonObject metadata, string path) =>
        path.Split('/').Aggregate((JsonNode)metadata, (node, part) => node[part] ?? throw new Xunit.Sdk.XunitException($"{path}: no {part} in {node.ToJsonString()}"));

    [Fact]
    public void The_entry_tree_comes_out_with_values_units_and_attributes()
    {
        var read = NexusMetadataReader.Read(files.Make("full"), Defaults);
        var m = read.ScientificMetadata;
        Assert.Equal("scan", read.Entry);
        Assert.Equal("scan", m["name"]!.GetValue<string>());
        Assert.Equal("NXentry", m["NX_class"]!.GetValue<string>());
        Assert.Equal("NXdetector", Field(m, "instrument/detector/NX_class").GetValue<string>());
        Assert.Equal("mm", Field(m, "instrument/detector/distance/unit").GetValue<string>());
        Assert.Equal("keV", Field(m, "instrument/monochromator/energy/unit").GetValue<string>());
        Assert.Equal(12.4, Field(m, "instrument/monochromator/energy/value").GetValue<double>());
        Assert.Equal("ascan exp_dmy01 0 1 10 0.1", Field(m, "program_name/scan_command").GetValue<string>());
        Assert.Equal("nexdatas", Field(m, "program_name/value").GetValue<string>());
        Assert.Equal("counts", Field(m, "data/signal").GetValue<string>());
        // Hidden attributes stay out: units (it is the unit), nexdatas_source, nexdatas_strategy.
        Assert.Null(m["nexdatas_strategy"]);
        Assert.Null(Field(m, "instrument/detector/distance")["nexdatas_source"]);
        Assert.Null(Field(m, "instrument/detector/distance")["units"]);
        Assert.Empty(read.Warnings);
    }

    [Fact]
    public void Scalars_of_every_numeric_type_are_read_as_what_they_are()
    {
        var m = NexusMetadataReader.Read(files.Make("full"), Defaults).ScientificMetadata;
        // float32 300.1 stays 300.1 (read as a double it would be 300.1000061035156).
        Assert.Equal("300.1", Field(m, "instrument/detector/distance/value").ToJsonString());
        Assert.Equal("295.5", Field(m, "sample/temperature/value").ToJsonString());
        Assert.Equal("4000000000", Field(m, "instrument/detector/frames/value").ToJsonString());
        Assert.Equal("-3", Field(m, "instrument/detector/gain/value").ToJsonString());
        Assert.Equal("65535", Field(m, "instrument/detector/bits/value").ToJsonString());
        Assert.Equal("-12345", Field(m, "instrument/detector/short/value").ToJsonString());
        Assert.Equal("-9007199254740993", Field(m, "instrument/detector/pixels/value").ToJsonString());
        Assert.Equal("18446744073709551615", Field(m, "instrument/detector/serial/value").ToJsonString());
        Assert.Equal("0.1", Field(m, "instrument/detector/count_time/value").ToJsonString());
        Assert.Equal("true", Field(m, "instrument/detector/enabled/value").ToJsonString());
        // A fixed-length string array of one element reads as its text, without the padding.
        Assert.Equal("eiger4m", Field(m, "instrument/detector/name/value").GetValue<string>());
    }

    [Fact]
    public void Large_fields_show_their_shape_and_one_d_arrays_come_only_on_request()
    {
        var plain = NexusMetadataReader.Read(files.Make("full"), Defaults).ScientificMetadata;
        Assert.Equal("[20,256,256]", Field(plain, "instrument/detector/data/shape").ToJsonString());
        Assert.Equal("counts", Field(plain, "instrument/detector/data/unit").GetValue<string>());
        Assert.Null(Field(plain, "instrument/detector/data")["value"]);
        Assert.Equal("[11]", Field(plain, "data/counts/shape").ToJsonString());
        Assert.Null(Field(plain, "data/counts")["value"]);

        var oned = NexusMetadataReader.Read(files.Make("full"), Defaults with { Oned = true, MaxOnedSize = 100 }).ScientificMetadata;
        Assert.Equal("[0,2.5,5,7.5,10,12.5,15,17.5,20,22.5,25]", Field(oned, "data/counts/value").ToJsonString());
        // Longer than --max-oned-size: its range.
        Assert.Equal("[-7,4992]", Field(oned, "data/long_trace/value").ToJsonString());
        Assert.Null(Field(oned, "instrument/detector/data")["value"]);
    }

    [Fact]
    public void Dataset_fields_come_from_title_times_sample_and_techniques()
    {
        var read = NexusMetadataReader.Read(files.Make("full"), Defaults);
        Assert.Equal("Silver behenate calibration", read.Description);
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T08:05:00Z", System.Globalization.CultureInfo.InvariantCulture), read.CreationTime);
        Assert.Equal(read.CreationTime, read.EndTime);
        Assert.Equal("AgBeh-0042", read.SampleId);
        var technique = Assert.Single(read.Techniques);
        Assert.Equal("small angle x-ray scattering", technique.Name);
        Assert.Equal("http://purl.org/pan-science/PaNET/PaNET01188", technique.Pid);
    }

    [Fact]
    public void The_first_entry_is_taken_unless_one_is_named_and_a_missing_one_is_named_in_the_error()
    {
        var path = files.Make("multi");
        Assert.Equal("first", NexusMetadataReader.Read(path, Defaults).Description);
        Assert.Equal("scan_0001", NexusMetadataReader.Read(path, Defaults).Entry);
        Assert.Equal("second", NexusMetadataReader.Read(path, Defaults with { Entry = "scan_0002" }).Description);
        var error = Assert.Throws<NexusException>(() => NexusMetadataReader.Read(path, Defaults with { Entry = "scan_0009" }));
        Assert.Contains("scan_0009", error.Message);
        Assert.Contains("scan_0001, scan_0002", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void External_links_to_missing_or_present_files_do_not_keep_the_rest_out()
    {
        // PureHDF leaves external links out of a group's members when the file is read from a stream: they never fail a read.
        var read = NexusMetadataReader.Read(files.Make("external"), Defaults);
        Assert.Equal("mm", Field(read.ScientificMetadata, "instrument/detector/distance/unit").GetValue<string>());
        Assert.Equal("[20,256,256]", Field(read.ScientificMetadata, "instrument/detector/data/shape").ToJsonString());
        Assert.Equal("Silver behenate calibration", read.Description);
    }

    [Fact]
    public void A_truncated_file_or_one_that_is_not_hdf5_fails_with_its_name_or_gives_what_it_can()
    {
        var plain = files.Make("plain");
        var error = Assert.Throws<NexusException>(() => NexusMetadataReader.Read(plain, Defaults));
        Assert.Contains(plain, error.Message);

        var truncated = files.Make("truncated");
        try
        {
            var read = NexusMetadataReader.Read(truncated, Defaults);
            // Whatever the cut left readable comes out; what it took away is named.
            Assert.NotEmpty(read.Warnings);
        }
        catch (NexusException e)
        {
            Assert.Contains(truncated, e.Message);
        }
    }

    [Fact]
    public void A_thumbnail_plots_a_one_d_signal_and_shows_the_first_frame_of_an_image()
    {
        var plot = NexusMetadataReader.Read(files.Make("full"), Defaults with { Thumbnail = true });
        var (width, height, pixels) = Png.Decode(plot.Thumbnail!);
        Assert.Equal((320, 200), (width, height));
        Assert.Contains(pixels, p => p == 0);
        Assert.Null(NexusMetadataReader.Read(files.Make("full"), Defaults).Thumbnail);

        var image = NexusMetadataReader.Read(files.Make("image"), Defaults with { Thumbnail = true });
        (width, height, pixels) = Png.Decode(image.Thumbnail!);
        Assert.Equal((256, 256), (width, height));
        // The frame is a ramp: dark in the first row, bright in the last.
        Assert.True(pixels[..256].Average(p => p) < pixels[^256..].Average(p => p));
        Assert.Empty(image.Warnings);
    }
}
