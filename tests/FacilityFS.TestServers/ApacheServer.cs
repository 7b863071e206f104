using System.Diagnostics;

namespace FacilityFS.TestServers;

/// <summary>Apache httpd with mod_dav_fs (Debian apache2): the reference WebDAV server of the tests.</summary>
public sealed class ApacheServer(string? root, int? port, OidcProvider? tokens = null, TestCertificates? tls = null, bool requireClientCertificate = true) : WebDavServer(root, port)
{
    /// <summary>Starts an Apache on https with the test PKI's server certificate that asks for no client certificate (a storage's TLS as most sites run it).</summary>
    public static Task<ApacheServer> StartHttpsAsync(TestCertificates certificates) => StartOwnAsync(new ApacheServer(null, null, null, certificates, requireClientCertificate: false));

    /// <summary>Starts an Apache on https that wants a client certificate chaining to the test root CA (X.509 authentication, as grid sites use).</summary>
    public static Task<ApacheServer> StartClientCertificateAsync(TestCertificates certificates) => StartOwnAsync(new ApacheServer(null, null, null, certificates));

    protected override string Scheme => tls is null ? "http" : "https";

    /// <summary>Starts an Apache that serves only requests bearing a valid, unexpired JWT of <paramref name="tokens"/> (mod_auth_openidc as an OAuth 2.0 resource server), as dCache with OIDC does.</summary>
    public static Task<ApacheServer> StartTokenProtectedAsync(OidcProvider tokens) => StartOwnAsync(new ApacheServer(null, null, tokens));

    private const string Modules = "/usr/lib/apache2/modules";

    public override ServerKind Kind => ServerKind.Apache;

    /// <summary>A folder whose contents can be read but not changed: every write there is answered 403, as a storage's ACL would.</summary>
    public const string ReadOnlyFolder = "locked";

    /// <summary>On a token-protected server: a folder served at 1 MiB/s per connection, so one transfer outlives several tokens.</summary>
    public const string SlowFolder = "slow";

    // Apache refuses to run its workers as root.
    protected override string? WorkerUser => "www-data";

    private string ConfigPath => Path.Combine(Root, "httpd.conf");

    protected override void WriteConfig()
    {
        var user = Posix.IsRoot ? $"User {WorkerUser}\nGroup {WorkerUser}\n" : "";
        var clientCertificates = tls is null ? "" : $$"""
            LoadModule ssl_module {{Modules}}/mod_ssl.so
            SSLEngine on
            SSLCertificateFile "{{tls.ServerCertificate}}"
            SSLCertificateKeyFile "{{tls.ServerKey}}"
            SSLCACertificateFile "{{tls.RootCa}}"
            SSLVerifyClient {{(requireClientCertificate ? "require" : "none")}}
            SSLVerifyDepth 3
            """;
        var tokenCheck = tokens is null ? "" : $$"""
            LoadModule authn_core_module {{Modules}}/mod_authn_core.so
            LoadModule authz_user_module {{Modules}}/mod_authz_user.so
            LoadModule auth_openidc_module {{Modules}}/mod_auth_openidc.so
            OIDCOAuthVerifyCertFiles {{OidcProvider.KeyId}}#{{tokens.PublicKeyFile}}
            OIDCOAuthRemoteUserClaim sub
            OIDCCacheType shm
            <Location />
                AuthType oauth20
                Require valid-user
            </Location>
            LoadModule ratelimit_module {{Modules}}/mod_ratelimit.so
            LoadModule env_module {{Modules}}/mod_env.so
            <Location /{{SlowFolder}}>
                SetOutputFilter RATE_LIMIT
                SetEnv rate-limit 1024
            </Location>
            """;
        File.WriteAllText(ConfigPath, $$"""
            ServerRoot "{{Root}}"
            ServerName 127.0.0.1
            Listen 127.0.0.1:{{Port}}
            {{user}}
            LoadModule mpm_event_module {{Modules}}/mod_mpm_event.so
            LoadModule authz_core_module {{Modules}}/mod_authz_core.so
            LoadModule dav_module {{Modules}}/mod_dav.so
            LoadModule dav_fs_module {{Modules}}/mod_dav_fs.so
            PidFile "{{RunDirectory}}/httpd.pid"
            DefaultRuntimeDir "{{RunDirectory}}"
            Mutex file:{{RunDirectory}} default
            ErrorLog "{{ErrorLogPath}}"
            LogLevel warn
            LogFormat "%m %>s \"%U\" \"%{Range}i\"" ffs
            CustomLog "{{AccessLogPath}}" ffs
            Timeout 60
            KeepAlive On
            MaxKeepAliveRequests 0
            KeepAliveTimeout 30
            StartServers 1
            ServerLimit 4
            ThreadsPerChild 32
            MaxRequestWorkers 128
            LimitRequestBody 0
            DavLockDB "{{RunDirectory}}/davlock"
            DocumentRoot "{{DataDirectory}}"
            <Directory />
                Require all denied
                AllowOverride None
            </Directory>
            <Directory "{{DataDirectory}}">
                Dav On
                Options None
                AllowOverride None
                Require all granted
            </Directory>
            <Directory "{{DataDirectory}}/{{ReadOnlyFolder}}">
                Require method GET HEAD OPTIONS PROPFIND
            </Directory>
            {{tokenCheck}}
            {{clientCertificates}}
            """);
    }

    protected override ProcessStartInfo StartInfo() => new("/usr/sbin/apache2", ["-f", ConfigPath, "-DFOREGROUND"]);
}
