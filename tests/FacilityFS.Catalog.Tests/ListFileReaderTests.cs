namespace FacilityFS.Catalog.Tests;

/// <summary>Every line form of scingestor's dataset list file, and lines that are no dataset refused once instead of read as folders.</summary>
public sealed class ListFileReaderTests
{
    [Fact]
    public void Every_line_form_is_read_as_scingestor_writes_it()
    {
        var list = ListFileReader.Parse("""
            scan_0001
            scan_0001:1702988846.0770347
            scan_0002 pilatus1 ../lambda1/
            myscan::/scan12;myscan_00012
            __command__ start meas1
            scan_0003
            myscan::/scan13;myscan_00013
            __command__ stop
            __command__ start open
            scan_0004

            """.Replace("\r", ""));
        Assert.Equal(["scan_0001", "scan_0001", "scan_0002", "myscan_00012", "scan_0003", "myscan_00013", "scan_0004"], list.Scans.Select(s => s.Name));
        Assert.Equal("1702988846.0770347", list.Scans[1].Tag);
        Assert.Equal(["pilatus1", "../lambda1"], list.Scans[2].Detectors);
        Assert.Equal(("myscan", "/scan12"), (list.Scans[3].Master, list.Scans[3].Entry));
        Assert.Equal("meas1", list.Scans[4].Measurement);
        Assert.Null(list.Scans[3].Measurement);
        // A measurement counts once stopped; "open" has no stop yet.
        var measurement = Assert.Single(list.Measurements);
        Assert.Equal("meas1", measurement.Name);
        Assert.Equal(["scan_0003", "myscan_00013"], measurement.Scans);
        Assert.Empty(list.Refused);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("master::noentry")]
    [InlineData("__command__ pause")]
    public void A_line_that_names_no_dataset_is_refused_with_the_line(string line)
    {
        var list = ListFileReader.Parse(line + "\n");
        Assert.Empty(list.Scans);
        Assert.StartsWith(line + ":", Assert.Single(list.Refused));
    }
}

/// <summary>sourceFolder is the storage path whatever the remote's URL, with a catalog's prefix in front, and maps back to the store's paths.</summary>
public sealed class SourceFoldersTests
{
    [Fact]
    public void A_remote_below_the_servers_root_gives_the_full_storage_path_and_back()
    {
        var deep = new SourceFolders("/dav/data");
        Assert.Equal("/dav/data/raw/scan_0001", deep.Of(Storage.RemotePath.Parse("/raw/scan_0001")));
        Assert.Equal(Storage.RemotePath.Parse("/raw/scan_0001"), deep.StorePathOf("/dav/data/raw/scan_0001"));
        Assert.Null(deep.StorePathOf("/dav/database/x"));
        var mapped = new SourceFolders("/dav/data", "/asap3/petra3/gpfs/");
        Assert.Equal("/asap3/petra3/gpfs/dav/data/raw#meas1", mapped.Of(Storage.RemotePath.Parse("/raw#meas1")));
        Assert.Equal("/raw", SourceFolders.Identity.Of(Storage.RemotePath.Parse("/raw")));
    }
}
