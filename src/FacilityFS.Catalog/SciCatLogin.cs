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
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                    throw new CredentialException($"SciCat at {apiBase} refused the login of {username} (wrong password in {password.Path}?)");
                if (!response.IsSuccessStatusCode) throw new CatalogException(response.StatusCode, $"SciCat login at {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                _token = answer?["access_token"]?.GetValue<string>() ?? answer?["id"]?.GetValue<string>()
                    ?? throw new CatalogException(response.StatusCode, $"SciCat login at {url} answered without a token");
                var lifetime = answer?["expires_in"]?.GetValue<double>() is { } seconds && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromHours(1);
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
