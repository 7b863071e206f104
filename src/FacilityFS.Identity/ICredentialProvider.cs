using System.Net.Http.Headers;

namespace FacilityFS.Identity;

/// <summary>Supplies the Authorization header for one service; the HTTP layer asks before each request.</summary>
public interface ICredentialProvider
{
    /// <summary>The header to send, or null to send none.</summary>
    ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken);

    /// <summary>Called once after a 401 for the header that was refused; true when a retry may now succeed.</summary>
    ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken);
}
