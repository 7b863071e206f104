namespace FacilityFS.TestServers;

/// <summary>One line of a server's access log: what was asked and what it answered.</summary>
public sealed record LoggedRequest(string Method, int Status, string Path, string? Range);
