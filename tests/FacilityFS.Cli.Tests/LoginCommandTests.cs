using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FacilityFS.Cli.Tests;

/// <summary>`facilityfs login/token/whoami/logout` as a person uses them, against a real OpenID provider, and a storage that refuses expired tokens.</summary>
[Collection("oidc-cli")]
public sealed partial class LoginCommandTests : IAsyncLifetime
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("ffs-login-");
    private OidcProvider _provider = null!;
    private ScriptedServer _storage = null!;
    private string _config = "";

    /// <summary>Environment for the child process beyond the XDG folders: null removes a variable (DISPLAY, BROWSER).</summary>
    private readonly Dictionary<string, string?> _environment = [];

    public async Task InitializeAsync()
    {
        _provider = await OidcProvider.StartAsync(accessTokenSeconds: 4);
        // The storage stands in for dCache's token check: a JWT from our provider for the test user, not expired, or 401.
        _storage = await ScriptedServer.StartAsync(async context =>
        {
            var header = context.Request.Headers.Authorization.FirstOrDefault() ?? "";
            var valid = header.StartsWith("Bearer ", StringComparison.Ordinal) && Decode(header[7..]) is { } jwt
                && jwt.Subject == "test-user" && jwt.Issuer == _provider.Issuer.AbsoluteUri.TrimEnd('/') && jwt.ValidTo > DateTime.UtcNow;
            if (!valid)
            {
                context.Response.StatusCode = 401;
                return;
            }
            context.Response.StatusCode = 207;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync("""
                <?xml version="1.0" encoding="utf-8"?>
                <D:multistatus xmlns:D="DAV:"><D:response><D:href>/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype>
                <D:getlastmodified>Tue, 01 Dec 2026 10:00:00 GMT</D:getlastmodified></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>
                """);
        });
        var secret = Path.Combine(_home.FullName, "client.secret");
        await File.WriteAllTextAsync(secret, OidcProvider.DeviceSecret + "\n");
        _config = Path.Combine(_home.FullName, "config.yaml");
        await File.WriteAllTextAsync(_config, $"""
            remotes:
              op:
                url: {_storage.BaseUri}
                retries: 0
                oidc:
                  issuer: {_provider.Issuer}
                  client_id: {OidcProvider.DeviceClient}
                  client_secret_file: {secret}
                  scope: openid storage.read:/
            """);
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        await _provider.DisposeAsync();
        _home.Delete(recursive: true);
    }

    private static JsonWebToken? Decode(string token)
    {
        try
        {
            return new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private string TokenFile => Path.Combine(_home.FullName, "xdg-config", "facilityfs", "tokens", "op.json");

    /// <summary>Runs the command in a child process whose XDG folders are this test's; <paramref name="onErrorLine"/> sees standard error as it comes.</summary>
    private async Task<(int ExitCode, string Out, string Error)> RunAsync(Func<string, Task>? onErrorLine, params string[] args)
    {
        var start = new ProcessStartInfo(CliRun.NativeCommand ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] command = CliRun.NativeCommand is null ? [Path.Combine(AppContext.BaseDirectory, "facilityfs.dll")] : [];
        foreach (var arg in (string[])[.. command, "--config", _config, .. args]) start.ArgumentList.Add(arg);
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_home.FullName, "xdg-config");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(_home.FullName, "xdg-cache");
        foreach (var (name, value) in _environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = new StringBuilder();
        // A login that never ends fails its test and is ended with it, so no child outlives the run (and holds its files).
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            while (await process.StandardError.ReadLineAsync(limit.Token) is { } line)
            {
                error.AppendLine(line);
                if (onErrorLine is not null) await onErrorLine(line);
            }
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"facilityfs {string.Join(' ', args)} did not end within 2 minutes; standard error so far:\n{error}");
        }
        finally
        {
            // Also when the test's own step (the "browser") failed: the login must not wait on for ever.
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await output, error.ToString());
    }

    [Fact]
    public async Task Login_shows_a_code_keeps_the_session_private_and_the_storage_gets_fresh_tokens_until_logout()
    {
        var login = await RunAsync(async line =>
        {
            if (UserCode().Match(line) is { Success: true } m) await _provider.ApproveAsync(m.Groups[1].Value);
        }, "login", "op");
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains($"open {_provider.Issuer.AbsoluteUri.TrimEnd('/')}/device", login.Error);
        Assert.Contains("logged in to op as test-user", login.Out);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(TokenFile));
        Assert.DoesNotContain(OidcProvider.DeviceSecret, login.Out + login.Error);

        var token = await RunAsync(null, "token", "op");
        Assert.Equal(0, token.ExitCode);
        Assert.Equal("test-user", new JsonWebToken(token.Out.Trim()).Subject);
        var whoami = await RunAsync(null, "whoami", "op");
        Assert.Contains("test-user", whoami.Out);
        Assert.Contains("storage.read:/", whoami.Out);

        Assert.Equal(0, (await RunAsync(null, "stat", "op:/")).ExitCode);
        // Past the access token's lifetime: the next command refreshes on its own; the storage would refuse the old token.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var later = await RunAsync(null, "stat", "op:/");
        Assert.True(later.ExitCode == 0, later.ToString());
        Assert.All(_storage.Requests, r => Assert.DoesNotContain(token.Out.Trim(), r.Path));

        var logout = await RunAsync(null, "logout", "op");
        Assert.Contains("logged out of op (session revoked at the provider)", logout.Out);
        Assert.False(File.Exists(TokenFile));
        var after = await RunAsync(null, "stat", "op:/");
        Assert.Equal(3, after.ExitCode);
        Assert.Contains("facilityfs login op", after.Error);
    }

    [Fact]
    public async Task A_denied_login_exits_with_the_authentication_code_and_stores_nothing()
    {
        var login = await RunAsync(async line =>
        {
            if (UserCode().Match(line) is { Success: true } m) await _provider.ApproveAsync(m.Groups[1].Value, deny: true);
        }, "login", "op");
        Assert.Equal(3, login.ExitCode);
        Assert.Contains("denied", login.Error);
        Assert.False(File.Exists(TokenFile));
    }

    [Fact]
    public async Task A_remote_without_an_oidc_section_and_a_bad_oidc_section_are_clear_errors()
    {
        await File.AppendAllTextAsync(_config, $"\n  plain:\n    url: {_storage.BaseUri}\n");
        var plain = await RunAsync(null, "login", "plain");
        Assert.Equal(1, plain.ExitCode);
        Assert.Contains("has no oidc: section", plain.Error);
        await File.WriteAllTextAsync(_config, $"remotes:\n  op:\n    url: {_storage.BaseUri}\n    oidc:\n      issuer: {_provider.Issuer}\n      flow: magic\n      client_id: x\n");
        var bad = await RunAsync(null, "login", "op");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("remotes.op.oidc.flow", bad.Error);
    }

    [Fact]
    public async Task A_catalog_that_takes_the_facilitys_oidc_tokens_is_reached_with_the_remotes_login()
    {
        await using var scicat = await SciCatStandIn.StartAsync();
        scicat.AcceptToken = token => Decode(token) is { } jwt && jwt.Subject == "test-user" && jwt.ValidTo > DateTime.UtcNow;
        await File.AppendAllTextAsync(_config, $"\ncatalogs:\n  sc:\n    url: {scicat.ApiBase}\n    login_of: op\n");
        var before = await RunAsync(null, "datasets", "search", "anything");
        Assert.True(before.ExitCode == 3, before.ToString());
        Assert.Contains("facilityfs login op", before.Error);
        var login = await RunAsync(async line =>
        {
            if (UserCode().Match(line) is { Success: true } m) await _provider.ApproveAsync(m.Groups[1].Value);
        }, "login", "op");
        Assert.True(login.ExitCode == 0, login.ToString());
        var search = await RunAsync(null, "datasets", "search", "anything");
        Assert.True(search.ExitCode == 0, search.ToString());
        Assert.Contains(scicat.Requests, r => r.Path.EndsWith("/Datasets", StringComparison.Ordinal));
    }

    /// <summary>A remote whose login is the browser's, with the provider's public native client.</summary>
    private async Task UseBrowserLoginAsync() =>
        await File.WriteAllTextAsync(_config, $"remotes:\n  op:\n    url: {_storage.BaseUri}\n    retries: 0\n    oidc:\n      issuer: {_provider.Issuer}\n"
            + $"      client_id: {OidcProvider.BrowserClient}\n      scope: openid storage.read:/\n      flow: browser\n");

    [Fact]
    public async Task A_browser_login_opens_the_browser_and_the_storage_gets_its_tokens()
    {
        await UseBrowserLoginAsync();
        // The "browser" command does nothing; the test reads the URL the command shows and does what a person does there.
        _environment["BROWSER"] = "true";
        using var browser = new ProviderBrowser();
        var login = await RunAsync(async line =>
        {
            if (StartUrl().Match(line) is { Success: true } m) await browser.LogInAndReturnAsync(new Uri(m.Groups[1].Value));
        }, "login", "op");
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("log in in the browser", login.Error);
        Assert.Contains("logged in to op as test-user", login.Out);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(TokenFile));
        Assert.Equal(0, (await RunAsync(null, "stat", "op:/")).ExitCode);
    }

    [Fact]
    public async Task Without_a_display_the_browser_login_falls_back_to_the_device_flow_and_browser_asked_for_is_an_error()
    {
        await UseBrowserLoginAsync();
        foreach (var name in (string[])["BROWSER", "DISPLAY", "WAYLAND_DISPLAY"]) _environment[name] = null;
        var login = await RunAsync(async line =>
        {
            if (UserCode().Match(line) is { Success: true } m) await _provider.ApproveAsync(m.Groups[1].Value);
        }, "login", "op");
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("no display", login.Error);
        Assert.Contains("device flow", login.Error);
        Assert.Contains("logged in to op as test-user", login.Out);
        var asked = await RunAsync(null, "login", "op", "--browser");
        Assert.Equal(3, asked.ExitCode);
        Assert.Contains("cannot log in with --browser", asked.Error);
        Assert.Contains("--device", asked.Error);
    }

    [GeneratedRegex(@"if none does, open (http://\S+)")]
    private static partial Regex StartUrl();

    [GeneratedRegex("enter the code ([A-Z]{4}-?[A-Z]{4})")]
    private static partial Regex UserCode();
}
