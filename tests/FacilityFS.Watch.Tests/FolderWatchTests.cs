using FacilityFS.Catalog;
using FacilityFS.Storage;
using FacilityFS.Storage.Local;
using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;

namespace FacilityFS.Watch.Tests;

/// <summary>A real inotify watch over a temp folder, files uploaded to Apache and datasets registered in the SciCat stand-in by the mount's own catalog hook.</summary>
public sealed class FolderWatchTests(ApacheFixture apache) : IClassFixture<ApacheFixture>, IAsyncLifetime
{
    private static readonly WatchOptions Fast = new() { Settle = TimeSpan.FromMilliseconds(200), Backoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(500) };
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-watch-");
    private readonly string _remoteName = "w-" + Guid.NewGuid().ToString("N")[..10];
    private SciCatStandIn _scicat = null!;
    private WebDavStore _store = null!;

    private string Watched => Path.Combine(_work.FullName, "acquisition");

    private string W(string relative) => Path.Combine(Watched, relative);

    private RemotePath RemoteRoot => RemotePath.Parse("/" + _remoteName);

    private string Stored(string relative) => apache.Server.PathOf(_remoteName + "/" + relative);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Watched);
        apache.Server.CreateDirectory(_remoteName);
        _scicat = await SciCatStandIn.StartAsync();
        _store = new WebDavStore(new WebDavOptions { BaseUri = apache.Server.BaseUri, RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxRetries = 1 });
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _scicat.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private Task<WatchSession> UploadingAsync(WatchOptions? options = null, params CatalogRule[] rules) =>
        WatchSession.StartAsync(_work.FullName, Watched, new UploadCommitter(_store, RemoteRoot), SourceFolders.For(_store), _scicat, options ?? Fast,
            rules.Length == 0 ? [WatchSession.Marked] : rules);

    [Fact]
    public async Task Files_that_appear_grow_and_close_are_uploaded_verified_and_each_marked_dataset_is_registered_once()
    {
        await using var session = await UploadingAsync();
        var one = await Instrument.WriteScanAsync(W("raw/scan_0001"), 4);
        await File.WriteAllTextAsync(W("raw/scan_0001/.complete"), "");
        var two = await Instrument.WriteScanAsync(W("raw/scan_0002"), 3);
        await File.WriteAllTextAsync(W("raw/scan_0002/.complete"), "");
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0001"), one);
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0002"), two);
        Instrument.AssertStored(Stored("raw/scan_0001"), one);
        Instrument.AssertStored(Stored("raw/scan_0002"), two);
        Instrument.AssertRegisteredOnce(_scicat, $"/{_remoteName}/raw/scan_0001", $"/{_remoteName}/raw/scan_0002");
        Assert.True(await Eventually.HoldsAsync(() => session.Watch.Status("test").Waiting == 0, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_rescan_only_run_without_events_ends_in_the_same_uploads_and_registrations()
    {
        await using var session = await UploadingAsync(Fast with { UseInotify = false, Rescan = TimeSpan.FromMilliseconds(300) });
        Assert.False(session.Watch.Status("test").Inotify);
        var one = await Instrument.WriteScanAsync(W("raw/scan_0003"), 5);
        await File.WriteAllTextAsync(W("raw/scan_0003/.complete"), "");
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0003"), one);
        Instrument.AssertStored(Stored("raw/scan_0003"), one);
        Instrument.AssertRegisteredOnce(_scicat, $"/{_remoteName}/raw/scan_0003");
    }

    [Fact]
    public async Task Register_in_place_maps_the_watched_folder_to_its_core_path_and_follows_the_dataset_list()
    {
        const string core = "/asap3/petra3/gpfs/p00/2026/data/11012345";
        await using var session = await WatchSession.StartAsync(_work.FullName, Watched, new InPlaceCommitter(new LocalFolderStore(Watched)), new SourceFolders(core), _scicat,
            Fast, WatchSession.Listed);
        var one = await Instrument.WriteScanAsync(W("listed/scan_0001"), 3);
        await File.AppendAllTextAsync(W("listed/scicat-datasets.lst"), "scan_0001\n");
        var two = await Instrument.WriteScanAsync(W("listed/scan_0002"), 2);
        await File.AppendAllTextAsync(W("listed/scicat-datasets.lst"), "scan_0002\n");
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, core + "/listed/scan_0001"), one);
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, core + "/listed/scan_0002"), two);
        Instrument.AssertRegisteredOnce(_scicat, core + "/listed/scan_0001", core + "/listed/scan_0002");
        // Nothing was copied anywhere: the data stays where the instrument wrote it.
        Assert.False(Directory.Exists(Stored("listed")));
    }

    [Fact]
    public async Task A_restart_finds_what_was_written_while_stopped_and_registers_nothing_twice()
    {
        Dictionary<string, byte[]> one;
        await using (var first = await UploadingAsync())
        {
            one = await Instrument.WriteScanAsync(W("raw/scan_0004"), 3);
            await File.WriteAllTextAsync(W("raw/scan_0004/.complete"), "");
            await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0004");
        }
        var two = await Instrument.WriteScanAsync(W("raw/scan_0005"), 2);
        await File.WriteAllTextAsync(W("raw/scan_0005/.complete"), "");
        var putsBefore = apache.Server.RequestLog().Count(r => r.Method == "PUT");
        await using var second = await UploadingAsync();
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0005"), two);
        await second.Hook.Reconciled;
        Instrument.AssertRegisteredOnce(_scicat, $"/{_remoteName}/raw/scan_0004", $"/{_remoteName}/raw/scan_0005");
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0004"), one);
        // Only the new scan's files and marker were sent again; the journal knew the first scan's.
        Assert.Equal(two.Count + 1, apache.Server.RequestLog().Count(r => r.Method == "PUT") - putsBefore);
    }

    [Fact]
    public async Task A_file_changed_during_its_upload_is_uploaded_again_and_registered_with_its_last_bytes()
    {
        var file = W("raw/scan_0006/frame.raw");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(10_000));
        var appended = false;
        var changing = new ChangingStore(_store, () =>
        {
            // The writer appends while the first upload of the file is under way.
            if (appended) return;
            appended = true;
            using var stream = new FileStream(file, FileMode.Append);
            stream.Write(new byte[5000]);
        });
        await using var session = await WatchSession.StartAsync(_work.FullName, Watched, new UploadCommitter(changing, RemoteRoot), SourceFolders.For(_store), _scicat,
            Fast, WatchSession.Marked);
        Assert.True(await Eventually.HoldsAsync(() => appended, TimeSpan.FromSeconds(20)));
        await File.WriteAllTextAsync(W("raw/scan_0006/.complete"), "");
        var dataset = await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0006");
        var final = await File.ReadAllBytesAsync(file);
        Assert.Equal(15_000, final.Length);
        Instrument.AssertFilesListed(_scicat, dataset, new() { ["frame.raw"] = final });
        Instrument.AssertStored(Stored("raw/scan_0006"), new() { ["frame.raw"] = final });
    }

    [Fact]
    public async Task A_file_deleted_before_it_settles_is_let_go_and_leaves_nothing_pending()
    {
        await using var session = await UploadingAsync(Fast with { Settle = TimeSpan.FromSeconds(3) });
        var file = W("raw/scan_0007/scratch.raw");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, new byte[100]);
        var path = RemoteRoot.Combine("raw/scan_0007/scratch.raw");
        Assert.True(await Eventually.HoldsAsync(() => session.Watch.IsPending(path), TimeSpan.FromSeconds(10)));
        File.Delete(file);
        Assert.True(await Eventually.HoldsAsync(() => !session.Watch.HasPendingUnder(RemoteRoot), TimeSpan.FromSeconds(20)));
        Assert.False(File.Exists(Stored("raw/scan_0007/scratch.raw")));
    }

    [Fact]
    public async Task Storage_that_is_away_is_shown_with_its_reason_and_the_uploads_resume_when_it_is_back()
    {
        await using var own = await WebDavServer.StartAsync(ServerKind.Apache);
        own.CreateDirectory(_remoteName);
        await using var store = new WebDavStore(new WebDavOptions { BaseUri = own.BaseUri, RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxRetries = 0 });
        await own.StopAsync();
        await using var session = await WatchSession.StartAsync(_work.FullName, Watched, new UploadCommitter(store, RemoteRoot), SourceFolders.For(store), _scicat,
            Fast, WatchSession.Marked);
        var one = await Instrument.WriteScanAsync(W("raw/scan_0008"), 2);
        await File.WriteAllTextAsync(W("raw/scan_0008/.complete"), "");
        Assert.True(await Eventually.HoldsAsync(() => session.Watch.Status("test").Failures.Count > 0, TimeSpan.FromSeconds(20)));
        Assert.Contains("scan_0008", session.Watch.Status("test").Failures[0].Path);
        Assert.Empty(_scicat.Datasets);
        await own.StartAsync();
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, $"/{_remoteName}/raw/scan_0008"), one);
        Instrument.AssertStored(own.PathOf(_remoteName + "/raw/scan_0008"), one);
        Assert.Empty(session.Watch.Status("test").Failures);
    }

    [Fact]
    public async Task A_watched_folder_that_disappears_is_shown_as_gone_and_watched_again_when_it_is_back()
    {
        const string core = "/beamtime/gone-and-back";
        await using var session = await WatchSession.StartAsync(_work.FullName, Watched, new InPlaceCommitter(new LocalFolderStore(Watched)), new SourceFolders(core), _scicat,
            Fast with { Rescan = TimeSpan.FromMilliseconds(300) }, WatchSession.Marked);
        Directory.Delete(Watched, recursive: true);
        Assert.True(await Eventually.HoldsAsync(() => session.Watch.Status("test").Problems.Any(p => p.Contains("is gone", StringComparison.Ordinal)), TimeSpan.FromSeconds(20)));
        Directory.CreateDirectory(Watched);
        Assert.True(await Eventually.HoldsAsync(() => session.Watch.Status("test").Problems.Count == 0, TimeSpan.FromSeconds(20)));
        var one = await Instrument.WriteScanAsync(W("raw/scan_0009"), 3);
        await File.WriteAllTextAsync(W("raw/scan_0009/.complete"), "");
        Instrument.AssertFilesListed(_scicat, await Instrument.RegisteredAsync(_scicat, core + "/raw/scan_0009"), one);
        Assert.True(session.Watch.Status("test").Inotify);
    }
}
