using FacilityFS.Storage;
using FacilityFS.Storage.Local;
using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;

namespace FacilityFS.Vfs.Tests;

/// <summary>The VFS contract over a plain local folder: the baseline.</summary>
public sealed class LocalFolderVfsTests : VfsContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ffs-vfs-local-");
    private readonly LocalFolderStore _store;

    public LocalFolderVfsTests() => _store = new LocalFolderStore(_root.FullName);

    protected override IRemoteStore Store => _store;

    public void Dispose() => _root.Delete(recursive: true);
}

/// <summary>The VFS contract over Apache mod_dav, the reference server.</summary>
[Collection("apache")]
public sealed class ApacheVfsTests(ApacheFixture fixture) : VfsContract, IClassFixture<ApacheFixture>
{
    private readonly WebDavStore _store = new(new WebDavOptions { BaseUri = fixture.Server.BaseUri });

    protected override IRemoteStore Store => _store;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _store.DisposeAsync();
    }
}

/// <summary>The write-back contract over a plain local folder: the baseline.</summary>
public sealed class LocalFolderWriteTests : WriteContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ffs-vfs-wlocal-");
    private readonly LocalFolderStore _store;

    public LocalFolderWriteTests() => _store = new LocalFolderStore(_root.FullName);

    protected override IRemoteStore Store => _store;

    public void Dispose() => _root.Delete(recursive: true);
}

/// <summary>The write-back contract over Apache mod_dav.</summary>
[Collection("apache")]
public sealed class ApacheWriteTests(ApacheFixture fixture) : WriteContract, IClassFixture<ApacheFixture>, IAsyncDisposable
{
    private readonly WebDavStore _store = new(new WebDavOptions { BaseUri = fixture.Server.BaseUri });

    protected override IRemoteStore Store => _store;

    async ValueTask IAsyncDisposable.DisposeAsync() => await _store.DisposeAsync();
}
