using System.Net.Http.Headers;
using System.Text;

namespace FacilityFS.Identity;

/// <summary>HTTP basic authentication with the password read from a file.</summary>
public sealed class BasicCredentials(string username, SecretFile passwordFile) : ICredentialProvider
{
    public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken)
    {
        var raw = Encoding.UTF8.GetBytes($"{username}:{passwordFile.Read()}");
        return ValueTask.FromResult<AuthenticationHeaderValue?>(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(raw)));
    }

    public ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken)
    {
        var current = GetAuthorizationAsync(cancellationToken).Result;
        return ValueTask.FromResult(current?.Parameter != refused?.Parameter);
    }
}
