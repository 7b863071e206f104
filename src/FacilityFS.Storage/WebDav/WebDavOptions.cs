namespace FacilityFS.Storage.WebDav;

/// <summary>Connection settings of a WebDAV store.</summary>
public sealed record WebDavOptions
{
    public required Uri BaseUri { get; init; }

    /// <summary>How long a request may wait for the server's answer (not counting body transfer).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a body transfer may go without moving a byte.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of idempotent requests after a transient failure.</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxRedirects { get; init; } = 10;

    public int MaxConnectionsPerServer { get; init; } = 16;

    /// <summary>The most entries one folder's listing may hold; a real dCache folder can hold a million files.</summary>
    public int MaxListingEntries { get; init; } = 2_000_000;

    /// <summary>The most bytes one &lt;response&gt; of a PROPFIND answer may take; a real one is well under a kilobyte.</summary>
    public int MaxResponseBytes { get; init; } = 1 << 20;

    /// <summary>The most characters one value (an href, an ETag…) of a PROPFIND answer may hold.</summary>
    public int MaxValueLength { get; init; } = 64 << 10;

    /// <summary>Skip TLS certificate checks; only ever set from an explicit --insecure.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>Presented when the server asks for a client certificate (X.509 authentication, grid proxies).</summary>
    public Identity.Tls.ClientCertificate? ClientCertificate { get; init; }

    /// <summary>The site's CAs to trust for the server's certificate instead of the system's; null for the system's.</summary>
    public Identity.Tls.TrustedAuthorities? TrustedAuthorities { get; init; }

    public string UserAgent { get; init; } = "FacilityFS/0.1";
}
