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

/// <summary>What a registration did: registered a new dataset, left a registered one as it was, updated it in place, or made a new version.</summary>
public enum RegistrationOutcome
{
    Registered,
    Unchanged,
    Updated,
    NewVersion,
}

/// <summary>The pid a folder is registered as, and what this registration did to it.</summary>
public sealed record RegistrationResult(string Pid, RegistrationOutcome Outcome);

/// <summary>Registers datasets exactly once: look up first, then create, datablock and attachment, each step recorded in the ledger before the next.</summary>
public sealed class Registrar(SciCatClient client, RegistrationLedger ledger)
{
    /// <summary>Fields the backend sets itself or refuses in a PATCH; they are never sent in one nor compared.</summary>
    private static readonly HashSet<string> ServerFields = new(StringComparer.Ordinal)
    {
        "pid", "_id", "type", "version", "history", "createdAt", "createdBy", "updatedAt", "updatedBy", "size", "numberOfFiles", "classification", "datasetlifecycle",
    };

    /// <summary>scingestor's metadata_fields_without_checks: a difference only here is no reason for a new version under "mixed".</summary>
    private static readonly HashSet<string> WithoutChecks = new(StringComparer.Ordinal)
    {
        "techniques", "classification", "createdBy", "updatedBy", "datasetlifecycle", "numberOfFiles", "size", "createdAt", "updatedAt", "history", "creationTime",
        "version", "scientificMetadata", "endTime",
    };

    /// <summary>Registers (or finishes registering) a dataset; a refusal is recorded as failed with the server's words and rethrown.</summary>
    /// <param name="again">Asked to register a dataset that is already registered (a re-ingest): <paramref name="strategy"/> decides what happens.</param>
    public async Task<RegistrationResult> RegisterAsync(DatasetRegistration registration, CancellationToken cancellationToken, bool again = false, UpdateStrategy strategy = UpdateStrategy.No)
    {
        var folder = registration.SourceFolder;
        var known = ledger.Find(folder);
        try
        {
            if (known is { Step: RegistrationStep.Done, Pid: { } done })
            {
                if (!again || strategy == UpdateStrategy.No) return new RegistrationResult(done, RegistrationOutcome.Unchanged);
                return await UpdateAsync(registration, done, strategy, cancellationToken).ConfigureAwait(false);
            }
            var pid = known?.Pid ?? await FindOrCreateAsync(registration, cancellationToken).ConfigureAwait(false);
            await FinishAsync(registration, pid, cancellationToken).ConfigureAwait(false);
            CatalogMetrics.Registrations.Add(1);
            return new RegistrationResult(pid, RegistrationOutcome.Registered);
        }
        catch (CatalogException e) when (!e.IsTransient)
        {
            ledger.Record(folder, null, RegistrationStep.Failed, e.Message);
            throw;
        }
    }

    /// <summary>The steps after the dataset exists: its files, its thumbnail, each recorded once done.</summary>
    private async Task FinishAsync(DatasetRegistration registration, string pid, CancellationToken cancellationToken)
    {
        var folder = registration.SourceFolder;
        ledger.Record(folder, pid, RegistrationStep.Dataset);
        // A crash after the block's POST and before its record: the block is there, and is not posted twice.
        if ((await client.OrigDatablocksOfAsync(pid, cancellationToken).ConfigureAwait(false)).Count == 0 && registration.Files.Count > 0)
            await client.CreateOrigDatablockAsync(pid, registration.Files, "adler32", cancellationToken).ConfigureAwait(false);
        ledger.Record(folder, pid, RegistrationStep.Datablock);
        if (registration.Thumbnail is { } thumbnail && (await client.AttachmentsOfAsync(pid, cancellationToken).ConfigureAwait(false)).Count == 0)
            await client.CreateAttachmentAsync(pid, registration.Dataset["ownerGroup"]!.ToString(), $"{registration.Dataset["datasetName"]}", thumbnail, cancellationToken).ConfigureAwait(false);
        ledger.Record(folder, pid, RegistrationStep.Done);
    }

