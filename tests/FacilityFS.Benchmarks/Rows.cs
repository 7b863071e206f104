namespace FacilityFS.Benchmarks;

/// <summary>Which benchmark rows run: all, or those named in FFS_BENCH (comma-separated, e.g. FFS_BENCH=random,slabs).</summary>
internal static class Rows
{
    public static readonly string[] Known = ["get", "put", "listing", "dd", "small", "lsrw", "cold", "reread", "random", "ls", "rss", "nexus", "slabs", "startup", "watch", "https", "readers", "writes"];

    private static readonly HashSet<string>? Chosen = Parse(Environment.GetEnvironmentVariable("FFS_BENCH"));

    private static HashSet<string>? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var unknown = names.Except(Known).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"FFS_BENCH names unknown rows {string.Join(", ", unknown)}; known rows: {string.Join(", ", Known)}");
        return names;
    }

    public static bool Wants(params string[] rows) => Chosen is null || rows.Any(Chosen.Contains);
}
