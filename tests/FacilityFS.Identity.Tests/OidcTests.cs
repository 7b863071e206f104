using System.Diagnostics;
using FacilityFS.Identity.Oidc;
using FacilityFS.TestServers;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FacilityFS.Identity.Tests;

/// <summary>A real OpenID Provider with access tokens of four seconds, so refresh is exercised within a test.</summary>
public sealed class OidcFixture : IAsyncLifetime
{
    public OidcProvider Provider { get; private set; } = null!;

    public async Task InitializeAsync() => Provider = await OidcProvider.StartAsync(accessTokenSeconds: 4);

    public async Task DisposeAsync() => await Provider.DisposeAsync();
}

/// <summary>The OIDC client and token provider against oidc-provider: device login, refresh with rotation, robots, and every way it can go wrong.</summary>
[Collection("oidc")]
public sealed class OidcTests(OidcFixture fixture) : IClassFixture<OidcFixture>, IDisposable
{
    private static readonly HttpClient Http = new();
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ffs-tokens-");

    private TokenStore Store => new(Path.Combine(_folder.FullName, "tokens"));

    public void Dispose() => _folder.Delete(recursive: true);

    private OidcClient Client(string clientId = OidcProvider.DeviceClient, string? secret = OidcProvider.DeviceSecret, OidcFlow flow = OidcFlow.Device, Uri? issuer = null) =>
        new(Http, new OidcSettings(issuer ?? fixture.Provider.Issuer, clientId, secret, "openid storage.read:/ storage.create:/", flow));

    private async Task<TokenState> LoginAsync(OidcClient client)
    {
        var login = await client.StartDeviceLoginAsync(CancellationToken.None);
        await fixture.Provider.ApproveAsync(login.UserCode);
        return await client.WaitForDeviceLoginAsync(login, CancellationToken.None);
    }

    [Fact]
    public async Task A_device_login_gives_a_jwt_access_token_for_the_storage_and_a_refresh_token()
    {
        var client = Client();
        var login = await client.StartDeviceLoginAsync(CancellationToken.None);
        Assert.Matches("^[A-Z]{4}-?[A-Z]{4}$", login.UserCode);
        Assert.Equal(fixture.Provider.Issuer.Host, login.VerificationUri.Host);
        var waiting = client.WaitForDeviceLoginAsync(login, CancellationToken.None);
        await Task.Delay(1500);
        Assert.False(waiting.IsCompleted);
        await fixture.Provider.ApproveAsync(login.UserCode);
        var state = await waiting;
        var access = new JsonWebToken(state.AccessToken);
        Assert.Equal("test-user", access.Subject);
        Assert.Contains("storage.read:/", access.GetPayloadValue<string>("scope"));
        Assert.NotNull(state.RefreshToken);
        Assert.True(state.ExpiresAt > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_public_client_logs_in_without_a_secret()
    {
        var state = await LoginAsync(Client(OidcProvider.PublicClient, secret: null));
        Assert.Equal("test-user", new JsonWebToken(state.AccessToken).Subject);
    }

    [Fact]
    public async Task A_denied_login_stops_with_a_message_that_says_so()
    {
        var client = Client();
        var login = await client.StartDeviceLoginAsync(CancellationToken.None);
        await fixture.Provider.ApproveAsync(login.UserCode, deny: true);
        var error = await Assert.ThrowsAsync<CredentialException>(() => client.WaitForDeviceLoginAsync(login, CancellationToken.None));
        Assert.Contains("denied", error.Message);
    }

    [Fact]
    public async Task Polling_faster_than_asked_meets_slow_down_and_backs_off_by_five_seconds()
    {
        var client = Client();
        var login = await client.StartDeviceLoginAsync(CancellationToken.None);
        var waits = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        var waiting = client.WaitForDeviceLoginAsync(login with { Interval = TimeSpan.FromMilliseconds(100) }, CancellationToken.None, waits.Add);
        await Task.Delay(1000);
        await fixture.Provider.ApproveAsync(login.UserCode);
        var state = await waiting;
        Assert.NotEmpty(waits);
        Assert.True(waits[0] >= TimeSpan.FromSeconds(5), $"waited {waits[0]} after slow_down");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(5));
        Assert.NotNull(state.RefreshToken);
    }

    [Fact]
    public async Task Tokens_are_refreshed_before_they_end_and_the_rotated_refresh_token_is_stored()
    {
        var store = Store;
        var first = await LoginAsync(Client());
        store.Write("cta", first);
        var provider = new OidcTokenProvider(Client(), store, "cta");
        Assert.Equal(first.AccessToken, (await provider.GetAuthorizationAsync(CancellationToken.None))!.Parameter);
        // Three lifetimes of the access token, asking all along as a long transfer would.
        var seen = new HashSet<string>();
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(12);)
        {
            seen.Add((await provider.GetAuthorizationAsync(CancellationToken.None))!.Parameter!);
            await Task.Delay(250);
        }
        Assert.True(seen.Count >= 3, $"only {seen.Count} access tokens in 12 s of 4 s tokens");
        var stored = store.Read("cta")!;
        Assert.NotEqual(first.RefreshToken, stored.RefreshToken);
        Assert.Contains(stored.AccessToken, seen);
    }

