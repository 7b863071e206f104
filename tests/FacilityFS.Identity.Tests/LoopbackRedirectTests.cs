using System.Net;
using System.Net.Sockets;
using FacilityFS.Identity.Oidc;

namespace FacilityFS.Identity.Tests;

/// <summary>The loopback listener of the browser login: one request taken, connections that send nothing skipped, closed afterwards.</summary>
public sealed class LoopbackRedirectTests
{
    [Fact]
    public async Task A_silent_connection_is_skipped_the_first_request_is_taken_and_the_port_is_closed_after_it()
    {
        using var loopback = LoopbackRedirect.Listen();
        Assert.Equal("127.0.0.1", loopback.RedirectUri.Host);
        var waiting = loopback.WaitForRequestAsync(CancellationToken.None);
        // Browsers open connections ahead of need; one that closes without a request is not the answer.
        using (var silent = new TcpClient())
        {
            await silent.ConnectAsync(IPAddress.Loopback, loopback.RedirectUri.Port);
        }
        using var http = new HttpClient();
        using var page = await http.GetAsync(new Uri(loopback.RedirectUri, "/?code=abc&state=xyz"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("return to the terminal", await page.Content.ReadAsStringAsync());
        Assert.Equal(new Uri(loopback.RedirectUri, "/?code=abc&state=xyz").AbsoluteUri, await waiting);
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, loopback.RedirectUri.Port));
    }
}
