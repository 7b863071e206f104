using System.Net.Http.Headers;
using System.Text;
using FacilityFS.Identity;
using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Storage.Tests;

/// <summary>Redirects, credentials and retries, against scripted servers that misbehave on purpose.</summary>
public sealed class WebDavHttpBehaviourTests
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("pool data");

    private sealed class FixedToken(string token) : ICredentialProvider
    {
        public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<AuthenticationHeaderValue?>(new AuthenticationHeaderValue("Bearer", token));

        public ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken) => ValueTask.FromResult(false);
    }

    private static WebDavStore StoreAt(Uri uri, ICredentialProvider? credentials = null) =>
        new(new WebDavOptions { BaseUri = uri, MaxRetries = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(5), MaxRetryDelay = TimeSpan.FromMilliseconds(50) }, credentials);

    private static async Task<byte[]> ReadAsync(IRemoteStore store, string path)
    {
        await using var content = await store.OpenReadAsync(RemotePath.Parse(path));
        using var buffer = new MemoryStream();
        await content.Stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static Task Serve(HttpContext context, byte[] body)
    {
        context.Response.ContentLength = body.Length;
        context.Response.Headers.ETag = "\"v1\"";
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_followed_without_the_authorization_header()
    {
        await using var pool = await ScriptedServer.StartAsync(c => Serve(c, Payload));
        await using var door = await ScriptedServer.StartAsync(c =>
        {
            c.Response.StatusCode = 307;
            c.Response.Headers.Location = new Uri(pool.BaseUri, "pool/file?one-time=secret").AbsoluteUri;
            return Task.CompletedTask;
        });
        await using var store = StoreAt(door.BaseUri, new FixedToken("s3cr3t"));
        Assert.Equal(Payload, await ReadAsync(store, "/file"));
        Assert.Equal("Bearer s3cr3t", Assert.Single(door.Requests).Authorization);
        var hop = Assert.Single(pool.Requests);
        Assert.Equal("/pool/file", hop.Path);
        Assert.Null(hop.Authorization);
    }

    [Fact]
    public async Task A_redirect_within_the_same_server_keeps_the_authorization_header()
    {
        await using var server = await ScriptedServer.StartAsync(c =>
        {
            if (c.Request.Path == "/moved") return Serve(c, Payload);
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = "/moved";
            return Task.CompletedTask;
        });
        await using var store = StoreAt(server.BaseUri, new FixedToken("abc"));
        Assert.Equal(Payload, await ReadAsync(store, "/file"));
        Assert.All(server.Requests, r => Assert.Equal("Bearer abc", r.Authorization));
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_put_redirected_to_a_pool_sends_its_body_there()
    {
        byte[]? received = null;
        await using var pool = await ScriptedServer.StartAsync(async c =>
        {
            using var buffer = new MemoryStream();
            await c.Request.Body.CopyToAsync(buffer);
            received = buffer.ToArray();
            c.Response.StatusCode = 201;
        });
        await using var door = await ScriptedServer.StartAsync(c =>
        {
            c.Response.StatusCode = 307;
            c.Response.Headers.Location = new Uri(pool.BaseUri, "pool/up").AbsoluteUri;
            return Task.CompletedTask;
        });
        await using var store = StoreAt(door.BaseUri, new FixedToken("tok"));
        var data = new byte[200_000];
        Random.Shared.NextBytes(data);
        var result = await store.WriteAsync(RemotePath.Parse("/up"), new MemoryStream(data), data.Length);
        Assert.Equal(data, received);
        Assert.Equal(data.Length, result.BytesWritten);
        Assert.Null(Assert.Single(pool.Requests).Authorization);
    }

    [Fact]
    public async Task Transient_failures_of_idempotent_requests_are_retried()
    {
        var calls = 0;
        await using var server = await ScriptedServer.StartAsync(c =>
        {
            if (Interlocked.Increment(ref calls) <= 2)
            {
                c.Response.StatusCode = 503;
                return Task.CompletedTask;
            }
            return Serve(c, Payload);
        });
        await using var store = StoreAt(server.BaseUri);
        Assert.Equal(Payload, await ReadAsync(store, "/f"));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Errors_carry_method_url_status_and_the_servers_words_but_never_the_query()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            c.Response.StatusCode = 507;
            await c.Response.WriteAsync("<html><body><p>Quota of group ctao exceeded</p></body></html>");
        });
        await using var store = StoreAt(server.BaseUri);
        var error = await Assert.ThrowsAsync<StorageException>(() => store.WriteAsync(RemotePath.Parse("/dir/f"), new MemoryStream([1]), 1));
        Assert.Equal(StorageErrorKind.InsufficientStorage, error.Kind);
        Assert.Equal("PUT", error.Method);
        Assert.Equal(new Uri(server.BaseUri, "dir/f").AbsoluteUri, error.Url);
        Assert.Equal("Quota of group ctao exceeded", error.ServerMessage);
        Assert.Contains("507", error.Message);
    }

    [Fact]
    public async Task A_digest_header_is_asked_for_and_parsed()
    {
        string? asked = null;
        await using var server = await ScriptedServer.StartAsync(c =>
        {
            asked = c.Request.Headers["Want-Digest"];
            c.Response.Headers["Digest"] = "adler32=03da0195,md5=1B2M2Y8AsgTpgAmY7PhCfg==";
            return Task.CompletedTask;
        });
        await using var store = StoreAt(server.BaseUri);
        var checksum = await store.GetChecksumAsync(RemotePath.Parse("/f"), Checksums.ChecksumAlgorithm.Adler32);
        Assert.Equal("adler32", asked);
        Assert.Equal("adler32:03da0195", checksum?.ToString());
    }

    [Fact]
    public async Task A_401_asks_the_credentials_once_for_a_renewal_and_retries()
    {
        var renewals = 0;
        var credentials = new RenewingToken(() => Interlocked.Increment(ref renewals));
        await using var server = await ScriptedServer.StartAsync(c =>
        {
            if (c.Request.Headers.Authorization != "Bearer fresh")
            {
                c.Response.StatusCode = 401;
                return Task.CompletedTask;
            }
            return Serve(c, Payload);
        });
        await using var store = StoreAt(server.BaseUri, credentials);
        Assert.Equal(Payload, await ReadAsync(store, "/f"));
        Assert.Equal(1, renewals);
    }

    private sealed class RenewingToken(Action onRenew) : ICredentialProvider
    {
        private volatile string _token = "stale";

        public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<AuthenticationHeaderValue?>(new AuthenticationHeaderValue("Bearer", _token));

        public ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken)
        {
            onRenew();
            _token = "fresh";
            return ValueTask.FromResult(true);
        }
    }
}
