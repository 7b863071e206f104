using System.Text.Json.Nodes;
using FacilityFS.Catalog.Nexus;
using FacilityFS.Storage;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Catalog;

/// <summary>Puts together what a registration sends from what the storage holds: files (checksums kept from the write path where known), beamtime metadata, sidecar, thumbnail.</summary>
internal sealed class RegistrationAssembly(IRemoteStore store, RegistrationLedger ledger, SourceFolders sources, ILogger logger)
{
    /// <summary>A dataset folder's registration: its files, and for a list line the master file beside the folder (or the named master of a "master::/entry;name" line) and extra detector folders.</summary>
    /// <remarks>Datablock paths are relative to the dataset's folder; files beside it ("../scan_0001.nxs", "../pilatus1/…") keep that form.</remarks>
    public async Task<DatasetRegistration> DatasetAsync(RemotePath folder, CatalogRule rule, ListedScan? listed, CancellationToken cancellationToken)
    {
        var designated = folder.Parent;
        var files = new List<DataFileEntry>();
        // A "master::/entry;name" dataset is one entry of a master file: no folder of its own.
        if (listed?.Master is null && await store.TryStatAsync(folder, cancellationToken).ConfigureAwait(false) is { IsDirectory: true })
            files.AddRange(await StorageFolder.FilesAsync(store, folder, cancellationToken, ledger.FilesUnder(sources.Of(folder)), Skips(rule)).ConfigureAwait(false));
        if (listed is not null)
        {
            if (await MasterFileAsync(designated, listed.Master ?? listed.Name, rule, cancellationToken).ConfigureAwait(false) is { } master)
                files.Add(master);
            foreach (var detector in listed.Detectors)
            {
                if (Beside(designated, detector) is not { } extra)
                    throw new DatasetIncompleteException($"{sources.Of(designated.Child(rule.ListFile))}: the detector folder '{detector}' of {listed.Name} lies outside the storage");
                var relative = "../" + extra.RelativeTo(designated);
                foreach (var file in await StorageFolder.FilesAsync(store, extra, cancellationToken, ledger.FilesUnder(sources.Of(extra)), Skips(rule)).ConfigureAwait(false))
                    files.Add(file with { Path = $"{relative}/{file.Path}" });
            }
        }
        if (files.Count == 0)
            throw new StorageException(StorageErrorKind.NotFound, $"{sources.Of(folder)} holds no data files yet", "LIST", sources.Of(folder));
        var beamtime = await StorageFolder.BeamtimeAsync(store, listed?.Master is null && files.Any(f => !f.Path.StartsWith("../", StringComparison.Ordinal)) ? folder : designated, cancellationToken).ConfigureAwait(false);
        var sidecar = listed?.Master is null && files.Any(f => !f.Path.StartsWith("../", StringComparison.Ordinal))
            ? await StorageFolder.SidecarAsync(store, folder, cancellationToken).ConfigureAwait(false) : null;
        if (listed?.Entry is { } entry) sidecar = Merge(sidecar, new JsonObject { ["scientificMetadata"] = new JsonObject { ["entry"] = entry } });
        var nexus = rule.Nexus is { } options ? await NexusAsync(folder, designated, files, listed, rule.MasterExtensions, options, cancellationToken).ConfigureAwait(false) : null;
        var body = DatasetBuilder.Build(rule.Defaults, beamtime, sidecar, sources.Of(folder), folder.Name, files, templates: rule.Templates, nexus: nexus?.ToDatasetFields());
        if (listed?.Measurement is { } measurement) AddKeyword(body, measurement);
        var thumbnail = rule.Thumbnail && listed?.Master is null ? await StorageFolder.ThumbnailAsync(store, folder, cancellationToken).ConfigureAwait(false) : null;
        thumbnail ??= nexus?.Thumbnail;
        return new DatasetRegistration(sources.Of(folder), body, files, thumbnail);
    }

    /// <summary>The metadata of the dataset's NeXus master: the one a "master::" line names, else the master beside the folder, else the first master file in it.</summary>
    /// <remarks>Only headers and small fields are read, by ranges. A master that cannot be read is logged and left out: it never keeps the dataset out of the catalog.</remarks>
    private async Task<NexusMetadata?> NexusAsync(RemotePath folder, RemotePath designated, IReadOnlyList<DataFileEntry> files, ListedScan? listed,
        IReadOnlyList<string> extensions, NexusOptions options, CancellationToken cancellationToken)
    {
        bool IsMaster(string path) => extensions.Any(e => path.EndsWith("." + e, StringComparison.OrdinalIgnoreCase));
        var candidates = files.Where(f => IsMaster(f.Path) && f.Path.StartsWith("../", StringComparison.Ordinal) && !f.Path[3..].Contains('/'))
            .Concat(files.Where(f => IsMaster(f.Path) && !f.Path.Contains('/')).OrderBy(f => f.Path, StringComparer.Ordinal));
        if (candidates.FirstOrDefault() is not { } master) return null;
        var path = master.Path.StartsWith("../", StringComparison.Ordinal) ? designated.Child(master.Path[3..]) : folder.Child(master.Path);
        if (listed?.Entry is { } entry) options = options with { Entry = entry.Trim('/') };
        try
        {
            var stat = await store.StatAsync(path, cancellationToken).ConfigureAwait(false);
            var read = await Task.Run(() =>
            {
                using var stream = new RangedReadStream(store, path, stat.Size, stat.ETag);
                return NexusMetadataReader.Read(stream, sources.Of(path), options);
            }, cancellationToken).ConfigureAwait(false);
            foreach (var warning in read.Warnings) logger.LogWarning("NeXus metadata: {Warning}", warning);
            return read;
        }
        catch (NexusException e)
        {
            logger.LogWarning("{Folder}: registered without NeXus metadata: {Error}", sources.Of(folder), e.Message);
            return null;
        }
    }

