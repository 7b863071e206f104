using System.Security.Authentication;

namespace FacilityFS.Storage.WebDav;

/// <summary>Turns .NET's "the SSL connection could not be established, see inner exception" into what failed and which option helps.</summary>
internal static class TlsFailure
{
    /// <summary>A message naming the certificate problem and the setting that helps, or null when <paramref name="error"/> is no TLS failure.</summary>
    public static string? Describe(HttpRequestException error)
    {
        AuthenticationException? tls = null;
        for (Exception? e = error; e is not null; e = e.InnerException)
            if (e is AuthenticationException a) tls = a;
        if (tls is null) return null;
        var reason = tls.Message;
        var cause =
            Contains(reason, "RemoteCertificateNameMismatch") ? "its certificate is for another name than the one in the URL (name mismatch); use the name the certificate is for"
            : Contains(reason, "NotTimeValid") || Contains(reason, "expired") ? "its certificate has expired or is not valid yet; the server's administrators must renew it"
            : Contains(reason, "UntrustedRoot") || Contains(reason, "PartialChain") || Contains(reason, "RemoteCertificateChainErrors")
                ? "its certificate is signed by an unknown certificate authority; give the site's CA certificates as ca_bundle in the remote's configuration"
            : Contains(reason, "RemoteCertificateNotAvailable") ? "it sent no certificate"
            // Our own check against ca_bundle said no: the name, the dates or the issuer are not what the bundle vouches for.
            : Contains(reason, "ValidationCallback") ? "its certificate does not chain to a CA of the configured ca_bundle (or names another host, or has expired); check that ca_bundle holds the site's CA"
            : $"the TLS handshake failed ({reason}); for a site CA, set ca_bundle in the remote's configuration";
        return $"cannot connect securely to the server: {cause} [{reason}]";
    }

    private static bool Contains(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);
}
