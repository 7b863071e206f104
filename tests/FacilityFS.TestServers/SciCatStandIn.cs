using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityFS.TestServers;

/// <summary>An in-process stand-in for scicat-backend-next's v3 API on 127.0.0.1, holding to the real backend's rules (required fields, 400 on unknown fields in its two
/// message shapes, 403 without a token, server pids with a prefix, 409 on duplicates, case-insensitive routes, 500 on the traps); it records requests and can fail.</summary>
public sealed class SciCatStandIn : IAsyncDisposable
{
    public const string PidPrefix = "20.500.12269";
    public const string Username = "ingestor";
    public const string Password = "ingestor-password";
    public const string Group = "p12345";

    private static readonly string[] RawRequired = ["ownerGroup", "owner", "contactEmail", "sourceFolder", "creationTime", "principalInvestigator", "creationLocation"];
    // The backend's CreateRawDatasetObsoleteDto, written down here on its own (not taken from the client), so the stand-in can disagree with the client.
    private static readonly HashSet<string> RawAllowed =
    [
        "pid", "type", "ownerGroup", "accessGroups", "instrumentGroup", "owner", "ownerEmail", "orcidOfOwner", "contactEmail", "sourceFolder",
        "sourceFolderHost", "size", "packedSize", "numberOfFiles", "numberOfFilesArchived", "creationTime", "validationStatus", "keywords",
        "description", "datasetName", "classification", "license", "isPublished", "techniques", "sharedWith", "relationships", "datasetlifecycle",
        "scientificMetadata", "scientificMetadataSchema", "scientificMetadataValid", "comment", "dataQualityMetrics", "principalInvestigator",
        "startTime", "endTime", "creationLocation", "dataFormat", "proposalId", "sampleId", "instrumentId", "runNumber",
        "investigator", "inputDatasets", "usedSoftware", "jobParameters", "jobLogData",
    ];
    private static readonly string[] NotPatchable = ["pid", "type", "version", "history", "createdAt", "createdBy", "updatedAt", "updatedBy", "_id"];

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _tokens = new();
    private readonly Lock _gate = new();
    private int _failAt = -1;
    private int _seen;

    private SciCatStandIn(WebApplication app) => _app = app;

    public Uri ApiBase { get; private set; } = null!;

    public Dictionary<string, JsonObject> Datasets { get; } = [];

    public List<JsonObject> Datablocks { get; } = [];

    public List<JsonObject> Attachments { get; } = [];

    public ConcurrentQueue<(string Method, string Path)> Requests { get; } = new();

    /// <summary>Answers 503 to everything while true, as a backend that is down behind its proxy.</summary>
    public bool Down { get; set; }

    /// <summary>Takes bearer tokens of another issuer too (a SciCat behind the facility's OIDC), when this says they are valid.</summary>
    public Func<string, bool>? AcceptToken { get; set; }

    /// <summary>Answers 503 to origdatablock creation only: a registration then stops between its dataset and its files.</summary>
    public bool RefuseDatablocks { get; set; }

    /// <summary>Whether the ingestor account is in DELETE_GROUPS (may delete origdatablocks); the backend answers 403 otherwise.</summary>
    public bool MayDelete { get; set; } = true;

    /// <summary>Whether the ingestor account is in CREATE_DATASET_WITH_PID_GROUPS (may choose pids); the backend answers 403 to a pid otherwise.</summary>
    public bool MayChoosePids { get; set; } = true;

    /// <summary>The bodies of every PATCH of a dataset, in order.</summary>
    public ConcurrentQueue<JsonObject> Patches { get; } = new();

    /// <summary>Holds every request unanswered while true (a catalog that hangs): a registration is then under way and has sent nothing that arrived.</summary>
    public bool Stall { get; set; }

    /// <summary>The <paramref name="n"/>-th request from now (1 = the next) answers 500 and changes nothing.</summary>
    public void FailRequest(int n)
    {
        lock (_gate) _failAt = _seen + n;
    }

