using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FacilityFS.Identity.Tls;

/// <summary>An X.509 client certificate with its private key and the chain that leads to a CA the server knows (grid user and proxy certificates come this way).</summary>
public sealed class ClientCertificate
{
    private ClientCertificate(X509Certificate2 certificate, X509Certificate2Collection chain)
    {
        Certificate = certificate;
        Chain = chain;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The certificates between <see cref="Certificate"/> and the CA, sent along so the server can build the path.</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>Loads PKCS#12 (.p12/.pfx) or PEM: a certificate file that may carry its chain and its key (a grid proxy does), or the key in <paramref name="keyPath"/>.</summary>
    /// <param name="password">For a PKCS#12 file or an encrypted PEM key; read from a file by the caller.</param>
    /// <exception cref="CredentialException">A file is missing, unreadable or not what it should be; the message names it.</exception>
    public static ClientCertificate Load(string certificatePath, string? keyPath, string? password)
    {
        try
        {
            if (certificatePath.EndsWith(".p12", StringComparison.OrdinalIgnoreCase) || certificatePath.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase))
            {
                var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(certificatePath, password, X509KeyStorageFlags.EphemeralKeySet);
                var leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw new CredentialException($"{certificatePath} holds no certificate with its private key");
                return new ClientCertificate(leaf, [.. all.Where(c => c != leaf)]);
            }
            var pem = File.ReadAllText(certificatePath);
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPem(pem);
            if (certificates.Count == 0) throw new CredentialException($"{certificatePath} holds no PEM certificate");
            var keyPem = keyPath is null ? pem : File.ReadAllText(keyPath);
            var first = certificates[0];
            X509Certificate2 withKey;
            try
            {
                withKey = password is null
                    ? X509Certificate2.CreateFromPem(first.ExportCertificatePem(), keyPem)
                    : X509Certificate2.CreateFromEncryptedPem(first.ExportCertificatePem(), keyPem, password);
            }
            catch (CryptographicException e)
            {
                throw new CredentialException($"no private key for the certificate in {certificatePath} in {keyPath ?? certificatePath} ({e.Message})", e);
            }
            // Ephemeral keys cannot be used by SslStream on every platform; a PKCS#12 round trip gives a usable one.
            var usable = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
            return new ClientCertificate(usable, [.. certificates.Skip(1)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialException($"cannot read the client certificate or key: {e.Message}", e);
        }
        catch (CryptographicException e)
        {
            throw new CredentialException($"{certificatePath} is not a certificate this client can use ({e.Message})", e);
        }
    }
}
