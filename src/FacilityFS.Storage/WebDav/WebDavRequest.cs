using System.Net.Http.Headers;

namespace FacilityFS.Storage.WebDav;

/// <summary>One logical request, rebuilt for each redirect hop and retry.</summary>
internal sealed class WebDavRequest(HttpMethod method, Uri uri)
{
    public HttpMethod Method { get; set; } = method;

    public Uri Uri { get; } = uri;

    /// <summary>Sets per-request headers (Depth, Range, Destination…) on each attempt.</summary>
    public Action<HttpRequestHeaders>? Headers { get; init; }

    /// <summary>Creates the body afresh for each attempt; null for no body.</summary>
    public Func<HttpContent>? Content { get; set; }

    /// <summary>Safe to send again after a transient failure.</summary>
    public bool Idempotent { get; init; }

    /// <summary>Return as soon as headers arrive (streamed bodies) rather than buffering the body.</summary>
    public bool StreamResponse { get; init; }

    /// <summary>Set for bodies of unknown duration: the request timeout is replaced by this watchdog.</summary>
    public IdleWatchdog? Watchdog { get; init; }

    public string Describe() => $"{Method.Method} {WebDavUrls.Redact(Uri)}";
}
