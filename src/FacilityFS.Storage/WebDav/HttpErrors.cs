using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace FacilityFS.Storage.WebDav;

/// <summary>Turns HTTP failures into <see cref="StorageException"/>s carrying method, URL, status and the server's words.</summary>
internal static partial class HttpErrors
{
    private const int MaxMessageBytes = 8192;

    public static StorageErrorKind KindOf(HttpStatusCode status) => (int)status switch
    {
        400 => StorageErrorKind.InvalidArgument,
        401 => StorageErrorKind.Unauthenticated,
        403 => StorageErrorKind.PermissionDenied,
        404 or 410 => StorageErrorKind.NotFound,
        405 or 501 => StorageErrorKind.NotSupported,
        409 => StorageErrorKind.Conflict,
        412 => StorageErrorKind.Changed,
        413 => StorageErrorKind.TooLarge,
        423 => StorageErrorKind.PermissionDenied,
        507 => StorageErrorKind.InsufficientStorage,
        408 or 429 or 500 or 502 or 503 or 504 => StorageErrorKind.Unavailable,
        _ => StorageErrorKind.InvalidResponse,
    };

    public static bool IsTransient(HttpStatusCode status) => KindOf(status) == StorageErrorKind.Unavailable;

    public static async Task<StorageException> FromResponseAsync(HttpResponseMessage response, string what, StorageErrorKind? kind = null)
    {
        var request = response.RequestMessage!;
        string? message = null;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var body = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
            var buffer = new byte[MaxMessageBytes];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(total), cts.Token).ConfigureAwait(false)) > 0) total += n;
            message = Summarize(Encoding.UTF8.GetString(buffer, 0, total));
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            // The status alone still says what happened; a body we cannot read adds nothing.
        }
        finally
        {
            response.Dispose();
        }
        return new StorageException(kind ?? KindOf(response.StatusCode), what, request.Method.Method,
            WebDavUrls.Redact(request.RequestUri!), response.StatusCode, message);
    }

    /// <summary>The human part of an error body: an HTML page's first paragraph or heading, else its text, shortened.</summary>
    public static string? Summarize(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        var paragraph = ParagraphPattern().Match(body);
        var text = paragraph.Success ? paragraph.Groups[1].Value : body;
        text = WhitespacePattern().Replace(TagPattern().Replace(text, " "), " ").Trim();
        // Decoding may bring back control characters (&#27;) that would drive a terminal; they are shown, not obeyed.
        text = WebUtility.HtmlDecode(text).Trim();
        if (text.Length == 0) return null;
        return Printable.Escape(text.Length > 300 ? text[..300] + "…" : text);
    }

    [GeneratedRegex("<p[^>]*>(.*?)</p>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ParagraphPattern();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
