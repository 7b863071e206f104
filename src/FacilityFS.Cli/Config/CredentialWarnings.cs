namespace FacilityFS.Cli.Config;

/// <summary>What a person should hear before a secret leaves in the clear or sits where others can read it: plain http:// to another machine, secret files readable by group or others.</summary>
public static class CredentialWarnings
{
    /// <summary>Warnings for a remote: its credentials over plain http, and secret files others can read.</summary>
    public static IEnumerable<string> Of(RemoteConfig remote)
    {
        var sends = remote switch
        {
            { TokenFile: not null } or { TokenEnv: not null } => "a token",
            { Oidc: not null } => "tokens",
            { Username: not null } => "a password",
            _ => null,
        };
        if (sends is not null && remote.Url is { } url && IsPlainToAnotherMachine(url))
            yield return $"remote '{remote.Name}' sends {sends} over plain http:// to {url.Host}, readable by anyone on the way; use https://";
        foreach (var warning in Readable(remote.Name, ("token_file", remote.TokenFile), ("password_file", remote.PasswordFile),
                     ("client_key", remote.ClientKey), ("client_cert_password_file", remote.ClientCertificatePasswordFile),
                     ("oidc.client_secret_file", remote.Oidc?.ClientSecretFile)))
            yield return warning;
        if (remote.Oidc is { } oidc && oidc.ClientSecretFile is not null && IsPlainToAnotherMachine(oidc.Issuer))
            yield return $"remote '{remote.Name}' sends its client secret over plain http:// to {oidc.Issuer.Host}; use an https:// issuer";
    }

    /// <summary>Warnings for a catalog: its password or token over plain http, and secret files others can read.</summary>
    public static IEnumerable<string> Of(CatalogConfig catalog)
    {
        var sends = catalog.TokenFile is not null ? "a token" : catalog.PasswordFile is not null ? "a password" : null;
        if (sends is not null && IsPlainToAnotherMachine(catalog.ApiBase))
            yield return $"catalog '{catalog.Name}' sends {sends} over plain http:// to {catalog.ApiBase.Host}, readable by anyone on the way; use https://";
        foreach (var warning in Readable(catalog.Name, ("token_file", catalog.TokenFile), ("password_file", catalog.PasswordFile)))
            yield return warning;
    }

    private static bool IsPlainToAnotherMachine(Uri url) => url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback;

    private static IEnumerable<string> Readable(string owner, params (string Key, string? Path)[] files)
    {
        if (OperatingSystem.IsWindows()) yield break;
        foreach (var (key, path) in files)
        {
            if (path is null || !File.Exists(path)) continue;
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
                yield return $"{path} ({key} of '{owner}') is readable by others; chmod 600 {path}";
        }
    }
}
