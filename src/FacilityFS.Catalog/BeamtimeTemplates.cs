using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FacilityFS.Catalog;

/// <summary>How beamtime metadata becomes dataset fields that scingestor builds from templates; "{a|b}" takes b when the beamtime has no a.</summary>
/// <param name="ProposalId">scingestor's scicat_proposal_id_pattern.</param>
/// <param name="CreationLocation">nxsfileinfo's creationLocation ("/{facility}/{beamlineAlias}").</param>
/// <param name="InstrumentId">nxsfileinfo's instrumentId, written lower-case as scingestor does.</param>
/// <param name="Pid">The dataset's pid ("{beamtimeId}/{scan}", with a dataset_pid_prefix in front); null lets the server choose (an account that may not choose pids).</param>
public sealed partial record BeamtimeTemplates(string ProposalId, string CreationLocation, string InstrumentId, string? Pid = null)
{
    /// <summary>scingestor's defaults.</summary>
    public static BeamtimeTemplates Scingestor { get; } = new("{proposalId}.{beamtimeId}", "/{facility}/{beamlineAlias|beamline}", "/{facility}/{beamline}");

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*(?:\|[A-Za-z_][A-Za-z0-9_]*)*)\}")]
    private static partial Regex Placeholder();

    /// <summary>The placeholders a template may use: the beamtime's top-level text fields, plus "scan" (the dataset's name).</summary>
    public static string? Fill(string template, JsonObject? beamtime, string? scan = null)
    {
        var missing = false;
        var filled = Placeholder().Replace(template, match =>
        {
            foreach (var name in match.Groups[1].Value.Split('|'))
            {
                if (name == "scan" && scan is not null) return scan;
                if (beamtime?[name] is JsonValue value && value.ToString() is { Length: > 0 } text) return text;
            }
            missing = true;
            return "";
        });
        return missing ? null : filled;
    }

    /// <summary>The placeholders of a template no beamtime or scan could fill (for a clear error naming them).</summary>
    public static IReadOnlyList<string> Names(string template) => [.. Placeholder().Matches(template).Select(m => m.Groups[1].Value)];
}
