using System.Globalization;
using System.Runtime.CompilerServices;
using System.Xml;
using System.Xml.Linq;

namespace FacilityFS.Storage.WebDav;

/// <summary>One &lt;response&gt; of a multistatus body, with only the properties whose propstat said 2xx.</summary>
internal sealed record PropfindItem(string Href, bool IsCollection, long? Length, DateTimeOffset? LastModified, string? ETag);

/// <summary>Streams a PROPFIND multistatus body one response at a time, so a folder of any size never sits in memory whole.</summary>
internal static class PropfindReader
{
    private static readonly XNamespace Dav = "DAV:";

    public const string RequestBody =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>" +
        "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/></D:prop></D:propfind>";

    public static async IAsyncEnumerable<PropfindItem> ReadAsync(Stream body, PropfindLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Each <response> is read whole, so its size is capped where the bytes come in, before any string of it is built.
        var counted = new ResponseSizeLimit(body, limits.MaxResponseBytes);
        var settings = new XmlReaderSettings
        {
            Async = true,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
        };
        using var reader = XmlReader.Create(counted, settings);
        await reader.MoveToContentAsync().ConfigureAwait(false);
        if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "multistatus" || reader.NamespaceURI != Dav.NamespaceName)
            throw new FormatException($"expected a DAV:multistatus document, got <{reader.Name}>");
        while (!reader.EOF)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "response" && reader.NamespaceURI == Dav.NamespaceName)
            {
                counted.StartResponse();
                var element = (XElement)await XNode.ReadFromAsync(reader, cancellationToken).ConfigureAwait(false);
                var item = Parse(element);
                if (item is not null && item.Href.Length > limits.MaxValueLength)
                    throw new PropfindTooLargeException($"an href of {item.Href.Length} characters (at most {limits.MaxValueLength})");
                if (item is not null) yield return item;
            }
            else
            {
                await reader.ReadAsync().ConfigureAwait(false);
            }
        }
    }

    private static PropfindItem? Parse(XElement response)
    {
        var href = response.Element(Dav + "href")?.Value;
        if (string.IsNullOrWhiteSpace(href)) return null;
        if (response.Element(Dav + "status") is { } whole && !IsSuccess(whole.Value)) return null;

        bool collection = false, sawAny = false;
        long? length = null;
        DateTimeOffset? modified = null;
        string? etag = null;
        foreach (var propstat in response.Elements(Dav + "propstat"))
        {
            if (!IsSuccess(propstat.Element(Dav + "status")?.Value)) continue;
            foreach (var prop in propstat.Elements(Dav + "prop").Elements())
            {
                sawAny = true;
                if (prop.Name.Namespace != Dav) continue;
                switch (prop.Name.LocalName)
                {
                    case "resourcetype":
                        collection = prop.Element(Dav + "collection") is not null;
                        break;
                    case "getcontentlength" when long.TryParse(prop.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                        length = n;
                        break;
                    case "getlastmodified":
                        modified = ParseHttpDate(prop.Value);
                        break;
                    case "getetag" when prop.Value.Trim().Length > 0:
                        etag = prop.Value.Trim();
                        break;
                }
            }
        }
        return sawAny ? new PropfindItem(href, collection, length, modified, etag) : null;
    }

    // A missing status means success (some servers omit it); otherwise "HTTP/1.1 200 OK".
    private static bool IsSuccess(string? status)
    {
        if (string.IsNullOrWhiteSpace(status)) return true;
        var parts = status.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[1].Length == 3 && parts[1][0] == '2';
    }

    public static DateTimeOffset? ParseHttpDate(string text)
    {
        text = text.Trim();
        if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var rfc1123))
            return rfc1123;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var other) ? other : null;
    }
}
