using FacilityFS.Storage;
using FacilityFS.Storage.Local;
using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;

namespace FacilityFS.Vfs.Tests;

/// <summary>A local-folder store in a fresh temp folder that goes with it.</summary>
internal sealed class TemporaryFolderStore : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ffs-vfs-local-");

    public TemporaryFolderStore() => Store = new LocalFolderStore(_root.FullName);

    public LocalFolderStore Store { get; }

    public void Dispose() => _root.Delete(recursive: true);
}

/// <summary>The VFS contract over a plain local folder: the baseline.</summary>
public sealed class LocalFolderVfsTests : VfsContract, IDisposable
{
    private readonly TemporaryFolderStore _folder = new();

    protected override IRemoteStore Store => _folder.Store;

    public void Dispose() => _folder.Dispose();
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
    private readonly TemporaryFolderStore _folder = new();

    protected override IRemoteStore Store => _folder.Store;

    public void Dispose() => _folder.Dispose();
}

/// <summary>The write-back contract over Apache mod_dav.</summary>
[Collection("apache")]
public sealed class ApacheWriteTests(ApacheFixture fixture) : WriteContract, IClassFixture<ApacheFixture>
{
    private readonly WebDavStore _store = new(new WebDavOptions { BaseUri = fixture.Server.BaseUri });

    protected override IRemoteStore Store => _store;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _store.DisposeAsync();
    }
}

/// <summary>The write-back contract over nginx's WebDAV (dav-ext), which lists no ETags: versions are size and time there.</summary>
[Collection("nginx")]
public sealed class NginxWriteTests(NginxFixture fixture) : WriteContract, IClassFixture<NginxFixture>
{
    private readonly WebDavStore _store = new(new WebDavOptions { BaseUri = fixture.Server.BaseUri });

    protected override IRemoteStore Store => _store;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _store.DisposeAsync();
    }
}
