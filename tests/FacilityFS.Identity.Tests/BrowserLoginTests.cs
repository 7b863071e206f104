using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Web;
using FacilityFS.Identity.Oidc;
using FacilityFS.TestServers;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FacilityFS.Identity.Tests;

/// <summary>The browser login (authorization code + PKCE, loopback redirect) against the real provider, whose login and consent pages a test browser fills in; and each way it must refuse.</summary>
[Collection("oidc")]
public sealed class BrowserLoginTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private static readonly HttpClient Http = OidcClient.CreateHttpClient();
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private OidcClient Client(string clientId = OidcProvider.BrowserClient, string? secret = null, OidcProvider? provider = null) =>
        new(Http, new OidcSettings((provider ?? fixture.Provider).Issuer, clientId, secret, "openid storage.read:/", OidcFlow.Browser));

    /// <summary>A browser that runs beside the client, as a real one does: <paramref name="act"/> gets the start URL and must bring the answer back to the loopback.</summary>
    private sealed class Beside(Func<ProviderBrowser, Uri, Task> act) : IDisposable
    {
        private readonly ProviderBrowser _browser = new();
        public Task Browsing { get; private set; } = Task.CompletedTask;
        public Uri? Start { get; private set; }

        public Task OpenAsync(Uri start, CancellationToken cancellationToken)
        {
            Start = start;
            Browsing = Task.Run(() => act(_browser, start), cancellationToken);
            return Task.CompletedTask;
        }

        public Uri RedirectUri => new(HttpUtility.ParseQueryString(Start!.Query)["redirect_uri"]!);

        public void Dispose() => _browser.Dispose();
    }

    private static Uri WithParameter(Uri redirect, string name, string value)
    {
        var query = HttpUtility.ParseQueryString(redirect.Query);
        query[name] = value;
        return new UriBuilder(redirect) { Query = query.ToString() }.Uri;
    }

    [Fact]
    public async Task A_browser_login_gives_tokens_the_token_protected_apache_accepts_and_the_loopback_closes_after_one_request()
    {
        using var browser = new Beside((b, start) => b.LogInAndReturnAsync(start));
        var client = Client();
        var state = await client.BrowserLoginAsync(browser.OpenAsync, Patience, CancellationToken.None);
        await browser.Browsing;
        Assert.Equal("test-user", new JsonWebToken(state.AccessToken).Subject);
        Assert.NotNull(state.RefreshToken);
        Assert.NotNull(state.IdToken);
        // RFC 8252 7.3 and 8.1: the loopback on 127.0.0.1 with a port of the system's choosing, and PKCE.
        Assert.Equal("127.0.0.1", browser.RedirectUri.Host);
        Assert.Equal("S256", HttpUtility.ParseQueryString(browser.Start!.Query)["code_challenge_method"]);
        Assert.NotEqual(fixture.Provider.Port, browser.RedirectUri.Port);
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, browser.RedirectUri.Port));

        await using var storage = await ApacheServer.StartTokenProtectedAsync(fixture.Provider);
        using var propfind = new HttpRequestMessage(new HttpMethod("PROPFIND"), storage.BaseUri);
        propfind.Headers.Add("Depth", "0");
        propfind.Headers.Authorization = new AuthenticationHeaderValue("Bearer", state.AccessToken);
        using var answer = await Http.SendAsync(propfind);
        Assert.Equal(HttpStatusCode.MultiStatus, answer.StatusCode);
        var refreshed = await client.RefreshAsync(state.RefreshToken!, CancellationToken.None);
        Assert.NotEqual(state.AccessToken, refreshed.AccessToken);
    }

    [Fact]
    public async Task An_answer_with_another_state_is_refused_and_nothing_is_exchanged()
    {
        using var browser = new Beside(async (b, start) => await b.ReturnAsync(WithParameter(await b.LogInAsync(start), "state", "forged-state")));
        var error = await Assert.ThrowsAsync<CredentialException>(() => Client().BrowserLoginAsync(browser.OpenAsync, Patience, CancellationToken.None));
        await browser.Browsing;
        Assert.Contains("state differs", error.Message);
        Assert.Contains("nothing was exchanged", error.Message);
    }

    [Fact]
    public async Task A_code_already_exchanged_is_refused_by_the_provider_with_a_message_that_says_so()
    {
        Uri? first = null;
        using (var once = new Beside(async (b, start) => await b.ReturnAsync(first = await b.LogInAsync(start))))
        {
            await Client().BrowserLoginAsync(once.OpenAsync, Patience, CancellationToken.None);
            await once.Browsing;
        }
        var spent = HttpUtility.ParseQueryString(first!.Query)["code"]!;
        using var replay = new Beside(async (b, start) => await b.ReturnAsync(WithParameter(await b.LogInAsync(start), "code", spent)));
        var error = await Assert.ThrowsAsync<CredentialException>(() => Client().BrowserLoginAsync(replay.OpenAsync, Patience, CancellationToken.None));
        await replay.Browsing;
        Assert.Contains("refused the login code", error.Message);
        Assert.Contains("invalid_grant", error.Message);
    }

    [Fact]
    public async Task Cancelling_on_the_providers_page_ends_the_login_with_a_message_that_says_so()
    {
        using var browser = new Beside(async (b, start) => await b.ReturnAsync(await b.LogInAsync(start, cancel: true)));
        var error = await Assert.ThrowsAsync<CredentialException>(() => Client().BrowserLoginAsync(browser.OpenAsync, Patience, CancellationToken.None));
        await browser.Browsing;
        Assert.Contains("cancelled or denied", error.Message);
    }

    [Fact]
    public async Task A_client_the_provider_does_not_allow_the_code_grant_is_told_to_use_the_device_login()
    {
        using var browser = new Beside(async (b, start) => await b.ReturnAsync(await b.LogInAsync(start)));
        var error = await Assert.ThrowsAsync<CredentialException>(() =>
            Client(OidcProvider.DeviceClient, OidcProvider.DeviceSecret).BrowserLoginAsync(browser.OpenAsync, Patience, CancellationToken.None));
        await browser.Browsing;
        Assert.Contains($"refuses client {OidcProvider.DeviceClient} a browser login", error.Message);
        Assert.Contains("--device", error.Message);
    }

    [Fact]
    public async Task A_provider_without_the_code_grant_is_known_from_discovery_and_no_browser_is_opened()
    {
        await using var deviceOnly = await OidcProvider.StartAsync(withoutCodeFlow: true);
        var client = Client(provider: deviceOnly);
        Assert.False(await client.OffersBrowserLoginAsync(CancellationToken.None));
        Assert.True(await Client().OffersBrowserLoginAsync(CancellationToken.None));
        var opened = false;
        var error = await Assert.ThrowsAsync<CredentialException>(() => client.BrowserLoginAsync((_, _) => { opened = true; return Task.CompletedTask; }, Patience, CancellationToken.None));
        Assert.Contains("offers no browser login", error.Message);
        Assert.False(opened);
    }

    [Fact]
    public async Task A_browser_that_never_comes_back_ends_the_wait_with_a_message_naming_the_device_login()
    {
        var error = await Assert.ThrowsAsync<CredentialException>(() => Client().BrowserLoginAsync((_, _) => Task.CompletedTask, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Contains("no login came back", error.Message);
        Assert.Contains("--device", error.Message);
    }
}
