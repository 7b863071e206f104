using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using FacilityFS.Identity;
using FacilityFS.Storage.Checksums;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Storage.WebDav;

/// <summary>A WebDAV server (dCache, Apache mod_dav, nginx dav-ext, …) as an <see cref="IRemoteStore"/>, over HttpClient.</summary>
public sealed class WebDavStore : IRemoteStore, IServerSideCopy, IChecksumSource
{
    private static readonly HttpMethod Propfind = new("PROPFIND");
    private static readonly HttpMethod Mkcol = new("MKCOL");
    private static readonly HttpMethod Move = new("MOVE");
    private static readonly HttpMethod Copy = new("COPY");

    private readonly Uri _base;
    private readonly WebDavHttp _http;
    private readonly WebDavOptions _options;
    private readonly ILogger _logger;
    private int _foreignHrefLogged;

    public WebDavStore(WebDavOptions options, ICredentialProvider? credentials = null, ILogger? logger = null, HttpMessageHandler? handler = null)
    {
        _options = options;
        _base = WebDavUrls.NormalizeBase(options.BaseUri);
        _logger = logger ?? NullLogger.Instance;
        _http = new WebDavHttp(options, _base, credentials ?? AnonymousCredentials.Instance, _logger, handler);
    }

    public string DisplayName => WebDavUrls.Redact(_base);

    public StorageCapabilities Capabilities { get; } = new(ServerSideCopy: true, Checksums: true, RangeReads: true, SetModificationTime: false);

    public Uri UriOf(RemotePath path, bool asCollection = false) => WebDavUrls.ToUri(_base, path, asCollection);

    public async Task<RemoteEntry> StatAsync(RemotePath path, CancellationToken cancellationToken = default)
    {
        using var response = await PropfindAsync(path, depth: 0, asCollection: path.IsRoot, cancellationToken).ConfigureAwait(false);
        await using var body = await WatchedBodyAsync(response, cancellationToken).ConfigureAwait(false);
        await foreach (var item in ReadItemsAsync(response, body, cancellationToken).ConfigureAwait(false))
            return ToEntry(path, item);
        throw new StorageException(StorageErrorKind.InvalidResponse, "the server's PROPFIND answer lists nothing", "PROPFIND", WebDavUrls.Redact(UriOf(path)));
    }

