namespace FacilityFS.Catalog;

/// <summary>One dataset a scingestor list file names: a scan folder of the designated folder, or one entry of a multi-scan NeXus master.</summary>
/// <param name="Name">The dataset's name: the scan (its folder), or for "master::/entry;name" the name given after ';'.</param>
/// <param name="Tag">"scan:tag" asks for a re-ingest, once per tag; null for a plain line.</param>
/// <param name="Detectors">"scan det1 det2": extra folders (relative to the designated folder) whose files join the dataset.</param>
/// <param name="Master">"master::/entry;name": the master file's stem (beside the scan folders); null for a scan line.</param>
/// <param name="Entry">"master::/entry;name": the NXentry of the master that is this dataset.</param>
/// <param name="Measurement">The measurement open ("__command__ start NAME") when the line came: a keyword of the dataset.</param>
public sealed record ListedScan(string Name, string? Tag, IReadOnlyList<string> Detectors, string? Master, string? Entry, string? Measurement);

/// <summary>Scans between "__command__ start NAME" and "__command__ stop": one more dataset, complete once stopped.</summary>
public sealed record ListedMeasurement(string Name, IReadOnlyList<string> Scans);

/// <summary>What a whole list file says: every scan line (in order, repeats kept) and every stopped measurement; lines it cannot take, with the reason.</summary>
public sealed record ListFileContent(IReadOnlyList<ListedScan> Scans, IReadOnlyList<ListedMeasurement> Measurements, IReadOnlyList<string> Refused);

/// <summary>Reads scingestor's dataset list file (seeds-features §2.3): "scan", "scan:tag", "scan det1 det2", "master::/entry;name", "__command__ start NAME" / "stop".</summary>
public static class ListFileReader
{
    /// <summary>Parses the whole text; a line naming no usable folder is refused (reported once), never retried as a folder.</summary>
    public static ListFileContent Parse(string text)
    {
        var scans = new List<ListedScan>();
        var measurements = new List<ListedMeasurement>();
        var refused = new List<string>();
        (string Name, List<string> Scans)? open = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words[0] == "__command__")
            {
                if (words is [_, "start", var name, ..] && IsName(name)) open = (name, []);
                else if (words is [_, "stop", ..])
                {
                    // A measurement is complete when it is stopped; one still open waits for its stop line.
                    if (open is { } done) measurements.Add(new ListedMeasurement(done.Name, done.Scans));
                    open = null;
                }
                else refused.Add($"{line}: not a command this reader knows (start NAME, stop)");
                continue;
            }
            if (ParseScan(words, open?.Name) is not { } scan)
            {
                refused.Add($"{line}: not a scan name, \"scan:tag\", \"scan det1 det2\" or \"master::/entry;name\"");
                continue;
            }
            scans.Add(scan);
            open?.Scans.Add(scan.Name);
        }
        return new ListFileContent(scans, measurements, refused);
    }

    private static ListedScan? ParseScan(string[] words, string? measurement)
    {
        var first = words[0];
        var master = first.IndexOf("::", StringComparison.Ordinal);
        if (master >= 0)
        {
            // master::/entry;name — the name may carry a re-ingest tag as well (name:tag).
            var stem = first[..master];
            var rest = first[(master + 2)..];
            var semicolon = rest.IndexOf(';');
            if (semicolon < 0 || !IsName(stem)) return null;
            var (name, tag) = SplitTag(rest[(semicolon + 1)..]);
            var entry = rest[..semicolon];
            if (!IsName(name) || entry.Length == 0) return null;
            return new ListedScan(name, tag, [], stem, entry, measurement);
        }
        var (scan, scanTag) = SplitTag(first);
        if (!IsName(scan)) return null;
        var detectors = words[1..].Select(d => d.Trim('/')).ToList();
        if (detectors.Any(d => d.Length == 0 || d.Contains('\0'))) return null;
        return new ListedScan(scan, scanTag, detectors, null, null, measurement);
    }

    private static (string Name, string? Tag) SplitTag(string word)
    {
        var colon = word.IndexOf(':');
        return colon < 0 ? (word, null) : (word[..colon], word[(colon + 1)..] is { Length: > 0 } tag ? tag : null);
    }

    /// <summary>One folder or file name: no slash, not "." or "..".</summary>
    private static bool IsName(string name) => name.Length > 0 && name is not ("." or "..") && !name.Contains('/') && !name.Contains('\0');
}
