using FacilityFS.Cli.Config;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Cli.Tests;

/// <summary>The YAML configuration: named remotes work, and every mistake names file, key and line.</summary>
public sealed class ConfigTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ffs-config-");

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir.FullName, "config.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Theory]
    [InlineData("remotes:\n  cta:\n    url: https://x/\n    colour: blue\n", "remotes.cta.colour", 4, "unknown key")]
    [InlineData("remotes:\n  cta:\n    url: ftp://x/\n", "remotes.cta.url", 3, "not an http")]
    [InlineData("remotes:\n  cta:\n    url: https://x/\n    timeout: soon\n", "remotes.cta.timeout", 4, "duration")]
    [InlineData("remotes:\n  cta:\n    url: https://x/\n    retries: -1\n", "remotes.cta.retries", 4, "whole number")]
    [InlineData("remotes:\n  cta:\n    path: /tmp\n    url: https://x/\n", "remotes.cta", 3, "exactly one")]
    [InlineData("remotes:\n  cta:\n    url: https://x/\n    password_file: /p\n", "remotes.cta", 3, "needs a 'username'")]
    [InlineData("remotes:\n  cta:\n    url: https://x/\n    oidc:\n      client_id: c\n", "remotes.cta.oidc.issuer", 5, "issuer URL is required")]
    [InlineData("remotes:\n  cta:\n    url: https://x/\n    oidc:\n      issuer: http://idp.example/\n      client_id: c\n", "remotes.cta.oidc.issuer", 5, "not an https")]
    [InlineData("remotes:\n  cta:\n    url: https://x/\n    token_file: /t\n    oidc:\n      issuer: https://idp/\n      client_id: c\n", "remotes.cta", 3, "one way to authenticate")]
    [InlineData("remotes:\n  9bad:\n    url: https://x/\n", "remotes.9bad", 2, "starts with a letter")]
    [InlineData("remote:\n  a: {}\n", "remote", 1, "unknown key")]
    [InlineData("transfers:\n  parallel: 0\n", "transfers.parallel", 2, "whole number")]
    [InlineData("remotes:\n  cta:\n    url: https://x/\n    insecure: maybe\n", "remotes.cta.insecure", 4, "true or false")]
    public async Task Mistakes_name_the_file_the_key_and_the_line(string yaml, string key, int line, string problem)
    {
        var path = Write(yaml);
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));
        Assert.Equal(key, error.Key);
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith($"{path}:{line}:", error.Message);

        var run = await CliRun.RunAsync("ls", "--config", path, "cta:/");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{path}:{line}", run.Error);
    }

    [Fact]
    public void Broken_yaml_and_a_missing_explicit_file_are_errors()
    {
        Assert.Contains("not valid YAML", Assert.Throws<ConfigException>(() => ConfigLoader.Load(Write("remotes: [unclosed"))).Message);
        Assert.Contains("does not exist", Assert.Throws<ConfigException>(() => ConfigLoader.Load(Path.Combine(_dir.FullName, "none.yaml"))).Message);
    }

    [Fact]
    public async Task A_named_local_remote_and_a_webdav_remote_with_a_token_file_work()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.FullName, "store")).FullName;
        File.WriteAllText(Path.Combine(folder, "x.txt"), "x");
        await using var server = await ScriptedServer.StartAsync(async c =>
        {
            c.Response.StatusCode = c.Request.Headers.Authorization == "Bearer tok-123" ? 207 : 401;
            c.Response.ContentType = "application/xml";
            await c.Response.WriteAsync("""<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/data/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>""");
        });
        var token = Path.Combine(_dir.FullName, "token");
        File.WriteAllText(token, "tok-123\n");
        var config = Write($"remotes:\n  here:\n    path: {folder}\n  dav:\n    url: {server.BaseUri}data\n    token_file: {token}\ntransfers:\n  parallel: 2\n");
        var local = await CliRun.RunAsync("ls", "--config", config, "here:/");
        Assert.Equal(["x.txt"], local.Lines);
        var dav = await CliRun.RunAsync("ls", "--config", config, "dav:/");
        Assert.True(dav.ExitCode == 0, dav.ToString());
        Assert.All(server.Requests, r => Assert.Equal("Bearer tok-123", r.Authorization));
        Assert.DoesNotContain("tok-123", dav.Out + dav.Error);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
