using Duende.IdentityModel.Client;
using Duende.IdentityModel.OidcClient;
using DuendeOidc = Duende.IdentityModel.OidcClient;

namespace FacilityFS.Identity.Oidc;

/// <summary>The browser login (authorization code + PKCE, RFC 8252 loopback redirect) on Duende.IdentityModel.OidcClient.</summary>
public sealed partial class OidcClient
{
    /// <summary>Whether discovery offers the browser login: an authorization endpoint, and the authorization_code grant (RFC 8414: a document naming no grants offers it).</summary>
    public async Task<bool> OffersBrowserLoginAsync(CancellationToken cancellationToken)
    {
        var discovery = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        var grants = discovery.GrantTypesSupported.ToList();
        return discovery.AuthorizeEndpoint is not null && (grants.Count == 0 || grants.Contains("authorization_code"));
    }

    /// <summary>Logs in through the person's browser: listens on a loopback port, has <paramref name="openBrowser"/> show the provider's login page, takes the one redirect back, checks its state (and the ID token's nonce) and exchanges the code once.</summary>
    /// <param name="timeout">How long the person has to log in before the listener gives up.</param>
    public async Task<TokenState> BrowserLoginAsync(Func<Uri, CancellationToken, Task> openBrowser, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!await OffersBrowserLoginAsync(cancellationToken).ConfigureAwait(false))
            throw new CredentialException($"{Settings.Issuer} offers no browser login (its discovery document has no authorization_endpoint or authorization_code grant)");
        using var loopback = LoopbackRedirect.Listen();
        // Duende's back channel gets clients of the same kind as ours (no redirects, bounded answers), over one handler this login owns:
        // whether the library disposes the clients it asks for, the handler outlives them.
        using var backChannel = CreateHandler();
        var client = new DuendeOidc.OidcClient(new OidcClientOptions
        {
            Authority = Authority,
            ClientId = Settings.ClientId,
            ClientSecret = Settings.ClientSecret,
            TokenClientCredentialStyle = Settings.ClientSecret is null ? ClientCredentialStyle.PostBody : ClientCredentialStyle.AuthorizationHeader,
            Scope = WithOfflineAccess(),
            RedirectUri = loopback.RedirectUri.AbsoluteUri,
            LoadProfile = false,
            DisablePushedAuthorization = true,
            // The ID token comes straight from the token endpoint over the channel discovery checked (OIDC Core 3.1.3.7), so its signature is not ours
            // to check; its nonce still is, and the library checks it against the one it sent.
            IdentityTokenValidator = new NoValidationIdentityTokenValidator(),
            Policy = new Policy { Discovery = DiscoveryRules() },
            HttpClientFactory = _ => Bounded(backChannel, disposeHandler: false),
        });
        // OIDC Core 11: offline_access (a refresh token, so a mount outlives the access token) is granted only with prompt=consent.
        var prepared = await client.PrepareLoginAsync(new Parameters { { "prompt", "consent" } }, cancellationToken).ConfigureAwait(false);
        if (prepared.IsError) throw new CredentialException($"cannot start a browser login at {Settings.Issuer}: {prepared.Error} {prepared.ErrorDescription}".TrimEnd());
        await openBrowser(new Uri(prepared.StartUrl), cancellationToken).ConfigureAwait(false);
        string answer;
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            waiting.CancelAfter(timeout);
            try
            {
                answer = await loopback.WaitForRequestAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CredentialException($"no login came back from the browser within {timeout.TotalMinutes:0.#} minutes; run the login again, or use the device login (--device)");
            }
        }
        var result = await client.ProcessResponseAsync(answer, prepared, cancellationToken: cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.IsError) throw BrowserFailure(result.Error, result.ErrorDescription);
        return TokensFrom(result.TokenResponse, result.TokenResponse.HttpResponse?.RequestMessage?.RequestUri?.AbsoluteUri ?? Authority, null);
    }

    private CredentialException BrowserFailure(string error, string? description)
    {
        var detail = description is { Length: > 0 } ? $"{error} ({description})" : error;
        return error switch
        {
            "Invalid state." or "Missing state." => new CredentialException(
                $"the answer that came back to the browser login does not belong to it (its state differs); nothing was exchanged: run the login again"),
            "access_denied" => new CredentialException($"the login was cancelled or denied at {Settings.Issuer}"),
            _ when error.StartsWith("Error redeeming code", StringComparison.Ordinal) => new CredentialException(
                $"{Settings.Issuer} refused the login code: {detail}; a code is good for one exchange only: run the login again"),
            "invalid_request" or "unauthorized_client" or "unsupported_response_type" => new CredentialException(
                $"{Settings.Issuer} refuses client {Settings.ClientId} a browser login: {detail}; use the device login (--device) or ask for the client to be allowed the authorization code grant"),
            _ => new CredentialException($"the browser login at {Settings.Issuer} failed: {detail}"),
        };
    }
}
