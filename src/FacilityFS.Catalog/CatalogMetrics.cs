using System.Diagnostics.Metrics;

namespace FacilityFS.Catalog;

/// <summary>What the catalog hook counts, as .NET metric instruments (meter "FacilityFS.Catalog"); exporters listen, this layer knows none.</summary>
public static class CatalogMetrics
{
    public const string MeterName = "FacilityFS.Catalog";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Datasets registered (created or registered afresh) in the catalog.</summary>
    public static Counter<long> Registrations { get; } = Meter.CreateCounter<long>("registrations");
}
