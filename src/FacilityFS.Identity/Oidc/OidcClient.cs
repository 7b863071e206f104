using System.Net;
using System.Text.Json;
using Duende.IdentityModel.Client;

namespace FacilityFS.Identity.Oidc;

/// <summary>Speaks OpenID Connect to one provider through Duende.IdentityModel: discovery, the device grant (RFC 8628), refresh, client credentials, revocation, introspection; the browser login is in OidcClient.Browser.cs.</summary>
/// <remarks>Tokens travel only in POST bodies and Authorization headers, never in URLs; errors carry the provider's own words but never a token.</remarks>
public sealed partial class OidcClient(HttpClient http, OidcSettings settings)
{
    /// <summary>The largest answer read from a provider; discovery documents and token answers are a few KiB.</summary>
    public const int MaxAnswerBytes = 1 << 20;

    /// <summary>The HTTP client for providers: redirects are not followed, since following one resends the form (a refresh token, the client secret) to wherever it points; answers are bounded.</summary>
    public static HttpClient CreateHttpClient() => Bounded(CreateHandler(), disposeHandler: true);

    private static SocketsHttpHandler CreateHandler() => new() { ConnectTimeout = TimeSpan.FromSeconds(15), AllowAutoRedirect = false };

    private static HttpClient Bounded(HttpMessageHandler handler, bool disposeHandler) =>
        new(handler, disposeHandler) { Timeout = TimeSpan.FromSeconds(60), MaxResponseContentBufferSize = MaxAnswerBytes };

    private DiscoveryDocumentResponse? _discovery;

    public OidcSettings Settings { get; } = settings;

    /// <summary>The issuer as an authority: without the trailing slash a bare host gets from Uri.</summary>
    private string Authority => Settings.Issuer.AbsoluteUri.TrimEnd('/');

    /// <summary>Duende's discovery policy: the issuer must be the one asked for, every endpoint must lie under it, https except on loopback. Keys are not required: tokens are checked by the storage, not by us.</summary>
    private static DiscoveryPolicy DiscoveryRules() => new() { RequireKeySet = false };

    /// <summary>Starts a device login; show the person <see cref="DeviceAuthorization.VerificationUri"/> and the user code.</summary>
    public async Task<DeviceAuthorization> StartDeviceLoginAsync(CancellationToken cancellationToken)
    {
        var discovery = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        var url = discovery.DeviceAuthorizationEndpoint
            ?? throw new CredentialException($"{Settings.Issuer} offers no device login (its discovery document has no device_authorization_endpoint)");
        using var answer = await http.RequestDeviceAuthorizationAsync(Authenticated(new DeviceAuthorizationRequest { Address = url, Scope = WithOfflineAccess() }),
            cancellationToken).ConfigureAwait(false);
        if (answer.IsError) throw Failure(answer, url, cancellationToken);
        var verification = answer.VerificationUri ?? answer.TryGet("verification_url");
        if (answer.DeviceCode is not { } deviceCode || answer.UserCode is not { } userCode || verification is null
            || !Uri.TryCreate(verification, UriKind.Absolute, out var verificationUri))
            throw new CredentialException($"{url}: the device authorization answer lacks device_code, user_code or verification_uri");
        var complete = answer.VerificationUriComplete is { } c && Uri.TryCreate(c, UriKind.Absolute, out var u) ? u : null;
        var expiresIn = answer.ExpiresIn is > 0 and var e ? TimeSpan.FromSeconds(e) : TimeSpan.FromMinutes(10);
        // RFC 8628 3.2: without an interval the client polls every 5 s (Duende's default too).
        var interval = TimeSpan.FromSeconds(Math.Max(0, answer.Interval));
        return new DeviceAuthorization(deviceCode, userCode, verificationUri, complete, DateTimeOffset.UtcNow + expiresIn, interval);
    }