    public async IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        HttpResponseMessage response;
        try
        {
            response = await PropfindAsync(directory, depth: 1, asCollection: true, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.NotFound or StorageErrorKind.Conflict or StorageErrorKind.InvalidArgument && !directory.IsRoot)
        {
            // "dir/" of a file is 400 (Apache), 404 or 409 on other servers: say which it is.
            var entry = await StatAsync(directory, cancellationToken).ConfigureAwait(false);
            if (!entry.IsDirectory)
                throw new StorageException(StorageErrorKind.NotDirectory, $"{directory} is a file, not a folder", "PROPFIND", WebDavUrls.Redact(UriOf(directory)));
            throw;
        }
        using (response)
        {
            await using var body = await WatchedBodyAsync(response, cancellationToken).ConfigureAwait(false);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var item in ReadItemsAsync(response, body, cancellationToken).ConfigureAwait(false))
            {
                if (WebDavUrls.NamesAnotherServer(_base, item.Href))
                {
                    // Not our file, whatever its path says; a server listing such entries does it for every folder, so it is said once.
                    if (Interlocked.Exchange(ref _foreignHrefLogged, 1) == 0)
                        _logger.LogWarning("ignoring entries of a listing of {Folder} that name another server ({Href})", directory, Printable.Escape(item.Href.Length > 200 ? item.Href[..200] + "…" : item.Href));
                    continue;
                }
                var path = WebDavUrls.HrefToPath(_base, item.Href);
                if (path is null) continue;
                if (path == directory)
                {
                    if (!item.IsCollection)
                        throw new StorageException(StorageErrorKind.NotDirectory, $"{directory} is a file, not a folder", "PROPFIND", WebDavUrls.Redact(UriOf(directory)));
                    continue;
                }
                // Servers that leak parents or grandchildren into a Depth 1 answer, or repeat an entry, are filtered here.
                if (path.Parent != directory || !seen.Add(path.Name)) continue;
                if (seen.Count > _options.MaxListingEntries)
                    throw new StorageException(StorageErrorKind.InvalidResponse,
                        $"listing too large: {directory} has more than {_options.MaxListingEntries} entries (the limit is max_listing_entries in the configuration)",
                        "PROPFIND", WebDavUrls.Redact(UriOf(directory)));
                yield return ToEntry(path, item);
            }
        }
    }

    public async Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default)
    {
        var wantsRange = range is { } r && (r.Offset > 0 || r.Length is not null);
        var strongETag = expectedETag is not null && !expectedETag.StartsWith("W/", StringComparison.Ordinal) ? expectedETag : null;
        if (range is { Length: 0 })
        {
            var entry = await StatAsync(path, cancellationToken).ConfigureAwait(false);
            CheckVersion(path, expectedETag, entry.ETag, "GET");
            return RemoteContent.Empty(range.Value.Offset, entry.Size, entry.ETag, entry.LastModified);
        }
        var watchdog = new IdleWatchdog(_options.IdleTimeout, cancellationToken);
        HttpResponseMessage response;
        try
        {
            var request = new WebDavRequest(HttpMethod.Get, UriOf(path))
            {
                Idempotent = true,
                StreamResponse = true,
                Headers = h =>
                {
                    if (wantsRange)
                    {
                        h.Range = new RangeHeaderValue(range!.Value.Offset, range.Value.Length is { } n ? range.Value.Offset + n - 1 : null);
                        if (strongETag is not null) h.TryAddWithoutValidation("If-Range", strongETag);
                    }
                    else if (strongETag is not null)
                    {
                        h.TryAddWithoutValidation("If-Match", strongETag);
                    }
                },
            };
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            watchdog.Dispose();
            throw;
        }

        try
        {
            var etag = response.Headers.ETag?.ToString();
            var modified = response.Content.Headers.LastModified;
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent:
                {
                    CheckVersion(path, expectedETag, etag, "GET");
                    var contentRange = response.Content.Headers.ContentRange;
                    if (contentRange?.From is not { } from || contentRange.To is not { } to)
                        throw new StorageException(StorageErrorKind.InvalidResponse, "206 without a usable Content-Range", "GET", WebDavUrls.Redact(UriOf(path)));
                    // Bytes from another offset than asked would land silently at the wrong place in a file: refuse them.
                    if (!RangeMatches(range ?? ByteRange.From(0), from, to, contentRange.Length, response.Content.Headers.ContentLength))
                        throw new StorageException(StorageErrorKind.InvalidResponse,
                            $"cannot read {path}: asked for bytes {Describe(range ?? ByteRange.From(0))} but the server sent {from}-{to}/{contentRange.Length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "*"}",
                            "GET", WebDavUrls.Redact(UriOf(path)), response.StatusCode);
                    var stream = new WatchedReadStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), watchdog, response);
                    return new RemoteContent(stream, from, to - from + 1, contentRange.Length ?? to + 1, etag, modified);
                }
                case HttpStatusCode.OK:
                {
                    CheckVersion(path, expectedETag, etag, "GET");
                    var total = response.Content.Headers.ContentLength
                        ?? throw new StorageException(StorageErrorKind.InvalidResponse, "200 without Content-Length", "GET", WebDavUrls.Redact(UriOf(path)));
                    var stream = new WatchedReadStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), watchdog, response);
                    var offset = range?.Offset ?? 0;
                    if (offset > 0)
                    {
                        // The server ignored Range but the version is right: skip to the offset rather than fail.
                        await SkipAsync(stream, Math.Min(offset, total), cancellationToken).ConfigureAwait(false);
                    }
                    var length = Math.Max(0, Math.Min(total - offset, range?.Length ?? long.MaxValue));
                    // A whole body answering a Range is read up to the requested end only, never past it into the next range.
                    return new RemoteContent(new BoundedReadStream(stream, length), offset, length, total, etag, modified);
                }
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                {
                    // A read at or past the end: an empty answer, as a local file gives.
                    var total = response.Content.Headers.ContentRange?.Length ?? (await StatAsync(path, cancellationToken).ConfigureAwait(false)).Size;
                    response.Dispose();
                    watchdog.Dispose();
                    return RemoteContent.Empty(range?.Offset ?? 0, total, etag, modified);
                }
                default:
                    watchdog.Dispose();
                    throw await HttpErrors.FromResponseAsync(response, $"cannot read {path}").ConfigureAwait(false);
            }
        }
        catch
        {
            response.Dispose();
            watchdog.Dispose();
            throw;
        }
    }

    public async Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default)
    {
        if (path.IsRoot) throw new StorageException(StorageErrorKind.IsDirectory, "cannot write to the root folder");
        using var watchdog = new IdleWatchdog(_options.IdleTimeout, cancellationToken);
        var source = new UploadSource(content, length, watchdog);
        var request = new WebDavRequest(HttpMethod.Put, UriOf(path))
        {
            Content = source.CreateContent,
            Watchdog = watchdog,
            // A PUT whose body can be sent again is as idempotent as HTTP says it is.
            Idempotent = content.CanSeek,
        };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var kind = response.StatusCode == HttpStatusCode.MethodNotAllowed ? StorageErrorKind.IsDirectory : (StorageErrorKind?)null;
            // A missing parent is 409 on Apache but 404 or 500 elsewhere (nginx): name it, since retrying cannot help.
            if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.InternalServerError
                && !path.Parent.IsRoot && await this.TryStatAsync(path.Parent, cancellationToken).ConfigureAwait(false) is null)
            {
                throw await HttpErrors.FromResponseAsync(response, $"cannot write {path}: its parent folder {path.Parent} does not exist",
                    StorageErrorKind.Conflict).ConfigureAwait(false);
            }
            throw await HttpErrors.FromResponseAsync(response, $"cannot write {path}", kind).ConfigureAwait(false);
        }
        if (length >= 0 && source.BytesSent != length)
            throw new StorageException(StorageErrorKind.VerificationFailed, $"sent {source.BytesSent} bytes of {path} but expected {length}", "PUT", WebDavUrls.Redact(UriOf(path)));
        return new WriteResult(source.BytesSent, source.Checksum, response.Headers.ETag?.ToString());
    }

    public async Task CreateDirectoryAsync(RemotePath path, bool createParents = false, CancellationToken cancellationToken = default)
    {
        if (path.IsRoot) return;
        var request = new WebDavRequest(Mkcol, UriOf(path, asCollection: true)) { Idempotent = true };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return;
        switch (response.StatusCode)
        {
            case HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest:
            {
                // MKCOL on an existing name (405; Apache says 400 for "file/"): fine when it is a folder and parents were asked for (mkdir -p).
                if (response.StatusCode == HttpStatusCode.BadRequest && await this.TryStatAsync(path, cancellationToken).ConfigureAwait(false) is null)
                    throw await HttpErrors.FromResponseAsync(response, $"cannot create folder {path}").ConfigureAwait(false);
                var existing = await StatAsync(path, cancellationToken).ConfigureAwait(false);
                if (!existing.IsDirectory)
                    throw new StorageException(StorageErrorKind.AlreadyExists, $"{path} exists and is a file", "MKCOL", WebDavUrls.Redact(request.Uri), response.StatusCode);
                if (!createParents)
                    throw new StorageException(StorageErrorKind.AlreadyExists, $"folder {path} already exists", "MKCOL", WebDavUrls.Redact(request.Uri), response.StatusCode);
                return;
            }
            case HttpStatusCode.Conflict when createParents:
                await CreateDirectoryAsync(path.Parent, createParents: true, cancellationToken).ConfigureAwait(false);
                await CreateDirectoryAsync(path, createParents: false, cancellationToken).ConfigureAwait(false);
                return;
            case HttpStatusCode.Conflict:
                throw await HttpErrors.FromResponseAsync(response, $"cannot create {path}: its parent folder {path.Parent} does not exist").ConfigureAwait(false);
            default:
                throw await HttpErrors.FromResponseAsync(response, $"cannot create folder {path}").ConfigureAwait(false);
        }
    }

    public async Task DeleteAsync(RemotePath path, CancellationToken cancellationToken = default)
    {
        if (path.IsRoot) throw new StorageException(StorageErrorKind.PermissionDenied, "refusing to delete the root folder");
        var response = await _http.SendAsync(new WebDavRequest(HttpMethod.Delete, UriOf(path)) { Idempotent = true }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            // nginx wants a trailing slash to delete a folder.
            response.Dispose();
            response = await _http.SendAsync(new WebDavRequest(HttpMethod.Delete, UriOf(path, asCollection: true)) { Idempotent = true }, cancellationToken).ConfigureAwait(false);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw await HttpErrors.FromResponseAsync(response, $"cannot delete {path}").ConfigureAwait(false);
        }
    }

    public Task MoveAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default) =>
        TransferAsync(Move, source, destination, overwrite, cancellationToken);

    public Task CopyAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default) =>
        TransferAsync(Copy, source, destination, overwrite, cancellationToken);

    private async Task TransferAsync(HttpMethod method, RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken)
    {
        if (source.IsRoot || destination.IsRoot)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"cannot {method.Method.ToLowerInvariant()} the root folder");
        if (destination.IsSameOrUnder(source))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"cannot {method.Method.ToLowerInvariant()} {source} into itself ({destination})");
        var response = await SendTransferAsync(method, source, destination, overwrite, asCollection: false, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.BadRequest
            && (await this.TryStatAsync(source, cancellationToken).ConfigureAwait(false))?.IsDirectory == true)
        {
            // nginx wants folders named with a trailing slash on both ends (400 or 409 otherwise).
            response.Dispose();
            response = await SendTransferAsync(method, source, destination, overwrite, asCollection: true, cancellationToken).ConfigureAwait(false);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode) return;
            var verb = method == Move ? "move" : "copy";
            throw response.StatusCode switch
            {
                HttpStatusCode.PreconditionFailed => await HttpErrors.FromResponseAsync(response, $"cannot {verb} {source}: {destination} already exists", StorageErrorKind.AlreadyExists).ConfigureAwait(false),
                HttpStatusCode.Conflict => await HttpErrors.FromResponseAsync(response, $"cannot {verb} {source} to {destination}: the target folder {destination.Parent} does not exist").ConfigureAwait(false),
                _ => await HttpErrors.FromResponseAsync(response, $"cannot {verb} {source} to {destination}").ConfigureAwait(false),
            };
        }
    }

    private Task<HttpResponseMessage> SendTransferAsync(HttpMethod method, RemotePath source, RemotePath destination, bool overwrite, bool asCollection, CancellationToken cancellationToken)
    {
        var target = UriOf(destination, asCollection);
        return _http.SendAsync(new WebDavRequest(method, UriOf(source, asCollection))
        {
            Headers = h =>
            {
                h.TryAddWithoutValidation("Destination", target.AbsoluteUri);
                h.TryAddWithoutValidation("Overwrite", overwrite ? "T" : "F");
            },
        }, cancellationToken);
    }

    public async Task<Checksum?> GetChecksumAsync(RemotePath path, ChecksumAlgorithm algorithm, CancellationToken cancellationToken = default)
    {
        var request = new WebDavRequest(HttpMethod.Head, UriOf(path))
        {
            Idempotent = true,
            Headers = h => h.TryAddWithoutValidation("Want-Digest", DigestHeader.WantDigestValue(algorithm)),
        };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await HttpErrors.FromResponseAsync(response, $"cannot ask for the checksum of {path}").ConfigureAwait(false);
        if (!response.Headers.TryGetValues("Digest", out var values)) return null;
        return DigestHeader.Parse(values).FirstOrDefault(c => c.Algorithm == algorithm);
    }

    private async Task<HttpResponseMessage> PropfindAsync(RemotePath path, int depth, bool asCollection, CancellationToken cancellationToken)
    {
        var request = new WebDavRequest(Propfind, UriOf(path, asCollection))
        {
            Idempotent = true,
            StreamResponse = true,
            Headers = h => h.TryAddWithoutValidation("Depth", depth.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Content = () => new StringContent(PropfindReader.RequestBody, Encoding.UTF8, "application/xml"),
        };
        var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.MultiStatus) return response;
        var what = depth == 0 ? $"cannot look up {path}" : $"cannot list {path}";
        if (response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new StorageException(StorageErrorKind.InvalidResponse, $"{what}: the server does not speak WebDAV here (no 207 Multi-Status)",
                "PROPFIND", WebDavUrls.Redact(request.Uri), response.StatusCode);
        }
        throw await HttpErrors.FromResponseAsync(response, what).ConfigureAwait(false);
    }

    /// <summary>A PROPFIND body under the same stall rule as downloads: a server that sends part of a listing and stops fails it, it does not hang it.</summary>
    private async Task<Stream> WatchedBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var watchdog = new IdleWatchdog(_options.IdleTimeout, cancellationToken);
        try
        {
            return new WatchedReadStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), watchdog, response);
        }
        catch
        {
            watchdog.Dispose();
            throw;
        }
    }

    private async IAsyncEnumerable<PropfindItem> ReadItemsAsync(HttpResponseMessage response, Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = PropfindReader.ReadAsync(body, new PropfindLimits(_options.MaxResponseBytes, _options.MaxValueLength), cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                PropfindItem item;
                try
                {
                    if (!await items.MoveNextAsync().ConfigureAwait(false)) yield break;
                    item = items.Current;
                }
                catch (PropfindTooLargeException e)
                {
                    throw new StorageException(StorageErrorKind.InvalidResponse, $"listing too large: {e.Message}",
                        "PROPFIND", WebDavUrls.Redact(response.RequestMessage!.RequestUri!), response.StatusCode);
                }
                catch (Exception e) when (e is System.Xml.XmlException or FormatException)
                {
                    throw new StorageException(StorageErrorKind.InvalidResponse, $"the server's PROPFIND answer is not valid WebDAV XML: {e.Message}",
                        "PROPFIND", WebDavUrls.Redact(response.RequestMessage!.RequestUri!), response.StatusCode, inner: e);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new StorageException(StorageErrorKind.Unavailable, $"the connection broke while listing: {e.Message}",
                        "PROPFIND", WebDavUrls.Redact(response.RequestMessage!.RequestUri!), inner: e);
                }
                yield return item;
            }
        }
        finally
        {
            await items.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Whether a 206's Content-Range is the range asked for: the same start, and the asked end or the file's end before it.</summary>
    private static bool RangeMatches(ByteRange asked, long from, long to, long? total, long? contentLength)
    {
        if (from != asked.Offset || to < from) return false;
        if (total is { } size && to >= size) return false;
        if (contentLength is { } announced && announced != to - from + 1) return false;
        var askedEnd = asked.Length is { } n ? asked.Offset + n - 1 : (long?)null;
        if (askedEnd is { } end && to > end) return false;
        // A shorter answer is only the file ending before the asked end (or an open-ended ask).
        var endsEarly = askedEnd is null || to < askedEnd;
        return !endsEarly || total is null || to == total - 1;
    }

    private static string Describe(ByteRange range) =>
        range.Length is { } n ? $"{range.Offset}-{range.Offset + n - 1}" : $"{range.Offset}-";

    private static RemoteEntry ToEntry(RemotePath path, PropfindItem item) =>
        new(path, item.IsCollection, item.IsCollection ? 0 : item.Length ?? 0, item.LastModified, item.ETag);

    private void CheckVersion(RemotePath path, string? expected, string? actual, string method)
    {
        if (expected is not null && actual is not null
            && !string.Equals(RemoteEntry.WithoutWeakPrefix(expected), RemoteEntry.WithoutWeakPrefix(actual), StringComparison.Ordinal))
            throw new StorageException(StorageErrorKind.Changed, $"{path} changed on the server (ETag {expected} became {actual})", method, WebDavUrls.Redact(UriOf(path)));
    }

    private static async Task SkipAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (count > 0)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                count -= n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
