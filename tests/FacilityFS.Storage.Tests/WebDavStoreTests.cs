using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;

namespace FacilityFS.Storage.Tests;

/// <summary>The store contract plus WebDAV-only promises, against one real server.</summary>
public abstract class WebDavStoreTests(WebDavServer server) : StoreContract
{
    private WebDavStore? _store;

    protected WebDavServer Server { get; } = server;

    protected override IRemoteStore Store => _store!;

    public override Task InitializeAsync()
    {
        _store = new WebDavStore(new WebDavOptions { BaseUri = Server.BaseUri, RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxRetries = 2 });
        return base.InitializeAsync();
    }

    public override async Task DisposeAsync() => await _store!.DisposeAsync();

    protected override void Seed(RemotePath path, byte[] content) => Server.WriteFile(path.Value, content);

    [Fact]
    public async Task A_folder_of_twenty_thousand_entries_streams_completely()
    {
        var dir = Server.CreateDirectory(Folder.Child("big").Value);
        for (var i = 0; i < 20_000; i++) File.WriteAllBytes(Path.Combine(dir, $"file {i:D5}.dat"), []);
        var names = new HashSet<string>();
        await foreach (var entry in Store.ListAsync(Folder.Child("big"))) Assert.True(names.Add(entry.Name), entry.Name);
        Assert.Equal(20_000, names.Count);
        Assert.Contains("file 19999.dat", names);
    }

    [Fact]
    public async Task A_folder_given_with_or_without_a_trailing_slash_is_the_same()
    {
        Server.CreateDirectory(Folder.Child("slashed").Value);
        Seed(Folder.Combine("slashed/x"), [1]);
        var viaUrl = new WebDavStore(new WebDavOptions { BaseUri = new Uri(Server.BaseUri, Folder.Value[1..] + "/slashed") });
        await using (viaUrl)
        {
            Assert.Equal("x", Assert.Single(await viaUrl.ListAsync(RemotePath.Root).ToListAsync()).Name);
            Assert.True((await viaUrl.StatAsync(RemotePath.Root)).IsDirectory);
        }
    }

    [Fact]
    public async Task Ranged_reads_send_range_requests_not_whole_files()
    {
        Seed(Folder.Child("r"), RandomBytes(1 << 20));
        Server.ClearRequestLog();
        await ReadAllAsync(Folder.Child("r"), new ByteRange(4096, 4096));
        var get = Assert.Single(Server.RequestLog(), r => r.Method == "GET");
        Assert.Equal(206, get.Status);
        Assert.Equal("bytes=4096-8191", get.Range);
    }

    [Fact]
    public async Task A_stopped_server_is_reported_as_unavailable_with_the_url()
    {
        var dead = new WebDavStore(new WebDavOptions
        {
            BaseUri = new Uri($"http://127.0.0.1:{FreePort.Next()}/"),
            MaxRetries = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        });
        await using (dead)
        {
            var error = await Assert.ThrowsAsync<StorageException>(() => dead.StatAsync(RemotePath.Parse("/x")));
            Assert.Equal(StorageErrorKind.Unavailable, error.Kind);
            Assert.True(error.IsTransient);
            Assert.Contains("PROPFIND http://127.0.0.1:", error.Message);
        }
    }

    [Fact]
    public async Task Checksums_come_back_null_when_the_server_offers_none()
    {
        Seed(Folder.Child("c"), [1, 2, 3]);
        Assert.Null(await ((IChecksumSource)Store).GetChecksumAsync(Folder.Child("c"), Checksums.ChecksumAlgorithm.Adler32));
    }
}

[Collection("apache")]
public sealed class ApacheWebDavStoreTests(ApacheFixture fixture) : WebDavStoreTests(fixture.Server), IClassFixture<ApacheFixture>;

[Collection("nginx")]
public sealed class NginxWebDavStoreTests(NginxFixture fixture) : WebDavStoreTests(fixture.Server), IClassFixture<NginxFixture>;
