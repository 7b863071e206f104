using System.Diagnostics.Metrics;

namespace FacilityFS.Storage;

/// <summary>What the storage client counts, as .NET metric instruments (meter "FacilityFS.Storage"); exporters listen, this layer knows none.</summary>
public static class StorageMetrics
{
    public const string MeterName = "FacilityFS.Storage";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>HTTP responses by method and status code (each hop of a redirect and each retry counts).</summary>
    public static Counter<long> Responses { get; } = Meter.CreateCounter<long>("http_responses");

    public static void Response(string method, int status) =>
        Responses.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("code", status));
}
