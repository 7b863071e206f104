using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace FacilityFS.Identity.Tls;

/// <summary>A site's own CA bundle (PEM): server certificates are trusted when they chain to one of these, instead of the system's roots.</summary>
public sealed class TrustedAuthorities
{
    private readonly X509Certificate2Collection _roots;

    private TrustedAuthorities(X509Certificate2Collection roots) => _roots = roots;

    /// <exception cref="CredentialException">The bundle is missing, unreadable or holds no certificate.</exception>
    public static TrustedAuthorities Load(string bundlePath)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(bundlePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new CredentialException($"cannot read the CA bundle {bundlePath}: {e.Message}", e);
        }
        if (roots.Count == 0) throw new CredentialException($"the CA bundle {bundlePath} holds no PEM certificate");
        return new TrustedAuthorities(roots);
    }

    /// <summary>Verifies a server: its name must match, and its chain must end at one of the bundle's CAs (what the server sent in between helps build it).</summary>
    public bool Validate(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
