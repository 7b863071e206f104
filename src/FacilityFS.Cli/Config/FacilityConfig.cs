namespace FacilityFS.Cli.Config;

/// <summary>The whole configuration file: named remotes and transfer defaults.</summary>
public sealed record FacilityConfig(IReadOnlyDictionary<string, RemoteConfig> Remotes, int Parallel, string? Source)
{
    public static readonly FacilityConfig Empty = new(new Dictionary<string, RemoteConfig>(), 4, null);

    /// <summary>SciCat instances datasets are registered in, by name.</summary>
    public IReadOnlyDictionary<string, CatalogConfig> Catalogs { get; init; } = new Dictionary<string, CatalogConfig>();

    /// <summary>Where the file is looked for when --config is not given.</summary>
    public static string DefaultPath => Path.Combine(UserFolders.Config, "config.yaml");
}
