using System.Net;

namespace FacilityFS.Storage;

/// <summary>A failed storage operation: what was asked (method, URL without credentials), the status and the server's own words.</summary>
public sealed class StorageException : Exception
{
    public StorageException(StorageErrorKind kind, string message, string? method = null, string? url = null,
        HttpStatusCode? status = null, string? serverMessage = null, Exception? inner = null)
        : base(Compose(kind, message, method, url, status, serverMessage), inner)
    {
        Kind = kind;
        Method = method;
        Url = url;
        Status = status;
        ServerMessage = serverMessage;
        Detail = message;
    }

    public StorageErrorKind Kind { get; }

    public string? Method { get; }

    /// <summary>The URL of the request, never with user info or query secrets.</summary>
    public string? Url { get; }

    public HttpStatusCode? Status { get; }

    public string? ServerMessage { get; }

    /// <summary>The message without method, URL and status, for callers that print those themselves.</summary>
    public string Detail { get; }

    /// <summary>Whether trying the same request later may succeed.</summary>
    public bool IsTransient => Kind == StorageErrorKind.Unavailable;

    private static string Compose(StorageErrorKind kind, string message, string? method, string? url, HttpStatusCode? status, string? serverMessage)
    {
        var text = message;
        if (method is not null || url is not null)
            text += $" ({method} {url}".TrimEnd() + (status is { } s ? $" → {(int)s} {ReasonOf(s)}" : "") + ")";
        if (!string.IsNullOrWhiteSpace(serverMessage))
            text += $": server said \"{serverMessage}\"";
        return text;
    }

    private static string ReasonOf(HttpStatusCode status) => status switch
    {
        (HttpStatusCode)507 => "Insufficient Storage",
        (HttpStatusCode)423 => "Locked",
        (HttpStatusCode)424 => "Failed Dependency",
        _ => status.ToString(),
    };
}