    /// <summary>Polls until the person approved (tokens), denied, or the code expired (errors that say so); honours interval and slow_down.</summary>
    public async Task<TokenState> WaitForDeviceLoginAsync(DeviceAuthorization login, CancellationToken cancellationToken, Action<TimeSpan>? slowedDown = null)
    {
        var url = await TokenEndpointAsync(cancellationToken).ConfigureAwait(false);
        var wait = login.Interval;
        while (true)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            if (DateTimeOffset.UtcNow > login.ExpiresAt)
                throw new CredentialException($"the login code {login.UserCode} expired before it was approved; run the login again");
            using var answer = await http.RequestDeviceTokenAsync(Authenticated(new DeviceTokenRequest { Address = url, DeviceCode = login.DeviceCode }),
                cancellationToken).ConfigureAwait(false);
            if (!answer.IsError) return TokensFrom(answer, url, null);
            switch (answer.ErrorType == ResponseErrorType.Protocol ? answer.Error : null)
            {
                case "authorization_pending":
                    continue;
                case "slow_down":
                    // RFC 8628 3.5: five seconds more for this and every later poll; a server that names its own interval gets the larger.
                    var asked = Seconds(answer.Json, "interval") ?? TimeSpan.Zero;
                    wait = TimeSpan.FromTicks(Math.Max((wait + TimeSpan.FromSeconds(5)).Ticks, asked.Ticks));
                    slowedDown?.Invoke(wait);
                    continue;
                case "access_denied":
                    throw new CredentialException($"the login was denied at {Settings.Issuer}");
                case "expired_token":
                    throw new CredentialException($"the login code {login.UserCode} expired before it was approved; run the login again");
                default:
                    throw Failure(answer, url, cancellationToken);
            }
        }
    }

    /// <summary>Trades a refresh token for new tokens; a refused one (expired, revoked, reused after rotation) means logging in again.</summary>
    public async Task<TokenState> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var url = await TokenEndpointAsync(cancellationToken).ConfigureAwait(false);
        using var answer = await http.RequestRefreshTokenAsync(Authenticated(new RefreshTokenRequest { Address = url, RefreshToken = refreshToken }),
            cancellationToken).ConfigureAwait(false);
        if (!answer.IsError) return TokensFrom(answer, url, refreshToken);
        if (answer.ErrorType == ResponseErrorType.Protocol && answer.Error == "invalid_grant")
            throw new CredentialException($"the session at {Settings.Issuer} has ended (refresh token refused: {answer.ErrorDescription ?? "invalid_grant"}); log in again");
        throw Failure(answer, url, cancellationToken);
    }

    /// <summary>A token for the client itself (robot and instrument accounts).</summary>
    public async Task<TokenState> ClientCredentialsAsync(CancellationToken cancellationToken)
    {
        var url = await TokenEndpointAsync(cancellationToken).ConfigureAwait(false);
        using var answer = await http.RequestClientCredentialsTokenAsync(
            Authenticated(new ClientCredentialsTokenRequest { Address = url, Scope = Settings.Scope.Length > 0 ? Settings.Scope : null }), cancellationToken).ConfigureAwait(false);
        return answer.IsError ? throw Failure(answer, url, cancellationToken) : TokensFrom(answer, url, null);
    }

    /// <summary>Revokes a refresh token where the provider offers revocation; false when it does not.</summary>
    public async Task<bool> RevokeAsync(string refreshToken, CancellationToken cancellationToken)
    {
        if ((await DiscoverAsync(cancellationToken).ConfigureAwait(false)).RevocationEndpoint is not { } url) return false;
        using var answer = await http.RevokeTokenAsync(Authenticated(new TokenRevocationRequest { Address = url, Token = refreshToken, TokenTypeHint = "refresh_token" }),
            cancellationToken).ConfigureAwait(false);
        return answer.IsError ? throw Failure(answer, url, cancellationToken) : true;
    }

    /// <summary>What the provider says of a token (RFC 7662), for opaque tokens whose holder cannot read them; null where the provider offers no introspection.</summary>
    public async Task<TokenIntrospection?> IntrospectAsync(string token, CancellationToken cancellationToken)
    {
        if ((await DiscoverAsync(cancellationToken).ConfigureAwait(false)).IntrospectionEndpoint is not { } url) return null;
        using var answer = await http.IntrospectTokenAsync(Authenticated(new TokenIntrospectionRequest { Address = url, Token = token }), cancellationToken).ConfigureAwait(false);
        if (answer.IsError) throw Failure(answer, url, cancellationToken);
        return new TokenIntrospection(answer.IsActive, answer.Subject, answer.UserName, answer.Scopes.Length == 0 ? null : string.Join(' ', answer.Scopes),
            answer.Expiration);
    }

    /// <summary>The provider's discovery document, fetched once and checked by Duende's policy; failures say whether the issuer is wrong or unreachable.</summary>
    private async Task<DiscoveryDocumentResponse> DiscoverAsync(CancellationToken cancellationToken)
    {
        if (_discovery is { } known) return known;
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = Authority, Policy = DiscoveryRules() }, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var url = $"{Authority}/.well-known/openid-configuration";
        if (discovery.IsError)
        {
            using (discovery)
            {
                throw discovery.ErrorType switch
                {
                    ResponseErrorType.Exception => Unreachable(url, discovery.Exception),
                    ResponseErrorType.Http => new CredentialException($"{url} answered {(int)discovery.HttpStatusCode} {discovery.HttpErrorReason}: is {Settings.Issuer} the right issuer URL?"),
                    _ => new CredentialException($"{url}: {discovery.Error}"),
                };
            }
        }
        if (discovery.TokenEndpoint is null) throw new CredentialException($"{url} names no token_endpoint");
        return _discovery = discovery;
    }

    /// <summary>The token endpoint, which discovery has checked is there.</summary>
    private async Task<string> TokenEndpointAsync(CancellationToken cancellationToken) =>
        (await DiscoverAsync(cancellationToken).ConfigureAwait(false)).TokenEndpoint!;

    private string WithOfflineAccess() =>
        string.Join(' ', Settings.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("offline_access").Distinct(StringComparer.Ordinal));

    /// <summary>The client's authentication on a request: HTTP Basic with a secret (RFC 6749 2.3.1 encoding), else client_id in the body (public clients).</summary>
    private T Authenticated<T>(T request) where T : ProtocolRequest
    {
        request.ClientId = Settings.ClientId;
        request.ClientSecret = Settings.ClientSecret;
        request.ClientCredentialStyle = Settings.ClientSecret is null ? ClientCredentialStyle.PostBody : ClientCredentialStyle.AuthorizationHeader;
        request.AuthorizationHeaderStyle = BasicAuthenticationHeaderStyle.Rfc6749;
        return request;
    }

    private CredentialException Failure(ProtocolResponse answer, string url, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var status = (int)answer.HttpStatusCode;
        if (answer.ErrorType == ResponseErrorType.Exception) return Unreachable(url, answer.Exception);
        if (status is >= 300 and < 400)
            return new CredentialException($"{url} answered {status} with a redirect to {answer.HttpResponse?.Headers.Location?.ToString() ?? "nowhere"}; "
                + "not followed, since it would send the client's credentials and tokens there: check the issuer URL");
        // Duende calls a 401 an HTTP error, not a protocol one, but its JSON body still names the OAuth error (invalid_client).
        if (answer.TryGet("error") is { } error)
        {
            var description = answer.TryGet("error_description");
            return new CredentialException($"{url} answered {status}: {error}{(description is null ? "" : $" ({description})")}");
        }
        return new CredentialException($"{url} answered {status} {answer.HttpErrorReason}{(answer.Json is null && status == (int)HttpStatusCode.OK ? " with something that is not JSON" : "")}");
    }

    private static CredentialException Unreachable(string url, Exception? cause) => cause switch
    {
        // HttpClient's bound on buffered answers (MaxAnswerBytes) ends the read with this, not with memory exhaustion.
        HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded } e => new CredentialException($"{url} answered with more than {MaxAnswerBytes / 1024} KiB; not an OpenID provider's answer", e),
        _ => new CredentialException($"cannot reach the OpenID provider at {url}: {cause?.Message ?? "no answer"}", cause),
    };

    private TokenState TokensFrom(TokenResponse answer, string url, string? previousRefreshToken)
    {
        if (string.IsNullOrEmpty(answer.AccessToken)) throw new CredentialException($"{url} answered without an access_token");
        var lifetime = Seconds(answer.Json, "expires_in") ?? TimeSpan.FromMinutes(5);
        return new TokenState
        {
            Issuer = Settings.Issuer.AbsoluteUri,
            ClientId = Settings.ClientId,
            AccessToken = answer.AccessToken,
            ExpiresAt = DateTimeOffset.UtcNow + lifetime,
            Lifetime = lifetime,
            // A provider that does not rotate sends no new refresh token: the old one stays valid.
            RefreshToken = answer.RefreshToken ?? previousRefreshToken,
            Scope = answer.Scope,
            IdToken = answer.IdentityToken,
        };
    }

    private static TimeSpan? Seconds(JsonElement? root, string name) =>
        root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var s) && s >= 0
            ? TimeSpan.FromSeconds(s) : null;
}
