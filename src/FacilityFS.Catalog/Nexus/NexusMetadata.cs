using System.Text.Json.Nodes;

namespace FacilityFS.Catalog.Nexus;

/// <summary>What a NeXus master file gives a SciCat dataset: the entry tree as scientificMetadata plus the dataset fields scingestor derives from it.</summary>
/// <param name="Entry">The NXentry read.</param>
/// <param name="ScientificMetadata">The entry as nested objects: groups with their attributes, fields as `{value, unit}`.</param>
/// <param name="Description">`entry/title`.</param>
/// <param name="CreationTime">When the data was taken: `entry/end_time`, else `entry/start_time`.</param>
/// <param name="EndTime">`entry/end_time`.</param>
/// <param name="SampleId">`sample_id` (YAML) in `sample/description`, else the sample's name.</param>
/// <param name="Techniques">Technique names (and PaNET pids where given) from `experiment_description` or `definition`.</param>
/// <param name="Warnings">Values that could not be read, each naming its path; they were skipped.</param>
/// <param name="Thumbnail">A PNG of the NXdata signal as a data: URI, when asked for and there is one.</param>
public sealed record NexusMetadata(
    string Entry,
    JsonObject ScientificMetadata,
    string? Description,
    DateTimeOffset? CreationTime,
    DateTimeOffset? EndTime,
    string? SampleId,
    IReadOnlyList<NexusTechnique> Techniques,
    IReadOnlyList<string> Warnings,
    string? Thumbnail = null)
{
    /// <summary>The dataset fields this gives a SciCat RawDataset (only those the file has), as the catalog layers them over defaults and beamtime metadata.</summary>
    public JsonObject ToDatasetFields()
    {
        var fields = new JsonObject { ["scientificMetadata"] = ScientificMetadata.DeepClone() };
        if (Description is { Length: > 0 }) fields["description"] = Description;
        if (CreationTime is { } created) fields["creationTime"] = Iso(created);
        if (EndTime is { } end) fields["endTime"] = Iso(end);
        if (SampleId is { Length: > 0 }) fields["sampleId"] = SampleId;
        if (Techniques.Count > 0) fields["techniques"] = new JsonArray([.. Techniques.Select(t => (JsonNode)t.ToJson())]);
        return fields;
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One technique of a dataset, as SciCat's `techniques` holds it.</summary>
public sealed record NexusTechnique(string Name, string? Pid)
{
    public JsonObject ToJson() => Pid is null ? new JsonObject { ["name"] = Name } : new JsonObject { ["name"] = Name, ["pid"] = Pid };
}

/// <summary>A file that is not HDF5, has no NXentry (or not the one asked for), or is too damaged to read at all.</summary>
public sealed class NexusException(string message, Exception? inner = null) : Exception(message, inner);
