using FacilityFS.TestServers;

namespace FacilityFS.Fuse.Tests;

/// <summary>A private server and one mount of it, shared by a test class; subclasses seed the server and choose the mount's options.</summary>
public abstract class ServerMountFixture(ServerKind kind, string workPrefix) : IAsyncLifetime
{
    public WebDavServer Server { get; private set; } = null!;

    public DirectoryInfo Work { get; } = Directory.CreateTempSubdirectory(workPrefix);

    internal MountedFolder Mount { get; private set; } = null!;

    /// <summary>Fills the server before the mount starts.</summary>
    protected virtual void Seed()
    {
    }

    protected abstract string[] MountOptions { get; }

    public async Task InitializeAsync()
    {
        Server = await WebDavServer.StartAsync(kind);
        try
        {
            Seed();
            Mount = await MountedFolder.StartAsync(Server.BaseUri.AbsoluteUri, Work.FullName, null, MountOptions);
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed.
            await Server.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Mount is not null) await Mount.DisposeAsync();
        }
        finally
        {
            await Server.DisposeAsync();
            Work.Delete(recursive: true);
        }
    }
}
