using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FacilityFS.Identity.Oidc;

/// <summary>Speaks OpenID Connect to one provider over HttpClient: discovery, the device grant (RFC 8628), refresh, client credentials, revocation.</summary>
/// <remarks>Tokens travel only in POST bodies and Authorization headers, never in URLs; errors carry the provider's own words but never a token.</remarks>
public sealed class OidcClient(HttpClient http, OidcSettings settings)
{
    /// <summary>The HTTP client for providers: redirects are not followed, since following one resends the form (a refresh token, the client secret) to wherever it points.</summary>
    public static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15), AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };

    private const string DeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";
    private Endpoints? _endpoints;

    public OidcSettings Settings { get; } = settings;

    private sealed record Endpoints(Uri Token, Uri? DeviceAuthorization, Uri? Revocation);

    /// <summary>Starts a device login; show the person <see cref="DeviceAuthorization.VerificationUri"/> and the user code.</summary>
    public async Task<DeviceAuthorization> StartDeviceLoginAsync(CancellationToken cancellationToken)
    {
        var endpoints = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        var url = endpoints.DeviceAuthorization ?? throw new CredentialException($"{Settings.Issuer} offers no device login (its discovery document has no device_authorization_endpoint)");
        var scope = string.Join(' ', Settings.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("offline_access").Distinct(StringComparer.Ordinal));
        using var document = await PostAsync(url, [new("scope", scope)], cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var verification = Text(root, "verification_uri") ?? Text(root, "verification_url");
        if (Text(root, "device_code") is not { } deviceCode || Text(root, "user_code") is not { } userCode || verification is null
            || !Uri.TryCreate(verification, UriKind.Absolute, out var verificationUri))
            throw new CredentialException($"{url}: the device authorization answer lacks device_code, user_code or verification_uri");
        var complete = Text(root, "verification_uri_complete") is { } c && Uri.TryCreate(c, UriKind.Absolute, out var u) ? u : null;
        var expiresIn = Seconds(root, "expires_in") ?? TimeSpan.FromMinutes(10);
        // RFC 8628 3.2: without an interval the client polls every 5 s.
        var interval = Seconds(root, "interval") ?? TimeSpan.FromSeconds(5);
        return new DeviceAuthorization(deviceCode, userCode, verificationUri, complete, DateTimeOffset.UtcNow + expiresIn, interval);
    }

    /// <summary>Polls until the person approved (tokens), denied, or the code expired (errors that say so); honours interval and slow_down.</summary>
    public async Task<TokenState> WaitForDeviceLoginAsync(DeviceAuthorization login, CancellationToken cancellationToken, Action<TimeSpan>? slowedDown = null)
    {
        var endpoints = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        var wait = login.Interval;
        while (true)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            if (DateTimeOffset.UtcNow > login.ExpiresAt)
                throw new CredentialException($"the login code {login.UserCode} expired before it was approved; run the login again");
            var (status, document) = await SendAsync(endpoints.Token, [new("grant_type", DeviceGrant), new("device_code", login.DeviceCode)], cancellationToken).ConfigureAwait(false);
            using (document)
            {
                if (status == HttpStatusCode.OK) return TokensFrom(document.RootElement, endpoints.Token, null);
                switch (Text(document.RootElement, "error"))
                {
                    case "authorization_pending":
                        continue;
                    case "slow_down":
                        // RFC 8628 3.5: five seconds more for this and every later poll; a server that names its own interval gets the larger.
                        var asked = Seconds(document.RootElement, "interval") ?? TimeSpan.Zero;
                        wait = TimeSpan.FromTicks(Math.Max((wait + TimeSpan.FromSeconds(5)).Ticks, asked.Ticks));
                        slowedDown?.Invoke(wait);
                        continue;
                    case "access_denied":
                        throw new CredentialException($"the login was denied at {Settings.Issuer}");
                    case "expired_token":
                        throw new CredentialException($"the login code {login.UserCode} expired before it was approved; run the login again");
                    default:
                        throw ErrorOf(endpoints.Token, status, document.RootElement);
                }
            }
        }
    }

    /// <summary>Trades a refresh token for new tokens; a refused one (expired, revoked, reused after rotation) means logging in again.</summary>
    public async Task<TokenState> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var endpoints = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        var (status, document) = await SendAsync(endpoints.Token, [new("grant_type", "refresh_token"), new("refresh_token", refreshToken)], cancellationToken).ConfigureAwait(false);
        using (document)
        {
            if (status == HttpStatusCode.OK) return TokensFrom(document.RootElement, endpoints.Token, refreshToken);
            if (Text(document.RootElement, "error") == "invalid_grant")
                throw new CredentialException($"the session at {Settings.Issuer} has ended (refresh token refused: {Text(document.RootElement, "error_description") ?? "invalid_grant"}); log in again");
            throw ErrorOf(endpoints.Token, status, document.RootElement);
        }
    }

    /// <summary>A token for the client itself (robot and instrument accounts).</summary>
    public async Task<TokenState> ClientCredentialsAsync(CancellationToken cancellationToken)
    {
        var endpoints = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        List<KeyValuePair<string, string>> form = [new("grant_type", "client_credentials")];
        if (Settings.Scope.Length > 0) form.Add(new("scope", Settings.Scope));
        using var document = await PostAsync(endpoints.Token, form, cancellationToken).ConfigureAwait(false);
        return TokensFrom(document.RootElement, endpoints.Token, null);
    }

    /// <summary>Revokes a refresh token where the provider offers revocation; false when it does not.</summary>
    public async Task<bool> RevokeAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var endpoints = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        if (endpoints.Revocation is not { } url) return false;
        var (status, document) = await SendAsync(url, [new("token", refreshToken), new("token_type_hint", "refresh_token")], cancellationToken).ConfigureAwait(false);
        using (document)
        {
            if (status != HttpStatusCode.OK) throw ErrorOf(url, status, document.RootElement);
        }
        return true;
    }

    private async Task<Endpoints> DiscoverAsync(CancellationToken cancellationToken)
    {
        if (_endpoints is { } known) return known;
        var url = new Uri(Settings.Issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration");
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CredentialException($"cannot reach the OpenID provider {Settings.Issuer}: {e.Message}", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new CredentialException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}: is {Settings.Issuer} the right issuer URL?");
            using var document = await ReadJsonAsync(response, url, cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            // The issuer a provider names must be the one asked for (a trailing slash aside), or its tokens are someone else's.
            if (Text(root, "issuer") is not { } issuer || !SameIssuer(issuer, Settings.Issuer.AbsoluteUri))
                throw new CredentialException($"{url} names the issuer '{Text(root, "issuer")}', not {Settings.Issuer}");
            var token = Text(root, "token_endpoint") is { } t && Uri.TryCreate(t, UriKind.Absolute, out var tokenUri) ? tokenUri
                : throw new CredentialException($"{url} names no token_endpoint");
            Uri? Optional(string name) => Text(root, name) is { } v && Uri.TryCreate(v, UriKind.Absolute, out var uri) ? uri : null;
            return _endpoints = new Endpoints(token, Optional("device_authorization_endpoint"), Optional("revocation_endpoint"));
        }
    }

    private static bool SameIssuer(string a, string b) => string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.Ordinal);

    private async Task<JsonDocument> PostAsync(Uri url, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        var (status, document) = await SendAsync(url, form, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.OK) return document;
        using (document) throw ErrorOf(url, status, document.RootElement);
    }

    /// <summary>POSTs a form with the client's authentication: HTTP Basic with a secret, else client_id in the body (public clients).</summary>
    private async Task<(HttpStatusCode Status, JsonDocument Body)> SendAsync(Uri url, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (Settings.ClientSecret is { } secret)
        {
            // RFC 6749 2.3.1: both parts are form-urlencoded before they are joined and base64-encoded.
            var pair = $"{Uri.EscapeDataString(Settings.ClientId)}:{Uri.EscapeDataString(secret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }
        else
        {
            form.Add(new("client_id", Settings.ClientId));
        }
        request.Content = new FormUrlEncodedContent(form);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CredentialException($"cannot reach the OpenID provider at {url}: {e.Message}", e);
        }
        using (response)
        {
            if ((int)response.StatusCode is >= 300 and < 400)
                throw new CredentialException($"{url} answered {(int)response.StatusCode} with a redirect to {response.Headers.Location?.ToString() ?? "nowhere"}; "
                    + "not followed, since it would send the client's credentials and tokens there: check the issuer URL");
            return (response.StatusCode, await ReadJsonAsync(response, url, cancellationToken).ConfigureAwait(false));
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, Uri url, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        }
        catch (JsonException)
        {
            throw new CredentialException($"{url} answered {(int)response.StatusCode} with something that is not JSON");
        }
    }

    private TokenState TokensFrom(JsonElement root, Uri url, string? previousRefreshToken)
    {
        if (Text(root, "access_token") is not { } access) throw new CredentialException($"{url} answered without an access_token");
        var lifetime = Seconds(root, "expires_in") ?? TimeSpan.FromMinutes(5);
        return new TokenState
        {
            Issuer = Settings.Issuer.AbsoluteUri,
            ClientId = Settings.ClientId,
            AccessToken = access,
            ExpiresAt = DateTimeOffset.UtcNow + lifetime,
            Lifetime = lifetime,
            // A provider that does not rotate sends no new refresh token: the old one stays valid.
            RefreshToken = Text(root, "refresh_token") ?? previousRefreshToken,
            Scope = Text(root, "scope"),
            IdToken = Text(root, "id_token"),
        };
    }

    private static CredentialException ErrorOf(Uri url, HttpStatusCode status, JsonElement root)
    {
        var error = Text(root, "error") ?? "no error code";
        var description = Text(root, "error_description");
        return new CredentialException($"{url} answered {(int)status}: {error}{(description is null ? "" : $" ({description})")}");
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static TimeSpan? Seconds(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var s) && s >= 0
            ? TimeSpan.FromSeconds(s) : null;
}
