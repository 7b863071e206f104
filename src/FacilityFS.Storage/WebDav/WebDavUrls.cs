namespace FacilityFS.Storage.WebDav;

/// <summary>Maps store paths to request URLs and server hrefs back to store paths.</summary>
internal static class WebDavUrls
{
    /// <summary>The base URL with a trailing slash and without user info, query or fragment.</summary>
    public static Uri NormalizeBase(Uri baseUri)
    {
        if (!baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"'{baseUri}' is not an http:// or https:// URL");
        if (!string.IsNullOrEmpty(baseUri.UserInfo))
            throw new ArgumentException($"the URL for {baseUri.Host} carries a user name or password; give credentials in the configuration (password_file, token_file) instead");
        var builder = new UriBuilder(baseUri) { Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/')) builder.Path += "/";
        return builder.Uri;
    }

    public static Uri ToUri(Uri baseUri, RemotePath path, bool asCollection)
    {
        if (path.IsRoot) return baseUri;
        var encoded = string.Join('/', path.Segments.Select(Uri.EscapeDataString));
        return new Uri(baseUri.AbsoluteUri + encoded + (asCollection ? "/" : ""));
    }

    /// <summary>The store path an href names, or null when it lies outside the base or cannot be a path.</summary>
    public static RemotePath? HrefToPath(Uri baseUri, string href)
    {
        var path = href.Trim();
        var scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path[slash..];
        }
        // A '?' never belongs to a name a server lists (it would be %3F), so it starts a query; '#' is kept, as some servers send it raw.
        var query = path.IndexOf('?');
        if (query >= 0) path = path[..query];

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var baseSegments = baseUri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < baseSegments.Length) return null;
        for (var i = 0; i < baseSegments.Length; i++)
        {
            if (!string.Equals(segments[i].Normalize(), baseSegments[i].Normalize(), StringComparison.Ordinal)) return null;
        }
        var result = RemotePath.Root;
        try
        {
            for (var i = baseSegments.Length; i < segments.Length; i++) result = result.Child(segments[i]);
        }
        catch (ArgumentException)
        {
            return null;
        }
        return result;
    }

    /// <summary>Whether an href is an absolute URL naming another scheme, host or port than the base: never one of our files.</summary>
    public static bool NamesAnotherServer(Uri baseUri, string href)
    {
        var text = href.Trim();
        if (text.IndexOf("://", StringComparison.Ordinal) < 0) return false;
        return !Uri.TryCreate(text, UriKind.Absolute, out var uri) || !SameOrigin(uri, baseUri);
    }

    /// <summary>A URL safe to print: no user info, no query (pool redirects carry one-time secrets there).</summary>
    public static string Redact(Uri uri)
    {
        if (!uri.IsAbsoluteUri) return uri.OriginalString;
        return $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}";
    }

    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
