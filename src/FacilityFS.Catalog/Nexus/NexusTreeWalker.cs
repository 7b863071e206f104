using System.Text.Json.Nodes;
using PureHDF;

namespace FacilityFS.Catalog.Nexus;

/// <summary>Walks one NXentry into nested JSON: a group becomes an object of its attributes and children, a field `{value, unit, …attributes}`.</summary>
internal sealed class NexusTreeWalker(NexusOptions options, List<string> warnings)
{
    /// <summary>A group's `NX_class` attribute, or null.</summary>
    public static string? ClassOf(IH5Object group) => Attribute(group, "NX_class");

    public JsonObject Group(IH5Group group, string path, int depth)
    {
        var result = new JsonObject();
        AddAttributes(group, path, result);
        if (depth >= options.MaxDepth)
        {
            warnings.Add($"{path}: deeper than {options.MaxDepth} groups; not followed");
            return result;
        }
        foreach (var child in Children(group, path))
        {
            var childPath = path + "/" + child.Name;
            try
            {
                var node = child switch
                {
                    IH5Group inner => Group(inner, childPath, depth + 1),
                    IH5Dataset field => Field(field, childPath),
                    IH5UnresolvedLink link => Skip(childPath, $"link cannot be followed ({link.Reason?.Message})"),
                    _ => null,
                };
                if (node is not null) result[child.Name] = node;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Skip(childPath, e.Message);
            }
        }
        return result;
    }

    /// <summary>A group's children in name order; a damaged link table gives a warning and none.</summary>
    public IReadOnlyList<IH5Object> Children(IH5Group group, string? path = null)
    {
        try
        {
            return [.. group.Children().OrderBy(c => c.Name, StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (path is not null) Skip(path, $"its members cannot be listed ({e.Message})");
            return [];
        }
    }

    /// <summary>An attribute as text (numbers as they print, arrays joined by commas), or null when absent or unreadable.</summary>
    public static string? Attribute(IH5Object owner, string name)
    {
        try
        {
            if (!owner.AttributeExists(name)) return null;
            var attribute = owner.Attribute(name);
            var values = NexusValues.ReadAll(attribute.Type, new AttributeSource(attribute));
            return values is null ? null : string.Join(",", values.Select(v => v is JsonValue value && value.TryGetValue<string>(out var text) ? text : v?.ToJsonString()));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>A text field's value under a group (e.g. `title`), or null when absent or not text.</summary>
    public string? Text(IH5Group group, string name)
    {
        try
        {
            if (!group.LinkExists(name) || group.Get(name) is not IH5Dataset field || NexusValues.CountOf(field.Space) != 1) return null;
            return NexusValues.ReadAll(field.Type, new DatasetSource(field))?[0] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    private JsonObject? Field(IH5Dataset field, string path)
    {
        var result = new JsonObject();
        var count = NexusValues.CountOf(field.Space);
        var shape = field.Space.Type == H5DataspaceType.Scalar ? [] : field.Space.Dimensions;
        if (count == 1)
        {
            result["value"] = ReadValues(field, path, count)?[0];
        }
        else if (shape.Length == 1 && options.Oned && count <= (ulong)options.MaxElementsRead)
        {
            var values = ReadValues(field, path, count);
            if (values is not null && count <= (ulong)options.MaxOnedSize) result["value"] = new JsonArray(values);
            // Too long to list: its range, as nxsfileinfo gives it past --max-oned-size.
            else if (values is not null && NexusValues.IsNumeric(field.Type)) result["value"] = new JsonArray(Min(values), Max(values));
        }
        if (Unit(field) is { } unit) result["unit"] = unit;
        if (count != 1) result["shape"] = new JsonArray([.. shape.Select(d => (JsonNode?)JsonValue.Create(d))]);
        AddAttributes(field, path, result);
        return result;
    }

    private JsonNode?[]? ReadValues(IH5Dataset field, string path, ulong count)
    {
        var values = NexusValues.ReadAll(field.Type, new DatasetSource(field));
        if (values is null) Skip(path, $"its type ({field.Type.Class}) is not read into metadata");
        return values is not null && (ulong)values.Length == count ? values : null;
    }

    private static string? Unit(IH5Object field)
    {
        try
        {
            if (!field.AttributeExists("units")) return null;
            var attribute = field.Attribute("units");
            return NexusValues.ReadAll(attribute.Type, new AttributeSource(attribute)) is [JsonValue value] && value.TryGetValue<string>(out var text) ? text : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    private void AddAttributes(IH5Object owner, string path, JsonObject into)
    {
        IEnumerable<IH5Attribute> attributes;
        try
        {
            attributes = [.. owner.Attributes()];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Skip(path, $"its attributes cannot be read ({e.Message})");
            return;
        }
        foreach (var attribute in attributes.OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            if (options.HiddenAttributes.Contains(attribute.Name) || into.ContainsKey(attribute.Name)) continue;
            try
            {
                var count = NexusValues.CountOf(attribute.Space);
                if (count == 0 || count > (ulong)options.MaxOnedSize) continue;
                var values = NexusValues.ReadAll(attribute.Type, new AttributeSource(attribute));
                if (values is null) continue;
                into[attribute.Name] = values.Length == 1 ? values[0] : new JsonArray(values);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Skip($"{path}@{attribute.Name}", e.Message);
            }
        }
    }

    private JsonNode? Skip(string path, string why)
    {
        warnings.Add($"{path}: {why}; skipped");
        return null;
    }

    private static JsonNode? Min(JsonNode?[] values) => values.MinBy(NexusValues.ToDouble)?.DeepClone();

    private static JsonNode? Max(JsonNode?[] values) => values.MaxBy(NexusValues.ToDouble)?.DeepClone();
}
