using System.Text.Json.Nodes;

namespace FacilityFS.Catalog;

/// <summary>A dataset ready to register: its folder on the storage (the ledger's key), the dataset body, its files, and an optional thumbnail.</summary>
public sealed record DatasetRegistration(string SourceFolder, JsonObject Dataset, IReadOnlyList<DataFileEntry> Files, string? Thumbnail = null);

/// <summary>Registers datasets exactly once: look up first, then create, datablock and attachment, each step recorded in the ledger before the next.</summary>
public sealed class Registrar(SciCatClient client, RegistrationLedger ledger)
{
    /// <summary>Registers (or finishes registering) a dataset and returns its pid; a refusal is recorded as failed with the server's words and rethrown.</summary>
    public async Task<string> RegisterAsync(DatasetRegistration registration, CancellationToken cancellationToken)
    {
        var folder = registration.SourceFolder;
        var known = ledger.Find(folder);
        if (known is { Step: RegistrationStep.Done, Pid: { } done }) return done;
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

    /// <summary>The dataset already registered from this folder (a POST whose answer was lost), or a new one.</summary>
    private async Task<string> FindOrCreateAsync(DatasetRegistration registration, CancellationToken cancellationToken)
    {
        if (registration.Dataset["pid"]?.ToString() is { } pid && await client.GetDatasetAsync(pid, cancellationToken).ConfigureAwait(false) is not null) return pid;
        var existing = await client.FindDatasetsAsync(new JsonObject
        {
            ["where"] = new JsonObject { ["sourceFolder"] = registration.SourceFolder },
            ["limits"] = new JsonObject { ["limit"] = 1 },
        }, cancellationToken).ConfigureAwait(false);
        if (existing.FirstOrDefault()?["pid"]?.ToString() is { } found) return found;
        return await client.CreateDatasetAsync(registration.Dataset, cancellationToken).ConfigureAwait(false);
    }
}
