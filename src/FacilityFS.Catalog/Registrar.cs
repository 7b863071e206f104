using System.Text.Json.Nodes;

namespace FacilityFS.Catalog;

/// <summary>A dataset ready to register: its folder on the storage (the ledger's key), the dataset body, its files, and an optional thumbnail.</summary>
public sealed record DatasetRegistration(string SourceFolder, JsonObject Dataset, IReadOnlyList<DataFileEntry> Files, string? Thumbnail = null);

/// <summary>What a registration of an already registered dataset does (scingestor's dataset_update_strategy).</summary>
public enum UpdateStrategy
{
    /// <summary>Leave the registered dataset as it is.</summary>
    No,
    /// <summary>Update its fields in place (PATCH) and add the files it did not list.</summary>
    Patch,
    /// <summary>Register a new dataset, a new version beside the old one.</summary>
    Create,
    /// <summary>A new version when fields other than scientificMetadata changed, else a patch.</summary>
    Mixed,
}

/// <summary>Registers datasets exactly once: look up first, then create, datablock and attachment, each step recorded in the ledger before the next.</summary>
public sealed class Registrar(SciCatClient client, RegistrationLedger ledger)
{
    /// <summary>Fields the backend sets itself or refuses in a PATCH; they are left out of comparisons and updates.</summary>
    private static readonly HashSet<string> ServerFields = new(StringComparer.Ordinal)
    {
        "pid", "_id", "type", "version", "history", "createdAt", "createdBy", "updatedAt", "updatedBy", "size", "numberOfFiles", "classification", "datasetlifecycle",
    };

    /// <summary>Registers (or finishes registering) a dataset and returns its pid; a refusal is recorded as failed with the server's words and rethrown.</summary>
    /// <param name="again">Asked to register a dataset that is already registered (a re-ingest): <paramref name="strategy"/> decides what happens.</param>
    public async Task<string> RegisterAsync(DatasetRegistration registration, CancellationToken cancellationToken, bool again = false, UpdateStrategy strategy = UpdateStrategy.No)
    {
        var folder = registration.SourceFolder;
        var known = ledger.Find(folder);
        if (known is { Step: RegistrationStep.Done, Pid: { } done })
        {
            if (!again || strategy == UpdateStrategy.No) return done;
            return await UpdateAsync(registration, done, strategy, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var pid = known?.Pid ?? await FindOrCreateAsync(registration, cancellationToken).ConfigureAwait(false);
            ledger.Record(folder, pid, RegistrationStep.Dataset);
            // A crash after the block's POST and before its record: the block is there, and is not posted twice.
            if ((await client.OrigDatablocksOfAsync(pid, cancellationToken).ConfigureAwait(false)).Count == 0)
                await client.CreateOrigDatablockAsync(pid, registration.Files, "adler32", cancellationToken).ConfigureAwait(false);
            ledger.Record(folder, pid, RegistrationStep.Datablock);
            if (registration.Thumbnail is { } thumbnail && (await client.AttachmentsOfAsync(pid, cancellationToken).ConfigureAwait(false)).Count == 0)
                await client.CreateAttachmentAsync(pid, registration.Dataset["ownerGroup"]!.ToString(), $"{registration.Dataset["datasetName"]}", thumbnail, cancellationToken).ConfigureAwait(false);
            ledger.Record(folder, pid, RegistrationStep.Done);
            return pid;
        }
        catch (CatalogException e) when (!e.IsTransient)
        {
            ledger.Record(folder, null, RegistrationStep.Failed, e.Message);
            throw;
        }
    }

    private async Task<string> UpdateAsync(DatasetRegistration registration, string pid, UpdateStrategy strategy, CancellationToken cancellationToken)
    {
        var stored = await client.GetDatasetAsync(pid, cancellationToken).ConfigureAwait(false);
        var newVersion = strategy == UpdateStrategy.Create || stored is null || (strategy == UpdateStrategy.Mixed && CoreFieldsDiffer(stored, registration.Dataset));
        if (newVersion)
        {
            var body = (JsonObject)registration.Dataset.DeepClone();
            body.Remove("pid");
            var created = await client.CreateDatasetAsync(body, cancellationToken).ConfigureAwait(false);
            ledger.Record(registration.SourceFolder, created, RegistrationStep.Dataset);
            await client.CreateOrigDatablockAsync(created, registration.Files, "adler32", cancellationToken).ConfigureAwait(false);
            ledger.Record(registration.SourceFolder, created, RegistrationStep.Done);
            return created;
        }
        var changes = new JsonObject();
        foreach (var (key, value) in registration.Dataset)
            if (!ServerFields.Contains(key)) changes[key] = value?.DeepClone();
        await client.PatchDatasetAsync(pid, changes, cancellationToken).ConfigureAwait(false);
        // Files it did not list yet are added; listed ones stay (removing a block needs the catalog's delete rights).
        var listed = (await client.OrigDatablocksOfAsync(pid, cancellationToken).ConfigureAwait(false))
            .SelectMany(b => b["dataFileList"] as JsonArray ?? []).Select(f => f?["path"]?.ToString()).ToHashSet(StringComparer.Ordinal);
        var added = registration.Files.Where(f => !listed.Contains(f.Path)).ToList();
        if (added.Count > 0) await client.CreateOrigDatablockAsync(pid, added, "adler32", cancellationToken).ConfigureAwait(false);
        return pid;
    }

    /// <summary>Whether anything but scientificMetadata (and what the server keeps itself) differs between the catalog's copy and ours.</summary>
    private static bool CoreFieldsDiffer(JsonObject stored, JsonObject ours) =>
        ours.Where(p => p.Key != "scientificMetadata" && !ServerFields.Contains(p.Key))
            .Any(p => !JsonNode.DeepEquals(p.Value, stored[p.Key]));

    /// <summary>The dataset already registered from this folder (a POST whose answer was lost), or a new one.</summary>
    private async Task<string> FindOrCreateAsync(DatasetRegistration registration, CancellationToken cancellationToken)
    {
        if (registration.Dataset["pid"]?.ToString() is { } pid && await client.GetDatasetAsync(pid, cancellationToken).ConfigureAwait(false) is not null) return pid;
        var existing = await client.FindDatasetsAsync(new JsonObject
        {
            // Folder and name together: a measurement's dataset shares its folder with others of the same designated folder.
            ["where"] = new JsonObject { ["sourceFolder"] = registration.Dataset["sourceFolder"]?.DeepClone(), ["datasetName"] = registration.Dataset["datasetName"]?.DeepClone() },
            ["limits"] = new JsonObject { ["limit"] = 1 },
        }, cancellationToken).ConfigureAwait(false);
        if (existing.FirstOrDefault()?["pid"]?.ToString() is { } found) return found;
        return await client.CreateDatasetAsync(registration.Dataset, cancellationToken).ConfigureAwait(false);
    }
}
