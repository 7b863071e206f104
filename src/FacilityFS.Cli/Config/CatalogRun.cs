using FacilityFS.Catalog;
using FacilityFS.Cli.Commands;
using FacilityFS.Storage;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Config;

/// <summary>A catalog hook with the registration ledger it owns, assembled the same way for a mount and for a watch.</summary>
/// <remarks>Only the store, its root, the source of pending uploads and the source-folder mapping differ between the two; ending the run ends the hook, then closes the ledger.</remarks>
internal sealed class CatalogRun : IAsyncDisposable
{
    private readonly RegistrationLedger _ledger;
    private readonly CatalogHook _hook;

    private CatalogRun(RegistrationLedger ledger, CatalogHook hook)
    {
        _ledger = ledger;
        _hook = hook;
    }

    /// <param name="pending">What still waits for upload: a dataset is registered only once none of its files do.</param>
    /// <param name="sources">How store paths become the catalog's source folders.</param>
    public static CatalogRun Create(IRemoteStore store, RemotePath root, CatalogConfig catalog, IReadOnlyList<CatalogRule> rules, FacilityConfig config,
        IPendingUploads pending, SourceFolders sources, ILogger logger)
    {
        var ledger = CatalogCommands.LedgerOf(catalog);
        try
        {
            var registrar = new Registrar(CatalogCommands.ClientFor(catalog, config), ledger);
            return new CatalogRun(ledger, new CatalogHook(store, root, CatalogDefaults.Merged(catalog, rules), registrar, ledger, pending, logger, sources));
        }
        catch
        {
            ledger.Dispose();
            throw;
        }
    }

    /// <summary>Subscribes the hook to the files <paramref name="source"/> commits and starts reconciling what an earlier run left.</summary>
    public void Start(ICommittedFiles source) => _hook.Start(source);

    /// <summary>The registrations of datasets below the root, as the ledger has them (for `facilityfs status`).</summary>
    public IReadOnlyList<(string Folder, string? Pid, RegistrationStep Step, string? Error)> Registrations() => _hook.Registrations();

    public async ValueTask DisposeAsync()
    {
        await _hook.DisposeAsync().ConfigureAwait(false);
        _ledger.Dispose();
    }
}
