using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FacilityFS.Storage;

namespace FacilityFS.Catalog;

/// <summary>When a dataset written through the mount counts as complete.</summary>
public enum CompletionRule
{
    /// <summary>No new committed file in the dataset for the idle time.</summary>
    Idle,
    /// <summary>A marker file (e.g. ".complete") was committed in the dataset's folder.</summary>
    Marker,
    /// <summary>scingestor's protocol: a line naming the scan was added to the list file in the designated folder.</summary>
    ListFile,
}

/// <summary>One rule: which folders of the mount hold datasets, how deep a dataset's folder is, when it is complete, and the fields it starts from.</summary>
/// <param name="Folders">A glob relative to the mount root ('*' one name, '**' any depth) naming the designated folders.</param>
/// <param name="Depth">How many folder levels below a designated folder a dataset's folder is (1: its subfolders).</param>
/// <param name="Thumbnail">Attach the first PNG of the dataset's folder as its thumbnail.</param>
/// <param name="Update">What a re-ingest ("scan:tag" in the list file) does to a registered dataset.</param>
public sealed record CatalogRule(string Folders, int Depth, CompletionRule Complete, TimeSpan Idle, string Marker, string ListFile, JsonObject Defaults,
    bool Thumbnail = false, UpdateStrategy Update = UpdateStrategy.Patch)
{
    // Caches keyed by what they were made from: a `with` copy carries them along, and must not match by its original's globs.
    private (string Folders, Regex Regex)? _pattern;
    private (IReadOnlyList<string> Skip, Regex Regex)? _skip;

    /// <summary>scingestor's datablock skip list and the usual temporaries: editor backups, swap and temp files, list files, hidden files, generated metadata.</summary>
    public static IReadOnlyList<string> DefaultSkip { get; } = ["*~", "*.tmp", "*.swp", "*.lst", ".*", "*.pyc", "*.scan.json", "*.origdatablock.json", "*.attachment.json"];

    /// <summary>Globs of file names ('*', '?'; with a '/' of paths relative to the dataset folder) that are not data files.</summary>
    public IReadOnlyList<string> Skip { get; init; } = DefaultSkip;

    /// <summary>Extensions of a scan's master file beside its folder (scingestor's master_file_extension_list), first found wins.</summary>
    public IReadOnlyList<string> MasterExtensions { get; init; } = ["nxs", "h5", "ndf", "nx", "fio"];

    /// <summary>Scientific metadata from the dataset's NeXus master file (`metadata: nexus`), with what to take from it; null reads no master.</summary>
    public Nexus.NexusOptions? Nexus { get; init; }

    /// <summary>How beamtime metadata maps to fields and the pid.</summary>
    public BeamtimeTemplates Templates { get; init; } = BeamtimeTemplates.Scingestor;

    /// <summary>Whether a file (its path relative to the dataset folder) is kept out of the dataset by <see cref="Skip"/>.</summary>
    public bool Skips(string relative)
    {
        if (Skip.Count == 0) return false;
        if (_skip is not { } cached || !ReferenceEquals(cached.Skip, Skip))
            _skip = cached = (Skip, new Regex("^(?:" + string.Join('|', Skip.Select(g => Regex.Escape(g).Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]"))) + ")$", RegexOptions.CultureInvariant));
        var name = relative[(relative.LastIndexOf('/') + 1)..];
        return cached.Regex.IsMatch(name) || cached.Regex.IsMatch(relative);
    }

    private Regex Pattern
    {
        get
        {
            if (_pattern is not { } cached || cached.Folders != Folders)
                _pattern = cached = (Folders, new Regex("^" + Regex.Escape(Folders.Trim('/')).Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*") + "$", RegexOptions.CultureInvariant));
            return cached.Regex;
        }
    }

    /// <summary>The dataset folder a committed file belongs to under this rule, relative paths from <paramref name="root"/>; null when the rule does not cover it.</summary>
    public RemotePath? DatasetOf(RemotePath root, RemotePath file)
    {
        if (!file.IsSameOrUnder(root)) return null;
        var segments = file.RelativeTo(root).Split('/');
        // The designated folder is the longest prefix the glob matches that still leaves the dataset's levels and the file's own name.
        for (var length = segments.Length - 1 - Depth; length >= 1; length--)
        {
            if (!Pattern.IsMatch(string.Join('/', segments[..length]))) continue;
            return root.Combine(string.Join('/', segments[..(length + Depth)]));
        }
        return null;
    }

    /// <summary>Whether <paramref name="folder"/> is one of this rule's designated folders.</summary>
    public bool IsDesignated(RemotePath root, RemotePath folder) => folder.IsSameOrUnder(root) && folder != root && Pattern.IsMatch(folder.RelativeTo(root));

    /// <summary>Where a walk for designated folders starts (the glob's leading plain names) and how many levels below the root it goes at most.</summary>
    public (RemotePath Start, int MaxDepth) WalkBounds(RemotePath root)
    {
        var segments = Folders.Trim('/').Split('/');
        var plain = segments.TakeWhile(s => !s.Contains('*')).ToList();
        var start = plain.Count == 0 ? root : root.Combine(string.Join('/', plain));
        // '**' matches any depth: a walk still stops somewhere, deep enough for beamline trees.
        var depth = segments.Contains("**") || segments.Any(s => s.Contains("**")) ? segments.Length + 8 : segments.Length;
        return (start, depth);
    }

    /// <summary>The designated folder of a list file (the folder holding it), when this rule uses one and the path is one.</summary>
    public RemotePath? DesignatedOfListFile(RemotePath root, RemotePath file)
    {
        if (Complete != CompletionRule.ListFile || file.Name != ListFile || !file.IsSameOrUnder(root)) return null;
        var folder = file.Parent.RelativeTo(root);
        return Pattern.IsMatch(folder) ? file.Parent : null;
    }
}
