using System.Diagnostics;

namespace FacilityFS.TestServers;

/// <summary>A real OpenID Provider (npm oidc-provider 9) on 127.0.0.1 for the tests: device flow, browser login with its own login and consent pages, rotating refresh tokens, client credentials, short-lived JWT access tokens.</summary>
/// <remarks>The package is installed once into the user's cache folder (npm registry); the script is ours (oidc/provider.mjs beside this assembly).</remarks>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string DeviceClient = "ffs-device";
    public const string DeviceSecret = "ffs-device-secret";
    public const string PublicClient = "ffs-public";
    /// <summary>A public native client allowed the browser login (authorization code + PKCE) back to any loopback port, and the device flow.</summary>
    public const string BrowserClient = "ffs-browser";
    public const string RobotClient = "ffs-robot";
    public const string RobotSecret = "ffs-robot-secret";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private readonly Process _process;

    private OidcProvider(Process process, int port, string publicKeyFile)
    {
        _process = process;
        Port = port;
        PublicKeyFile = publicKeyFile;
    }

    public int Port { get; }

    /// <summary>The PEM public key that signs this provider's JWTs (key id <see cref="KeyId"/>), for a resource server to verify them.</summary>
    public string PublicKeyFile { get; }

    public const string KeyId = "ffs-test";

    public Uri Issuer => new($"http://127.0.0.1:{Port}");

    /// <summary>Starts a provider whose access tokens live <paramref name="accessTokenSeconds"/>; restarting forgets every grant (in-memory store).</summary>
    /// <param name="withoutCodeFlow">A provider that offers no authorization code grant (no browser login), only the device flow.</param>
    public static async Task<OidcProvider> StartAsync(int accessTokenSeconds = 10, int pollIntervalSeconds = 1, int deviceCodeSeconds = 600, int? port = null, bool withoutCodeFlow = false)
    {
        var folder = await InstallAsync().ConfigureAwait(false);
        var chosen = port ?? FreePort.Next();
        var start = new ProcessStartInfo("node", [Path.Combine(folder, "provider.mjs")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PORT"] = chosen.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AT_TTL"] = accessTokenSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["POLL_INTERVAL"] = pollIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DEVICE_CODE_TTL"] = deviceCodeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (withoutCodeFlow) start.Environment["NO_CODE_FLOW"] = "1";
        var publicKey = Path.Combine(Path.GetTempPath(), $"ffs-op-{chosen}.pem");
        start.Environment["PUBLIC_KEY_FILE"] = publicKey;
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node (package nodejs)");
        RunRecord.Started(process);
        var said = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (said) said.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (said) said.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var provider = new OidcProvider(process, chosen, publicKey);
        if (!await FreePort.WaitListeningAsync(chosen, TimeSpan.FromSeconds(30), () => !process.HasExited).ConfigureAwait(false))
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            lock (said) throw new InvalidOperationException($"the OpenID Provider did not start on 127.0.0.1:{chosen}: {said}");
        }
        return provider;
    }

    /// <summary>Approves (or denies) a user code as the test user would in a browser.</summary>
    public async Task ApproveAsync(string userCode, bool deny = false)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Issuer, "/__test/approve"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["user_code"] = userCode, ["deny"] = deny ? "1" : "0" })).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The folder with oidc-provider installed and our script beside it; installed on first use, shared by test runs.</summary>
    private static async Task<string> InstallAsync()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var folder = Path.Combine(cache, "facilityfs-tests", "oidc-provider-9");
        await InstallGate.WaitAsync().ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(folder);
            if (!File.Exists(Path.Combine(folder, "node_modules", "oidc-provider", "package.json")))
            {
                await File.WriteAllTextAsync(Path.Combine(folder, "package.json"), "{\"name\":\"ffs-test-op\",\"private\":true,\"type\":\"module\"}").ConfigureAwait(false);
                using var npm = Process.Start(new ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund", "--silent", "oidc-provider@9"])
                {
                    WorkingDirectory = folder,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                }) ?? throw new InvalidOperationException("cannot run npm (package npm)");
                var error = npm.StandardError.ReadToEndAsync();
                await npm.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
                await npm.WaitForExitAsync().ConfigureAwait(false);
                if (npm.ExitCode != 0) throw new InvalidOperationException($"npm install oidc-provider@9 in {folder} failed: {await error.ConfigureAwait(false)}");
            }
            File.Copy(Path.Combine(AppContext.BaseDirectory, "oidc", "provider.mjs"), Path.Combine(folder, "provider.mjs"), overwrite: true);
            return folder;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Posix.Kill(_process.Id, Posix.SigTerm);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        RunRecord.Ended(_process.Id);
        _process.Dispose();
        File.Delete(PublicKeyFile);
    }
}
