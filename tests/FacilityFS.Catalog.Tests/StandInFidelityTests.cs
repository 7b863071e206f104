using FacilityFS.TestServers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace FacilityFS.Catalog.Tests;

/// <summary>The stand-in is only as good as its fidelity: it must answer as scicat-backend-next does (shapes and codes from its source), checked over raw HTTP.</summary>
public sealed class StandInFidelityTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private SciCatStandIn _scicat = null!;
    private string _token = "";

    public async Task InitializeAsync()
    {
        _scicat = await SciCatStandIn.StartAsync();
        var (status, body) = await SendAsync(HttpMethod.Post, "auth/login", new JsonObject { ["username"] = SciCatStandIn.Username, ["password"] = SciCatStandIn.Password }, token: null);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(body!["access_token"]!.ToString(), body["id"]!.ToString());
        _token = body["access_token"]!.ToString();
    }

    public async Task DisposeAsync() => await _scicat.DisposeAsync();

    public static JsonObject MinimalRaw() => new()
    {
        ["type"] = "raw", ["ownerGroup"] = SciCatStandIn.Group, ["owner"] = "Doe", ["contactEmail"] = "doe@example.org", ["sourceFolder"] = "/data/p12345/scan1",
        ["creationTime"] = "2026-12-01T10:00:00Z", ["principalInvestigator"] = "pi@example.org", ["creationLocation"] = "/facility/beamline",
    };

    private async Task<(HttpStatusCode, JsonNode?)> SendAsync(HttpMethod method, string relative, JsonNode? body, string? token = "", string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(_scicat.ApiBase, relative));
        if ((token == "" ? _token : token) is { Length: > 0 } t) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", t);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, mediaType);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task Writes_without_a_token_get_403_forbidden_resource_and_a_wrong_password_401()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "Datasets", MinimalRaw(), token: null);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Forbidden resource", body!["message"]!.ToString());
        var (login, _) = await SendAsync(HttpMethod.Post, "auth/login", new JsonObject { ["username"] = SciCatStandIn.Username, ["password"] = "wrong" }, token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, login);
    }

    [Fact]
    public async Task A_minimal_raw_dataset_gets_a_prefixed_server_pid_a_derived_name_and_is_found_case_insensitively_by_encoded_pid()
    {
        var (status, created) = await SendAsync(HttpMethod.Post, "Datasets", MinimalRaw());
        Assert.Equal(HttpStatusCode.Created, status);
        var pid = created!["pid"]!.ToString();
        Assert.StartsWith(SciCatStandIn.PidPrefix + "/", pid);
        Assert.Equal("p12345/scan1", created["datasetName"]!.ToString());
        var (found, dataset) = await SendAsync(HttpMethod.Get, "datasets/" + Uri.EscapeDataString(pid), null);
        Assert.Equal(HttpStatusCode.OK, found);
        Assert.Equal(pid, dataset!["pid"]!.ToString());
        var (missing, error) = await SendAsync(HttpMethod.Get, "Datasets/" + Uri.EscapeDataString(SciCatStandIn.PidPrefix + "/nope"), null);
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal($"dataset: {SciCatStandIn.PidPrefix}/nope not found", error!["message"]!.ToString());
    }

    [Fact]
    public async Task Unknown_and_missing_fields_get_400_in_the_v3_dataset_shape_and_the_traps_500()
    {
        var unknown = MinimalRaw();
        unknown["history"] = new JsonArray();
        var (status, body) = await SendAsync(HttpMethod.Post, "Datasets", unknown);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, body!["status"]!.GetValue<int>());
        Assert.Contains("property history should not exist", body["message"]!.GetValue<string>());
        var missing = MinimalRaw();
        missing.Remove("owner");
        (status, body) = await SendAsync(HttpMethod.Post, "Datasets", missing);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("owner must be a string", body!["message"]!.GetValue<string>());
        var spaced = MinimalRaw();
        spaced["creationTime"] = "2022-05-19 09:00:00";
        (status, body) = await SendAsync(HttpMethod.Post, "Datasets", spaced);
        Assert.Contains("valid ISO 8601", body!["message"]!.GetValue<string>());
        (status, _) = await SendAsync(HttpMethod.Post, "Datasets", MinimalRaw(), mediaType: "text/plain");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        var withNull = MinimalRaw();
        withNull["size"] = null;
        (status, _) = await SendAsync(HttpMethod.Post, "Datasets", withNull);
        Assert.Equal(HttpStatusCode.InternalServerError, status);
    }

    [Fact]
    public async Task A_duplicate_pid_is_409_and_a_patch_of_pid_or_type_is_400()
    {
        var withPid = MinimalRaw();
        withPid["pid"] = "p12345/scan-42";
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "Datasets", withPid)).Item1);
        var (status, body) = await SendAsync(HttpMethod.Post, "Datasets", withPid);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("A dataset with pid p12345/scan-42 already exists!", body!["message"]!.ToString());
        (status, body) = await SendAsync(HttpMethod.Patch, "Datasets/" + Uri.EscapeDataString("p12345/scan-42"), new JsonObject { ["type"] = "derived" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("property type should not exist", body!["message"]!.GetValue<string>());
        (status, body) = await SendAsync(HttpMethod.Patch, "Datasets/" + Uri.EscapeDataString("p12345/scan-42"), new JsonObject { ["description"] = "better" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("better", body!["description"]!.ToString());
    }

    [Fact]
    public async Task Origdatablocks_need_a_dataset_and_known_fields_and_answer_in_nests_array_shape()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "Datasets", MinimalRaw());
        var pid = created!["pid"]!.ToString();
        var block = new JsonObject
        {
            ["datasetId"] = pid, ["size"] = 10,
            ["dataFileList"] = new JsonArray(new JsonObject { ["path"] = "a.dat", ["size"] = 10, ["time"] = "2026-12-01T10:00:00Z", ["chk"] = "0a0b0c0d" }),
        };
        var (status, body) = await SendAsync(HttpMethod.Post, "OrigDatablocks", block);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.NotNull(body!["id"]);
        var (_, dataset) = await SendAsync(HttpMethod.Get, "Datasets/" + Uri.EscapeDataString(pid), null);
        Assert.Equal(1, dataset!["numberOfFiles"]!.GetValue<int>());
        var bad = (JsonObject)block.DeepClone();
        bad["metadata"] = "x";
        (status, body) = await SendAsync(HttpMethod.Post, "OrigDatablocks", bad);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("property metadata should not exist", ((JsonArray)body!["message"]!).Select(m => m!.ToString()));
        var orphan = (JsonObject)block.DeepClone();
        orphan["datasetId"] = "nope/1";
        (status, body) = await SendAsync(HttpMethod.Post, "OrigDatablocks", orphan);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("not found for attaching an origdatablock", body!["message"]!.ToString());
    }

    [Fact]
    public async Task Dates_are_stored_as_luxon_writes_them_and_deleting_a_block_needs_delete_rights_and_recomputes_the_totals()
    {
        var (_, created) = await SendAsync(HttpMethod.Post, "Datasets", MinimalRaw());
        var pid = created!["pid"]!.ToString();
        Assert.Equal("2026-12-01T10:00:00.000Z", created["creationTime"]!.ToString());
        var block = new JsonObject
        {
            ["datasetId"] = pid, ["size"] = 10, ["dataFileList"] = new JsonArray(new JsonObject { ["path"] = "a", ["size"] = 10, ["time"] = "2026-12-01T10:00:00Z" }),
        };
        var (posted, made) = await SendAsync(HttpMethod.Post, "OrigDatablocks", block);
        Assert.Equal(HttpStatusCode.Created, posted);
        _scicat.MayDelete = false;
        var (refused, words) = await SendAsync(HttpMethod.Delete, "OrigDatablocks/" + made!["id"], null);
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal("Forbidden resource", words!["message"]!.ToString());
        _scicat.MayDelete = true;
        var (deleted, _) = await SendAsync(HttpMethod.Delete, "origdatablocks/" + made["id"], null);
        Assert.Equal(HttpStatusCode.OK, deleted);
        var (_, dataset) = await SendAsync(HttpMethod.Get, "Datasets/" + Uri.EscapeDataString(pid), null);
        Assert.Equal((0, 0), (dataset!["size"]!.GetValue<long>(), dataset["numberOfFiles"]!.GetValue<long>()));
        var (gone, _) = await SendAsync(HttpMethod.Delete, "OrigDatablocks/" + made["id"], null);
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task A_chosen_pid_is_stored_verbatim_only_for_an_account_that_may_choose_pids()
    {
        var chosen = MinimalRaw();
        chosen["pid"] = "12345/scan1";
        _scicat.MayChoosePids = false;
        var (refused, words) = await SendAsync(HttpMethod.Post, "Datasets", chosen);
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal("Unauthorized to create this dataset", words!["message"]!.ToString());
        _scicat.MayChoosePids = true;
        var (status, created) = await SendAsync(HttpMethod.Post, "Datasets", chosen);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("12345/scan1", created!["pid"]!.ToString());
    }

    [Fact]
    public async Task Ilike_is_a_case_insensitive_regular_expression_and_a_broken_one_a_server_error()
    {
        await SendAsync(HttpMethod.Post, "Datasets", MinimalRaw());
        string Filter(string pattern) => "Datasets?filter=" + Uri.EscapeDataString(new JsonObject { ["where"] = new JsonObject { ["sourceFolder"] = new JsonObject { ["ilike"] = pattern } } }.ToJsonString());
        var (all, found) = await SendAsync(HttpMethod.Get, Filter(".*"), null);
        Assert.Equal(HttpStatusCode.OK, all);
        Assert.Single((JsonArray)found!);
        var (broken, _) = await SendAsync(HttpMethod.Get, Filter("("), null);
        Assert.Equal(HttpStatusCode.InternalServerError, broken);
        var (_, literal) = await SendAsync(HttpMethod.Get, Filter(SciCatClient.LiteralPattern("P12345/SCAN1")), null);
        Assert.Single((JsonArray)literal!);
    }
}
