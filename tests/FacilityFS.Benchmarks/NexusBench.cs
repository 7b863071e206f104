using System.Diagnostics;
using System.Globalization;
using FacilityFS.Catalog.Nexus;
using FacilityFS.Storage;
using FacilityFS.Storage.WebDav;
using FacilityFS.TestServers;

namespace FacilityFS.Benchmarks;

/// <summary>The metadata of a 1 GiB NeXus master (a compressed 3-D stack written by h5py) read from the server by ranges: bytes read against the file's size, time against curl fetching it whole.</summary>
internal static class NexusBench
{
    public static async Task RunAsync(WebDavServer server, int runs)
    {
        using var files = new NexusFiles();
        var master = files.Make("big", "1024");
        var name = "master.nxs";
        server.WriteFile(name, []);
        File.Copy(master, server.PathOf(name), overwrite: true);
        await using var store = new WebDavStore(new WebDavOptions { BaseUri = server.BaseUri });
        var entry = await store.StatAsync(RemotePath.Parse("/" + name));
        long fetched = 0;
        var ours = await Timed.BestAsync(runs, () =>
        {
            var clock = Stopwatch.StartNew();
            using var stream = new RangedReadStream(store, entry.Path, entry.Size, entry.ETag);
            NexusMetadataReader.Read(stream, name, new NexusOptions());
            fetched = stream.BytesFetched;
            return Task.FromResult(clock.Elapsed);
        });
        var curl = await Timed.BestAsync(runs, () => Timed.RunAsync("curl", "-sSf", "-o", "/dev/null", new Uri(server.BaseUri, name).AbsoluteUri));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"nexus metadata, 1 GiB master",-28} read {fetched / 1e6:F2} MB of {entry.Size / 1e6:F0} MB ({100.0 * fetched / entry.Size:F3} %)   (target ≤ a few MB) {(fetched <= 8_000_000 ? "ok" : "ABOVE TARGET")}"));
        Report.Speedup("nexus metadata, 1 GiB master", ours, "curl whole file", curl, 1.0);
        File.Delete(server.PathOf(name));
    }
}