    public static async Task<SciCatStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var standIn = new SciCatStandIn(app);
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        standIn.ApiBase = new Uri(address.TrimEnd('/') + "/api/v3/");
        return standIn;
    }

    private async Task HandleAsync(HttpContext context)
    {
        // Kestrel leaves %2F encoded in the path: pids with slashes stay one segment until unescaped here.
        var path = context.Request.Path.Value ?? "";
        Requests.Enqueue((context.Request.Method, path));
        while (Stall && !context.RequestAborted.IsCancellationRequested) await Task.Delay(50);
        if (Down)
        {
            context.Response.StatusCode = 503;
            return;
        }
        lock (_gate)
        {
            if (++_seen == _failAt)
            {
                context.Response.StatusCode = 500;
                return;
            }
        }
        var (status, body) = await RouteAsync(context, path);
        context.Response.StatusCode = status;
        if (body is not null)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(body.ToJsonString());
        }
    }

    private async Task<(int, JsonNode?)> RouteAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < 3 || !segments[0].Equals("api", StringComparison.OrdinalIgnoreCase) || !segments[1].Equals("v3", StringComparison.OrdinalIgnoreCase))
            return Nest(404, $"Cannot {method} {path}", "Not Found");
        var route = string.Join('/', segments[2..]).ToLowerInvariant();
        if (route == "auth/login" && method == "POST") return Login(await BodyAsync(context));
        var user = UserOf(context);
        if (user is null) return Nest(403, "Forbidden resource", "Forbidden");
        var collection = segments[2].ToLowerInvariant();
        if (collection == "datasets" && segments.Length == 3)
        {
            if (method == "POST") return CreateDataset(await BodyAsync(context), context);
            if (method == "GET") return Find(context.Request.Query["filter"].FirstOrDefault());
        }
        if (collection == "datasets" && segments.Length >= 4)
        {
            var pid = segments[3];
            var sub = segments.Length > 4 ? segments[4].ToLowerInvariant() : "";
            JsonObject? dataset;
            lock (_gate) dataset = Datasets.GetValueOrDefault(pid);
            if (dataset is null) return Nest(404, $"dataset: {pid} not found", "Not Found");
            switch (sub, method)
            {
                case ("", "GET"):
                    return (200, dataset.DeepClone());
                case ("", "PATCH"):
                    return Patch(dataset, await BodyAsync(context), context);
                case ("origdatablocks", "GET"):
                    lock (_gate) return (200, new JsonArray([.. Datablocks.Where(b => b["datasetId"]!.ToString() == pid).Select(b => b.DeepClone())]));
                case ("attachments", "GET"):
                    lock (_gate) return (200, new JsonArray([.. Attachments.Where(a => a["datasetId"]!.ToString() == pid).Take(10).Select(a => a.DeepClone())]));
                case ("attachments", "POST"):
                    return Attach(pid, dataset, await BodyAsync(context));
            }
        }
        if (collection == "origdatablocks" && segments.Length == 3 && method == "POST")
            return RefuseDatablocks ? (503, null) : CreateDatablock(await BodyAsync(context));
        if (collection == "origdatablocks" && segments.Length == 4 && method == "DELETE") return DeleteDatablock(segments[3]);
        return Nest(404, $"Cannot {method} {path}", "Not Found");
    }

    private static async Task<JsonNode?> BodyAsync(HttpContext context)
    {
        // The backend parses only JSON bodies; anything else reaches the handlers empty (and dataset routes then fail with 500).
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true) return null;
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync();
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string? UserOf(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.FirstOrDefault();
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        return _tokens.TryGetValue(header[7..], out var user) ? user : AcceptToken?.Invoke(header[7..]) == true ? "oidc-user" : null;
    }

    private (int, JsonNode?) Login(JsonNode? body)
    {
        if (body?["username"]?.ToString() != Username || body?["password"]?.ToString() != Password) return (401, new JsonObject { ["message"] = "Unauthorized", ["statusCode"] = 401 });
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        _tokens[token] = Username;
        return (201, new JsonObject { ["access_token"] = token, ["id"] = token, ["expires_in"] = 3600, ["ttl"] = 3600, ["userId"] = "u1", ["created"] = DateTimeOffset.UtcNow.ToString("o") });
    }

    /// <summary>Drops every token, as a backend restart with a new JWT secret would: the next request of a client must log in again.</summary>
    public void ForgetTokens() => _tokens.Clear();

    private (int, JsonNode?) CreateDataset(JsonNode? node, HttpContext context)
    {
        if (node is not JsonObject body) return (500, new JsonObject { ["statusCode"] = 500, ["message"] = "Internal server error" });
        if (body.Any(p => p.Value is null)) return (500, new JsonObject { ["statusCode"] = 500, ["message"] = "Internal server error" });
        if (body["type"]?.ToString() is not ("raw" or "derived")) return (400, new JsonObject { ["status"] = 400, ["message"] = "Invalid dataset type!" });
        var errors = new List<JsonObject>();
        foreach (var key in body.Select(p => p.Key).Where(k => !RawAllowed.Contains(k)))
            errors.Add(Violation(key, "whitelistValidation", $"property {key} should not exist"));
        foreach (var key in RawRequired.Where(k => body[k] is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            errors.Add(Violation(key, "isString", $"{key} must be a string"));
        if (body["creationTime"] is JsonValue time && !DateTimeOffset.TryParse(time.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _)
            || body["creationTime"]?.ToString().Contains(' ') == true)
            errors.Add(Violation("creationTime", "isDateString", "creationTime must be a valid ISO 8601 date string"));
        if (body["contactEmail"] is JsonValue email && !email.ToString().Split(';').All(e => e.Contains('@')))
            errors.Add(Violation("contactEmail", "isEmailList", $"Expected an email or a list of semicolon separated emails, got {email}"));
        if (errors.Count > 0) return (400, new JsonObject { ["status"] = 400, ["message"] = new JsonArray([.. errors]).ToJsonString() });
        if (body["ownerGroup"]!.ToString() != Group || (body["pid"] is not null && !MayChoosePids)) return Nest(403, "Unauthorized to create this dataset", "Forbidden");
        var dataset = (JsonObject)body.DeepClone();
        // The UTCTimeInterceptor stores dates as luxon's toISO of them: milliseconds, in UTC here.
        foreach (var key in new[] { "creationTime", "startTime", "endTime" })
            if (dataset[key] is JsonValue when && DateTimeOffset.TryParse(when.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var instant))
                dataset[key] = instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var pid = dataset["pid"]?.ToString() ?? $"{PidPrefix}/{Guid.NewGuid()}";
        dataset["pid"] = pid;
        dataset["datasetName"] ??= string.Join('/', body["sourceFolder"]!.ToString().Split('/', StringSplitOptions.RemoveEmptyEntries).TakeLast(2));
        dataset["sourceFolder"] = body["sourceFolder"]!.ToString().TrimEnd('/');
        dataset["createdBy"] = Username;
        dataset["createdAt"] = DateTimeOffset.UtcNow.ToString("o");
        dataset["version"] = "3";
        dataset["size"] ??= 0;
        dataset["numberOfFiles"] ??= 0;
        lock (_gate)
        {
            if (Datasets.ContainsKey(pid)) return Nest(409, $"A dataset with pid {pid} already exists!", "Conflict");
            Datasets[pid] = dataset;
        }
        return (201, dataset.DeepClone());
    }

    private (int, JsonNode?) Find(string? filterText)
    {
        JsonObject filter;
        try
        {
            filter = filterText is null ? [] : JsonNode.Parse(filterText) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return Nest(400, "Invalid filter", "Bad Request");
        }
        var where = filter["where"] as JsonObject ?? [];
        var limit = filter["limits"]?["limit"]?.GetValue<int>() ?? 100;
        // The backend maps "ilike" to a case-insensitive MongoDB $regex: the text is a pattern, and a broken one is a server error.
        var patterns = new Dictionary<string, System.Text.RegularExpressions.Regex>();
        foreach (var (key, value) in where)
        {
            if (value is not JsonObject { } op || op["ilike"] is not { } pattern) continue;
            try
            {
                patterns[key] = new System.Text.RegularExpressions.Regex(pattern.ToString(), System.Text.RegularExpressions.RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                return (500, new JsonObject { ["statusCode"] = 500, ["message"] = "Internal server error" });
            }
        }
        bool Matches(JsonObject dataset) => where.All(condition => condition.Value switch
        {
            JsonObject op when op["ilike"] is not null => dataset[condition.Key]?.ToString() is { } text && patterns[condition.Key].IsMatch(text),
            JsonValue value => dataset[condition.Key]?.ToString() == value.ToString(),
            _ => false,
        });
        lock (_gate) return (200, new JsonArray([.. Datasets.Values.Where(Matches).Take(limit).Select(d => d.DeepClone())]));
    }

    private (int, JsonNode?) Patch(JsonObject dataset, JsonNode? node, HttpContext context)
    {
        if (node is not JsonObject body) return (500, new JsonObject { ["statusCode"] = 500, ["message"] = "Internal server error" });
        var errors = body.Select(p => p.Key).Where(k => NotPatchable.Contains(k) || !RawAllowed.Contains(k))
            .Select(k => Violation(k, "whitelistValidation", $"property {k} should not exist")).ToList();
        if (errors.Count > 0) return (400, new JsonObject { ["status"] = 400, ["message"] = new JsonArray([.. errors]).ToJsonString() });
        Patches.Enqueue((JsonObject)body.DeepClone());
        lock (_gate)
        {
            foreach (var (key, value) in body) dataset[key] = value?.DeepClone();
            dataset["updatedAt"] = DateTimeOffset.UtcNow.ToString("o");
        }
        return (200, dataset.DeepClone());
    }

    private (int, JsonNode?) CreateDatablock(JsonNode? node)
    {
        if (node is not JsonObject body) return Nest(400, ["body must be an object"], "Bad Request");
        var allowed = new HashSet<string> { "datasetId", "size", "dataFileList", "chkAlg", "isPublished", "ownerGroup", "accessGroups", "instrumentGroup" };
        var problems = body.Select(p => p.Key).Where(k => !allowed.Contains(k)).Select(k => $"property {k} should not exist").ToList();
        if (body["datasetId"] is not JsonValue) problems.Add("datasetId must be a string");
        if (body["size"] is not JsonValue size || size.GetValueKind() != JsonValueKind.Number) problems.Add("size must be an integer number");
        if (body["dataFileList"] is not JsonArray { Count: > 0 } files) problems.Add("dataFileList must contain at least 1 elements");
        else
        {
            var fileKeys = new HashSet<string> { "path", "size", "time", "chk", "uid", "gid", "perm", "type" };
            foreach (var file in files.OfType<JsonObject>())
            {
                problems.AddRange(file.Select(p => p.Key).Where(k => !fileKeys.Contains(k)).Select(k => $"dataFileList.property {k} should not exist"));
                if (file["path"] is not JsonValue) problems.Add("dataFileList.path must be a string");
                if (file["size"] is not JsonValue) problems.Add("dataFileList.size must be a number");
                if (file["time"] is not JsonValue t || !DateTimeOffset.TryParse(t.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
                    problems.Add("dataFileList.time must be a valid ISO 8601 date string");
            }
        }
        if (problems.Count > 0) return Nest(400, [.. problems], "Bad Request");
        var pid = body["datasetId"]!.ToString();
        lock (_gate)
        {
            if (!Datasets.TryGetValue(pid, out var dataset)) return Nest(404, $"Dataset: {pid} not found for attaching an origdatablock", "Not Found");
            var block = (JsonObject)body.DeepClone();
            block["id"] = Guid.NewGuid().ToString();
            block["ownerGroup"] = dataset["ownerGroup"]?.DeepClone();
            Datablocks.Add(block);
            dataset["size"] = Number(dataset["size"]) + Number(body["size"]);
            dataset["numberOfFiles"] = Number(dataset["numberOfFiles"]) + ((JsonArray)body["dataFileList"]!).Count;
            return (201, block.DeepClone());
        }
    }

    private (int, JsonNode?) DeleteDatablock(string id)
    {
        if (!MayDelete) return Nest(403, "Forbidden resource", "Forbidden");
        lock (_gate)
        {
            var block = Datablocks.FirstOrDefault(b => b["id"]!.ToString() == id);
            if (block is null) return Nest(404, $"OrigDatablock: {id} not found", "Not Found");
            Datablocks.Remove(block);
            // The backend recomputes the dataset's totals after a delete.
            if (Datasets.GetValueOrDefault(block["datasetId"]!.ToString()) is { } dataset)
            {
                dataset["size"] = Number(dataset["size"]) - Number(block["size"]);
                dataset["numberOfFiles"] = Number(dataset["numberOfFiles"]) - ((JsonArray)block["dataFileList"]!).Count;
            }
            return (200, block.DeepClone());
        }
    }

    private (int, JsonNode?) Attach(string pid, JsonObject dataset, JsonNode? node)
    {
        if (node is not JsonObject body) return Nest(400, ["body must be an object"], "Bad Request");
        var allowed = new HashSet<string> { "caption", "ownerGroup", "thumbnail", "accessGroups", "instrumentGroup", "id", "datasetId", "proposalId", "sampleId" };
        var problems = body.Select(p => p.Key).Where(k => !allowed.Contains(k)).Select(k => $"property {k} should not exist").ToList();
        if (body["caption"] is not JsonValue) problems.Add("caption must be a string");
        if (body["ownerGroup"] is not JsonValue) problems.Add("ownerGroup must be a string");
        if (problems.Count > 0) return Nest(400, [.. problems], "Bad Request");
        var attachment = (JsonObject)body.DeepClone();
        attachment["id"] = Guid.NewGuid().ToString();
        attachment["datasetId"] = pid;
        attachment["ownerGroup"] = dataset["ownerGroup"]?.DeepClone();
        lock (_gate) Attachments.Add(attachment);
        return (201, attachment.DeepClone());
    }

    private static long Number(JsonNode? node) => node is null ? 0 : long.Parse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Violation(string property, string constraint, string message) =>
        new() { ["property"] = property, ["constraints"] = new JsonObject { [constraint] = message } };

    private static (int, JsonNode?) Nest(int status, string message, string error) =>
        (status, new JsonObject { ["message"] = message, ["error"] = error, ["statusCode"] = status });

    private static (int, JsonNode?) Nest(int status, string[] messages, string error) =>
        (status, new JsonObject { ["message"] = new JsonArray([.. messages.Select(m => (JsonNode)m)]), ["error"] = error, ["statusCode"] = status });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
