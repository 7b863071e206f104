using System.Globalization;
using System.Text.Json.Nodes;
using PureHDF;

namespace FacilityFS.Catalog.Nexus;

/// <summary>Reads the scientific metadata of a NeXus/HDF5 master file the way scingestor's `nxsfileinfo metadata` gives it: the NXentry tree, fields as `{value, unit}`.</summary>
/// <remarks>Only headers, attributes and small fields are read (PureHDF seeks); large fields are described by their shape, so a 1 GB master costs a few MB of reads.
/// A field that cannot be read is named in a warning and skipped: a damaged corner never keeps the rest out of the catalog.</remarks>
public static class NexusMetadataReader
{
    /// <summary>Reads from a seekable stream; <paramref name="fileName"/> names the file in errors and warnings.</summary>
    public static NexusMetadata Read(Stream stream, string fileName, NexusOptions options)
    {
        NexusFile file;
        try
        {
            file = new NexusFile(H5File.Open(stream, leaveOpen: true));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new NexusException($"{fileName}: not an HDF5 file, or damaged ({e.Message})", e);
        }
        using (file)
        {
            var warnings = new List<string>();
            var (name, entry) = FindEntry(file.Root, fileName, options.Entry);
            var walker = new NexusTreeWalker(options, warnings);
            var tree = walker.Group(entry, name, depth: 0);
            var metadata = new JsonObject { ["name"] = name };
            foreach (var (key, value) in tree.ToList())
            {
                tree.Remove(key);
                metadata[key] = value;
            }
            var title = walker.Text(entry, "title");
            var start = Time(walker.Text(entry, "start_time"));
            var end = Time(walker.Text(entry, "end_time"));
            var techniques = NexusTechniques.Of(walker.Text(entry, "experiment_description"), walker.Text(entry, "definition"));
            var thumbnail = options.Thumbnail ? NexusThumbnail.Make(entry, name, walker, warnings) : null;
            return new NexusMetadata(name, metadata, title, end ?? start, end, SampleIdOf(entry, walker), techniques, warnings, thumbnail);
        }
    }

    /// <summary>Reads a local file.</summary>
    public static NexusMetadata Read(string path, NexusOptions options)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.RandomAccess);
        return Read(stream, path, options);
    }

    private static (string Name, IH5Group Entry) FindEntry(IH5Group root, string fileName, string? wanted)
    {
        if (wanted is not null)
        {
            try
            {
                if (root.LinkExists(wanted) && root.Get(wanted) is IH5Group named) return (wanted, named);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new NexusException($"{fileName}: entry {wanted} cannot be read ({e.Message})", e);
            }
            throw new NexusException($"{fileName}: no entry {wanted} (entries: {string.Join(", ", Entries(root).Select(e => e.Name))})");
        }
        var first = Entries(root).FirstOrDefault();
        return first.Entry is null ? throw new NexusException($"{fileName}: no NXentry group at the top of the file") : first;
    }

    /// <summary>The top-level groups whose NX_class is NXentry, in name order (what `nxsfileinfo` takes as "the first entry").</summary>
    private static IEnumerable<(string Name, IH5Group Entry)> Entries(IH5Group root)
    {
        var entries = new List<(string, IH5Group)>();
        foreach (var child in root.Children())
        {
            if (child is IH5Group group && NexusTreeWalker.ClassOf(group) == "NXentry") entries.Add((child.Name, group));
        }
        return entries.OrderBy(e => e.Item1, StringComparer.Ordinal);
    }

    private static string? SampleIdOf(IH5Group entry, NexusTreeWalker walker)
    {
        IH5Group? sample = null;
        foreach (var child in walker.Children(entry))
        {
            if (child is IH5Group group && (NexusTreeWalker.ClassOf(group) == "NXsample" || child.Name == "sample"))
            {
                sample = group;
                break;
            }
        }
        if (sample is null) return null;
        var fromDescription = NexusTechniques.YamlValue(walker.Text(sample, "description"), "sample_id", "sampleId");
        return fromDescription ?? walker.Text(sample, "name");
    }

    private static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    /// <summary>Owns the opened file; PureHDF's file type is disposable but its static type here is the root group.</summary>
    private sealed class NexusFile(IH5Group root) : IDisposable
    {
        public IH5Group Root { get; } = root;

        public void Dispose() => (Root as IDisposable)?.Dispose();
    }
}
