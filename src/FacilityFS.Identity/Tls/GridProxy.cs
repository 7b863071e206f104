using System.Runtime.InteropServices;

namespace FacilityFS.Identity.Tls;

/// <summary>A grid user's RFC 3820 proxy certificate (voms-proxy-init, grid-proxy-init), found where the grid tools find it: $X509_USER_PROXY, else /tmp/x509up_u&lt;uid&gt;.</summary>
/// <remarks>The file holds the proxy, its key and the user's certificate (and CAs): <see cref="ClientCertificate.Load"/> sends the proxy with the rest as its chain.</remarks>
public static partial class GridProxy
{
    /// <summary>The OID of the RFC 3820 ProxyCertInfo extension that marks a proxy certificate.</summary>
    public const string ProxyCertInfoOid = "1.3.6.1.5.5.7.1.14";

    /// <summary>The value of a remote's client_cert that means "the grid proxy".</summary>
    public const string ConfigValue = "proxy";

    /// <summary>Where the proxy is looked for.</summary>
    public static string PathOf()
    {
        if (Environment.GetEnvironmentVariable("X509_USER_PROXY") is { Length: > 0 } named) return named;
        return OperatingSystem.IsWindows()
            ? Path.Combine(Path.GetTempPath(), $"x509up_u_{Environment.UserName}")
            : $"/tmp/x509up_u{GetUid()}";
    }

    /// <summary>Loads the proxy; a missing or expired one is an error naming the file and how to make a new one.</summary>
    public static ClientCertificate Load()
    {
        var path = PathOf();
        var named = Environment.GetEnvironmentVariable("X509_USER_PROXY") is { Length: > 0 };
        if (!File.Exists(path))
            throw new CredentialException($"no grid proxy certificate at {path} ({(named ? "named by X509_USER_PROXY" : "the default place; X509_USER_PROXY is not set")}); make one with voms-proxy-init or grid-proxy-init");
        var proxy = ClientCertificate.Load(path, null, null);
        if (proxy.Certificate.NotAfter.ToUniversalTime() < DateTime.UtcNow)
            throw new CredentialException($"the grid proxy certificate {path} expired at {proxy.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; renew it with voms-proxy-init or grid-proxy-init");
        // .NET builds the chain of every client certificate before a handshake, and on Linux that build throws for an RFC 3820 proxy
        // (OpenSSL's "proxy certificates not allowed", unmapped: dotnet/runtime#41916). Said here, instead of as an OpenSSL code at the first request.
        if (OperatingSystem.IsLinux() && proxy.Certificate.Extensions[ProxyCertInfoOid] is not null)
            throw new CredentialException($"{path} is an RFC 3820 proxy certificate, which .NET on Linux cannot present yet (dotnet/runtime#41916); "
                + "give the user certificate itself as client_cert (e.g. ~/.globus/usercert.pem with client_key ~/.globus/userkey.pem)");
        return proxy;
    }

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();
}
