namespace FacilityFS.Identity;

/// <summary>Credentials could not be obtained (missing or unreadable secret file, empty token); the message names the source.</summary>
public sealed class CredentialException(string message, Exception? inner = null) : Exception(message, inner);
