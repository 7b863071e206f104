using System.Text.Json.Nodes;

namespace FacilityFS.Catalog;

/// <summary>Builds a v3 RawDataset from the rule's defaults, a beamtime metadata file (mapped as scingestor maps it) and a sidecar, later sources winning; never posts one half-filled.</summary>
public static class DatasetBuilder
{
    /// <summary>What the backend requires of a raw dataset (datasetName it would fill in, but a named one is clearer).</summary>
    public static readonly string[] Required =
        ["type", "ownerGroup", "owner", "contactEmail", "sourceFolder", "creationTime", "principalInvestigator", "creationLocation", "datasetName"];

    /// <summary>The top-level fields the v3 RawDataset accepts; anything else the backend refuses with 400, so it is refused here first, by name.</summary>
    public static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "pid", "type", "ownerGroup", "accessGroups", "instrumentGroup", "owner", "ownerEmail", "orcidOfOwner", "contactEmail", "sourceFolder",
        "sourceFolderHost", "size", "packedSize", "numberOfFiles", "numberOfFilesArchived", "creationTime", "validationStatus", "keywords",
        "description", "datasetName", "classification", "license", "isPublished", "techniques", "sharedWith", "relationships", "datasetlifecycle",
        "scientificMetadata", "comment", "dataQualityMetrics", "principalInvestigator", "startTime", "endTime", "creationLocation", "dataFormat",
        "proposalId", "sampleId", "instrumentId", "runNumber",
    };

    /// <param name="sourceFolder">The dataset's folder on the storage: what SciCat records and archiving reads.</param>
    /// <param name="files">The dataset's files, for size and count.</param>
    /// <exception cref="DatasetIncompleteException">A required field is missing or a field is unknown; names them and where they could come from.</exception>
    /// <param name="templates">How beamtime metadata maps to proposalId, creationLocation, instrumentId and pid; scingestor's when null.</param>
    /// <param name="nexus">Fields from the dataset's NeXus master file (scientificMetadata, description, times, sample, techniques): over the beamtime's, under the sidecar's.</param>
    public static JsonObject Build(JsonObject? defaults, JsonObject? beamtime, JsonObject? sidecar, string sourceFolder, string datasetName,
        IReadOnlyList<DataFileEntry> files, string? source = null, BeamtimeTemplates? templates = null, JsonObject? nexus = null)
    {
        var dataset = new JsonObject { ["type"] = "raw", ["isPublished"] = false };
        // Where each field came from, for an error that says which file to fix.
        var origin = new Dictionary<string, string>(StringComparer.Ordinal);
        void From(JsonObject? part, string label)
        {
            if (part is null) return;
            Merge(dataset, part);
            foreach (var key in part.Select(p => p.Key)) origin[key] = label;
        }
        From(defaults, "the catalog's or rule's defaults");
        if (beamtime is not null) From(FromBeamtime(beamtime, templates), "the beamtime metadata");
        From(nexus, "the NeXus master file");
        if ((templates ?? BeamtimeTemplates.Scingestor).Pid is { } pidTemplate)
        {
            dataset["pid"] = BeamtimeTemplates.Fill(pidTemplate, beamtime, datasetName)
                ?? throw new DatasetIncompleteException($"{source ?? sourceFolder}: cannot register: the pid template '{pidTemplate}' needs {string.Join(", ", BeamtimeTemplates.Names(pidTemplate))} from the beamtime metadata");
        }
        From(sidecar, StorageFolder.Sidecar);
        dataset["sourceFolder"] = sourceFolder;
        dataset["datasetName"] ??= datasetName;
        dataset["size"] = files.Sum(f => f.Size);
        dataset["numberOfFiles"] = files.Count;
        if (dataset["creationTime"] is null && files.Count > 0)
            dataset["creationTime"] = files.Max(f => f.Time).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var unknown = dataset.Select(p => p.Key).Where(k => !Allowed.Contains(k)).ToList();
        var missing = Required.Where(k => dataset[k] is null || (dataset[k] is JsonValue v && v.ToString().Length == 0)).ToList();
        var wrong = DatasetFieldCheck.Problems(dataset);
        if (unknown.Count > 0 || missing.Count > 0 || wrong.Count > 0)
        {
            var problems = new List<string>();
            foreach (var problem in wrong)
                problems.Add(origin.GetValueOrDefault(problem[..problem.IndexOf(':')]) is { } from ? $"{problem} (from {from})" : problem);
            if (missing.Count > 0) problems.Add($"missing {string.Join(", ", missing)} (give them in the rule's defaults, the beamtime metadata or dataset.json)");
            if (unknown.Count > 0) problems.Add($"unknown to SciCat: {string.Join(", ", unknown)} (put such values under scientificMetadata)");
            throw new DatasetIncompleteException($"{source ?? sourceFolder}: cannot register: {string.Join("; ", problems)}");
        }
        return dataset;
    }

    /// <summary>The fields a beamtime-metadata-*.json gives, as scingestor (nxsfileinfo) maps them.</summary>
    public static JsonObject FromBeamtime(JsonObject beamtime, BeamtimeTemplates? templates = null)
    {
        templates ??= BeamtimeTemplates.Scingestor;
        string? Text(params string[] path)
        {
            JsonNode? node = beamtime;
            foreach (var step in path) node = node?[step];
            return node is JsonValue value ? value.ToString() : null;
        }
        var id = Text("beamtimeId");
        var beamline = Text("beamline");
        var result = new JsonObject
        {
            ["principalInvestigator"] = Text("applicant", "email"),
            ["owner"] = Text("leader", "lastname") ?? Text("applicant", "lastname"),
            ["ownerEmail"] = Text("leader", "email") ?? Text("applicant", "email"),
            ["contactEmail"] = Text("pi", "email") ?? Text("applicant", "email"),
            ["description"] = Text("title"),
            ["proposalId"] = BeamtimeTemplates.Fill(templates.ProposalId, beamtime),
            ["instrumentId"] = BeamtimeTemplates.Fill(templates.InstrumentId, beamtime)?.ToLowerInvariant(),
            ["endTime"] = Text("eventEnd"),
            ["ownerGroup"] = Text("ownerGroup") ?? (id is null ? null : $"{id}-dmgt"),
            ["creationLocation"] = BeamtimeTemplates.Fill(templates.CreationLocation, beamtime),
        };
        if (beamtime["accessGroups"] is JsonArray groups) result["accessGroups"] = groups.DeepClone();
        else if (id is not null && beamline is not null)
            result["accessGroups"] = new JsonArray($"{id}-dmgt", $"{id}-clbt", $"{id}-part", $"{beamline}dmgt", $"{beamline}staff");
        if (id is not null) result["scientificMetadata"] = new JsonObject { ["beamtimeId"] = id, ["DOOR_proposalId"] = Text("proposalId") };
        foreach (var key in result.Where(p => p.Value is null).Select(p => p.Key).ToList()) result.Remove(key);
        return result;
    }

    /// <summary>Copies <paramref name="from"/> into <paramref name="into"/>; scientificMetadata objects merge key by key, everything else is replaced.</summary>
    private static void Merge(JsonObject into, JsonObject? from)
    {
        if (from is null) return;
        foreach (var (key, value) in from)
        {
            if (key == "scientificMetadata" && into[key] is JsonObject existing && value is JsonObject added)
                foreach (var (k, v) in added) existing[k] = v?.DeepClone();
            else into[key] = value?.DeepClone();
        }
    }
}

/// <summary>A dataset cannot be built from what is known about it; it is marked failed with this reason, never posted half-filled.</summary>
public sealed class DatasetIncompleteException(string message) : Exception(message);
