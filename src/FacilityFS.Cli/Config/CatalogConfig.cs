using System.Text.Json.Nodes;

namespace FacilityFS.Cli.Config;

/// <summary>One SciCat of the configuration: its v3 API, the ingestor account, and the dataset fields every registration starts from.</summary>
/// <param name="LoginOf">A remote whose OIDC login (`facilityfs login REMOTE`) also opens the catalog, where the facility's SciCat takes the same tokens.</param>
/// <param name="SourceFolderPrefix">Put in front of a folder's storage path in sourceFolder (where the archive sees the storage; scingestor's corePath), null for none.</param>
public sealed record CatalogConfig(string Name, Uri ApiBase, string? Username, string? PasswordFile, string? TokenFile, JsonObject Defaults, string? LoginOf = null,
    string? SourceFolderPrefix = null);

/// <summary>How a catalog's defaults meet the rules of a rules file.</summary>
public static class CatalogDefaults
{
    /// <summary>The rules with the catalog's default fields under each rule's own (a rule's defaults go on top).</summary>
    public static IReadOnlyList<Catalog.CatalogRule> Merged(CatalogConfig catalog, IReadOnlyList<Catalog.CatalogRule> rules) =>
    [
        .. rules.Select(rule =>
        {
            var defaults = (JsonObject)catalog.Defaults.DeepClone();
            foreach (var (key, value) in rule.Defaults) defaults[key] = value?.DeepClone();
            return rule with { Defaults = defaults };
        }),
    ];
}
