using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;

namespace FacilityFS.Storage.WebDav;

/// <summary>One &lt;response&gt; of a multistatus body, with only the properties whose propstat said 2xx.</summary>
internal sealed record PropfindItem(string Href, bool IsCollection, long? Length, DateTimeOffset? LastModified, string? ETag);

/// <summary>Streams a PROPFIND multistatus body one response at a time, so a folder of any size never sits in memory whole.</summary>
internal static class PropfindReader
{
    private const string Dav = "DAV:";

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
        if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "multistatus" || reader.NamespaceURI != Dav)
            throw new FormatException($"expected a DAV:multistatus document, got <{reader.Name}>");
        while (!reader.EOF)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "response" && reader.NamespaceURI == Dav)
            {
                counted.StartResponse();
                var item = await ReadResponseAsync(reader).ConfigureAwait(false);
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

    // Each <response> is read node by node, without building a tree of it: an XElement per response cost more than the XML reader
    // itself (a listing of a million entries took 1.8 s to parse that way, 0.7 s without).

    /// <summary>Reads one &lt;response&gt; (the reader on its start tag) up to and past its end tag; null when it names nothing usable.</summary>
    private static async ValueTask<PropfindItem?> ReadResponseAsync(XmlReader reader)
    {
        string? href = null, status = null;
        var found = new Properties();
        var depth = reader.Depth;
        if (await EnterAsync(reader).ConfigureAwait(false))
        {
            while (await NextChildAsync(reader, depth).ConfigureAwait(false))
            {
                if (reader.NamespaceURI != Dav) await reader.SkipAsync().ConfigureAwait(false);
                else if (reader.LocalName == "href" && href is null) href = await TextAsync(reader).ConfigureAwait(false);
                else if (reader.LocalName == "status" && status is null) status = await TextAsync(reader).ConfigureAwait(false);
                else if (reader.LocalName == "propstat") await ReadPropstatAsync(reader, found).ConfigureAwait(false);
                else await reader.SkipAsync().ConfigureAwait(false);
            }
        }
        if (string.IsNullOrWhiteSpace(href) || !IsSuccess(status) || !found.SawAny) return null;
        return new PropfindItem(href, found.Collection, found.Length, found.Modified, found.ETag);
    }

    /// <summary>What the 2xx propstats of one response said; a later one overrides an earlier one, as properties come in any order.</summary>
    private sealed class Properties
    {
        public bool SawAny, Collection;
        public long? Length;
        public DateTimeOffset? Modified;
        public string? ETag;
    }

    /// <summary>Reads one &lt;propstat&gt;; its properties count only when its status (which may come after them) is 2xx.</summary>
    private static async ValueTask ReadPropstatAsync(XmlReader reader, Properties found)
    {
        var depth = reader.Depth;
        string? status = null;
        var props = new List<(string? Name, string Value, bool Collection)>();
        if (!await EnterAsync(reader).ConfigureAwait(false)) return;
        while (await NextChildAsync(reader, depth).ConfigureAwait(false))
        {
            if (reader.NamespaceURI == Dav && reader.LocalName == "status" && status is null) status = await TextAsync(reader).ConfigureAwait(false);
            else if (reader.NamespaceURI == Dav && reader.LocalName == "prop") await ReadPropAsync(reader, props).ConfigureAwait(false);
            else await reader.SkipAsync().ConfigureAwait(false);
        }
        if (!IsSuccess(status)) return;
        foreach (var (name, value, collection) in props)
        {
            found.SawAny = true;
            switch (name)
            {
                case "resourcetype":
                    found.Collection = collection;
                    break;
                case "getcontentlength" when long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                    found.Length = n;
                    break;
                case "getlastmodified":
                    found.Modified = ParseHttpDate(value);
                    break;
                case "getetag" when value.Trim().Length > 0:
                    found.ETag = value.Trim();
                    break;
            }
        }
    }

    /// <summary>Reads one &lt;prop&gt;: each property element with its text (a name of null for one outside DAV:, which still counts as a property seen).</summary>
    private static async ValueTask ReadPropAsync(XmlReader reader, List<(string? Name, string Value, bool Collection)> props)
    {
        var depth = reader.Depth;
        if (!await EnterAsync(reader).ConfigureAwait(false)) return;
        while (await NextChildAsync(reader, depth).ConfigureAwait(false))
        {
            var name = reader.NamespaceURI == Dav ? reader.LocalName : null;
            if (name == "resourcetype") props.Add((name, "", await HasCollectionAsync(reader).ConfigureAwait(false)));
            else props.Add((name, await TextAsync(reader).ConfigureAwait(false), false));
        }
    }

    /// <summary>Reads a &lt;resourcetype&gt;: whether a DAV:collection is among its children.</summary>
    private static async ValueTask<bool> HasCollectionAsync(XmlReader reader)
    {
        var depth = reader.Depth;
        var collection = false;
        if (!await EnterAsync(reader).ConfigureAwait(false)) return false;
        while (await NextChildAsync(reader, depth).ConfigureAwait(false))
        {
            collection |= reader.NamespaceURI == Dav && reader.LocalName == "collection";
            await reader.SkipAsync().ConfigureAwait(false);
        }
        return collection;
    }

    /// <summary>Steps into the element the reader is on; false (having stepped past it) when it is empty.</summary>
    private static async ValueTask<bool> EnterAsync(XmlReader reader)
    {
        var empty = reader.IsEmptyElement;
        await reader.ReadAsync().ConfigureAwait(false);
        return !empty;
    }

    /// <summary>Moves to the next child element of the element at <paramref name="parentDepth"/>; false, past the parent's end tag, when there is none.</summary>
    private static async ValueTask<bool> NextChildAsync(XmlReader reader, int parentDepth)
    {
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.Depth == parentDepth + 1) return true;
            var end = reader.NodeType == XmlNodeType.EndElement && reader.Depth == parentDepth;
            await reader.ReadAsync().ConfigureAwait(false);
            if (end) return false;
        }
        return false;
    }

    /// <summary>The text inside the element the reader is on, nested elements' text included (as XElement.Value gives it); reads past its end tag.</summary>
    private static async ValueTask<string> TextAsync(XmlReader reader)
    {
        var depth = reader.Depth;
        if (!await EnterAsync(reader).ConfigureAwait(false)) return "";
        string? first = null;
        StringBuilder? more = null;
        while (!reader.EOF && !(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
        {
            if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace)
            {
                if (first is null) first = reader.Value;
                else (more ??= new StringBuilder(first)).Append(reader.Value);
            }
            await reader.ReadAsync().ConfigureAwait(false);
        }
        await reader.ReadAsync().ConfigureAwait(false);
        return more?.ToString() ?? first ?? "";
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