    /// <summary>A re-ingest (scingestor's strategies): fields and the whole file list compared as the backend stores them; nothing sent when nothing changed.</summary>
    private async Task<RegistrationResult> UpdateAsync(DatasetRegistration registration, string pid, UpdateStrategy strategy, CancellationToken cancellationToken)
    {
        if (await client.GetDatasetAsync(pid, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            // Gone from the catalog (deleted there): registered afresh.
            var created = await FindOrCreateAsync(registration, cancellationToken).ConfigureAwait(false);
            await FinishAsync(registration, created, cancellationToken).ConfigureAwait(false);
            CatalogMetrics.Registrations.Add(1);
            return new RegistrationResult(created, RegistrationOutcome.Registered);
        }
        var blocks = await client.OrigDatablocksOfAsync(pid, cancellationToken).ConfigureAwait(false);
        var filesDiffer = !SameFiles(blocks, registration.Files);
        var changes = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in registration.Dataset)
            if (!ServerFields.Contains(key) && !JsonValues.SameValue(value, stored[key])) changes[key] = value?.DeepClone();
        if (changes.Count == 0 && !filesDiffer) return new RegistrationResult(pid, RegistrationOutcome.Unchanged);
        if (strategy == UpdateStrategy.Create || (strategy == UpdateStrategy.Mixed && changes.Any(c => !WithoutChecks.Contains(c.Key))))
            return new RegistrationResult(await NewVersionAsync(registration, pid, cancellationToken).ConfigureAwait(false), RegistrationOutcome.NewVersion);
        if (changes.Count > 0) await client.PatchDatasetAsync(pid, changes, cancellationToken).ConfigureAwait(false);
        if (filesDiffer)
        {
            // The whole list again (scingestor #153): the old blocks go, the new one comes, and the totals are what the files are now.
            foreach (var block in blocks)
                if ((block["id"] ?? block["_id"])?.ToString() is { } id) await client.DeleteOrigDatablockAsync(id, cancellationToken).ConfigureAwait(false);
            if (registration.Files.Count > 0) await client.CreateOrigDatablockAsync(pid, registration.Files, "adler32", cancellationToken).ConfigureAwait(false);
            await client.PatchDatasetAsync(pid, new System.Text.Json.Nodes.JsonObject
            {
                ["size"] = registration.Files.Sum(f => f.Size),
                ["numberOfFiles"] = registration.Files.Count,
            }, cancellationToken).ConfigureAwait(false);
        }
        return new RegistrationResult(pid, RegistrationOutcome.Updated);
    }

    /// <summary>A new version beside the registered one: "&lt;pid&gt;/2", "/3"… (the first free, probed with GET) when we chose the pid, else the server's.</summary>
    private async Task<string> NewVersionAsync(DatasetRegistration registration, string registered, CancellationToken cancellationToken)
    {
        var body = (System.Text.Json.Nodes.JsonObject)registration.Dataset.DeepClone();
        body.Remove("pid");
        if (registration.Dataset["pid"]?.ToString() is { } chosen)
        {
            for (var n = 2; ; n++)
            {
                var candidate = $"{chosen}/{n}";
                if (await client.GetDatasetAsync(candidate, cancellationToken).ConfigureAwait(false) is not null) continue;
                body["pid"] = candidate;
                break;
            }
        }
        var created = await client.CreateDatasetAsync(body, cancellationToken).ConfigureAwait(false);
        ledger.Record(registration.SourceFolder, created, RegistrationStep.Dataset);
        if (registration.Files.Count > 0) await client.CreateOrigDatablockAsync(created, registration.Files, "adler32", cancellationToken).ConfigureAwait(false);
        ledger.Record(registration.SourceFolder, created, RegistrationStep.Done);
        return created;
    }

    /// <summary>Whether the catalog's blocks list exactly our files, with the same sizes and checksums.</summary>
    private static bool SameFiles(IReadOnlyList<System.Text.Json.Nodes.JsonObject> blocks, IReadOnlyList<DataFileEntry> files)
    {
        var listed = blocks.SelectMany(b => b["dataFileList"] as System.Text.Json.Nodes.JsonArray ?? [])
            .Select(f => (f?["path"]?.ToString(), JsonValues.Number(f?["size"]), f?["chk"]?.ToString())).ToList();
        var ours = files.Select(f => ((string?)f.Path, (decimal?)f.Size, f.Checksum)).ToList();
        return listed.Count == ours.Count && listed.Order().SequenceEqual(ours.Order());
    }

    /// <summary>The dataset already registered from this folder (a POST whose answer was lost), or a new one.</summary>
    private async Task<string> FindOrCreateAsync(DatasetRegistration registration, CancellationToken cancellationToken)
    {
        if (registration.Dataset["pid"]?.ToString() is { } pid && await client.GetDatasetAsync(pid, cancellationToken).ConfigureAwait(false) is not null) return pid;
        var existing = await client.FindDatasetsAsync(new System.Text.Json.Nodes.JsonObject
        {
            // Folder and name together: a measurement's dataset shares its folder with others of the same designated folder.
            ["where"] = new System.Text.Json.Nodes.JsonObject { ["sourceFolder"] = registration.Dataset["sourceFolder"]?.DeepClone(), ["datasetName"] = registration.Dataset["datasetName"]?.DeepClone() },
            ["limits"] = new System.Text.Json.Nodes.JsonObject { ["limit"] = 1 },
        }, cancellationToken).ConfigureAwait(false);
        if (existing.FirstOrDefault()?["pid"]?.ToString() is { } found) return found;
        return await client.CreateDatasetAsync(registration.Dataset, cancellationToken).ConfigureAwait(false);
    }
}
