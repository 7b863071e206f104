using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FacilityFS.Identity;

namespace FacilityFS.Catalog;

/// <summary>The SciCat v3 API over HttpClient: datasets, origdatablocks, attachments; pids percent-encoded in paths, the server's own words in every error.</summary>
/// <remarks>Bodies are always application/json without nulls: the real backend answers 500 to text/plain bodies and to explicit nulls.</remarks>
public sealed class SciCatClient(HttpClient http, Uri apiBase, ICredentialProvider credentials)
{
    private readonly Uri _base = new(apiBase.AbsoluteUri.TrimEnd('/') + "/");

    /// <summary>The HTTP client for SciCat: redirects are not followed, since following one resends the body (a password at login) and the token to wherever it points.</summary>
    public static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15), AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The error for a redirect that was not followed, naming where it pointed.</summary>
    internal static CatalogException Redirected(HttpResponseMessage response, string what) =>
        new(response.StatusCode, $"{what} answered {(int)response.StatusCode} with a redirect to {response.Headers.Location?.ToString() ?? "nowhere"}; "
            + "not followed, since it would send the password or token there: configure the catalog's URL as the one it points to if that is right");

    public Uri ApiBase => _base;

    /// <summary>The dataset, or null when the catalog has none with that pid.</summary>
    public async Task<JsonObject?> GetDatasetAsync(string pid, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"Datasets/{Uri.EscapeDataString(pid)}", null, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.NotFound || (status == HttpStatusCode.OK && body is null)) return null;
        return Expect(status, body, HttpStatusCode.OK, $"GET dataset {pid}") as JsonObject;
    }

    /// <summary>Creates a dataset and returns its pid (the server's, unless the body carries one).</summary>
    public async Task<string> CreateDatasetAsync(JsonObject dataset, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "Datasets", dataset, cancellationToken).ConfigureAwait(false);
        var created = Expect(status, body, HttpStatusCode.Created, "create dataset");
        return created?["pid"]?.GetValue<string>() ?? throw new CatalogException(status, $"{_base}Datasets answered without a pid");
    }

    public async Task PatchDatasetAsync(string pid, JsonObject changes, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Patch, $"Datasets/{Uri.EscapeDataString(pid)}", changes, cancellationToken).ConfigureAwait(false);
        Expect(status, body, HttpStatusCode.OK, $"update dataset {pid}");
    }

    /// <summary>Datasets matching a Loopback-style filter (where, limits), as the v3 API takes it.</summary>
    public async Task<IReadOnlyList<JsonObject>> FindDatasetsAsync(JsonObject filter, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"Datasets?filter={Uri.EscapeDataString(filter.ToJsonString())}", null, cancellationToken).ConfigureAwait(false);
        return Expect(status, body, HttpStatusCode.OK, "search datasets") is JsonArray list ? [.. list.OfType<JsonObject>()] : [];
    }

    /// <summary>Datasets whose name contains <paramref name="text"/> (case ignored), at most <paramref name="limit"/>; the text is matched literally.</summary>
    /// <remarks>The backend turns "ilike" into a MongoDB regular expression: unescaped, "(" is a server error and ".*" matches everything.</remarks>
    public Task<IReadOnlyList<JsonObject>> SearchByNameAsync(string text, int limit, CancellationToken cancellationToken) =>
        FindDatasetsAsync(new JsonObject
        {
            ["where"] = new JsonObject { ["datasetName"] = new JsonObject { ["ilike"] = LiteralPattern(text) } },
            ["limits"] = new JsonObject { ["limit"] = limit },
        }, cancellationToken);

    /// <summary>A regular expression (PCRE, as MongoDB reads it) that matches <paramref name="text"/> literally.</summary>
    public static string LiteralPattern(string text)
    {
        var escaped = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (@"\^$.|?*+()[]{}/-".Contains(c)) escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>Registers the files of a dataset (sizes, times, checksums) and returns the block's id.</summary>
    public async Task<string> CreateOrigDatablockAsync(string pid, IReadOnlyList<DataFileEntry> files, string checksumAlgorithm, CancellationToken cancellationToken)
    {
        var block = new JsonObject
        {
            ["datasetId"] = pid,
            ["size"] = files.Sum(f => f.Size),
            ["chkAlg"] = checksumAlgorithm,
            ["dataFileList"] = new JsonArray([.. files.Select(f => (JsonNode)f.ToJson())]),
        };
        var (status, body) = await SendAsync(HttpMethod.Post, "OrigDatablocks", block, cancellationToken).ConfigureAwait(false);
        var created = Expect(status, body, HttpStatusCode.Created, $"register the files of {pid}");
        return created?["id"]?.GetValue<string>() ?? created?["_id"]?.GetValue<string>() ?? throw new CatalogException(status, $"{_base}OrigDatablocks answered without an id");
    }

    /// <summary>Deletes one origdatablock (a re-ingest replaces a dataset's file list; the account needs the backend's DELETE_GROUPS).</summary>
    public async Task DeleteOrigDatablockAsync(string id, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Delete, $"OrigDatablocks/{Uri.EscapeDataString(id)}", null, cancellationToken).ConfigureAwait(false);
        Expect(status, body, HttpStatusCode.OK, $"delete the file list {id}");
    }

    public async Task<IReadOnlyList<JsonObject>> OrigDatablocksOfAsync(string pid, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"Datasets/{Uri.EscapeDataString(pid)}/origdatablocks", null, cancellationToken).ConfigureAwait(false);
        return Expect(status, body, HttpStatusCode.OK, $"list the files of {pid}") is JsonArray list ? [.. list.OfType<JsonObject>()] : [];
    }

    /// <summary>Attaches a thumbnail (a data: URI of a small PNG) to a dataset.</summary>
    public async Task CreateAttachmentAsync(string pid, string ownerGroup, string caption, string thumbnail, CancellationToken cancellationToken)
    {
        var attachment = new JsonObject { ["ownerGroup"] = ownerGroup, ["caption"] = caption, ["thumbnail"] = thumbnail };
        var (status, body) = await SendAsync(HttpMethod.Post, $"Datasets/{Uri.EscapeDataString(pid)}/attachments", attachment, cancellationToken).ConfigureAwait(false);
        Expect(status, body, HttpStatusCode.Created, $"attach a thumbnail to {pid}");
    }

    public async Task<IReadOnlyList<JsonObject>> AttachmentsOfAsync(string pid, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"Datasets/{Uri.EscapeDataString(pid)}/attachments", null, cancellationToken).ConfigureAwait(false);
        return Expect(status, body, HttpStatusCode.OK, $"list the attachments of {pid}") is JsonArray list ? [.. list.OfType<JsonObject>()] : [];
    }

    private JsonNode? Expect(HttpStatusCode status, JsonNode? body, HttpStatusCode wanted, string what)
    {
        if (status == wanted || (wanted == HttpStatusCode.Created && status == HttpStatusCode.OK)) return body;
        throw new CatalogException(status, $"SciCat at {_base} refused to {what}: {(int)status} {ServerWords(body)}");
    }

    /// <summary>The server's message in either of the backend's shapes: Nest's {message: [..] | "..."} or the v3 dataset routes' {status, message: "&lt;json&gt;"}.</summary>
    private static string ServerWords(JsonNode? body) => body?["message"] switch
    {
        JsonArray messages => string.Join("; ", messages.Select(m => m?.ToString())),
        JsonValue message => message.ToString(),
        _ => body?.ToJsonString() ?? "(no body)",
    };

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string relative, JsonObject? content, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(_base, relative));
            var authorization = await credentials.GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = authorization;
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (content is not null) request.Content = new StringContent(WithoutNulls(content).ToJsonString(), Encoding.UTF8, "application/json");
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new CatalogException(null, $"cannot reach SciCat at {_base}: {e.Message}", e);
            }
            using (response)
            {
                // The backend answers an expired or unknown token with 403 "Forbidden resource", not 401: both get one renewal.
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && attempt == 0
                    && await credentials.RenewAsync(authorization, cancellationToken).ConfigureAwait(false))
                    continue;
                if ((int)response.StatusCode is >= 300 and < 400) throw Redirected(response, $"SciCat at {_base} ({method} {relative.Split('?')[0]})");
                if ((int)response.StatusCode >= 500)
                    throw new CatalogException(response.StatusCode, $"SciCat at {_base} failed on {method} {relative.Split('?')[0]}: {(int)response.StatusCode} {response.ReasonPhrase}");
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
                }
                catch (JsonException)
                {
                    throw new CatalogException(response.StatusCode, $"SciCat at {_base} answered {method} {relative.Split('?')[0]} with something that is not JSON");
                }
            }
        }
    }

    private static JsonObject WithoutNulls(JsonObject value)
    {
        var copy = new JsonObject();
        foreach (var (key, node) in value)
        {
            if (node is null) continue;
            copy[key] = node is JsonObject inner ? WithoutNulls(inner) : node.DeepClone();
        }
        return copy;
    }
}

/// <summary>One file of a dataset as an origdatablock lists it: path relative to the dataset's folder, size, time, checksum.</summary>
public sealed record DataFileEntry(string Path, long Size, DateTimeOffset Time, string? Checksum)
{
    public JsonObject ToJson()
    {
        var file = new JsonObject { ["path"] = Path, ["size"] = Size, ["time"] = Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture) };
        if (Checksum is not null) file["chk"] = Checksum;
        return file;
    }
}

/// <summary>SciCat refused or failed a request; carries the status (null when it could not be reached) and the server's words.</summary>
public sealed class CatalogException(HttpStatusCode? status, string message, Exception? inner = null) : Exception(message, inner)
{
    public HttpStatusCode? Status { get; } = status;

    /// <summary>Worth trying again later: unreachable, 5xx, 429.</summary>
    public bool IsTransient => Status is null || (int)Status >= 500 || Status == HttpStatusCode.TooManyRequests;
}
