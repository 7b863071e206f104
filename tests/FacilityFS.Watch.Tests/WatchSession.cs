using System.Text.Json.Nodes;
using FacilityFS.Catalog;
using FacilityFS.Identity;
using FacilityFS.TestServers;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Watch.Tests;

/// <summary>A watch composed as `facilityfs watch` composes it, in process: journal, folder watch, and the catalog hook subscribed to it.</summary>
internal sealed class WatchSession : IAsyncDisposable
{
    private static readonly HttpClient Http = new();

    public static readonly JsonObject Defaults = new()
    {
        ["ownerGroup"] = SciCatStandIn.Group, ["owner"] = "Doe", ["contactEmail"] = "doe@example.org", ["principalInvestigator"] = "pi@example.org",
        ["creationLocation"] = "/TESTLIGHT/p01",
    };

    public static readonly CatalogRule Marked = new("raw", 1, CompletionRule.Marker, TimeSpan.Zero, ".complete", "", Defaults);
    public static readonly CatalogRule Listed = new("listed", 1, CompletionRule.ListFile, TimeSpan.Zero, "", "scicat-datasets.lst", Defaults);

    private readonly SpoolJournal _journal;
    private readonly RegistrationLedger _ledger;

    private WatchSession(SpoolJournal journal, RegistrationLedger ledger, FolderWatch watch, CatalogHook hook)
    {
        _journal = journal;
        _ledger = ledger;
        Watch = watch;
        Hook = hook;
    }

    public FolderWatch Watch { get; }

    /// <summary>What every session of the test process logged (the tests print it when they fail).</summary>
    public static TestLog Log { get; } = new();

    public CatalogHook Hook { get; }

    public static async Task<WatchSession> StartAsync(string work, string watched, IFileCommitter committer, SourceFolders sources, SciCatStandIn scicat,
        WatchOptions options, params CatalogRule[] rules)
    {
        var password = Path.Combine(work, "scicat.password");
        await File.WriteAllTextAsync(password, SciCatStandIn.Password);
        var journal = new SpoolJournal(Path.Combine(work, "journal.db"));
        var ledger = new RegistrationLedger(Path.Combine(work, "ledger.db"));
        var client = new SciCatClient(Http, scicat.ApiBase, new SciCatLogin(Http, scicat.ApiBase, SciCatStandIn.Username, new SecretFile(password)));
        var watch = new FolderWatch(watched, committer, journal, options, Log);
        var hook = new CatalogHook(committer.Store, committer.Root, rules, new Registrar(client, ledger), ledger, watch, Log, sources);
        hook.Start(watch);
        await watch.StartAsync(CancellationToken.None);
        return new WatchSession(journal, ledger, watch, hook);
    }

    public async ValueTask DisposeAsync()
    {
        await Watch.DisposeAsync();
        await Hook.DisposeAsync();
        _journal.Dispose();
        _ledger.Dispose();
    }
}
