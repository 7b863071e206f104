using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FacilityFS.Catalog;

/// <summary>Compares JSON values as the backend stores them: dates as instants ("…09:00:00Z" is "…09:00:00.000Z"), numbers as numbers, objects key by key.</summary>
public static class JsonValues
{
    public static bool SameValue(JsonNode? ours, JsonNode? theirs)
    {
        switch (ours, theirs)
        {
            case (null, null):
                return true;
            case (JsonObject a, JsonObject b):
                return a.Count == b.Count && a.All(p => b.TryGetPropertyValue(p.Key, out var other) && SameValue(p.Value, other));
            case (JsonArray a, JsonArray b):
                return a.Count == b.Count && a.Zip(b).All(p => SameValue(p.First, p.Second));
            case (JsonValue a, JsonValue b):
                if (Number(a) is { } x && Number(b) is { } y) return x == y;
                if (a.GetValueKind() == JsonValueKind.String && b.GetValueKind() == JsonValueKind.String)
                {
                    var (s, t) = (a.ToString(), b.ToString());
                    if (s == t) return true;
                    return Instant(s) is { } i && Instant(t) is { } j && i == j;
                }
                return JsonNode.DeepEquals(a, b);
            default:
                return false;
        }
    }

    /// <summary>A JSON number's value; null for anything else.</summary>
    public static decimal? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>An ISO 8601 date-time with a 'T' and a zone, as an instant; null for any other text.</summary>
    public static DateTimeOffset? Instant(string text) =>
        text.Length >= 19 && text[10] == 'T' && (text.EndsWith('Z') || text[^6] is '+' or '-')
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var instant) ? instant : null;
}
