using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FacilityFS.TestServers;

/// <summary>A private PKI for TLS tests, written as PEM files: a root CA, a server certificate for 127.0.0.1, and a client certificate issued by an intermediate CA (sent as its chain, as grid certificates are).</summary>
public sealed class TestCertificates
{
    private TestCertificates(string folder) => Folder = folder;

    public string Folder { get; }

    public string RootCa => Path.Combine(Folder, "root-ca.pem");

    public string ServerCertificate => Path.Combine(Folder, "server.pem");

    public string ServerKey => Path.Combine(Folder, "server.key");

    /// <summary>The client certificate followed by the intermediate CA that issued it.</summary>
    public string ClientChain => Path.Combine(Folder, "client-chain.pem");

    public string ClientKey => Path.Combine(Folder, "client.key");

    /// <summary>The client certificate and key in one PKCS#12 file with <see cref="Pkcs12Password"/>.</summary>
    public string ClientPkcs12 => Path.Combine(Folder, "client.p12");

    public const string Pkcs12Password = "test-p12-password";

    /// <summary>A client certificate from a CA the server does not trust.</summary>
    public string StrangerChain => Path.Combine(Folder, "stranger.pem");

    /// <summary>A grid proxy (RFC 3820) as voms-proxy-init writes it: the proxy certificate, its key, then the user's certificate and the CA that issued that.</summary>
    public string ProxyFile => Path.Combine(Folder, "x509up_test");

    public static TestCertificates Create(string folder)
    {
        Directory.CreateDirectory(folder);
        var result = new TestCertificates(folder);
        // One start for the whole PKI, and shorter lives further down, so no certificate outlives its issuer.
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        using var root = Authority("FacilityFS Test Root CA", null, from, from.AddYears(1));
        using var intermediate = Authority("FacilityFS Test User CA", root, from, from.AddMonths(9));
        using var server = Leaf("127.0.0.1", root, server: true, from);
        using var client = Leaf("test-user", intermediate, server: false, from);
        using var strangerRoot = Authority("Stranger CA", null, from, from.AddYears(1));
        using var stranger = Leaf("stranger", strangerRoot, server: false, from);
        File.WriteAllText(result.RootCa, root.ExportCertificatePem());
        File.WriteAllText(result.ServerCertificate, server.ExportCertificatePem());
        File.WriteAllText(result.ServerKey, server.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(result.ClientChain, client.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem());
        File.WriteAllText(result.ClientKey, client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(result.ClientPkcs12, new X509Certificate2Collection { client, intermediate }.Export(X509ContentType.Pkcs12, Pkcs12Password)!);
        using var proxy = Proxy(client, from);
        File.WriteAllText(result.ProxyFile, proxy.ExportCertificatePem() + "\n" + proxy.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n"
            + client.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem());
        File.SetUnixFileMode(result.ProxyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(result.StrangerChain, stranger.ExportCertificatePem() + "\n" + stranger.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return result;
    }

    private static X509Certificate2 Authority(string name, X509Certificate2? issuer, DateTimeOffset from, DateTimeOffset until)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null) return request.CreateSelfSigned(from, until);
        using var signed = request.Create(issuer, from, until, RandomNumberGenerator.GetBytes(8));
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 Leaf(string name, X509Certificate2 issuer, bool server, DateTimeOffset from)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        using var signed = request.Create(issuer, from, from.AddMonths(6), RandomNumberGenerator.GetBytes(8));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>An RFC 3820 proxy of <paramref name="user"/>: its subject is the user's plus one CN, it is signed with the user's key (not a CA's), and it carries ProxyCertInfo (inherit all).</summary>
    private static X509Certificate2 Proxy(X509Certificate2 user, DateTimeOffset from)
    {
        var key = RSA.Create(2048);
        var serial = RandomNumberGenerator.GetInt32(1, int.MaxValue);
        var request = new CertificateRequest($"CN={serial}, {user.Subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var info = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (info.PushSequence())
        using (info.PushSequence())
        {
            info.WriteObjectIdentifier("1.3.6.1.5.5.7.21.1");
        }
        request.CertificateExtensions.Add(new X509Extension("1.3.6.1.5.5.7.1.14", info.Encode(), critical: true));
        // Signed by the user's own key: .NET's Create(issuer certificate) would refuse an issuer that is not a CA.
        var signer = X509SignatureGenerator.CreateForRSA(user.GetRSAPrivateKey()!, RSASignaturePadding.Pkcs1);
        using var signed = request.Create(user.SubjectName, signer, from, from.AddDays(3), BitConverter.GetBytes((long)serial));
        return signed.CopyWithPrivateKey(key);
    }
}
