using System.Text.Json.Nodes;

namespace FacilityFS.Cli.Config;

/// <summary>One SciCat of the configuration: its v3 API, the ingestor account, and the dataset fields every registration starts from.</summary>
/// <param name="LoginOf">A remote whose OIDC login (`facilityfs login REMOTE`) also opens the catalog, where the facility's SciCat takes the same tokens.</param>
/// <param name="SourceFolderPrefix">Put in front of a folder's storage path in sourceFolder (where the archive sees the storage; scingestor's corePath), null for none.</param>
public sealed record CatalogConfig(string Name, Uri ApiBase, string? Username, string? PasswordFile, string? TokenFile, JsonObject Defaults, string? LoginOf = null,
    string? SourceFolderPrefix = null);
