using FacilityFS.Catalog;
using FacilityFS.Cli.Config;

namespace FacilityFS.Cli.Tests;

/// <summary>The catalog rules file: scingestor's settings (skip, master extensions, pid and beamtime templates) and a catalog's source_folder_prefix, read or refused by file, line and key.</summary>
public sealed class CatalogRulesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ffs-rules-");

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private FacilityConfig Config(string catalogExtra = "") => ConfigLoader.Load(Write("config.yaml",
        "catalogs:\n  sc:\n    url: https://scicat.example/api/v3\n    token_file: /t\n" + catalogExtra));

    [Fact]
    public void Scingestor_settings_are_read_with_its_defaults_for_what_is_not_given()
    {
        var config = Config("    source_folder_prefix: /asap3/petra3\n");
        var (catalog, rules) = CatalogRulesLoader.Load(Write("rules.yaml", """
            rules:
              - folders: scans
                complete: list
                skip: ["*.tmp", "junk/*"]
                master_extensions: [.h5]
                pid: "{beamtimeId}/{scan}"
                creation_location: "/DESY/{facility}/{beamlineAlias}"
            """), config);
        Assert.Equal("/asap3/petra3", catalog.SourceFolderPrefix);
        var rule = Assert.Single(rules);
        Assert.Equal(["h5"], rule.MasterExtensions);
        Assert.True(rule.Skips("a.tmp"));
        Assert.True(rule.Skips("junk/x.raw"));
        Assert.False(rule.Skips("x.raw"));
        Assert.Equal("{beamtimeId}/{scan}", rule.Templates.Pid);
        Assert.Equal("/DESY/{facility}/{beamlineAlias}", rule.Templates.CreationLocation);
        Assert.Equal(BeamtimeTemplates.Scingestor.ProposalId, rule.Templates.ProposalId);
    }

    [Fact]
    public void A_pid_template_without_a_field_and_a_relative_prefix_are_refused_by_file_line_and_key()
    {
        var config = Config();
        var rules = Write("rules.yaml", "rules:\n  - folders: scans\n    pid: fixed\n");
        var error = Assert.Throws<ConfigException>(() => CatalogRulesLoader.Load(rules, config));
        Assert.Contains($"{rules}:3", error.Message);
        Assert.Contains("rules[0].pid", error.Message);
        var prefix = Assert.Throws<ConfigException>(() => Config("    source_folder_prefix: asap3\n"));
        Assert.Contains("catalogs.sc.source_folder_prefix", prefix.Message);
    }

    [Fact]
    public void Nexus_metadata_settings_are_read_and_ones_without_metadata_nexus_are_refused_by_line_and_key()
    {
        var config = Config();
        var (_, rules) = CatalogRulesLoader.Load(Write("rules.yaml", """
            rules:
              - folders: scans
                metadata: nexus
                entry: scan_0001
                hidden_attributes: [units]
                oned: true
                max_oned_size: 20
                thumbnail: nexus
            """), config);
        var nexus = Assert.Single(rules).Nexus!;
        Assert.Equal("scan_0001", nexus.Entry);
        Assert.True(nexus.Oned);
        Assert.True(nexus.Thumbnail);
        Assert.Equal(20, nexus.MaxOnedSize);
        Assert.Equal(["units"], nexus.HiddenAttributes);
        Assert.False(rules[0].Thumbnail);

        var withoutNexus = Write("plain.yaml", "rules:\n  - folders: scans\n    oned: true\n");
        var error = Assert.Throws<ConfigException>(() => CatalogRulesLoader.Load(withoutNexus, config));
        Assert.Contains($"{withoutNexus}:3", error.Message);
        Assert.Contains("rules[0].oned", error.Message);
        var unknown = Write("xml.yaml", "rules:\n  - folders: scans\n    metadata: xml\n");
        Assert.Contains("rules[0].metadata", Assert.Throws<ConfigException>(() => CatalogRulesLoader.Load(unknown, config)).Message);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
