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

    /// <summary>An X.509 client certificate (PEM, possibly with chain and key, or PKCS#12) presented to the server.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>The PEM private key of <see cref="ClientCertificate"/>, when it is not in the same file.</summary>
    public string? ClientKey { get; init; }

    /// <summary>A file holding the PKCS#12 password or the PEM key's passphrase.</summary>
    public string? ClientCertificatePasswordFile { get; init; }

    /// <summary>A PEM bundle of the CAs to trust for the server's certificate, instead of the system's.</summary>
    public string? CaBundle { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public int Retries { get; init; } = 4;

    public int Connections { get; init; } = 16;

    /// <summary>The most entries one folder's listing may hold (`max_listing_entries`).</summary>
    public int MaxListingEntries { get; init; } = 2_000_000;

    /// <summary>The most bytes one &lt;response&gt; of a listing may take (`max_response_size`).</summary>
    public int MaxResponseBytes { get; init; } = 1 << 20;

    /// <summary>Tokens from an OpenID provider (`facilityfs login`), when the remote is configured for them.</summary>
    public OidcConfig? Oidc { get; init; }
}

/// <summary>A remote's `oidc:` section: the provider, the client, and which grant gets the first token.</summary>
public sealed record OidcConfig(Uri Issuer, string ClientId, string? ClientSecretFile, string Scope, Identity.Oidc.OidcFlow Flow);
