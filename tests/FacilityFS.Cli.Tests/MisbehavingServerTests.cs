using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Cli.Tests;

/// <summary>Exit codes and leftovers when the server refuses, lies or breaks off, using scripted servers.</summary>
public sealed class MisbehavingServerTests : IDisposable
{
    private readonly DirectoryInfo _local = Directory.CreateTempSubdirectory("ffs-cli-bad-");

    private static readonly byte[] Body = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();

    private const string Multistatus = """
        <?xml version="1.0" encoding="utf-8"?>
        <D:multistatus xmlns:D="DAV:"><D:response><D:href>/f.bin</D:href><D:propstat><D:prop>
        <D:resourcetype/><D:getcontentlength>100000</D:getcontentlength><D:getlastmodified>Mon, 23 Nov 2026 01:00:00 GMT</D:getlastmodified>
        </D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>
        """;

    /// <summary>Answers PROPFIND for /f.bin, and GET/HEAD through <paramref name="content"/>.</summary>
    private static Task<ScriptedServer> FileServerAsync(Func<HttpContext, Task> content) => ScriptedServer.StartAsync(async c =>
    {
        if (c.Request.Method == "PROPFIND")
        {
            c.Response.StatusCode = 207;
            c.Response.ContentType = "application/xml";
            await c.Response.WriteAsync(Multistatus);
            return;
        }
        await content(c);
    });

    [Fact]
    public async Task A_refused_token_exits_with_the_authentication_code()
    {
        await using var server = await ScriptedServer.StartAsync(c =>
        {
            c.Response.StatusCode = 401;
            return Task.CompletedTask;
        });
        var run = await CliRun.RunAsync("ls", server.BaseUri.AbsoluteUri);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("401", run.Error);
    }

    [Fact]
    public async Task A_checksum_mismatch_exits_with_the_verification_code_and_keeps_no_file()
    {
        await using var server = await FileServerAsync(async c =>
        {
            c.Response.Headers["Digest"] = "adler32=00000001";
            c.Response.Headers.ETag = "\"e1\"";
            c.Response.ContentLength = Body.Length;
            if (c.Request.Method == "GET") await c.Response.Body.WriteAsync(Body);
        });
        var target = Path.Combine(_local.FullName, "f.bin");
        var run = await CliRun.RunAsync("get", new Uri(server.BaseUri, "f.bin").AbsoluteUri, target);
        Assert.Equal(4, run.ExitCode);
        Assert.Contains("adler32", run.Error);
        Assert.Empty(_local.EnumerateFileSystemInfos());
    }

    [Fact]
    public async Task A_download_broken_off_midway_leaves_neither_a_half_file_nor_a_temporary()
    {
        await using var server = await FileServerAsync(async c =>
        {
            c.Response.ContentLength = Body.Length;
            await c.Response.Body.WriteAsync(Body.AsMemory(0, 40_000));
            await c.Response.Body.FlushAsync();
            c.Abort();
        });
        var target = Path.Combine(_local.FullName, "f.bin");
        var run = await CliRun.RunAsync("get", new Uri(server.BaseUri, "f.bin").AbsoluteUri, target);
        Assert.Equal(2, run.ExitCode);
        Assert.Empty(_local.EnumerateFileSystemInfos());
    }

    [Fact]
    public async Task A_full_storage_is_reported_with_the_servers_words()
    {
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            if (c.Request.Method == "PROPFIND")
            {
                c.Response.StatusCode = 404;
                return;
            }
            c.Response.StatusCode = 507;
            await c.Response.WriteAsync("<html><p>pool full</p></html>");
        });
        var file = Path.Combine(_local.FullName, "up.dat");
        File.WriteAllBytes(file, Body);
        var run = await CliRun.RunAsync("put", file, new Uri(server.BaseUri, "up.dat").AbsoluteUri);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("pool full", run.Error);
        Assert.True(File.Exists(file));
    }

    public void Dispose() => _local.Delete(recursive: true);
}
