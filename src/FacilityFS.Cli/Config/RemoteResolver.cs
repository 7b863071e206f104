using System.Text.RegularExpressions;
using FacilityFS.Identity;
using FacilityFS.Storage;
using FacilityFS.Storage.Local;
using FacilityFS.Storage.WebDav;

namespace FacilityFS.Cli.Config;

/// <summary>Turns REMOTE arguments (a URL, or name:path of a configured remote) into stores and paths; one store per remote.</summary>
/// <param name="insecure">--insecure: no TLS certificate checks for any remote of this run.</param>
public sealed partial class RemoteResolver(FacilityConfig config, bool insecure = false) : IAsyncDisposable
{
    private readonly Dictionary<string, IRemoteStore> _stores = new(StringComparer.Ordinal);

    public RemoteTarget Resolve(string spec)
    {
        if (spec.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || spec.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return ResolveUrl(spec);
        var m = NamedRemote().Match(spec);
        if (!m.Success)
            throw new UsageException($"'{spec}' is not a remote: give a URL (https://host/path) or name:path of a remote in {ConfigName}");
        var name = m.Groups[1].Value;
        if (!config.Remotes.TryGetValue(name, out var remote))
        {
            var known = config.Remotes.Count == 0 ? "none are defined" : "defined: " + string.Join(", ", config.Remotes.Keys.Order(StringComparer.Ordinal));
            throw new UsageException($"unknown remote '{name}' in '{spec}' ({ConfigName}: {known})");
        }
        var rest = m.Groups[2].Value;
        return new RemoteTarget(StoreFor(remote), "remote:" + name, ParsePath(rest, spec), name + ":", rest.EndsWith('/') && rest.Length > 1);
    }

    private string ConfigName => config.Source ?? $"{FacilityConfig.DefaultPath} (not present)";

    private RemoteTarget ResolveUrl(string spec)
    {
        if (!Uri.TryCreate(spec, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new UsageException($"'{spec}' is not a valid URL");
        if (uri.UserInfo.Length > 0)
            throw new UsageException($"the URL for {uri.Host} carries a user name or password; put credentials in {ConfigName} instead");
        var slash = uri.AbsolutePath.EndsWith('/') && uri.AbsolutePath.Length > 1;
        // A URL under a configured remote uses that remote's credentials and settings.
        foreach (var remote in config.Remotes.Values)
        {
            if (remote.Url is not { } baseUrl) continue;
            var basePath = baseUrl.AbsolutePath.TrimEnd('/') + "/";
            if (!string.Equals(baseUrl.GetLeftPart(UriPartial.Authority), uri.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase)) continue;
            if (!(uri.AbsolutePath + "/").StartsWith(basePath, StringComparison.Ordinal)) continue;
            var relative = Uri.UnescapeDataString(uri.AbsolutePath.Length >= basePath.Length ? uri.AbsolutePath[basePath.Length..] : "");
            return new RemoteTarget(StoreFor(remote), "remote:" + remote.Name, ParsePath(relative, spec), baseUrl.GetLeftPart(UriPartial.Authority) + basePath.TrimEnd('/'), slash);
        }
        var authority = uri.GetLeftPart(UriPartial.Authority);
        var adHoc = new RemoteConfig { Name = authority, Url = new Uri(authority + "/") };
        return new RemoteTarget(StoreFor(adHoc), "url:" + authority, ParsePath(Uri.UnescapeDataString(uri.AbsolutePath), spec), authority, slash);
    }

    private static RemotePath ParsePath(string text, string spec)
    {
        try
        {
            return RemotePath.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"'{spec}': {e.Message}");
        }
    }

    private IRemoteStore StoreFor(RemoteConfig remote)
    {
        if (_stores.TryGetValue(remote.Name, out var existing)) return existing;
        IRemoteStore store;
        if (remote.LocalPath is { } folder)
        {
            store = new LocalFolderStore(folder);
        }
        else
        {
            var skipChecks = remote.Insecure || insecure;
            if (skipChecks) Console.Error.WriteLine($"warning: TLS certificate checks are off for remote '{remote.Name}' ({(insecure ? "--insecure" : "insecure: true")})");
            foreach (var warning in CredentialWarnings.Of(remote)) Console.Error.WriteLine($"warning: {warning}");
            store = new WebDavStore(new WebDavOptions
            {
                BaseUri = remote.Url!,
                RequestTimeout = remote.Timeout,
                IdleTimeout = remote.Timeout,
                MaxRetries = remote.Retries,
                MaxConnectionsPerServer = remote.Connections,
                MaxListingEntries = remote.MaxListingEntries,
                MaxResponseBytes = remote.MaxResponseBytes,
                InsecureSkipTlsVerify = skipChecks,
                ClientCertificate = remote.ClientCertificate switch
                {
                    null => null,
                    Identity.Tls.GridProxy.ConfigValue => Identity.Tls.GridProxy.Load(),
                    var certificate => Identity.Tls.ClientCertificate.Load(certificate, remote.ClientKey, remote.ClientCertificatePasswordFile is { } p ? new SecretFile(p).Read() : null),
                },
                TrustedAuthorities = remote.CaBundle is { } bundle ? Identity.Tls.TrustedAuthorities.Load(bundle) : null,
            }, CredentialsFor(remote));
        }
        _stores[remote.Name] = store;
        return store;
    }

    private static ICredentialProvider CredentialsFor(RemoteConfig remote) => remote switch
    {
        { Oidc: { } oidc } => Login.TokensOf(remote.Name, oidc),
        { TokenFile: { } file } => BearerTokenCredentials.FromFile(file),
        { TokenEnv: { } variable } => BearerTokenCredentials.FromEnvironment(variable),
        { Username: { } user, PasswordFile: { } passwordFile } => new BasicCredentials(user, new SecretFile(passwordFile)),
        { Username: { } user } => new BasicCredentials(user, PasswordPrompt.For(remote.Name, user)),
        _ => AnonymousCredentials.Instance,
    };

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9_.-]*):(.*)$", RegexOptions.Singleline)]
    private static partial Regex NamedRemote();

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores.Values) await store.DisposeAsync().ConfigureAwait(false);
        _stores.Clear();
    }
}
