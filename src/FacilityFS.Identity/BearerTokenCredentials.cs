using System.Net.Http.Headers;

namespace FacilityFS.Identity;

/// <summary>A static bearer token from a file (re-read when it changes, e.g. by an external agent) or from a fixed value.</summary>
public sealed class BearerTokenCredentials : ICredentialProvider
{
    private readonly SecretFile? _file;
    private readonly string? _token;

    private BearerTokenCredentials(SecretFile? file, string? token)
    {
        _file = file;
        _token = token;
    }

    public static BearerTokenCredentials FromFile(string path) => new(new SecretFile(path), null);

    /// <exception cref="CredentialException">The variable is unset or empty.</exception>
    public static BearerTokenCredentials FromEnvironment(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable)?.Trim();
        if (string.IsNullOrEmpty(value)) throw new CredentialException($"environment variable {variable} holds no token");
        return new BearerTokenCredentials(null, value);
    }

    public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<AuthenticationHeaderValue?>(new AuthenticationHeaderValue("Bearer", _file?.Read() ?? _token));

    // A token file rewritten by another process since the refused request is worth one more try.
    public ValueTask<bool> RenewAsync(AuthenticationHeaderValue? refused, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_file is not null && refused?.Parameter != _file.Read());
}
