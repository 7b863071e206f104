using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FacilityFS.Catalog.Nexus;

/// <summary>The YAML that NeXus writers put into text fields (`experiment_description`, `sample/description`), read as scingestor reads it.</summary>
internal static class NexusTechniques
{
    /// <summary>Techniques from `experiment_description` (`technique:`, `techniques:`, `techniques_pids:`), else the application `definition`.</summary>
    public static IReadOnlyList<NexusTechnique> Of(string? experimentDescription, string? definition)
    {
        if (Mapping(experimentDescription) is { } yaml)
        {
            var names = new List<string>();
            var pids = new List<string?>();
            foreach (var key in new[] { "technique", "techniques" })
            {
                if (!yaml.Children.TryGetValue(new YamlScalarNode(key), out var node)) continue;
                foreach (var item in Items(node))
                {
                    if (item is YamlScalarNode { Value: { Length: > 0 } name })
                    {
                        names.Add(name);
                        pids.Add(null);
                    }
                    else if (item is YamlMappingNode technique && Scalar(technique, "name") is { } named)
                    {
                        names.Add(named);
                        pids.Add(Scalar(technique, "pid"));
                    }
                }
            }
            if (yaml.Children.TryGetValue(new YamlScalarNode("techniques_pids"), out var pidNode))
            {
                var i = 0;
                foreach (var pid in Items(pidNode).OfType<YamlScalarNode>())
                {
                    if (i < pids.Count) pids[i] ??= pid.Value;
                    i++;
                }
            }
            if (names.Count > 0) return [.. names.Select((n, i) => new NexusTechnique(n, pids[i]))];
        }
        return definition is { Length: > 0 } ? [new NexusTechnique(definition, null)] : [];
    }

    /// <summary>The first of <paramref name="keys"/> found in a YAML mapping held by <paramref name="text"/>; null when it is no mapping or has none.</summary>
    public static string? YamlValue(string? text, params string[] keys) =>
        Mapping(text) is { } yaml ? keys.Select(k => Scalar(yaml, k)).FirstOrDefault(v => v is not null) : null;

    private static YamlMappingNode? Mapping(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
        }
        catch (YamlException)
        {
            // Plain prose, not YAML: nothing to take from it.
            return null;
        }
    }

    private static IEnumerable<YamlNode> Items(YamlNode node) => node is YamlSequenceNode sequence ? sequence.Children : [node];

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;
}
