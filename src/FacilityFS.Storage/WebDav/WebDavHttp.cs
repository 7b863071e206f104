using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using FacilityFS.Identity;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FacilityFS.Storage.WebDav;

/// <summary>Sends WebDAV requests: credentials, redirects followed by hand (never carrying Authorization to another host), retries, timeouts.</summary>
internal sealed class WebDavHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly Uri _base;
    private readonly WebDavOptions _options;
    private readonly ICredentialProvider _credentials;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _retrying;

    public WebDavHttp(WebDavOptions options, Uri normalizedBase, ICredentialProvider credentials, ILogger logger, HttpMessageHandler? handler)
    {
        _options = options;
        _base = normalizedBase;
        _credentials = credentials;
        _logger = logger;
        _client = new HttpClient(handler ?? CreateHandler(options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _retrying = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutException>()
                    // nginx answers a PUT into a missing folder with 500: the caller finds out which it is instead of waiting out retries.
                    .HandleResult(r => HttpErrors.IsTransient(r.StatusCode)
                        && !(r.StatusCode == HttpStatusCode.InternalServerError && r.RequestMessage?.Method == HttpMethod.Put)),
                MaxRetryAttempts = Math.Max(options.MaxRetries, 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    var reason = args.Outcome.Exception?.Message ?? $"{(int)args.Outcome.Result!.StatusCode} {args.Outcome.Result.ReasonPhrase}";
                    _logger.LogWarning("retrying request (attempt {Attempt}) after: {Reason}", args.AttemptNumber + 1, reason);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private static SocketsHttpHandler CreateHandler(WebDavOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(options.RequestTimeout.TotalSeconds, 15)),
            Expect100ContinueTimeout = TimeSpan.FromSeconds(1),
        };
        var ssl = new SslClientAuthenticationOptions();
        if (options.InsecureSkipTlsVerify) ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        else if (options.TrustedAuthorities is { } authorities) ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => authorities.Validate(certificate, chain, errors);
        if (options.ClientCertificate is { } client)
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(client.Certificate, client.Chain, offline: true);
        handler.SslOptions = ssl;
        return handler;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var retryAfter = response?.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta) return delta < _options.MaxRetryDelay ? delta : _options.MaxRetryDelay;
        if (retryAfter?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait < _options.MaxRetryDelay ? wait : _options.MaxRetryDelay;
        }
        return null;
    }

    /// <summary>Sends the request and returns the final response, whatever its status; transport failures become <see cref="StorageException"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(WebDavRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (!request.Idempotent) return await SendFollowingRedirectsAsync(request, cancellationToken).ConfigureAwait(false);
            return await _retrying.ExecuteAsync(
                static async (state, ct) => await state.Self.SendFollowingRedirectsAsync(state.Request, ct).ConfigureAwait(false),
                (Self: this, Request: request), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new StorageException(StorageErrorKind.Unavailable, e.Message, request.Method.Method, WebDavUrls.Redact(request.Uri), inner: e);
        }
        catch (HttpRequestException e) when (TlsFailure.Describe(e) is { } tls)
        {
            // Retrying cannot fix a certificate: say what is wrong with it and which setting helps.
            throw new StorageException(StorageErrorKind.Unavailable, tls, request.Method.Method, WebDavUrls.Redact(request.Uri), inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new StorageException(StorageErrorKind.Unavailable, $"cannot reach the server: {e.Message}", request.Method.Method, WebDavUrls.Redact(request.Uri), inner: e);
        }
        catch (OperationCanceledException e) when (request.Watchdog is { Fired: true } && !cancellationToken.IsCancellationRequested)
        {
            throw new StorageException(StorageErrorKind.Unavailable, $"the transfer made no progress for {_options.IdleTimeout.TotalSeconds:0} s",
                request.Method.Method, WebDavUrls.Redact(request.Uri), inner: e);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StorageException(StorageErrorKind.Unavailable, $"the connection broke: {e.Message}", request.Method.Method, WebDavUrls.Redact(request.Uri), inner: e);
        }
    }

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(WebDavRequest request, CancellationToken cancellationToken)
    {
        var uri = request.Uri;
        var method = request.Method;
        var content = request.Content;
        var renewed = false;
        for (var hop = 0; hop <= _options.MaxRedirects; hop++)
        {
            using var message = new HttpRequestMessage(method, uri);
            request.Headers?.Invoke(message.Headers);
            if (content is not null)
            {
                message.Content = content();
                message.Headers.ExpectContinue = true;
            }
            AuthenticationHeaderValue? authorization = null;
            if (WebDavUrls.SameOrigin(uri, _base))
            {
                authorization = await _credentials.GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
                message.Headers.Authorization = authorization;
            }

            var response = await SendOnceAsync(message, request, cancellationToken).ConfigureAwait(false);
            StorageMetrics.Response(request.Method.Method, (int)response.StatusCode);
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                var next = new Uri(uri, location);
                // Leaving TLS would show the path, and whatever the next hop asks for, to anyone on the way.
                if (uri.Scheme == Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttps)
                    throw new StorageException(StorageErrorKind.InvalidResponse,
                        $"refusing a redirect from https to {Printable.Escape(WebDavUrls.Redact(next))}: it would leave the encrypted connection", method.Method, WebDavUrls.Redact(uri), (System.Net.HttpStatusCode)status);
                _logger.LogDebug("{Method} {From} redirected to {To}", method.Method, WebDavUrls.Redact(uri), WebDavUrls.Redact(next));
                if (status == 303 || (status is 301 or 302 && method == HttpMethod.Post))
                {
                    method = HttpMethod.Get;
                    content = null;
                }
                uri = next;
                continue;
            }
            if (status == 401 && !renewed && authorization is not null
                && await _credentials.RenewAsync(authorization, cancellationToken).ConfigureAwait(false))
            {
                response.Dispose();
                renewed = true;
                hop--;
                continue;
            }
            return response;
        }
        throw new StorageException(StorageErrorKind.InvalidResponse, $"more than {_options.MaxRedirects} redirects", request.Method.Method, WebDavUrls.Redact(request.Uri));
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage message, WebDavRequest request, CancellationToken cancellationToken)
    {
        var completion = request.StreamResponse ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead;
        if (request.Watchdog is { } watchdog)
        {
            // Uploads of any size: only a stall cancels them, not their duration.
            watchdog.Touch();
            return await _client.SendAsync(message, completion, watchdog.Token).ConfigureAwait(false);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            return await _client.SendAsync(message, completion, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {_options.RequestTimeout.TotalSeconds:0} s");
        }
    }

    public void Dispose() => _client.Dispose();
}
