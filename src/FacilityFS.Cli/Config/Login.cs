using FacilityFS.Identity;
using FacilityFS.Identity.Oidc;

namespace FacilityFS.Cli.Config;

/// <summary>Where logins live and how a remote's `oidc:` section becomes a client: one place for the token folder and the provider's HTTP client.</summary>
public static class Login
{
    private static readonly HttpClient Http = OidcClient.CreateHttpClient();

    /// <summary>~/.config/facilityfs/tokens: private (0700), one 0600 file per remote.</summary>
    public static TokenStore Store => new(Path.Combine(UserFolders.Config, "tokens"));

    /// <summary>The tokens of a remote's login (refreshed as needed), for its requests and for whatever else shares the login.</summary>
    public static OidcTokenProvider TokensOf(string remote, OidcConfig oidc) => new(ClientFor(oidc), Store, remote);

    public static OidcClient ClientFor(OidcConfig oidc) =>
        new(Http, new OidcSettings(oidc.Issuer, oidc.ClientId, oidc.ClientSecretFile is { } file ? new SecretFile(file).Read() : null, oidc.Scope, oidc.Flow));
}
