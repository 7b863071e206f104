using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FacilityFS.Identity;

namespace FacilityFS.Catalog;

/// <summary>A SciCat account's token from POST auth/login (username and password from a file), renewed before it ends and after a 401.</summary>
public sealed class SciCatLogin(HttpClient http, Uri apiBase, string username, SecretFile password) : ICredentialProvider
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _renewAt;

    public async ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken) =>
        new("Bearer", await TokenAsync(force: false, cancellationToken).ConfigureAwait(false));

    public async ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken) =>
        await TokenAsync(force: refused?.Parameter == _token, cancellationToken).ConfigureAwait(false) != refused?.Parameter;

    private async Task<string> TokenAsync(bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!force && _token is { } token && DateTimeOffset.UtcNow < _renewAt) return token;
            var url = new Uri(apiBase.AbsoluteUri.TrimEnd('/') + "/auth/login");
            var body = new JsonObject { ["username"] = username, ["password"] = password.Read() }.ToJsonString();
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new CatalogException(null, $"cannot reach SciCat at {url}: {e.Message}", e);
            }
            using (response)
            {
                if ((int)response.StatusCode is >= 300 and < 400) throw SciCatClient.Redirected(response, $"SciCat login at {url}");
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                    throw new CredentialException($"SciCat at {apiBase} refused the login of {username} (wrong password in {password.Path}?)");
                if (!response.IsSuccessStatusCode) throw new CatalogException(response.StatusCode, $"SciCat login at {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (string.IsNullOrWhiteSpace(text))
                    throw new CatalogException(response.StatusCode, $"SciCat login at {url} answered {(int)response.StatusCode} with an empty body; expected JSON with the token (access_token or id): is {apiBase} SciCat's API URL?");
                JsonNode? answer;
                try
                {
                    answer = JsonNode.Parse(text);
                }
                catch (System.Text.Json.JsonException)
                {
                    throw new CatalogException(response.StatusCode, $"SciCat login at {url} answered {(int)response.StatusCode} with something that is not JSON; expected the token (access_token or id): is {apiBase} SciCat's API URL?");
                }
                _token = (answer as JsonObject)?["access_token"] is JsonValue access && access.TryGetValue<string>(out var a) ? a
                    : (answer as JsonObject)?["id"] is JsonValue id && id.TryGetValue<string>(out var i) ? i
                    : throw new CatalogException(response.StatusCode, $"SciCat login at {url} answered without a token (no access_token or id)");
                var lifetime = (answer as JsonObject)?["expires_in"] is JsonValue expires && expires.TryGetValue<double>(out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromHours(1);
                _renewAt = DateTimeOffset.UtcNow + lifetime - TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, lifetime.Ticks / 4));
                return _token;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
