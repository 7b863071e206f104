using FacilityFS.Cli.Config;

namespace FacilityFS.Cli.Tests;

/// <summary>Warnings before a secret leaves in the clear or sits where others can read it.</summary>
public sealed class CredentialWarningTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ffs-warnings-");

    private string SecretFile(UnixFileMode mode)
    {
        var path = Path.Combine(_folder.FullName, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "secret");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void A_token_over_plain_http_to_another_machine_and_a_readable_token_file_are_warned_about()
    {
        var readable = SecretFile(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var warnings = CredentialWarnings.Of(new RemoteConfig { Name = "far", Url = new Uri("http://storage.example.org/data/"), TokenFile = readable }).ToList();
        Assert.Contains(warnings, w => w.Contains("plain http://") && w.Contains("storage.example.org"));
        Assert.Contains(warnings, w => w.Contains(readable) && w.Contains("token_file") && w.Contains("chmod 600"));
    }

    [Fact]
    public void A_private_file_over_https_or_to_localhost_is_fine_and_so_is_an_anonymous_remote()
    {
        var private_ = SecretFile(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Empty(CredentialWarnings.Of(new RemoteConfig { Name = "tls", Url = new Uri("https://storage.example.org/"), Username = "u", PasswordFile = private_ }));
        Assert.Empty(CredentialWarnings.Of(new RemoteConfig { Name = "local", Url = new Uri("http://127.0.0.1:8080/"), TokenFile = private_ }));
        Assert.Empty(CredentialWarnings.Of(new RemoteConfig { Name = "open", Url = new Uri("http://storage.example.org/") }));
    }

    [Fact]
    public void A_catalog_password_over_plain_http_is_warned_about()
    {
        var catalog = new CatalogConfig("scicat", new Uri("http://scicat.example.org/api/v3"), "ingestor",
            SecretFile(UnixFileMode.UserRead | UnixFileMode.UserWrite), null, []);
        Assert.Contains(CredentialWarnings.Of(catalog), w => w.Contains("a password over plain http://"));
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
