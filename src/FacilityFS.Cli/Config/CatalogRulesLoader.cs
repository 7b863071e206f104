using System.Globalization;
using FacilityFS.Catalog;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FacilityFS.Cli.Config;

/// <summary>Reads a mount's catalog rules (YAML): which catalog, and per rule the designated folders, dataset depth, completion and defaults; errors name file, line and key.</summary>
public static class CatalogRulesLoader
{
    private static readonly string[] TopKeys = ["catalog", "rules"];
    private static readonly string[] RuleKeys =
        ["folders", "depth", "complete", "idle", "marker", "list_file", "thumbnail", "update", "defaults", "skip", "master_extensions", "pid", "proposal_id",
         "creation_location", "instrument_id", "metadata", "entry", "hidden_attributes", "oned", "max_oned_size"];

    public static (CatalogConfig Catalog, IReadOnlyList<CatalogRule> Rules) Load(string path, FacilityConfig config)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(path)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, 0, "", $"cannot be read: {e.Message}");
        }
        catch (YamlException e)
        {
            throw new ConfigException(path, (int)e.Start.Line, "", $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root) throw new ConfigException(path, 1, "", "expected catalog: and rules:");
        string? catalogName = null;
        var rules = new List<CatalogRule>();
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            switch (key)
            {
                case "catalog":
                    catalogName = (value as YamlScalarNode)?.Value;
                    break;
                case "rules" when value is YamlSequenceNode list:
                    foreach (var (node, index) in list.Children.Select((n, i) => (n, i)))
                        rules.Add(ParseRule(node as YamlMappingNode ?? throw new ConfigException(path, Line(node), $"rules[{index}]", "expected a mapping"), path, $"rules[{index}]"));
                    break;
                case "rules":
                    throw new ConfigException(path, Line(value), "rules", "expected a list of rules");
                default:
                    throw new ConfigException(path, Line(keyNode), key, $"unknown key; expected one of: {string.Join(", ", TopKeys)}");
            }
        }
        if (rules.Count == 0) throw new ConfigException(path, Line(root), "rules", "no rules: nothing would be registered");
        var catalogs = config.Catalogs;
        var catalog = catalogName is not null
            ? catalogs.GetValueOrDefault(catalogName) ?? throw new ConfigException(path, Line(root), "catalog", $"'{catalogName}' is not a catalog of {config.Source ?? FacilityConfig.DefaultPath}")
            : catalogs.Count == 1 ? catalogs.Values.Single() : throw new ConfigException(path, Line(root), "catalog", "name the catalog (several or none are configured)");
        return (catalog, rules);
    }

    private static CatalogRule ParseRule(YamlMappingNode node, string path, string prefix)
    {
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in node.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (!RuleKeys.Contains(key)) throw new ConfigException(path, Line(keyNode), $"{prefix}.{key}", $"unknown key; expected one of: {string.Join(", ", RuleKeys)}");
            values[key] = value;
        }
        string? Text(string k) => values.TryGetValue(k, out var v) ? (v as YamlScalarNode)?.Value : null;
        var folders = Text("folders") ?? throw new ConfigException(path, Line(node), $"{prefix}.folders", "the designated folders (a glob relative to the mount root) are required");
        var depth = 1;
        if (Text("depth") is { } d && (!int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out depth) || depth is < 1 or > 10))
            throw new ConfigException(path, Line(values["depth"]), $"{prefix}.depth", $"'{d}' is not a depth from 1 to 10");
        var complete = Text("complete") switch
        {
            null or "idle" => CompletionRule.Idle,
            "marker" => CompletionRule.Marker,
            "list" => CompletionRule.ListFile,
            var other => throw new ConfigException(path, Line(values["complete"]), $"{prefix}.complete", $"'{other}' is not a completion rule; give idle, marker or list"),
        };
        var idle = TimeSpan.FromSeconds(30);
        if (Text("idle") is { } i)
        {
            var m = System.Text.RegularExpressions.Regex.Match(i, "^([0-9]+)(s|m|h)?$");
            if (!m.Success) throw new ConfigException(path, Line(values["idle"]), $"{prefix}.idle", $"'{i}' is not a duration such as 30s or 5m");
            var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            idle = m.Groups[2].Value switch { "m" => TimeSpan.FromMinutes(n), "h" => TimeSpan.FromHours(n), _ => TimeSpan.FromSeconds(n) };
        }
        var defaults = values.TryGetValue("defaults", out var dv)
            ? ConfigLoader.JsonOf(dv as YamlMappingNode ?? throw new ConfigException(path, Line(dv), $"{prefix}.defaults", "expected a mapping of dataset fields"))
            : [];
        var thumbnail = Text("thumbnail") switch
        {
            null or "false" or "no" or "nexus" => false,
            "true" or "yes" => true,
            var other => throw new ConfigException(path, Line(values["thumbnail"]), $"{prefix}.thumbnail", $"'{other}' is not true, false or nexus"),
        };
        bool Switch(string k) => Text(k) switch
        {
            null or "false" or "no" => false,
            "true" or "yes" => true,
            var other => throw new ConfigException(path, Line(values[k]), $"{prefix}.{k}", $"'{other}' is not true or false"),
        };
        var nexus = Text("metadata") switch
        {
            null or "none" => (Catalog.Nexus.NexusOptions?)null,
            "nexus" => new Catalog.Nexus.NexusOptions { Entry = Text("entry"), Oned = Switch("oned"), Thumbnail = Text("thumbnail") == "nexus" },
            var other => throw new ConfigException(path, Line(values["metadata"]), $"{prefix}.metadata", $"'{other}' is not a metadata source; give nexus or none"),
        };
        foreach (var key in new[] { "entry", "hidden_attributes", "oned", "max_oned_size" })
        {
            if (nexus is null && values.ContainsKey(key))
                throw new ConfigException(path, Line(values[key]), $"{prefix}.{key}", "applies to NeXus metadata only; add metadata: nexus");
        }
        if (nexus is null && Text("thumbnail") == "nexus")
            throw new ConfigException(path, Line(values["thumbnail"]), $"{prefix}.thumbnail", "a NeXus thumbnail needs metadata: nexus");
        var update = Text("update") is { } u
            ? StrategyOf(u) ?? throw new ConfigException(path, Line(values["update"]), $"{prefix}.update", $"'{u}' is not an update strategy; give no, patch, create or mixed")
            : UpdateStrategy.Patch;
        IReadOnlyList<string>? List(string k)
        {
            if (!values.TryGetValue(k, out var v)) return null;
            return v switch
            {
                YamlSequenceNode items => [.. items.Children.Select(i => (i as YamlScalarNode)?.Value is { Length: > 0 } text ? text
                    : throw new ConfigException(path, Line(i), $"{prefix}.{k}", "expected a list of names"))],
                YamlScalarNode { Value: { } text } => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                _ => throw new ConfigException(path, Line(v), $"{prefix}.{k}", "expected a list of names"),
            };
        }
        var scingestor = BeamtimeTemplates.Scingestor;
        var pid = Text("pid");
        if (pid is not null && BeamtimeTemplates.Names(pid).Count == 0)
            throw new ConfigException(path, Line(values["pid"]), $"{prefix}.pid", $"'{pid}' names no field ({{beamtimeId}}, {{scan}}): every dataset would get the same pid");
        if (nexus is not null && Text("max_oned_size") is { } size)
        {
            if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var most) || most < 1)
                throw new ConfigException(path, Line(values["max_oned_size"]), $"{prefix}.max_oned_size", $"'{size}' is not a positive whole number");
            nexus = nexus with { MaxOnedSize = most };
        }
        if (nexus is not null && List("hidden_attributes") is { } hidden) nexus = nexus with { HiddenAttributes = new HashSet<string>(hidden, StringComparer.Ordinal) };
        return new CatalogRule(folders, depth, complete, idle, Text("marker") ?? ".complete", Text("list_file") ?? "scicat-datasets.lst", defaults, thumbnail, update)
        {
            Nexus = nexus,
            Skip = List("skip") ?? CatalogRule.DefaultSkip,
            MasterExtensions = [.. (List("master_extensions") ?? ["nxs", "h5", "ndf", "nx", "fio"]).Select(e => e.TrimStart('.'))],
            Templates = new BeamtimeTemplates(Text("proposal_id") ?? scingestor.ProposalId, Text("creation_location") ?? scingestor.CreationLocation,
                Text("instrument_id") ?? scingestor.InstrumentId, pid),
        };
    }

    /// <summary>scingestor's names of the update strategies.</summary>
    public static UpdateStrategy? StrategyOf(string name) => name switch
    {
        "no" => UpdateStrategy.No,
        "patch" => UpdateStrategy.Patch,
        "create" => UpdateStrategy.Create,
        "mixed" => UpdateStrategy.Mixed,
        _ => null,
    };

    private static int Line(YamlNode node) => (int)node.Start.Line;
}
