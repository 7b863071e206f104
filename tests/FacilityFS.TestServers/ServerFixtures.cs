using Xunit;

namespace FacilityFS.TestServers;

/// <summary>An xunit fixture: one private server per test class, started once and stopped after the class.</summary>
public abstract class ServerFixture(ServerKind kind) : IAsyncLifetime
{
    public WebDavServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await WebDavServer.StartAsync(kind);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class ApacheFixture() : ServerFixture(ServerKind.Apache);

public sealed class NginxFixture() : ServerFixture(ServerKind.Nginx);