    [Fact]
    public async Task Reusing_a_rotated_refresh_token_ends_the_session_and_says_to_log_in_again()
    {
        var client = Client();
        var first = await LoginAsync(client);
        var second = await client.RefreshAsync(first.RefreshToken!, CancellationToken.None);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        var reuse = await Assert.ThrowsAsync<CredentialException>(() => client.RefreshAsync(first.RefreshToken!, CancellationToken.None));
        Assert.Contains("log in again", reuse.Message);
        // Reuse detection revoked the whole grant, the newest refresh token included.
        await Assert.ThrowsAsync<CredentialException>(() => client.RefreshAsync(second.RefreshToken!, CancellationToken.None));
        Store.Write("cta", second with { ExpiresAt = DateTimeOffset.UtcNow });
        var provider = new OidcTokenProvider(client, Store, "cta");
        var error = await Assert.ThrowsAsync<CredentialException>(() => provider.GetAuthorizationAsync(CancellationToken.None).AsTask());
        Assert.Contains("facilityfs login cta", error.Message);
    }

    [Fact]
    public async Task Two_processes_sharing_a_login_never_spend_the_same_refresh_token_twice()
    {
        var store = Store;
        store.Write("shared", (await LoginAsync(Client())) with { ExpiresAt = DateTimeOffset.UtcNow });
        // Two providers stand for two processes (a mount and a get): each refreshes through the same file and lock.
        var a = new OidcTokenProvider(Client(), store, "shared");
        var b = new OidcTokenProvider(Client(), store, "shared");
        var both = await Task.WhenAll(a.CurrentAsync(false, CancellationToken.None), b.CurrentAsync(false, CancellationToken.None));
        Assert.Equal(both[0].AccessToken, both[1].AccessToken);
        // The session is alive: had both spent the old refresh token, rotation would have revoked it.
        var later = await Client().RefreshAsync(store.Read("shared")!.RefreshToken!, CancellationToken.None);
        Assert.NotNull(later.AccessToken);
    }

    [Fact]
    public async Task Introspection_says_whom_a_live_token_is_for_and_that_a_revoked_session_is_over()
    {
        var client = Client();
        var state = await LoginAsync(client);
        var live = await client.IntrospectAsync(state.RefreshToken!, CancellationToken.None);
        Assert.NotNull(live);
        Assert.True(live.Active);
        Assert.Equal("test-user", live.Subject);
        Assert.True(await client.RevokeAsync(state.RefreshToken!, CancellationToken.None));
        var revoked = await client.IntrospectAsync(state.RefreshToken!, CancellationToken.None);
        Assert.False(revoked!.Active);
    }

    [Fact]
    public async Task A_robot_account_gets_tokens_with_client_credentials_and_no_person()
    {
        var robot = Client(OidcProvider.RobotClient, OidcProvider.RobotSecret, OidcFlow.ClientCredentials);
        var provider = new OidcTokenProvider(robot, Store, "robot");
        var header = await provider.GetAuthorizationAsync(CancellationToken.None);
        Assert.Equal(OidcProvider.RobotClient, new JsonWebToken(header!.Parameter!).Subject);
        Assert.Null(Store.Read("robot")!.RefreshToken);
    }

    [Fact]
    public async Task A_wrong_issuer_a_wrong_secret_and_a_provider_that_is_down_fail_clearly()
    {
        var wrongPath = await Assert.ThrowsAsync<CredentialException>(() => Client(issuer: new Uri(fixture.Provider.Issuer, "/realms/nope")).StartDeviceLoginAsync(CancellationToken.None));
        Assert.Contains("right issuer URL", wrongPath.Message);
        var wrongSecret = await Assert.ThrowsAsync<CredentialException>(() => Client(secret: "not-the-secret").StartDeviceLoginAsync(CancellationToken.None));
        Assert.Contains("invalid_client", wrongSecret.Message);
        Assert.DoesNotContain("not-the-secret", wrongSecret.Message);
        var down = await Assert.ThrowsAsync<CredentialException>(() => Client(issuer: new Uri($"http://127.0.0.1:{FreePort.Next()}")).StartDeviceLoginAsync(CancellationToken.None));
        Assert.Contains("cannot reach", down.Message);
    }

    [Fact]
    public async Task Token_files_are_private_and_a_damaged_or_exposed_one_is_named_and_kept()
    {
        var store = Store;
        store.Write("cta", await LoginAsync(Client()));
        var path = store.PathOf("cta");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store.Folder));
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.OtherRead);
        Assert.Contains("can be read by others", Assert.Throws<CredentialException>(() => store.Read("cta")).Message);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(path, "{ not json");
        var damaged = Assert.Throws<CredentialException>(() => store.Read("cta"));
        Assert.Contains(path, damaged.Message);
        Assert.Contains("log in again", damaged.Message);
        Assert.Equal("{ not json", await File.ReadAllTextAsync(path));
    }
}
