using System.Globalization;
using System.Text.RegularExpressions;

namespace FacilityFS.Cli.Mounting;

/// <summary>Sizes on the command line: a number of bytes, or with K, M, G or T (powers of 1024).</summary>
public static partial class ByteSize
{
    public static long Parse(string text, string option)
    {
        var m = Pattern().Match(text.Trim());
        if (!m.Success || !long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new UsageException($"{option}: '{text}' is not a size such as 512M, 10G or 1073741824");
        var shift = m.Groups[2].Value.ToUpperInvariant() switch
        {
            "K" => 10,
            "M" => 20,
            "G" => 30,
            "T" => 40,
            _ => 0,
        };
        return n << shift;
    }

    [GeneratedRegex("^([0-9]+)([KkMmGgTt]?)(?:i?B)?$")]
    private static partial Regex Pattern();
}
