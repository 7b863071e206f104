using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FacilityFS.Cli.Config;

/// <summary>Reads and validates the YAML configuration; every problem names the file, the key and the line.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] RemoteKeys =
        ["url", "path", "token_file", "token_env", "username", "password_file", "oidc", "client_cert", "client_key", "client_cert_password_file", "ca_bundle",
            "insecure", "timeout", "retries", "connections", "max_listing_entries", "max_response_size"];

    private static readonly string[] OidcKeys = ["issuer", "client_id", "client_secret_file", "scope", "flow"];

    /// <summary>Loads <paramref name="path"/>; a missing file at the default location is an empty configuration, a missing explicit one an error.</summary>
    public static FacilityConfig Load(string? path)
    {
        var explicitPath = path is not null;
        var file = path ?? FacilityConfig.DefaultPath;
        if (!File.Exists(file))
        {
            if (explicitPath) throw new ConfigException(file, 0, "", "the configuration file does not exist");
            return FacilityConfig.Empty;
        }
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(file, 0, "", $"cannot be read: {e.Message}");
        }
        return Parse(text, file);
    }

    public static FacilityConfig Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException(file, (int)e.Start.Line, "", $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return FacilityConfig.Empty with { Source = file };
        var root = AsMapping(stream.Documents[0].RootNode, file, "");
        var remotes = new Dictionary<string, RemoteConfig>(StringComparer.Ordinal);
        var catalogs = new Dictionary<string, CatalogConfig>(StringComparer.Ordinal);
        var parallel = 4;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = KeyOf(keyNode, file);
            switch (key)
            {
                case "remotes":
                    foreach (var (nameNode, remoteNode) in AsMapping(value, file, key).Children)
                    {
                        var name = KeyOf(nameNode, file);
                        if (!RemoteName().IsMatch(name))
                            throw new ConfigException(file, LineOf(nameNode), $"remotes.{name}", "a remote name starts with a letter and holds only letters, digits, '_', '-' and '.'");
                        remotes[name] = ParseRemote(name, AsMapping(remoteNode, file, $"remotes.{name}"), file);
                    }
                    break;
                case "catalogs":
                    foreach (var (nameNode, catalogNode) in AsMapping(value, file, key).Children)
                    {
                        var name = KeyOf(nameNode, file);
                        catalogs[name] = ParseCatalog(name, AsMapping(catalogNode, file, $"catalogs.{name}"), file);
                    }
                    break;
                case "transfers":
                    foreach (var (optionNode, optionValue) in AsMapping(value, file, key).Children)
                    {
                        var option = KeyOf(optionNode, file);
                        if (option != "parallel") throw Unknown(file, optionNode, $"transfers.{option}", ["parallel"]);
                        parallel = IntegerOf(optionValue, file, "transfers.parallel", 1, 64);
                    }
                    break;
                default:
                    throw Unknown(file, keyNode, key, ["remotes", "catalogs", "transfers"]);
            }
        }
        foreach (var catalog in catalogs.Values)
            if (catalog.LoginOf is { } remote && remotes.GetValueOrDefault(remote)?.Oidc is null)
                throw new ConfigException(file, 0, $"catalogs.{catalog.Name}.login_of", $"'{remote}' is not a remote with an oidc: section");
        return new FacilityConfig(remotes, parallel, file) { Catalogs = catalogs };
    }

    private static RemoteConfig ParseRemote(string name, YamlMappingNode node, string file)
    {
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in node.Children)
        {
            var key = KeyOf(keyNode, file);
            if (!RemoteKeys.Contains(key)) throw Unknown(file, keyNode, $"remotes.{name}.{key}", RemoteKeys);
            values[key] = value;
        }
        string Key(string k) => $"remotes.{name}.{k}";
        string? Text(string k) => values.TryGetValue(k, out var v) ? ScalarOf(v, file, Key(k)) : null;

        var url = Text("url");
        var path = Text("path");
        if ((url is null) == (path is null))
            throw new ConfigException(file, LineOf(node), $"remotes.{name}", "give exactly one of 'url' (a WebDAV server) or 'path' (a local folder)");
        Uri? uri = null;
        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new ConfigException(file, LineOf(values["url"]), Key("url"), $"'{url}' is not an http:// or https:// URL");
            if (uri.UserInfo.Length > 0)
                throw new ConfigException(file, LineOf(values["url"]), Key("url"), "a URL must not carry a user name or password; use 'username' with 'password_file', or 'token_file'");
        }
        var username = Text("username");
        var passwordFile = Text("password_file");
        if (username is null && passwordFile is not null)
            throw new ConfigException(file, LineOf(node), $"remotes.{name}", "'password_file' needs a 'username'");
        var tokenFile = Text("token_file");
        var tokenEnv = Text("token_env");
        var oidc = values.TryGetValue("oidc", out var oidcNode) ? ParseOidc(AsMapping(oidcNode, file, Key("oidc")), file, Key("oidc")) : null;
        var methods = new object?[] { tokenFile, tokenEnv, username, oidc }.Count(v => v is not null);
        if (methods > 1)
            throw new ConfigException(file, LineOf(node), $"remotes.{name}", "choose one way to authenticate: 'token_file', 'token_env', 'username' (with 'password_file', or asked for) or 'oidc'");
        if (path is not null && methods > 0)
            throw new ConfigException(file, LineOf(node), $"remotes.{name}", "a local-folder remote ('path') takes no credentials");
        string? PathValue(string k) => Text(k) is { } p ? ExpandHome(p) : null;
        var clientCert = PathValue("client_cert");
        if (clientCert is null && (values.ContainsKey("client_key") || values.ContainsKey("client_cert_password_file")))
            throw new ConfigException(file, LineOf(node), Key("client_cert"), "'client_key' and 'client_cert_password_file' go with 'client_cert'");
        if (path is not null && (clientCert is not null || values.ContainsKey("ca_bundle")))
            throw new ConfigException(file, LineOf(node), $"remotes.{name}", "a local-folder remote ('path') takes no certificates");

        return new RemoteConfig
        {
            Name = name,
            Url = uri,
            LocalPath = path is null ? null : ExpandHome(path),
            TokenFile = tokenFile is null ? null : ExpandHome(tokenFile),
            TokenEnv = tokenEnv,
            Username = username,
            PasswordFile = passwordFile is null ? null : ExpandHome(passwordFile),
            Oidc = oidc,
            ClientCertificate = clientCert,
            ClientKey = PathValue("client_key"),
            ClientCertificatePasswordFile = PathValue("client_cert_password_file"),
            CaBundle = PathValue("ca_bundle"),
            Insecure = values.TryGetValue("insecure", out var insecure) && BooleanOf(insecure, file, Key("insecure")),
            Timeout = values.TryGetValue("timeout", out var timeout) ? DurationOf(timeout, file, Key("timeout")) : TimeSpan.FromSeconds(60),
            Retries = values.TryGetValue("retries", out var retries) ? IntegerOf(retries, file, Key("retries"), 0, 100) : 4,
            Connections = values.TryGetValue("connections", out var connections) ? IntegerOf(connections, file, Key("connections"), 1, 256) : 16,
            MaxListingEntries = values.TryGetValue("max_listing_entries", out var entries) ? IntegerOf(entries, file, Key("max_listing_entries"), 1, int.MaxValue) : 2_000_000,
            MaxResponseBytes = values.TryGetValue("max_response_size", out var responseSize) ? IntegerOf(responseSize, file, Key("max_response_size"), 4096, 1 << 30) : 1 << 20,
        };
    }

    private static readonly string[] CatalogKeys = ["url", "username", "password_file", "token_file", "login_of", "defaults", "source_folder_prefix"];

    private static CatalogConfig ParseCatalog(string name, YamlMappingNode node, string file)
    {
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in node.Children)
        {
            var key = KeyOf(keyNode, file);
            if (!CatalogKeys.Contains(key)) throw Unknown(file, keyNode, $"catalogs.{name}.{key}", CatalogKeys);
            values[key] = value;
        }
        string Key(string k) => $"catalogs.{name}.{k}";
        string? Text(string k) => values.TryGetValue(k, out var v) ? ScalarOf(v, file, Key(k)) : null;
        var url = Text("url") ?? throw new ConfigException(file, LineOf(node), Key("url"), "the SciCat API URL is required (e.g. https://scicat.example.org/api/v3)");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ConfigException(file, LineOf(values["url"]), Key("url"), $"'{url}' is not an http:// or https:// URL");
        var username = Text("username");
        var passwordFile = Text("password_file") is { } p ? ExpandHome(p) : null;
        var tokenFile = Text("token_file") is { } t ? ExpandHome(t) : null;
        if ((username is null) != (passwordFile is null))
            throw new ConfigException(file, LineOf(node), $"catalogs.{name}", "'username' and 'password_file' go together");
        var loginOf = Text("login_of");
        if (new object?[] { username, tokenFile, loginOf }.Count(v => v is not null) != 1)
            throw new ConfigException(file, LineOf(node), $"catalogs.{name}", "give one of 'username' with 'password_file', 'token_file', or 'login_of' (a remote with an oidc: section)");
        var defaults = values.TryGetValue("defaults", out var d) ? JsonOf(AsMapping(d, file, Key("defaults"))) : new System.Text.Json.Nodes.JsonObject();
        var sourcePrefix = Text("source_folder_prefix");
        if (sourcePrefix is not null && !sourcePrefix.StartsWith('/'))
            throw new ConfigException(file, LineOf(values["source_folder_prefix"]), Key("source_folder_prefix"), $"'{sourcePrefix}' is not an absolute path (it goes in front of the storage path)");
        return new CatalogConfig(name, uri, username, passwordFile, tokenFile, defaults, loginOf, sourcePrefix);
    }

    /// <summary>A YAML mapping as JSON (for dataset fields): numbers and booleans as such, everything else as text.</summary>
    public static System.Text.Json.Nodes.JsonObject JsonOf(YamlMappingNode node)
    {
        var result = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in node.Children) result[((YamlScalarNode)key).Value!] = JsonNodeOf(value);
        return result;
    }

    private static System.Text.Json.Nodes.JsonNode? JsonNodeOf(YamlNode node) => node switch
    {
        YamlMappingNode mapping => JsonOf(mapping),
        YamlSequenceNode sequence => new System.Text.Json.Nodes.JsonArray([.. sequence.Children.Select(JsonNodeOf)]),
        YamlScalarNode { Value: var v, Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            => number % 1 == 0 && Math.Abs(number) < 1e15 ? System.Text.Json.Nodes.JsonValue.Create((long)number) : System.Text.Json.Nodes.JsonValue.Create(number),
        YamlScalarNode { Value: "true" or "false" } scalar when scalar.Style is not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) => System.Text.Json.Nodes.JsonValue.Create(scalar.Value == "true"),
        YamlScalarNode scalar => System.Text.Json.Nodes.JsonValue.Create(scalar.Value),
        _ => null,
    };

    private static OidcConfig ParseOidc(YamlMappingNode node, string file, string prefix)
    {
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in node.Children)
        {
            var key = KeyOf(keyNode, file);
            if (!OidcKeys.Contains(key)) throw Unknown(file, keyNode, $"{prefix}.{key}", OidcKeys);
            values[key] = value;
        }
        string? Text(string k) => values.TryGetValue(k, out var v) ? ScalarOf(v, file, $"{prefix}.{k}") : null;
        var issuerText = Text("issuer") ?? throw new ConfigException(file, LineOf(node), $"{prefix}.issuer", "the OpenID provider's issuer URL is required");
        if (!Uri.TryCreate(issuerText, UriKind.Absolute, out var issuer) || (issuer.Scheme != Uri.UriSchemeHttps && !issuer.IsLoopback))
            throw new ConfigException(file, LineOf(values["issuer"]), $"{prefix}.issuer", $"'{issuerText}' is not an https:// URL (plain http only for a provider on this machine)");
        var clientId = Text("client_id") ?? throw new ConfigException(file, LineOf(node), $"{prefix}.client_id", "the client id registered at the provider is required");
        var flow = Text("flow") switch
        {
            null or "device" => Identity.Oidc.OidcFlow.Device,
            "browser" => Identity.Oidc.OidcFlow.Browser,
            "client_credentials" => Identity.Oidc.OidcFlow.ClientCredentials,
            var other => throw new ConfigException(file, LineOf(values["flow"]), $"{prefix}.flow", $"'{other}' is not a flow; give device, browser or client_credentials"),
        };
        var secretFile = Text("client_secret_file") is { } secret ? ExpandHome(secret) : null;
        if (flow == Identity.Oidc.OidcFlow.ClientCredentials && secretFile is null)
            throw new ConfigException(file, LineOf(node), $"{prefix}.client_secret_file", "the client_credentials flow needs the client's secret (client_secret_file)");
        return new OidcConfig(issuer, clientId, secretFile, Text("scope") ?? "openid", flow);
    }

    public static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;

    private static ConfigException Unknown(string file, YamlNode node, string key, IEnumerable<string> known) =>
        new(file, LineOf(node), key, $"unknown key; expected one of: {string.Join(", ", known)}");

    private static int LineOf(YamlNode node) => (int)node.Start.Line;

    private static string KeyOf(YamlNode node, string file) =>
        node is YamlScalarNode { Value: { } value } ? value : throw new ConfigException(file, LineOf(node), "", "a key must be plain text");

    private static YamlMappingNode AsMapping(YamlNode node, string file, string key) =>
        node as YamlMappingNode ?? throw new ConfigException(file, LineOf(node), key, "expected a mapping of keys to values");

    private static string ScalarOf(YamlNode node, string file, string key) =>
        node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw new ConfigException(file, LineOf(node), key, "expected a non-empty value");

    private static bool BooleanOf(YamlNode node, string file, string key) => ScalarOf(node, file, key) switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        var other => throw new ConfigException(file, LineOf(node), key, $"'{other}' is not true or false"),
    };

    private static int IntegerOf(YamlNode node, string file, string key, int min, int max)
    {
        var text = ScalarOf(node, file, key);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new ConfigException(file, LineOf(node), key, $"'{text}' is not a whole number from {min} to {max}");
        return value;
    }

    /// <summary>Seconds as a number, or a number with s, m or h.</summary>
    private static TimeSpan DurationOf(YamlNode node, string file, string key)
    {
        var text = ScalarOf(node, file, key);
        var m = DurationPattern().Match(text);
        if (!m.Success || !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0)
            throw new ConfigException(file, LineOf(node), key, $"'{text}' is not a duration such as 30, 30s, 5m or 1h");
        return m.Groups[2].Value switch
        {
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromSeconds(n),
        };
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]*$")]
    private static partial Regex RemoteName();

    [GeneratedRegex("^([0-9]+)(s|m|h)?$")]
    private static partial Regex DurationPattern();
}
