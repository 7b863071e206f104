using FacilityFS.TestServers;

namespace FacilityFS.Cli.Tests;

/// <summary>X.509 client certificates (PEM with chain, PKCS#12) and a site CA bundle, against an Apache on https that requires a certificate.</summary>
[Collection("apache-tls")]
public sealed class ClientCertificateTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-tls-");
    private TestCertificates _certificates = null!;
    private ApacheServer _server = null!;

    public async Task InitializeAsync()
    {
        _certificates = TestCertificates.Create(Path.Combine(_work.FullName, "pki"));
        _server = await ApacheServer.StartClientCertificateAsync(_certificates);
        _server.WriteFile("data/hello.txt", "over mutual TLS"u8);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private async Task<CliRun> RunWithAsync(string remoteKeys, params string[] args)
    {
        var config = Path.Combine(_work.FullName, $"config-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"remotes:\n  site:\n    url: {_server.BaseUri}\n    retries: 0\n{remoteKeys}");
        return await CliRun.RunAsync(["--config", config, .. args]);
    }

    [Fact]
    public async Task A_pem_certificate_with_its_chain_and_the_site_ca_bundle_reach_the_storage_both_ways()
    {
        var keys = $"    client_cert: {_certificates.ClientChain}\n    client_key: {_certificates.ClientKey}\n    ca_bundle: {_certificates.RootCa}\n";
        var local = Path.Combine(_work.FullName, "hello.txt");
        var get = await RunWithAsync(keys, "get", "site:/data/hello.txt", local);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("over mutual TLS", await File.ReadAllTextAsync(local));
        var put = await RunWithAsync(keys, "put", local, "site:/data/back.txt");
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal("over mutual TLS", await File.ReadAllTextAsync(_server.PathOf("data/back.txt")));
    }

    [Fact]
    public async Task A_pkcs12_file_with_its_password_in_a_file_works_too()
    {
        var password = Path.Combine(_work.FullName, "p12.password");
        await File.WriteAllTextAsync(password, TestCertificates.Pkcs12Password + "\n");
        var run = await RunWithAsync($"    client_cert: {_certificates.ClientPkcs12}\n    client_cert_password_file: {password}\n    ca_bundle: {_certificates.RootCa}\n", "ls", "site:/data");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("hello.txt", run.Out);
    }

    [Fact]
    public async Task No_certificate_a_strangers_certificate_and_an_unknown_server_ca_are_refused()
    {
        var none = await RunWithAsync($"    ca_bundle: {_certificates.RootCa}\n", "ls", "site:/data");
        Assert.Equal(2, none.ExitCode);
        var stranger = await RunWithAsync($"    client_cert: {_certificates.StrangerChain}\n    ca_bundle: {_certificates.RootCa}\n", "ls", "site:/data");
        Assert.Equal(2, stranger.ExitCode);
        // Without the site's bundle the server's certificate chains to nothing the system trusts.
        var untrusted = await RunWithAsync($"    client_cert: {_certificates.ClientChain}\n    client_key: {_certificates.ClientKey}\n", "ls", "site:/data");
        Assert.Equal(2, untrusted.ExitCode);
        Assert.Contains("127.0.0.1", untrusted.Error);
        var insecure = await RunWithAsync($"    client_cert: {_certificates.ClientChain}\n    client_key: {_certificates.ClientKey}\n", "--insecure", "ls", "site:/data");
        Assert.True(insecure.ExitCode == 0, insecure.ToString());
    }

    [Fact]
    public async Task A_missing_key_or_bundle_names_the_file()
    {
        var missingKey = await RunWithAsync($"    client_cert: {_certificates.ClientChain}\n    client_key: {_work.FullName}/absent.key\n", "ls", "site:/");
        Assert.Equal(3, missingKey.ExitCode);
        Assert.Contains("absent.key", missingKey.Error);
        var missingBundle = await RunWithAsync($"    ca_bundle: {_work.FullName}/absent-ca.pem\n", "ls", "site:/");
        Assert.Equal(3, missingBundle.ExitCode);
        Assert.Contains("absent-ca.pem", missingBundle.Error);
        var keyWithoutCertificate = await RunWithAsync($"    client_key: {_certificates.ClientKey}\n", "ls", "site:/");
        Assert.Equal(1, keyWithoutCertificate.ExitCode);
        Assert.Contains("remotes.site.client_cert", keyWithoutCertificate.Error);
    }
}

/// <summary>Basic authentication with the password asked for on the terminal when no password_file is configured.</summary>
public sealed class PasswordPromptTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-prompt-");
    private ScriptedServer _server = null!;
    private string _config = "";

    public async Task InitializeAsync()
    {
        var expected = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("alice:s3cret pass"));
        _server = await ScriptedServer.StartAsync(async context =>
        {
            if (context.Request.Headers.Authorization.FirstOrDefault() != expected)
            {
                context.Response.StatusCode = 401;
                return;
            }
            context.Response.StatusCode = 207;
            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, """
                <?xml version="1.0" encoding="utf-8"?>
                <D:multistatus xmlns:D="DAV:"><D:response><D:href>/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>
                """);
        });
        _config = Path.Combine(_work.FullName, "config.yaml");
        await File.WriteAllTextAsync(_config, $"remotes:\n  site:\n    url: {_server.BaseUri}\n    retries: 0\n    username: alice\n");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task The_password_is_asked_on_the_terminal_and_without_one_the_error_says_to_use_password_file()
    {
        var command = $"dotnet {Path.Combine(AppContext.BaseDirectory, "facilityfs.dll")} --config {_config} stat site:/";
        // script(1) gives the command a terminal; the password is typed into it.
        var start = new System.Diagnostics.ProcessStartInfo("script", ["-qec", command, "/dev/null"]) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using (var typed = System.Diagnostics.Process.Start(start)!)
        {
            var output = typed.StandardOutput.ReadToEndAsync();
            await Task.Delay(1500);
            await typed.StandardInput.WriteAsync("s3cret pass\r");
            await typed.StandardInput.FlushAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await typed.WaitForExitAsync(limit.Token);
            var said = await output;
            Assert.True(typed.ExitCode == 0, said);
            Assert.Contains("password for alice at site", said);
            Assert.DoesNotContain("s3cret pass", said);
        }
        var redirected = await CliRun.RunAsync("--config", _config, "stat", "site:/");
        Assert.Equal(3, redirected.ExitCode);
        Assert.Contains("give password_file", redirected.Error);
    }
}
