namespace FacilityFS.Cli.Config;

/// <summary>One named remote of the configuration: a WebDAV URL or a local folder, and how to authenticate to it.</summary>
public sealed record RemoteConfig
{
    public required string Name { get; init; }

    /// <summary>The WebDAV base URL; null for a local-folder remote.</summary>
    public Uri? Url { get; init; }

    /// <summary>The folder of a local-folder remote; null for a WebDAV remote.</summary>
    public string? LocalPath { get; init; }

    public string? TokenFile { get; init; }

    public string? TokenEnv { get; init; }

    public string? Username { get; init; }

    public string? PasswordFile { get; init; }

    public bool Insecure { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public int Retries { get; init; } = 4;

    public int Connections { get; init; } = 16;

    /// <summary>Tokens from an OpenID provider (`facilityfs login`), when the remote is configured for them.</summary>
    public OidcConfig? Oidc { get; init; }
}

/// <summary>A remote's `oidc:` section: the provider, the client, and which grant gets the first token.</summary>
public sealed record OidcConfig(Uri Issuer, string ClientId, string? ClientSecretFile, string Scope, Identity.Oidc.OidcFlow Flow);