    private static Func<string, bool> Skips(CatalogRule rule) =>
        relative => rule.Skips(relative) || (rule.Complete == CompletionRule.Marker && relative == rule.Marker);

    /// <summary>The scan's master file beside its folder ("&lt;scan&gt;.nxs", the first of the rule's extensions there), as a file of the dataset.</summary>
    private async Task<DataFileEntry?> MasterFileAsync(RemotePath designated, string stem, CatalogRule rule, CancellationToken cancellationToken)
    {
        foreach (var extension in rule.MasterExtensions)
        {
            var path = designated.Child($"{stem}.{extension}");
            if (await store.TryStatAsync(path, cancellationToken).ConfigureAwait(false) is not { IsDirectory: false } entry) continue;
            var kept = ledger.FilesUnder(sources.Of(designated)).GetValueOrDefault(path.Name) is { } k && k.Size == entry.Size ? k : null;
            var checksum = kept?.Checksum ?? (await StorageFolder.Adler32Async(store, path, cancellationToken).ConfigureAwait(false)).Value;
            return new DataFileEntry($"../{path.Name}", entry.Size, kept?.Modified ?? entry.LastModified ?? DateTimeOffset.UtcNow, checksum);
        }
        return null;
    }

    /// <summary>A folder named relative to the designated folder ("pilatus1", "../lambda1"), when it stays on the storage.</summary>
    internal static RemotePath? Beside(RemotePath designated, string relative)
    {
        var segments = new List<string>(designated.Segments);
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".") continue;
            if (segment == "..")
            {
                if (segments.Count == 0) return null;
                segments.RemoveAt(segments.Count - 1);
            }
            else segments.Add(segment);
        }
        return RemotePath.TryParse("/" + string.Join('/', segments), out var path) && !path.IsRoot ? path : null;
    }

    private static JsonObject Merge(JsonObject? into, JsonObject added)
    {
        into ??= [];
        foreach (var (key, value) in added)
        {
            if (into[key] is JsonObject inner && value is JsonObject more)
                foreach (var (k, v) in more) inner[k] = v?.DeepClone();
            else into[key] = value?.DeepClone();
        }
        return into;
    }

    /// <summary>A measurement's registration: its scans' files, listed under their scan's name, in a dataset of the designated folder named after the measurement.</summary>
    public async Task<DatasetRegistration> MeasurementAsync(RemotePath key, CatalogRule rule, IReadOnlyList<RemotePath> scans, CancellationToken cancellationToken)
    {
        var designated = scans[0].Parent;
        var name = key.Value[(designated.Value.Length + 1)..];
        var files = new List<DataFileEntry>();
        foreach (var scan in scans)
        {
            // A member named by a "master::/entry;name" line has no folder of its own.
            if (await store.TryStatAsync(scan, cancellationToken).ConfigureAwait(false) is not { IsDirectory: true }) continue;
            foreach (var file in await StorageFolder.FilesAsync(store, scan, cancellationToken, ledger.FilesUnder(sources.Of(scan)), Skips(rule)).ConfigureAwait(false))
                files.Add(file with { Path = $"{scan.Name}/{file.Path}" });
        }
        var beamtime = await StorageFolder.BeamtimeAsync(store, designated, cancellationToken).ConfigureAwait(false);
        var grouping = new JsonObject
        {
            ["scientificMetadata"] = new JsonObject
            {
                ["measurement"] = name,
                ["scans"] = new JsonArray([.. scans.Select(m => (JsonNode)m.Name)]),
            },
        };
        return new DatasetRegistration(sources.Of(key), DatasetBuilder.Build(rule.Defaults, beamtime, grouping, sources.Of(designated), name, files, templates: rule.Templates), files);
    }

    private static void AddKeyword(JsonObject dataset, string keyword)
    {
        if (dataset["keywords"] is not JsonArray keywords) dataset["keywords"] = keywords = [];
        if (!keywords.Any(k => k?.ToString() == keyword)) keywords.Add((JsonNode)keyword);
    }
}
