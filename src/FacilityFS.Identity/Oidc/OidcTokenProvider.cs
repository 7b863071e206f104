using System.Net.Http.Headers;

namespace FacilityFS.Identity.Oidc;

/// <summary>Bearer tokens for every request of one remote, refreshed ahead of their end and once more after a 401, for as long as the session lasts (a mount runs for days).</summary>
/// <remarks>A refresh happens under the store's lock after re-reading the file, so processes sharing a login (a mount, a `get`) never spend the same rotating refresh token twice.</remarks>
public sealed class OidcTokenProvider(OidcClient client, TokenStore store, string profile, TimeProvider? clock = null) : ICredentialProvider
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private TokenState? _state;

    public string Profile { get; } = profile;

    public async ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken)
    {
        var state = await CurrentAsync(force: false, cancellationToken).ConfigureAwait(false);
        return new AuthenticationHeaderValue("Bearer", state.AccessToken);
    }

    public async ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken)
    {
        // Refused though it looked valid (revoked, clock skew): one forced refresh, unless another request already got a new token.
        var state = await CurrentAsync(force: refused?.Parameter == _state?.AccessToken, cancellationToken).ConfigureAwait(false);
        return state.AccessToken != refused?.Parameter;
    }

    /// <summary>A token valid for at least its refresh margin, refreshing (or, for a robot, fetching anew) when needed.</summary>
    public async Task<TokenState> CurrentAsync(bool force, CancellationToken cancellationToken)
    {
        if (!force && _state is { } cached && cached.IsFreshAt(_clock.GetUtcNow())) return cached;
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var fileLock = await store.LockAsync(Profile, cancellationToken).ConfigureAwait(false);
            // Another process (or request) may have refreshed meanwhile: its token is ours too, unless it is the very one just refused.
            var stored = store.Read(Profile);
            if (stored is not null && stored.IsFreshAt(_clock.GetUtcNow()) && !(force && stored.AccessToken == _state?.AccessToken)) return _state = stored;
            TokenState fresh;
            if (client.Settings.Flow == OidcFlow.ClientCredentials) fresh = await client.ClientCredentialsAsync(cancellationToken).ConfigureAwait(false);
            else if (stored?.RefreshToken is { } refreshToken) fresh = await client.RefreshAsync(refreshToken, cancellationToken).ConfigureAwait(false);
            else throw new CredentialException($"not logged in to {Profile} (no tokens in {store.PathOf(Profile)}); run: facilityfs login {Profile}");
            // Stored before use: with rotation the old refresh token is dead from now on.
            store.Write(Profile, fresh);
            return _state = fresh;
        }
        catch (CredentialException e) when (e.Message.Contains("log in again", StringComparison.Ordinal))
        {
            throw new CredentialException($"{Profile}: {e.Message}: facilityfs login {Profile}", e);
        }
        finally
        {
            _refreshing.Release();
        }
    }
}
