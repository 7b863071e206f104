using System.Text.Json;
using FacilityFS.Identity.Oidc;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Identity.Tests;

/// <summary>A provider endpoint that answers with a redirect: the client's secret and tokens are never sent on to where it points.</summary>
public sealed class OidcRedirectTests
{
    [Fact]
    public async Task A_307_from_the_token_endpoint_is_not_followed_and_the_secret_goes_nowhere_else()
    {
        await using var elsewhere = await ScriptedServer.StartAsync(c => c.Response.WriteAsync("{}"));
        ScriptedServer? provider = null;
        provider = await ScriptedServer.StartAsync(async c =>
        {
            if (c.Request.Path == "/.well-known/openid-configuration")
            {
                c.Response.ContentType = "application/json";
                await c.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["issuer"] = provider!.BaseUri.AbsoluteUri,
                    ["token_endpoint"] = new Uri(provider.BaseUri, "token").AbsoluteUri,
                }));
                return;
            }
            c.Response.StatusCode = 307;
            c.Response.Headers.Location = new Uri(elsewhere.BaseUri, "collect").AbsoluteUri;
        });
        await using (provider)
        {
            using var http = OidcClient.CreateHttpClient();
            var client = new OidcClient(http, new OidcSettings(provider.BaseUri, "robot", "very-secret", "openid", OidcFlow.ClientCredentials));
            var error = await Assert.ThrowsAsync<CredentialException>(() => client.ClientCredentialsAsync(CancellationToken.None));
            Assert.Contains("redirect", error.Message);
            Assert.Contains(elsewhere.BaseUri.Authority, error.Message);
            Assert.Empty(elsewhere.Requests);
            Assert.Contains(provider.Requests, r => r.Path == "/token" && r.Authorization is not null);
        }
    }
}
