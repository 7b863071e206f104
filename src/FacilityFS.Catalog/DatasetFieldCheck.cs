using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FacilityFS.Catalog;

/// <summary>The backend's DTO rules for a v3 raw dataset's field types and formats, checked before anything is sent: a bad value is refused here by name, not by a 400 (or silently nulled, as a non-ISO endTime is).</summary>
public static class DatasetFieldCheck
{
    private static readonly string[] Texts =
        ["ownerGroup", "owner", "sourceFolder", "principalInvestigator", "creationLocation", "datasetName", "description", "proposalId", "sampleId", "instrumentId",
         "instrumentGroup", "orcidOfOwner", "license", "validationStatus", "dataFormat", "comment", "runNumber", "pid", "sourceFolderHost", "type"];
    private static readonly string[] Dates = ["creationTime", "startTime", "endTime"];
    private static readonly string[] Integers = ["size", "packedSize", "numberOfFiles", "numberOfFilesArchived"];
    private static readonly string[] TextLists = ["accessGroups", "keywords", "sharedWith"];

    /// <summary>What is wrong with each field, as "field: what"; empty when the dataset would pass the backend's validation of types and formats.</summary>
    public static IReadOnlyList<string> Problems(JsonObject dataset)
    {
        var problems = new List<string>();
        foreach (var key in Texts)
            if (dataset[key] is { } node && !IsText(node)) problems.Add($"{key}: {Show(node)} is not text (a group or name is written as a string, e.g. \"{Show(node).Trim('"')}\" in quotes)");
        foreach (var key in Dates)
        {
            if (dataset[key] is not { } node) continue;
            if (!IsText(node) || JsonValues.Instant(node.ToString()) is null && !IsIsoDate(node.ToString()))
                problems.Add($"{key}: {Show(node)} is not an ISO 8601 date and time (e.g. 2026-12-01T10:00:00Z)");
        }
        foreach (var key in Integers)
            if (dataset[key] is { } node && !(node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
                problems.Add($"{key}: {Show(node)} is not a whole number");
        foreach (var key in TextLists)
            if (dataset[key] is { } node && !(node is JsonArray list && list.All(i => i is not null && IsText(i))))
                problems.Add($"{key}: {Show(node)} is not a list of strings");
        if (dataset["contactEmail"] is { } contact && (!IsText(contact) || !contact.ToString().Split(';').All(e => IsEmail(e.Trim()))))
            problems.Add($"contactEmail: {Show(contact)} is not an e-mail address or a ';'-separated list of them");
        if (dataset["ownerEmail"] is { } owner && (!IsText(owner) || !IsEmail(owner.ToString())))
            problems.Add($"ownerEmail: {Show(owner)} is not an e-mail address");
        if (dataset["isPublished"] is { } published && !(published is JsonValue p && p.GetValueKind() is JsonValueKind.True or JsonValueKind.False))
            problems.Add($"isPublished: {Show(published)} is not true or false");
        if (dataset["scientificMetadata"] is { } metadata && metadata is not JsonObject)
            problems.Add($"scientificMetadata: {Show(metadata)} is not an object of named values");
        return problems;
    }

    private static bool IsText(JsonNode node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String;

    /// <summary>A date the backend's IsDateString takes without a zone (taken as server-local): 2026-12-01 or 2026-12-01T10:00:00.</summary>
    private static bool IsIsoDate(string text) =>
        DateTime.TryParseExact(text, ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture,
            DateTimeStyles.None, out _);

    /// <summary>The shape class-validator's IsEmail wants, roughly: one '@', a dotted domain, no spaces.</summary>
    private static bool IsEmail(string text)
    {
        var at = text.IndexOf('@');
        return at > 0 && at == text.LastIndexOf('@') && text.IndexOf('.', at) > at + 1 && !text.EndsWith('.') && !text.Any(char.IsWhiteSpace);
    }

    private static string Show(JsonNode node)
    {
        var text = node.ToJsonString();
        return text.Length > 60 ? text[..57] + "..." : text;
    }
}
