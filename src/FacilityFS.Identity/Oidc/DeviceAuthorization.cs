namespace FacilityFS.Identity.Oidc;

/// <summary>A started device login: what the person must open and type, and how the client polls until they did.</summary>
public sealed record DeviceAuthorization(string DeviceCode, string UserCode, Uri VerificationUri, Uri? VerificationUriComplete, DateTimeOffset ExpiresAt, TimeSpan Interval);
