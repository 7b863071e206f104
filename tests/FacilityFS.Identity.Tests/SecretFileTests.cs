using System.Net.Http.Headers;
using System.Text;

namespace FacilityFS.Identity.Tests;

/// <summary>Secrets from files: re-read when rewritten, clear errors that name the file and never the secret.</summary>
public sealed class SecretFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ffs-identity-");

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public void A_rewritten_file_is_picked_up_and_only_its_first_line_counts()
    {
        var path = PathOf("token");
        File.WriteAllText(path, "first\n");
        var secret = new SecretFile(path);
        Assert.Equal("first", secret.Read());
        File.WriteAllText(path, "second-and-longer\n# comment line\n");
        Assert.Equal("second-and-longer", secret.Read());
    }

    [Fact]
    public void Missing_or_empty_files_name_the_file()
    {
        var missing = Assert.Throws<CredentialException>(() => new SecretFile(PathOf("absent")).Read());
        Assert.Contains(PathOf("absent"), missing.Message);
        File.WriteAllText(PathOf("empty"), "  \n");
        Assert.Contains("is empty", Assert.Throws<CredentialException>(() => new SecretFile(PathOf("empty")).Read()).Message);
    }

    [Fact]
    public async Task A_bearer_token_file_rewritten_after_a_refusal_is_worth_a_retry()
    {
        var path = PathOf("bearer");
        File.WriteAllText(path, "old");
        var credentials = BearerTokenCredentials.FromFile(path);
        var refused = await credentials.GetAuthorizationAsync(CancellationToken.None);
        Assert.Equal("Bearer old", refused!.ToString());
        Assert.False(await credentials.RenewAsync(refused, CancellationToken.None));
        File.WriteAllText(path, "new");
        Assert.True(await credentials.RenewAsync(refused, CancellationToken.None));
        Assert.Equal("Bearer new", (await credentials.GetAuthorizationAsync(CancellationToken.None))!.ToString());
    }

    [Fact]
    public async Task Basic_credentials_encode_user_and_password_from_its_file()
    {
        File.WriteAllText(PathOf("pw"), "pa:ss wörd\n");
        var header = await new BasicCredentials("alice", new SecretFile(PathOf("pw"))).GetAuthorizationAsync(CancellationToken.None);
        Assert.Equal("Basic", header!.Scheme);
        Assert.Equal("alice:pa:ss wörd", Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter!)));
    }

    [Fact]
    public async Task A_token_environment_variable_that_is_unset_is_a_clear_error()
    {
        var name = "FFS_TEST_TOKEN_" + Guid.NewGuid().ToString("N");
        Assert.Contains(name, Assert.Throws<CredentialException>(() => BearerTokenCredentials.FromEnvironment(name)).Message);
        Environment.SetEnvironmentVariable(name, "env-token");
        try
        {
            Assert.Equal(new AuthenticationHeaderValue("Bearer", "env-token").ToString(),
                (await BearerTokenCredentials.FromEnvironment(name).GetAuthorizationAsync(CancellationToken.None))!.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
