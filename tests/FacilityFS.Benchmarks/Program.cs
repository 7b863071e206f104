using System.Globalization;
using FacilityFS.Benchmarks;
using FacilityFS.TestServers;

// `make bench`: facilityfs get/put of a 1 GiB file against curl on the same Apache, in one run; prints figures and ratios.
var repo = FindRepository();
var facilityfs = Path.Combine(repo, "bin", "facilityfs");
if (!File.Exists(facilityfs)) throw new InvalidOperationException($"{facilityfs} is missing; run make build first");
const long size = 1L << 30;
const int runs = 3;

await using var server = await WebDavServer.StartAsync(ServerKind.Apache);
var work = Directory.CreateTempSubdirectory("ffs-bench-");
try
{
    var source = Path.Combine(work.FullName, "source.bin");
    WriteRandomFile(source, size);
    server.WriteFile("big.bin", []);
    File.Copy(source, server.PathOf("big.bin"), overwrite: true);
    var url = new Uri(server.BaseUri, "big.bin").AbsoluteUri;
    var target = Path.Combine(work.FullName, "download.bin");

    Console.WriteLine($"FacilityFS benchmarks: 1 GiB file, Apache mod_dav on {server.BaseUri}, best of {runs} runs each");
    var get = await Timed.CompareAsync(runs,
        () => Fresh(target, () => Timed.RunAsync(facilityfs, "get", url, target)),
        () => Fresh(target, () => Timed.RunAsync("curl", "-sSf", "-o", target, url)));
    Report("get 1 GiB", "curl -o", get.Ours, get.Peer, size, target: 0.9);

    var put = await Timed.CompareAsync(runs,
        // Each run starts with no remote copy, so neither side can skip the transfer.
        () => Fresh(server.PathOf("up-ffs.bin"), () => Timed.RunAsync(facilityfs, "put", source, new Uri(server.BaseUri, "up-ffs.bin").AbsoluteUri)),
        () => Fresh(server.PathOf("up-curl.bin"), () => Timed.RunAsync("curl", "-sSf", "-T", source, new Uri(server.BaseUri, "up-curl.bin").AbsoluteUri)));
    Report("put 1 GiB", "curl -T", put.Ours, put.Peer, size, target: 0.9);
}
finally
{
    work.Delete(recursive: true);
}
return 0;

static async Task<TimeSpan> Fresh(string path, Func<Task<TimeSpan>> run)
{
    File.Delete(path);
    return await run();
}

static void Report(string what, string peerName, TimeSpan ours, TimeSpan peer, long bytes, double target)
{
    double Rate(TimeSpan t) => bytes / t.TotalSeconds / (1 << 20);
    var ratio = Rate(ours) / Rate(peer);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{what,-12} facilityfs {Rate(ours),8:F1} MiB/s ({ours.TotalSeconds:F2} s)   {peerName} {Rate(peer),8:F1} MiB/s ({peer.TotalSeconds:F2} s)   ratio {ratio:F2} (target ≥ {target:F2}) {(ratio >= target ? "ok" : "BELOW TARGET")}"));
}

static void WriteRandomFile(string path, long length)
{
    var block = new byte[1 << 20];
    using var output = File.Create(path);
    for (long written = 0; written < length; written += block.Length)
    {
        Random.Shared.NextBytes(block);
        output.Write(block);
    }
}

static string FindRepository()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "FacilityFS.sln"))) return dir.FullName;
    throw new InvalidOperationException("cannot find the repository (FacilityFS.sln) above " + AppContext.BaseDirectory);
}
