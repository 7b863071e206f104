namespace FacilityFS.Identity.Oidc;

/// <summary>The provider's word on a token (RFC 7662): whether it is still active, whom it is for, its scopes and end.</summary>
public sealed record TokenIntrospection(bool Active, string? Subject, string? UserName, string? Scope, DateTimeOffset? ExpiresAt);
