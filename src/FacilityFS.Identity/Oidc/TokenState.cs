using System.Text.Json.Serialization;

namespace FacilityFS.Identity.Oidc;

/// <summary>What is kept between runs for one remote: the tokens, whom they came from, and when the access token ends. Stored 0600, never logged.</summary>
public sealed record TokenState
{
    public required string Issuer { get; init; }

    public required string ClientId { get; init; }

    public required string AccessToken { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>How long the access token was valid when issued; refresh starts when a quarter of it (at most a minute) is left.</summary>
    public required TimeSpan Lifetime { get; init; }

    public string? RefreshToken { get; init; }

    public string? Scope { get; init; }

    public string? IdToken { get; init; }

    [JsonIgnore]
    public TimeSpan RefreshMargin => TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, Lifetime.Ticks / 4));

    public bool IsFreshAt(DateTimeOffset now) => ExpiresAt - now > RefreshMargin;
}
