using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>A fresh Apache server and work folder for every test, for tests that stop servers, kill mounts or remount.</summary>
public abstract class ServerPerTest : IAsyncLifetime
{
    protected DirectoryInfo Work { get; } = Directory.CreateTempSubdirectory("ffs-test-");

    protected WebDavServer Server { get; private set; } = null!;

    protected string Remote => Server.BaseUri.AbsoluteUri;

    public async Task InitializeAsync() => Server = await WebDavServer.StartAsync(ServerKind.Apache);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Work.Delete(recursive: true);
    }
}
