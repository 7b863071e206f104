using FacilityFS.Identity;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Catalog.Tests;

/// <summary>A SciCat that redirects or answers the login with nothing: the password goes nowhere else, and the error names the server and what was wrong.</summary>
public sealed class SciCatHostileServerTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ffs-scicat-hostile-");

    private SecretFile Password()
    {
        var path = Path.Combine(_folder.FullName, "password");
        File.WriteAllText(path, "hunter2");
        return new SecretFile(path);
    }

    [Fact]
    public async Task A_307_to_the_login_is_not_followed_and_the_password_is_sent_nowhere_else()
    {
        await using var elsewhere = await ScriptedServer.StartAsync(c => c.Response.WriteAsync("{\"id\":\"stolen\"}"));
        await using var scicat = await ScriptedServer.StartAsync(c =>
        {
            c.Response.StatusCode = 307;
            c.Response.Headers.Location = new Uri(elsewhere.BaseUri, "api/v3/auth/login").AbsoluteUri;
            return Task.CompletedTask;
        });
        using var http = SciCatClient.CreateHttpClient();
        var login = new SciCatLogin(http, new Uri(scicat.BaseUri, "api/v3"), "ingestor", Password());
        var error = await Assert.ThrowsAsync<CatalogException>(async () => await login.GetAuthorizationAsync(CancellationToken.None));
        Assert.Contains("redirect", error.Message);
        Assert.Contains(elsewhere.BaseUri.Authority, error.Message);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task A_307_to_a_dataset_request_keeps_the_token_at_home()
    {
        await using var elsewhere = await ScriptedServer.StartAsync(c => c.Response.WriteAsync("{}"));
        await using var scicat = await ScriptedServer.StartAsync(c =>
        {
            c.Response.StatusCode = 307;
            c.Response.Headers.Location = new Uri(elsewhere.BaseUri, "Datasets").AbsoluteUri;
            return Task.CompletedTask;
        });
        var tokenFile = Path.Combine(_folder.FullName, "token");
        File.WriteAllText(tokenFile, "tok");
        using var http = SciCatClient.CreateHttpClient();
        var client = new SciCatClient(http, scicat.BaseUri, BearerTokenCredentials.FromFile(tokenFile));
        var error = await Assert.ThrowsAsync<CatalogException>(() => client.CreateDatasetAsync(new System.Text.Json.Nodes.JsonObject { ["datasetName"] = "x" }, CancellationToken.None));
        Assert.Contains("redirect", error.Message);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task An_empty_200_to_the_login_names_the_server_and_what_was_missing()
    {
        await using var scicat = await ScriptedServer.StartAsync(_ => Task.CompletedTask);
        using var http = SciCatClient.CreateHttpClient();
        var login = new SciCatLogin(http, new Uri(scicat.BaseUri, "api/v3"), "ingestor", Password());
        var error = await Assert.ThrowsAsync<CatalogException>(async () => await login.GetAuthorizationAsync(CancellationToken.None));
        Assert.Contains(scicat.BaseUri.Authority, error.Message);
        Assert.Contains("empty body", error.Message);
        Assert.Contains("token", error.Message);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
