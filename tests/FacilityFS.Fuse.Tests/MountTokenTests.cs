using System.Net;
using System.Net.Http.Headers;
using FacilityFS.Identity.Oidc;
using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>A mount of a token-protected storage (Apache + mod_auth_openidc checking our provider's JWTs) keeps working across many token lifetimes.</summary>
[Collection("lifecycle")]
public sealed class MountTokenTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-token-");
    private readonly string _remote = "op" + Guid.NewGuid().ToString("N")[..8];
    private OidcProvider _provider = null!;
    private ApacheServer _server = null!;

    // The mount runs as the user would run it, so its tokens live where `facilityfs login` puts them; the remote's name is this test's own.
    private static TokenStore Store => new(Path.Combine(Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "facilityfs", "tokens"));

    public async Task InitializeAsync()
    {
        _provider = await OidcProvider.StartAsync(accessTokenSeconds: 4);
        _server = await ApacheServer.StartTokenProtectedAsync(_provider);
    }

    public async Task DisposeAsync()
    {
        Store.Delete(_remote);
        await _server.DisposeAsync();
        await _provider.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private async Task<HttpStatusCode> PropfindAsync(string? token)
    {
        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), _server.BaseUri);
        request.Headers.Add("Depth", "0");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Logs in as `facilityfs login` would and writes a config for this test's remote; returns the config and the first tokens.</summary>
    private async Task<(string Config, TokenState First)> LoginAsync()
    {
        var client = new OidcClient(Http, new OidcSettings(_provider.Issuer, OidcProvider.DeviceClient, OidcProvider.DeviceSecret, "openid storage.read:/", OidcFlow.Device));
        var login = await client.StartDeviceLoginAsync(CancellationToken.None);
        await _provider.ApproveAsync(login.UserCode);
        var first = await client.WaitForDeviceLoginAsync(login, CancellationToken.None);
        Store.Write(_remote, first);
        var secret = Path.Combine(_work.FullName, "secret");
        await File.WriteAllTextAsync(secret, OidcProvider.DeviceSecret);
        var config = Path.Combine(_work.FullName, "config.yaml");
        await File.WriteAllTextAsync(config, $"remotes:\n  {_remote}:\n    url: {_server.BaseUri}\n    oidc:\n      issuer: {_provider.Issuer}\n      client_id: {OidcProvider.DeviceClient}\n      client_secret_file: {secret}\n");
        return (config, first);
    }

    [Fact]
    public async Task A_get_of_a_large_file_that_outlives_three_token_lifetimes_completes()
    {
        var (config, first) = await LoginAsync();
        // 14 MiB at 1 MiB/s: one GET of fourteen seconds (below the size that get splits into parallel ranges).
        var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(14 << 20);
        _server.WriteFile($"{ApacheServer.SlowFolder}/big.bin", data);
        var local = Path.Combine(_work.FullName, "big.bin");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var get = await ProcessRun.FacilityFsAsync("--config", config, "get", $"{_remote}:/{ApacheServer.SlowFolder}/big.bin", local);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(12), $"the transfer took only {clock.Elapsed}: it outlived fewer than three 4 s tokens");
        Assert.Equal(data, await File.ReadAllBytesAsync(local));
        Assert.Equal(HttpStatusCode.Unauthorized, await PropfindAsync(first.AccessToken));
    }

    [Fact]
    public async Task Reads_and_writes_through_the_mount_go_on_across_three_token_lifetimes()
    {
        var (config, first) = await LoginAsync();
        for (var i = 0; i < 20; i++) _server.WriteFile($"seed/s{i:D2}.txt", System.Text.Encoding.UTF8.GetBytes($"seed {i}"));

        // The storage really checks: no token and a forged one are refused, the fresh one is taken.
        Assert.Equal(HttpStatusCode.Unauthorized, await PropfindAsync(null));
        Assert.Equal(HttpStatusCode.Unauthorized, await PropfindAsync(first.AccessToken[..^4] + "AAAA"));
        Assert.Equal(HttpStatusCode.MultiStatus, await PropfindAsync(first.AccessToken));

        await using var mount = await MountedFolder.StartAsync($"{_remote}:/", _work.FullName, null, "--config", config, "--upload-delay", "0");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(14); i++)
        {
            Assert.Equal($"seed {i % 20}", await File.ReadAllTextAsync(mount.Under($"seed/s{i % 20:D2}.txt")));
            await File.WriteAllTextAsync(mount.Under($"written-{i:D2}.txt"), $"written at {clock.Elapsed}");
            await Task.Delay(700);
        }
        // The first token has long expired: the storage refuses it, so everything since went with refreshed ones.
        Assert.Equal(HttpStatusCode.Unauthorized, await PropfindAsync(first.AccessToken));
        var sync = await ProcessRun.FacilityFsAsync("sync", mount.Path);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.True(Directory.GetFiles(_server.DataDirectory, "written-*.txt").Length >= 15);
        Assert.NotEqual(first.RefreshToken, Store.Read(_remote)!.RefreshToken);
    }
}
