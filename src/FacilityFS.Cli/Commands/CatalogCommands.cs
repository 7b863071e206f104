using System.CommandLine;
using System.Text.Json.Nodes;
using FacilityFS.Catalog;
using FacilityFS.Cli.Config;
using FacilityFS.Cli.Output;
using FacilityFS.Cli.Transfers;
using FacilityFS.Identity;

namespace FacilityFS.Cli.Commands;

/// <summary>`register`, `upload`, `datasets search|show`: datasets in SciCat for data on the storage, registered exactly once (ledger in ~/.local/state/facilityfs).</summary>
internal static class CatalogCommands
{
    private static readonly HttpClient Http = SciCatClient.CreateHttpClient();

    private static Option<string?> CatalogOption() => new("--catalog") { Description = "A catalog of the configuration (default: the only one)" };

    private static Option<string?> MetadataOption() => new("--metadata") { Description = "A JSON or YAML file of dataset fields (like a dataset.json in the folder; it wins over it)" };

    public static Command Register(CliContext context)
    {
        var folder = new Argument<string>("REMOTE_DIR") { Description = "The dataset's folder on the storage (name:path or URL)" };
        var catalog = CatalogOption();
        var metadata = MetadataOption();
        var update = new Option<string?>("--update") { Description = "Register again a dataset registered before: no, patch (fields in place, new files added), create (a new version) or mixed" };
        var command = new Command("register", "Register a folder already on the storage as a SciCat dataset (checksums from the server where offered, else read once)") { folder, catalog, metadata, update };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var target = scope.Remotes.Resolve(parse.GetValue(folder)!);
            var strategy = parse.GetValue(update) is { } u ? CatalogRulesLoader.StrategyOf(u) ?? throw new UsageException($"--update {u}: give no, patch, create or mixed") : (UpdateStrategy?)null;
            await RegisterFolderAsync(scope, CatalogOf(scope, parse.GetValue(catalog)), target, parse.GetValue(metadata), token, strategy).ConfigureAwait(false);
        }, ct));
        return command;
    }

    public static Command Upload(CliContext context)
    {
        var local = new Argument<string>("LOCAL_DIR") { Description = "A finished acquisition's folder" };
        var folder = new Argument<string>("REMOTE_DIR") { Description = "Where it goes on the storage (the folder itself, as with put -r)" };
        var register = new Option<bool>("--register") { Description = "Register it in SciCat once every file is uploaded and verified" };
        var catalog = CatalogOption();
        var metadata = MetadataOption();
        var parallel = GlobalOptions.Parallel();
        var command = new Command("upload", "Upload a folder (resumable: a rerun skips what is there) and register it as a dataset") { local, folder, register, catalog, metadata, parallel };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var target = scope.Remotes.Resolve(parse.GetValue(folder)!);
            var chosen = parse.GetValue(register) ? CatalogOf(scope, parse.GetValue(catalog)) : null;
            // With --register, the checksums computed while uploading go to the ledger: the registration (and a rerun) reads nothing again.
            using var ledger = chosen is null ? null : LedgerOf(chosen);
            var sources = chosen is null ? null : SourceFolders.For(target.Store, chosen.SourceFolderPrefix);
            var uploader = new Uploader(context, new TransferReporter(context, json: false), parse.GetValue(parallel) ?? scope.Config.Parallel,
                ledger is null ? null : (path, size, checksum, modified) => ledger.RecordFile(sources!.Of(path), size, checksum, modified));
            await uploader.PutAsync(parse.GetValue(local)!, target, recursive: true, token).ConfigureAwait(false);
            if (chosen is not null) await RegisterFolderAsync(scope, chosen, target, parse.GetValue(metadata), token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    public static Command Datasets(CliContext context)
    {
        var text = new Argument<string>("TEXT") { Description = "Part of a dataset's name (case does not matter)" };
        var searchCatalog = CatalogOption();
        var json = GlobalOptions.Json();
        var limit = new Option<int>("--limit") { Description = "Show at most this many datasets (default 100)", DefaultValueFactory = _ => 100 };
        var search = new Command("search", "Find datasets whose name contains TEXT (taken literally)") { text, searchCatalog, json, limit };
        search.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var most = parse.GetValue(limit);
            if (most < 1) throw new UsageException($"--limit {most}: give 1 or more");
            var client = ClientFor(CatalogOf(scope, parse.GetValue(searchCatalog)), scope.Config);
            // One more than shown: whether the limit cut the list.
            var found = await client.SearchByNameAsync(parse.GetValue(text)!, most + 1, token).ConfigureAwait(false);
            foreach (var dataset in found.Take(most))
            {
                if (parse.GetValue(json)) context.Line(dataset.ToJsonString());
                else context.Line($"{dataset["pid"]}  {dataset["datasetName"]}  {dataset["sourceFolder"]}  ({dataset["numberOfFiles"]} files)");
            }
            if (found.Count == 0) context.ErrorLine($"no dataset's name contains \"{parse.GetValue(text)}\"");
            else if (found.Count > most) context.ErrorLine($"more datasets match; the first {most} are shown (--limit N shows more)");
        }, ct));
        var pid = new Argument<string>("PID") { Description = "A dataset's pid" };
        var showCatalog = CatalogOption();
        var show = new Command("show", "Show one dataset as SciCat holds it (JSON)") { pid, showCatalog };
        show.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var dataset = await ClientFor(CatalogOf(scope, parse.GetValue(showCatalog)), scope.Config).GetDatasetAsync(parse.GetValue(pid)!, token).ConfigureAwait(false)
                ?? throw new CatalogException(System.Net.HttpStatusCode.NotFound, $"no dataset {parse.GetValue(pid)} in the catalog");
            context.Line(dataset.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }, ct));
        return new Command("datasets", "Find and show datasets in SciCat") { search, show };
    }

    private static async Task RegisterFolderAsync(CommandScope scope, CatalogConfig catalog, RemoteTarget target, string? metadataFile, CancellationToken cancellationToken,
        UpdateStrategy? update = null)
    {
        var store = target.Store;
        var entry = await store.StatAsync(target.Path, cancellationToken).ConfigureAwait(false);
        if (!entry.IsDirectory) throw new UsageException($"{target} is a file; a dataset is a folder");
        // The folder's path on the storage, whichever remote reaches it: the same folder is one dataset.
        var sourceFolder = SourceFolders.For(store, catalog.SourceFolderPrefix).Of(target.Path);
        using var ledger = LedgerOf(catalog);
        var files = await StorageFolder.FilesAsync(store, target.Path, cancellationToken, ledger.FilesUnder(sourceFolder)).ConfigureAwait(false);
        if (files.Count == 0) throw new UsageException($"{target} holds no files; there is nothing to register");
        var beamtime = await StorageFolder.BeamtimeAsync(store, target.Path, cancellationToken).ConfigureAwait(false);
        var sidecar = await StorageFolder.SidecarAsync(store, target.Path, cancellationToken).ConfigureAwait(false);
        if (metadataFile is not null)
        {
            var given = ReadMetadata(metadataFile);
            if (sidecar is null) sidecar = given;
            else foreach (var (key, value) in given) sidecar[key] = value?.DeepClone();
        }
        JsonObject dataset;
        try
        {
            dataset = DatasetBuilder.Build(catalog.Defaults, beamtime, sidecar, sourceFolder, target.Path.IsRoot ? "/" : target.Path.Name, files, target.ToString());
        }
        catch (DatasetIncompleteException e)
        {
            throw new UsageException(e.Message);
        }
        var (pid, outcome) = await new Registrar(ClientFor(catalog, scope.Config), ledger).RegisterAsync(new DatasetRegistration(sourceFolder, dataset, files), cancellationToken,
            again: update is not null, update ?? UpdateStrategy.No).ConfigureAwait(false);
        // The totals printed are what SciCat now holds: nothing local is claimed for a dataset left as it was.
        scope.Context.Line(outcome switch
        {
            RegistrationOutcome.Unchanged => $"{target} is already registered as {pid} in {catalog.Name}, not changed",
            RegistrationOutcome.Updated => $"updated {pid} in {catalog.Name} from {target} ({files.Count} files, {files.Sum(f => f.Size)} bytes)",
            RegistrationOutcome.NewVersion => $"registered {target} as {pid} in {catalog.Name}, a new version ({files.Count} files, {files.Sum(f => f.Size)} bytes)",
            _ => $"registered {target} as {pid} in {catalog.Name} ({files.Count} files, {files.Sum(f => f.Size)} bytes)",
        });
    }

    /// <summary>One ledger per catalog, shared by batch commands and mounts, so a dataset is registered once whichever way it came.</summary>
    internal static RegistrationLedger LedgerOf(CatalogConfig catalog) => new(Path.Combine(UserFolders.State, $"catalog-{catalog.Name}.db"));

    private static JsonObject ReadMetadata(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--metadata {path}: cannot be read: {e.Message}");
        }
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return JsonNode.Parse(text) as JsonObject ?? throw new UsageException($"--metadata {path}: expected a JSON object");
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new UsageException($"--metadata {path}: not valid JSON ({e.Message})");
            }
        }
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new UsageException($"--metadata {path}:{e.Start.Line}: not valid YAML ({e.Message})");
        }
        return yaml.Documents.FirstOrDefault()?.RootNode is YamlDotNet.RepresentationModel.YamlMappingNode mapping
            ? ConfigLoader.JsonOf(mapping) : throw new UsageException($"--metadata {path}: expected a mapping of dataset fields");
    }

    private static CatalogConfig CatalogOf(CommandScope scope, string? name)
    {
        var catalogs = scope.Config.Catalogs;
        if (name is not null)
            return catalogs.GetValueOrDefault(name) ?? throw new UsageException($"unknown catalog '{name}' ({scope.Config.Source ?? FacilityConfig.DefaultPath}: {(catalogs.Count == 0 ? "none are defined" : "defined: " + string.Join(", ", catalogs.Keys))})");
        return catalogs.Count switch
        {
            1 => catalogs.Values.Single(),
            0 => throw new UsageException($"no catalogs: configure one under 'catalogs:' in {scope.Config.Source ?? FacilityConfig.DefaultPath}"),
            _ => throw new UsageException($"several catalogs are configured ({string.Join(", ", catalogs.Keys)}); choose one with --catalog"),
        };
    }

    internal static SciCatClient ClientFor(CatalogConfig catalog, FacilityConfig config)
    {
        foreach (var warning in CredentialWarnings.Of(catalog)) Console.Error.WriteLine($"warning: {warning}");
        ICredentialProvider credentials = catalog switch
        {
            { TokenFile: { } tokenFile } => BearerTokenCredentials.FromFile(tokenFile),
            { LoginOf: { } remote } => Login.TokensOf(remote, config.Remotes[remote].Oidc!),
            _ => new SciCatLogin(Http, catalog.ApiBase, catalog.Username!, new SecretFile(catalog.PasswordFile!)),
        };
        return new SciCatClient(Http, catalog.ApiBase, credentials);
    }
}
