namespace FacilityFS.Identity.Oidc;

/// <summary>How a user or a robot gets tokens: the provider, the client registered there, and which grant.</summary>
/// <param name="ClientSecret">The client's secret (confidential clients), read from a file by the caller; never logged.</param>
/// <param name="Scope">Space-separated scopes to ask for; offline_access is added for the device flow so a refresh token comes back.</param>
public sealed record OidcSettings(Uri Issuer, string ClientId, string? ClientSecret, string Scope, OidcFlow Flow);

/// <summary>The grant that gets the first token.</summary>
public enum OidcFlow
{
    /// <summary>RFC 8628: a person approves in a browser, on any device; refresh tokens keep the session.</summary>
    Device,
    /// <summary>A robot or instrument account with its own secret; no person, no refresh token.</summary>
    ClientCredentials,
    /// <summary>Authorization code + PKCE in the person's own browser, back through a loopback port; refresh tokens keep the session.</summary>
    Browser,
}
