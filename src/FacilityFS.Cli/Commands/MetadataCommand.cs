using System.CommandLine;
using System.Text.Json;
using FacilityFS.Catalog.Nexus;
using FacilityFS.Cli.Output;
using FacilityFS.Storage;

namespace FacilityFS.Cli.Commands;

/// <summary>`metadata FILE`: the scientific metadata a NeXus/HDF5 file would give its SciCat dataset, for a local file or one on the storage (read by ranges, never whole).</summary>
internal static class MetadataCommand
{
    // '+' in times and '<' in values stay readable; control characters are still escaped.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions OneLine = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "A NeXus/HDF5 file: a local path, or name:path / URL on a storage" };
        var entry = new Option<string?>("--entry", "-e") { Description = "The NXentry to read (default: the first)" };
        var oned = new Option<bool>("--oned") { Description = "Put the values of 1-D fields into the metadata" };
        var maxOned = new Option<int?>("--max-oned-size") { Description = "With --oned: longer 1-D fields show their range [min, max] (default 1024)" };
        var hidden = new Option<string?>("--hidden-attributes", "-n") { Description = "Comma-separated attributes to leave out (default nexdatas_source,nexdatas_strategy,units)" };
        var thumbnail = new Option<string?>("--thumbnail") { Description = "Also write the thumbnail of the NXdata signal (plot or first frame) to this PNG file" };
        var json = GlobalOptions.Json();
        var command = new Command("metadata", "Show the scientific metadata a NeXus/HDF5 file gives its SciCat dataset") { file, entry, oned, maxOned, hidden, thumbnail, json };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var options = new NexusOptions
            {
                Entry = parse.GetValue(entry),
                Oned = parse.GetValue(oned),
                Thumbnail = parse.GetValue(thumbnail) is not null,
                MaxOnedSize = parse.GetValue(maxOned) ?? new NexusOptions().MaxOnedSize,
                HiddenAttributes = parse.GetValue(hidden) is { } list
                    ? new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal)
                    : NexusOptions.DefaultHiddenAttributes,
            };
            var name = parse.GetValue(file)!;
            var read = File.Exists(name) ? NexusMetadataReader.Read(name, options) : await ReadRemoteAsync(scope, name, options, token).ConfigureAwait(false);
            foreach (var warning in read.Warnings) context.ErrorLine($"facilityfs: warning: {warning}");
            if (parse.GetValue(thumbnail) is { } png && read.Thumbnail is { } uri)
                await File.WriteAllBytesAsync(png, Convert.FromBase64String(uri[(uri.IndexOf(',', StringComparison.Ordinal) + 1)..]), token).ConfigureAwait(false);
            var fields = read.ToDatasetFields();
            context.Line(fields.ToJsonString(parse.GetValue(json) ? OneLine : Indented));
        }, ct));
        return command;
    }

    private static async Task<NexusMetadata> ReadRemoteAsync(CommandScope scope, string name, NexusOptions options, CancellationToken token)
    {
        var target = scope.Remotes.Resolve(name);
        var entry = await target.Store.StatAsync(target.Path, token).ConfigureAwait(false);
        if (entry.IsDirectory) throw new UsageException($"{target} is a folder; give the NeXus file in it");
        // PureHDF reads synchronously; the stream blocks on ranged GETs, so it runs off the caller's thread.
        return await Task.Run(() =>
        {
            using var stream = new RangedReadStream(target.Store, target.Path, entry.Size, entry.ETag);
            return NexusMetadataReader.Read(stream, target.ToString(), options);
        }, token).ConfigureAwait(false);
    }
}
