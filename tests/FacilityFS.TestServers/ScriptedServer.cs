using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityFS.TestServers;

/// <summary>An in-process HTTP server on 127.0.0.1 whose answers a test scripts, recording what each request carried.</summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedServer(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Method, string Path, string? Authorization)> Requests { get; } = new();

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Starts the server; with <paramref name="certificate"/> (and its key) it speaks https only.</summary>
    public static async Task<ScriptedServer> StartAsync(Func<HttpContext, Task> handle, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (certificate is null) builder.WebHost.UseUrls("http://127.0.0.1:0");
        else builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var server = new ScriptedServer(app);
        app.Run(async context =>
        {
            server.Requests.Enqueue((context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.Authorization.FirstOrDefault()));
            await handle(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>One &lt;response&gt; of a multistatus answer: a folder when <paramref name="size"/> is null, else a file of that size.</summary>
    public static string Response(string href, long? size = null) =>
        $"<D:response><D:href>{SecurityElement.Escape(href)}</D:href><D:propstat><D:prop>"
        + (size is { } n ? $"<D:resourcetype/><D:getcontentlength>{n}</D:getcontentlength>" : "<D:resourcetype><D:collection/></D:resourcetype>")
        + "<D:getlastmodified>Mon, 23 Nov 2026 01:00:00 GMT</D:getlastmodified></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>";

    public const string MultistatusStart = "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:multistatus xmlns:D=\"DAV:\">";

    public const string MultistatusEnd = "</D:multistatus>";

    /// <summary>Starts a 207 answer and writes (and flushes) its beginning: a test then writes responses, stalls, or ends it as it likes.</summary>
    public static async Task BeginMultistatusAsync(HttpContext context, params string[] responses)
    {
        context.Response.StatusCode = 207;
        context.Response.ContentType = "application/xml; charset=utf-8";
        await context.Response.WriteAsync(MultistatusStart + string.Concat(responses));
        await context.Response.Body.FlushAsync();
    }

    /// <summary>A whole 207 answer with these responses.</summary>
    public static async Task MultistatusAsync(HttpContext context, params string[] responses)
    {
        await BeginMultistatusAsync(context, responses);
        await context.Response.WriteAsync(MultistatusEnd);
    }

    /// <summary>Waits until the client gives up on the request (a stalled answer), never longer than <paramref name="limit"/>.</summary>
    public static async Task StallAsync(HttpContext context, TimeSpan limit)
    {
        try
        {
            await Task.Delay(limit, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends a space every <paramref name="every"/> until the client gives up: never idle long enough for a stall timeout, never done either.</summary>
    public static async Task TrickleAsync(HttpContext context, TimeSpan every)
    {
        while (!context.RequestAborted.IsCancellationRequested)
        {
            try
            {
                await context.Response.WriteAsync(" ", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(every, context.RequestAborted);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
