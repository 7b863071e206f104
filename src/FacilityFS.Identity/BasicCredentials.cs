using System.Net.Http.Headers;
using System.Text;

namespace FacilityFS.Identity;

/// <summary>HTTP basic authentication; the password comes from a file (re-read when it changes) or from a prompt, asked once.</summary>
public sealed class BasicCredentials(string username, Func<string> password) : ICredentialProvider
{
    public BasicCredentials(string username, SecretFile passwordFile) : this(username, passwordFile.Read)
    {
    }

    public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken)
    {
        var raw = Encoding.UTF8.GetBytes($"{username}:{password()}");
        return ValueTask.FromResult<AuthenticationHeaderValue?>(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(raw)));
    }

    public ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken)
    {
        var current = GetAuthorizationAsync(cancellationToken).Result;
        return ValueTask.FromResult(current?.Parameter != refused?.Parameter);
    }
}
