using System.Text.Json;
using FacilityFS.Identity.Oidc;
using FacilityFS.TestServers;
using Microsoft.AspNetCore.Http;

namespace FacilityFS.Identity.Tests;

/// <summary>A provider that answers without end: the client reads at most <see cref="OidcClient.MaxAnswerBytes"/> and says so, instead of filling memory.</summary>
public sealed class OidcAnswerBoundTests
{
    [Fact]
    public async Task A_token_answer_larger_than_the_bound_is_refused_with_a_message_naming_the_endpoint()
    {
        ScriptedServer? provider = null;
        provider = await ScriptedServer.StartAsync(async c =>
        {
            c.Response.ContentType = "application/json";
            if (c.Request.Path == "/.well-known/openid-configuration")
            {
                await c.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["issuer"] = provider!.BaseUri.AbsoluteUri,
                    ["token_endpoint"] = new Uri(provider.BaseUri, "token").AbsoluteUri,
                }));
                return;
            }
            await c.Response.WriteAsync("{\"access_token\":\"");
            var chunk = new string('a', 64 * 1024);
            for (var i = 0; i < 2 * OidcClient.MaxAnswerBytes / chunk.Length; i++) await c.Response.WriteAsync(chunk);
            await c.Response.WriteAsync("\"}");
        });
        await using (provider)
        {
            using var http = OidcClient.CreateHttpClient();
            var client = new OidcClient(http, new OidcSettings(provider.BaseUri, "robot", "very-secret", "openid", OidcFlow.ClientCredentials));
            var error = await Assert.ThrowsAsync<CredentialException>(() => client.ClientCredentialsAsync(CancellationToken.None));
            Assert.Contains("/token", error.Message);
            Assert.Contains("more than 1024 KiB", error.Message);
        }
    }
}
