using FacilityFS.TestServers;

namespace FacilityFS.Cli.Tests;

/// <summary>`client_cert: proxy`: the grid user's proxy is looked for where the grid tools look (X509_USER_PROXY), and what cannot be used is said plainly.</summary>
/// <remarks>X509_USER_PROXY is this process's environment, read by nothing else; both tests are in one class, so they never run at once.</remarks>
public sealed class ProxyCertificateTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-proxy-");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("X509_USER_PROXY", null);
        _work.Delete(recursive: true);
    }

    private async Task<CliRun> StatWithProxyAsync(string proxyFile)
    {
        var config = Path.Combine(_work.FullName, "config.yaml");
        await File.WriteAllTextAsync(config, "remotes:\n  grid:\n    url: https://127.0.0.1:9/\n    retries: 0\n    client_cert: proxy\n");
        Environment.SetEnvironmentVariable("X509_USER_PROXY", proxyFile);
        return await CliRun.RunAsync("--config", config, "stat", "grid:/");
    }

    [Fact]
    public async Task A_missing_proxy_is_an_error_naming_where_it_was_looked_for()
    {
        var missing = Path.Combine(_work.FullName, "x509up_u_none");
        var run = await StatWithProxyAsync(missing);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"no grid proxy certificate at {missing}", run.Error);
        Assert.Contains("voms-proxy-init", run.Error);
    }

    [Fact]
    public async Task An_rfc_3820_proxy_named_by_X509_USER_PROXY_is_found_and_the_runtime_limit_is_said_instead_of_an_openssl_code()
    {
        var pki = TestCertificates.Create(Path.Combine(_work.FullName, "pki"));
        var run = await StatWithProxyAsync(pki.ProxyFile);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"{pki.ProxyFile} is an RFC 3820 proxy certificate", run.Error);
        Assert.Contains("usercert.pem", run.Error);
        Assert.DoesNotContain("OpenSSL", run.Error);
    }
}
