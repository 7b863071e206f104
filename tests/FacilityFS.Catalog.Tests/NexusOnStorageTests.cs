using FacilityFS.Catalog.Nexus;
using FacilityFS.Storage;
using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;

namespace FacilityFS.Catalog.Tests;

/// <summary>NeXus metadata of a master file on a real WebDAV server, read by ranges: the same metadata as the local file, and only a few MB of a large one.</summary>
[Collection("apache")]
public sealed class NexusOnStorageTests(ApacheFixture fixture, NexusFiles files) : IClassFixture<ApacheFixture>, IClassFixture<NexusFiles>
{
    private async Task<(WebDavStore Store, RemoteEntry Entry)> PublishAsync(string local, string name)
    {
        var store = new WebDavStore(new WebDavOptions { BaseUri = fixture.Server.BaseUri });
        fixture.Server.WriteFile(name, File.ReadAllBytes(local));
        return (store, await store.StatAsync(RemotePath.Parse("/" + name)));
    }

    [Fact]
    public async Task A_remote_master_gives_the_same_metadata_as_the_local_file()
    {
        var local = files.Make("full");
        var (store, entry) = await PublishAsync(local, $"same-{Guid.NewGuid():N}.nxs");
        await using var _ = store;
        using var stream = new RangedReadStream(store, entry.Path, entry.Size, entry.ETag);
        var remote = NexusMetadataReader.Read(stream, entry.Path.Value, new NexusOptions());
        Assert.Equal(NexusMetadataReader.Read(local, new NexusOptions()).ToDatasetFields().ToJsonString(), remote.ToDatasetFields().ToJsonString());
    }

    [Fact]
    public async Task The_metadata_of_a_large_master_costs_a_few_megabytes_of_reads()
    {
        var local = files.Make("big", "96");
        var (store, entry) = await PublishAsync(local, $"big-{Guid.NewGuid():N}.nxs");
        await using var _ = store;
        Assert.True(entry.Size > 90 << 20, $"the test file is only {entry.Size} bytes");
        using var stream = new RangedReadStream(store, entry.Path, entry.Size, entry.ETag);
        var read = NexusMetadataReader.Read(stream, entry.Path.Value, new NexusOptions());
        Assert.NotNull(read.ScientificMetadata["instrument"]!["detector"]!["stack"]!["shape"]);
        Assert.True(stream.BytesFetched < 4 << 20, $"read {stream.BytesFetched} bytes of {entry.Size} in {stream.Requests} requests");
    }
}
