namespace FacilityFS.Catalog.Nexus;

/// <summary>What to take from a NeXus file, as scingestor's `nxsfileinfo metadata` switches say it: the entry, hidden attributes, 1-D arrays.</summary>
public sealed record NexusOptions
{
    /// <summary>scingestor's `hidden_attributes` default; `units` is hidden because it becomes each field's `unit`.</summary>
    public static readonly IReadOnlySet<string> DefaultHiddenAttributes = new HashSet<string>(StringComparer.Ordinal) { "nexdatas_source", "nexdatas_strategy", "units" };

    /// <summary>The NXentry to read; null takes the first NXentry of the file (in name order).</summary>
    public string? Entry { get; init; }

    /// <summary>Attributes left out of the metadata (of groups and of fields).</summary>
    public IReadOnlySet<string> HiddenAttributes { get; init; } = DefaultHiddenAttributes;

    /// <summary>Put 1-D arrays' values into the metadata (`--oned`); without it a 1-D field shows its shape only.</summary>
    public bool Oned { get; init; }

    /// <summary>With <see cref="Oned"/>: longer 1-D arrays show their range [min, max] (`--max-oned-size`).</summary>
    public int MaxOnedSize { get; init; } = 1024;

    /// <summary>Also make a PNG thumbnail of the entry's NXdata signal (`thumbnail: nexus` in a rule).</summary>
    public bool Thumbnail { get; init; }

    /// <summary>The most elements ever read from one field: larger fields are described by shape, so a metadata pass never reads the detector data.</summary>
    public long MaxElementsRead { get; init; } = 1 << 16;

    /// <summary>Groups deeper than this are not followed (soft links can make cycles).</summary>
    public int MaxDepth { get; init; } = 24;
}
