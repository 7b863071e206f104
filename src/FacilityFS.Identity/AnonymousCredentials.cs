using System.Net.Http.Headers;

namespace FacilityFS.Identity;

/// <summary>No credentials: requests go out without an Authorization header.</summary>
public sealed class AnonymousCredentials : ICredentialProvider
{
    public static readonly AnonymousCredentials Instance = new();

    public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken) => ValueTask.FromResult<AuthenticationHeaderValue?>(null);

    public ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
