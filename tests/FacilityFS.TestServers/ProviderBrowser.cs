using System.Net;
using System.Text.RegularExpressions;

namespace FacilityFS.TestServers;

/// <summary>Stands in for a person's browser at <see cref="OidcProvider"/>: follows its login and consent pages over HTTP (with cookies, as a browser keeps them) up to where the provider sends it back to the client.</summary>
public sealed partial class ProviderBrowser : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });

    /// <summary>Opens the provider's start URL, logs in as <paramref name="user"/> and consents (or cancels on the login page), and returns the redirect back to the client, not yet followed.</summary>
    public async Task<Uri> LogInAsync(Uri start, string user = "test-user", bool cancel = false)
    {
        var url = start;
        for (var step = 0; step < 12; step++)
        {
            using var response = await _http.GetAsync(url).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                var next = new Uri(url, response.Headers.Location!);
                if (next.Authority != start.Authority) return next;
                url = next;
                continue;
            }
            var page = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK || FormAction().Match(page) is not { Success: true } form)
                throw new InvalidOperationException($"the provider's page {url} is no login or consent form ({(int)response.StatusCode}): {page}");
            var prompt = Prompt().Match(page).Groups[1].Value;
            if (cancel)
            {
                // The pages' "Cancel" link: the provider ends the interaction with access_denied.
                url = new Uri(url, url.AbsolutePath.TrimEnd('/') + "/abort");
                continue;
            }
            Dictionary<string, string> fields = prompt == "login" ? new() { ["prompt"] = "login", ["login"] = user, ["password"] = "any" } : new() { ["prompt"] = prompt };
            using var submitted = await _http.PostAsync(new Uri(url, WebUtility.HtmlDecode(form.Groups[1].Value)), new FormUrlEncodedContent(fields)).ConfigureAwait(false);
            if ((int)submitted.StatusCode is < 300 or >= 400)
                throw new InvalidOperationException($"the provider answered the {prompt} form with {(int)submitted.StatusCode}: {await submitted.Content.ReadAsStringAsync().ConfigureAwait(false)}");
            url = new Uri(url, submitted.Headers.Location!);
        }
        throw new InvalidOperationException($"the provider kept the browser going from {start} without sending it back");
    }

    /// <summary>Follows the provider's redirect back to the client (its loopback listener), as the browser would.</summary>
    public async Task ReturnAsync(Uri redirect)
    {
        using var response = await _http.GetAsync(redirect).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Logs in and goes back to the client: the whole of what a person does in the browser.</summary>
    public async Task LogInAndReturnAsync(Uri start) => await ReturnAsync(await LogInAsync(start).ConfigureAwait(false)).ConfigureAwait(false);

    [GeneratedRegex("<form[^>]*action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("name=\"prompt\" value=\"(\\w+)\"")]
    private static partial Regex Prompt();

    public void Dispose() => _http.Dispose();
}
