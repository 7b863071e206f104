using System.Globalization;

namespace FacilityFS.Benchmarks;

/// <summary>Prints one benchmark line: both figures, the ratio, and whether the issue's target is met.</summary>
internal static class Report
{
    /// <summary>A throughput comparison: bytes moved in each time; ratio = ours / peer throughput.</summary>
    public static void Throughput(string what, long bytes, TimeSpan ours, string peerName, TimeSpan peer, double target)
    {
        double Rate(TimeSpan t) => bytes / t.TotalSeconds / (1 << 20);
        Line(what, $"facilityfs {Rate(ours),8:F1} MiB/s ({ours.TotalSeconds:F2} s)", $"{peerName} {Rate(peer),8:F1} MiB/s ({peer.TotalSeconds:F2} s)",
            Rate(ours) / Rate(peer), target);
    }

    /// <summary>A time comparison: ratio = peer time / our time (above 1 means we are faster).</summary>
    public static void Speedup(string what, TimeSpan ours, string peerName, TimeSpan peer, double target) =>
        Line(what, $"facilityfs {ours.TotalSeconds,8:F3} s", $"{peerName} {peer.TotalSeconds,8:F3} s", peer / ours, target);

    public static void Limit(string what, double value, string unit, double limit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-28} facilityfs {value,8:F1} {unit}   (target ≤ {limit:0.##} {unit}) {(value <= limit ? "ok" : "ABOVE TARGET")}"));

    private static void Line(string what, string ours, string peer, double ratio, double target) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-28} {ours}   {peer}   ratio {ratio:F2} (target ≥ {target:F2}) {(ratio >= target ? "ok" : "BELOW TARGET")}"));
}
