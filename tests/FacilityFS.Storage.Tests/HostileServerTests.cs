using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FacilityFS.Identity.Tls;
using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Storage.Tests;

/// <summary>Servers that stall, lie about ranges, send endless values or point elsewhere: every one ends in a clear error in bounded time, never in wrong bytes.</summary>
public sealed class HostileServerTests
{
    private static readonly byte[] Data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();

    private static WebDavStore StoreAt(Uri uri, Func<WebDavOptions, WebDavOptions>? tune = null)
    {
        var options = new WebDavOptions
        {
            BaseUri = uri,
            MaxRetries = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
            IdleTimeout = TimeSpan.FromSeconds(1),
        };
        return new WebDavStore(tune?.Invoke(options) ?? options);
    }

    private static async Task<byte[]> ReadAllAsync(RemoteContent content)
    {
        using var buffer = new MemoryStream();
        await content.Stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public async Task A_listing_that_stalls_mid_body_fails_within_the_idle_timeout()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            await ScriptedServer.BeginMultistatusAsync(c, ScriptedServer.Response("/"), ScriptedServer.Response("/a", 1));
            await ScriptedServer.StallAsync(c, TimeSpan.FromMinutes(2));
        });
        await using var store = StoreAt(server.BaseUri);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StorageException>(async () => await store.ListAsync(RemotePath.Root).ToListAsync());
        Assert.Equal(StorageErrorKind.Unavailable, error.Kind);
        Assert.Contains("stopped sending", error.Message);
        Assert.Equal("PROPFIND", error.Method);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_206_for_another_range_than_asked_is_refused()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            // Asked for 1000-1999, answers 0-999 labelled honestly: the bytes are right, the place is wrong.
            c.Response.StatusCode = 206;
            c.Response.Headers.ContentRange = $"bytes 0-999/{Data.Length}";
            c.Response.ContentLength = 1000;
            await c.Response.Body.WriteAsync(Data.AsMemory(0, 1000));
        });
        await using var store = StoreAt(server.BaseUri);
        var error = await Assert.ThrowsAsync<StorageException>(() => store.OpenReadAsync(RemotePath.Parse("/f"), new ByteRange(1000, 1000)));
        Assert.Equal(StorageErrorKind.InvalidResponse, error.Kind);
        Assert.Contains("1000-1999", error.Message);
        Assert.Contains("0-999", error.Message);
    }

    [Fact]
    public async Task A_206_that_is_short_before_the_end_of_the_file_is_refused_but_one_ending_with_the_file_is_fine()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            var from = long.Parse(c.Request.Headers.Range.ToString()["bytes=".Length..].Split('-')[0]);
            var to = from == 0 ? 499 : Data.Length - 1;
            c.Response.StatusCode = 206;
            c.Response.Headers.ContentRange = $"bytes {from}-{to}/{Data.Length}";
            c.Response.ContentLength = to - from + 1;
            await c.Response.Body.WriteAsync(Data.AsMemory((int)from, (int)(to - from + 1)));
        });
        await using var store = StoreAt(server.BaseUri);
        await Assert.ThrowsAsync<StorageException>(() => store.OpenReadAsync(RemotePath.Parse("/f"), new ByteRange(0, 1000)));
        await using var tail = await store.OpenReadAsync(RemotePath.Parse("/f"), new ByteRange(99_000, 5000));
        Assert.Equal(Data[99_000..], await ReadAllAsync(tail));
    }

    [Fact]
    public async Task A_200_with_the_whole_file_for_a_range_yields_exactly_the_range()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            c.Response.ContentLength = Data.Length;
            await c.Response.Body.WriteAsync(Data);
        });
        await using var store = StoreAt(server.BaseUri);
        await using var content = await store.OpenReadAsync(RemotePath.Parse("/f"), new ByteRange(30_000, 20_000));
        Assert.Equal(30_000, content.Offset);
        Assert.Equal(Data[30_000..50_000], await ReadAllAsync(content));
    }

    [Fact]
    public async Task An_endless_href_ends_in_a_listing_too_large_error_not_in_memory_exhaustion()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            await ScriptedServer.BeginMultistatusAsync(c, ScriptedServer.Response("/"));
            await c.Response.WriteAsync("<D:response><D:href>/");
            var chunk = Encoding.ASCII.GetBytes(new string('a', 64 << 10));
            // Up to 1 GiB, as long as the client keeps reading.
            for (var i = 0; i < 16384 && !c.RequestAborted.IsCancellationRequested; i++)
            {
                try
                {
                    await c.Response.Body.WriteAsync(chunk, c.RequestAborted);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException)
                {
                    return;
                }
            }
        });
        await using var store = StoreAt(server.BaseUri);
        var before = GC.GetTotalAllocatedBytes();
        var error = await Assert.ThrowsAsync<StorageException>(async () => await store.ListAsync(RemotePath.Root).ToListAsync());
        Assert.Contains("listing too large", error.Message);
        Assert.Contains("<response>", error.Message);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 200L << 20, $"allocated {(GC.GetTotalAllocatedBytes() - before) >> 20} MiB");
    }

    [Fact]
    public async Task A_listing_past_the_entry_limit_fails_naming_the_folder()
    {
        await using var server = await ScriptedServer.StartAsync(c => ScriptedServer.MultistatusAsync(c,
            [ScriptedServer.Response("/big/"), .. Enumerable.Range(0, 50).Select(i => ScriptedServer.Response($"/big/f{i}", 1))]));
        await using var store = StoreAt(server.BaseUri, o => o with { MaxListingEntries = 20 });
        var error = await Assert.ThrowsAsync<StorageException>(async () => await store.ListAsync(RemotePath.Parse("/big")).ToListAsync());
        Assert.Contains("listing too large", error.Message);
        Assert.Contains("/big", error.Message);
        Assert.Contains("max_listing_entries", error.Message);
    }

    [Fact]
    public async Task Absolute_hrefs_naming_another_server_are_not_taken_for_our_files()
    {
        await using var server = await ScriptedServer.StartAsync(c => ScriptedServer.MultistatusAsync(c,
            ScriptedServer.Response("/"), ScriptedServer.Response("/mine", 1),
            ScriptedServer.Response("http://elsewhere.example/theirs", 1), ScriptedServer.Response("https://127.0.0.1:1/other", 1)));
        await using var store = StoreAt(server.BaseUri);
        var names = await store.ListAsync(RemotePath.Root).Select(e => e.Name).ToListAsync();
        Assert.Equal(["mine"], names);
    }

    [Fact]
    public async Task Control_characters_of_an_error_page_are_shown_escaped()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            c.Response.StatusCode = 403;
            await c.Response.WriteAsync("<html><p>denied&#27;]0;owned&#7;\x1b[31mred\nline</p></html>");
        });
        await using var store = StoreAt(server.BaseUri);
        var error = await Assert.ThrowsAsync<StorageException>(() => store.OpenReadAsync(RemotePath.Parse("/f")));
        Assert.DoesNotContain('\x1b', error.Message);
        Assert.DoesNotContain('\x07', error.Message);
        Assert.Contains(@"denied\e]0;owned\x07\e[31mred", error.Message);
    }

    [Fact]
    public async Task Tls_failures_name_the_cause_and_the_ca_bundle_option_and_https_never_redirects_to_http()
    {
        var pki = TestCertificates.Create(Path.Combine(Path.GetTempPath(), "ffs-hostile-pki-" + Guid.NewGuid().ToString("N")));
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(pki.ServerCertificate, pki.ServerKey);
            await using var plain = await ScriptedServer.StartAsync(c => c.Response.WriteAsync("plain"));
            await using var secure = await ScriptedServer.StartAsync(c =>
            {
                c.Response.StatusCode = 302;
                c.Response.Headers.Location = new Uri(plain.BaseUri, "f").AbsoluteUri;
                return Task.CompletedTask;
            }, certificate);

            await using var untrusting = StoreAt(secure.BaseUri);
            var tls = await Assert.ThrowsAsync<StorageException>(() => untrusting.OpenReadAsync(RemotePath.Parse("/f")));
            Assert.Contains("unknown certificate authority", tls.Message);
            Assert.Contains("ca_bundle", tls.Message);

            var strangers = Path.Combine(pki.Folder, "stranger-ca.pem");
            await File.WriteAllTextAsync(strangers, (await File.ReadAllTextAsync(pki.StrangerChain)).Split("-----BEGIN PRIVATE KEY-----")[0]);
            await using var wrongBundle = StoreAt(secure.BaseUri, o => o with { TrustedAuthorities = TrustedAuthorities.Load(strangers) });
            var bundle = await Assert.ThrowsAsync<StorageException>(() => wrongBundle.OpenReadAsync(RemotePath.Parse("/f")));
            Assert.Contains("does not chain to a CA of the configured ca_bundle", bundle.Message);

            await using var trusting = StoreAt(secure.BaseUri, o => o with { TrustedAuthorities = TrustedAuthorities.Load(pki.RootCa) });
            var downgrade = await Assert.ThrowsAsync<StorageException>(() => trusting.OpenReadAsync(RemotePath.Parse("/f")));
            Assert.Contains("refusing a redirect from https", downgrade.Message);
            Assert.Empty(plain.Requests);
        }
        finally
        {
            Directory.Delete(pki.Folder, recursive: true);
        }
    }
}
