using System.Text.Json.Nodes;
using FacilityFS.Storage;

namespace FacilityFS.Catalog;

/// <summary>Puts together what a registration sends from what the storage holds: files (checksums kept from the write path where known), beamtime metadata, sidecar, thumbnail.</summary>
internal sealed class RegistrationAssembly(IRemoteStore store, RegistrationLedger ledger, SourceFolders sources)
{
    /// <summary>A dataset folder's registration.</summary>
    public async Task<DatasetRegistration> DatasetAsync(RemotePath folder, CatalogRule rule, ListedScan? listed, CancellationToken cancellationToken)
    {
        var marker = rule.Complete == CompletionRule.Marker ? rule.Marker : null;
        var files = await StorageFolder.FilesAsync(store, folder, cancellationToken, ledger.FilesUnder(sources.Of(folder)), skip: marker).ConfigureAwait(false);
        var beamtime = await StorageFolder.BeamtimeAsync(store, folder, cancellationToken).ConfigureAwait(false);
        var sidecar = await StorageFolder.SidecarAsync(store, folder, cancellationToken).ConfigureAwait(false);
        var body = DatasetBuilder.Build(rule.Defaults, beamtime, sidecar, sources.Of(folder), folder.Name, files);
        if (listed?.Measurement is { } measurement) AddKeyword(body, measurement);
        var thumbnail = rule.Thumbnail ? await StorageFolder.ThumbnailAsync(store, folder, cancellationToken).ConfigureAwait(false) : null;
        return new DatasetRegistration(sources.Of(folder), body, files, thumbnail);
    }

    /// <summary>A measurement's registration: its scans' files, listed under their scan's name, in a dataset of the designated folder named after the measurement.</summary>
    public async Task<DatasetRegistration> MeasurementAsync(RemotePath key, CatalogRule rule, IReadOnlyList<RemotePath> scans, CancellationToken cancellationToken)
    {
        var designated = scans[0].Parent;
        var name = key.Value[(designated.Value.Length + 1)..];
        var files = new List<DataFileEntry>();
        foreach (var scan in scans)
        {
            foreach (var file in await StorageFolder.FilesAsync(store, scan, cancellationToken, ledger.FilesUnder(sources.Of(scan))).ConfigureAwait(false))
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
        return new DatasetRegistration(sources.Of(key), DatasetBuilder.Build(rule.Defaults, beamtime, grouping, sources.Of(designated), name, files), files);
    }

    private static void AddKeyword(JsonObject dataset, string keyword)
    {
        if (dataset["keywords"] is not JsonArray keywords) dataset["keywords"] = keywords = [];
        if (!keywords.Any(k => k?.ToString() == keyword)) keywords.Add(keyword);
    }
}
