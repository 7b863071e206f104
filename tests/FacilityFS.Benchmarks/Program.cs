using System.Security.Cryptography;
using FacilityFS.Benchmarks;
using FacilityFS.TestServers;

// `make bench`: ours against the peers (curl, rclone mount --vfs-cache-mode full) on the same Apache, and against the physical limit
// (a C FUSE file system serving memory, libfuse's passthrough_ll over local disk), in one run; prints figures and ratios.
var repo = FindRepository();
var facilityfs = Path.Combine(repo, "bin", "facilityfs");
var ceiling = Path.Combine(repo, "bin", "memfs_ll");
var passthrough = Path.Combine(repo, "bin", "passthrough_ll");
foreach (var program in new[] { facilityfs, ceiling, passthrough })
    if (!File.Exists(program)) throw new InvalidOperationException($"{program} is missing; run make bench (it builds them)");
const long GiB = 1L << 30;
const int runs = 3;

await using var server = await WebDavServer.StartAsync(ServerKind.Apache);
var work = Directory.CreateTempSubdirectory("ffs-bench-");
Mounts? mounts = null;
try
{
    var source = Path.Combine(work.FullName, "source.bin");
    var bigUrl = new Uri(server.BaseUri, "big.bin").AbsoluteUri;
    if (Rows.Wants("get", "put", "cold", "reread", "random", "https"))
    {
        WriteRandomFile(source, GiB);
        server.WriteFile("big.bin", []);
        File.Copy(source, server.PathOf("big.bin"), overwrite: true);
    }
    Console.WriteLine($"FacilityFS benchmarks against Apache mod_dav on {server.BaseUri}; transfers best of {runs} runs");

    // --- transfers without a mount: facilityfs get/put against curl ---
    var target = Path.Combine(work.FullName, "download.bin");
    await Timed.RunAsync("sync");
    if (Rows.Wants("get"))
    {
        var get = await Timed.CompareAsync(runs,
            () => Fresh(target, () => Timed.RunAsync(facilityfs, "get", bigUrl, target)),
            () => Fresh(target, () => Timed.RunAsync("curl", "-sSf", "-o", target, bigUrl)));
        Report.Throughput("get 1 GiB", GiB, get.Ours, "curl -o", get.Peer, 0.9);
    }
    if (Rows.Wants("put"))
    {
        var put = await Timed.CompareAsync(runs,
            // Each run starts with no remote copy, so neither side can skip the transfer.
            () => Fresh(server.PathOf("up-ffs.bin"), () => Timed.RunAsync(facilityfs, "put", source, new Uri(server.BaseUri, "up-ffs.bin").AbsoluteUri)),
            () => Fresh(server.PathOf("up-curl.bin"), () => Timed.RunAsync("curl", "-sSf", "-T", source, new Uri(server.BaseUri, "up-curl.bin").AbsoluteUri)));
        Report.Throughput("put 1 GiB", GiB, put.Ours, "curl -T", put.Peer, 0.9);
        File.Delete(server.PathOf("up-ffs.bin"));
        File.Delete(server.PathOf("up-curl.bin"));
    }

    // --- start-up of short commands (the native binary), whole process, against curl and rclone ---
    if (Rows.Wants("startup")) await Startup.RunAsync(facilityfs, server, runs);

    // --- a listing of a million entries: printed as it streams, in bounded memory ---
    if (Rows.Wants("listing")) await Listing.RunAsync(facilityfs, work.FullName);

    // --- the mount: ours against rclone mount (full cache mode) and curl ---
    mounts = new Mounts(facilityfs, work.FullName, server.BaseUri);
    if (Rows.Wants("lsrw", "ls"))
        for (var d = 0; d < 50; d++)
            for (var f = 0; f < 100; f++)
                server.WriteFile($"many/d{d:D2}/f{f:D3}.txt", "x"u8);

    if (Rows.Wants("slabs")) await SlabsBench.RunAsync(server, mounts, runs);

    if (Rows.Wants("dd", "small", "lsrw"))
    {
        // Writes: dd of 1 GiB until close returns, against the local disk and rclone; each run writes a new name.
        var localFolder = Directory.CreateDirectory(Path.Combine(work.FullName, "local-writes")).FullName;
        var writeOurs = await mounts.OursWritableAsync();
        var writeRclone = await mounts.RcloneAsync();
        // Each run's file is removed once it is safe (ours and rclone's: uploaded), so every run starts with the same free page cache;
        // ours and the local disk alternate, so both meet the same state of the machine.
        async Task<TimeSpan> DdAsync(string folder, Func<Task> settle)
        {
            var file = $"{folder}/dd-{Guid.NewGuid():N}.bin";
            var time = await Timed.RunAsync("dd", "if=/dev/zero", $"of={file}", "bs=1M", "count=1024");
            await settle();
            File.Delete(file);
            await Timed.RunAsync("sync");
            return time;
        }
        if (Rows.Wants("dd"))
        {
            var (ddOurs, ddLocal) = await Timed.CompareAsync(runs,
                () => DdAsync(writeOurs, () => Timed.RunAsync(facilityfs, "sync", writeOurs)),
                () => DdAsync(localFolder, () => Task.CompletedTask));
            var ddRclone = await Timed.BestAsync(runs, () => DdAsync(writeRclone, () => Task.Delay(TimeSpan.FromSeconds(12))));
            var passthroughSource = Directory.CreateDirectory(Path.Combine(work.FullName, "passthrough-source")).FullName;
            var writePassthrough = await mounts.PassthroughAsync(passthrough, passthroughSource);
            var ddPassthrough = await Timed.BestAsync(runs, () => DdAsync(writePassthrough, () => Task.CompletedTask));
            await mounts.UnmountAsync(writePassthrough);
            Report.Throughput("mount: dd 1 GiB until close", GiB, ddOurs, "local disk", ddLocal, 1 / 1.2);
            Report.Throughput("mount: dd 1 GiB until close", GiB, ddOurs, "C passthrough_ll", ddPassthrough, 0.9);
            Report.Throughput("mount: dd 1 GiB until close", GiB, ddOurs, "rclone", ddRclone, 1.0);
        }
        if (Rows.Wants("small"))
        {
            var smallOurs = await SmallFilesAsync(writeOurs, server.PathOf("small-ours"), "small-ours");
            var smallRclone = await SmallFilesAsync(writeRclone, server.PathOf("small-rclone"), "small-rclone");
            Report.Limit("mount: 500 small, last close", smallOurs.Closed.TotalSeconds, "s", 0.5);
            Report.Speedup("mount: 500 small, last close", smallOurs.Closed, "rclone", smallRclone.Closed, 1.0);
            Report.Limit("mount: 500 small, all stored", smallOurs.Stored.TotalSeconds, "s", 3.0);
            Report.Speedup("mount: 500 small, all stored", smallOurs.Stored, "rclone", smallRclone.Stored, 1.0);
        }
        if (Rows.Wants("lsrw"))
        {
            // Warm (each side listed once first), best of 3, alternating. A writable mount answers no extended attributes unless
            // mounted with --xattr: `ls -l` asks getxattr twice per entry, and answered it costs a round trip each.
            await Timed.RunAsync("ls", "-lR", Path.Combine(writeOurs, "many"));
            await Timed.RunAsync("ls", "-lR", Path.Combine(writeRclone, "many"));
            var (lsWritable, lsRclone) = await Timed.CompareAsync(runs,
                () => Timed.RunAsync("ls", "-lR", Path.Combine(writeOurs, "many")),
                () => Timed.RunAsync("ls", "-lR", Path.Combine(writeRclone, "many")));
            Report.Speedup("mount: ls -lR 5000 warm, rw", lsWritable, "rclone", lsRclone, 1.0);
        }
        await mounts.UnmountAsync(writeOurs);
        await mounts.UnmountAsync(writeRclone);
    }

    // Dirty pages of the set-up (a gigabyte written just before) would otherwise be flushed during the measurements.
    await Timed.RunAsync("sync");
    // Cold reads: best of three, each on a fresh mount (nothing cached), so one noisy moment does not decide the figure.
    Task<TimeSpan> ColdAsync(Func<Task<string>> mount) => Timed.BestAsync(runs, async () =>
    {
        var point = await mount();
        var time = await Timed.RunAsync("dd", $"if={point}/big.bin", "of=/dev/null", "bs=1M");
        await mounts.UnmountAsync(point);
        return time;
    });
    if (Rows.Wants("cold"))
    {
        var curl = await Timed.BestAsync(runs, () => Timed.RunAsync("curl", "-sSf", "-o", "/dev/null", bigUrl));
        var coldOurs = await ColdAsync(() => mounts.OursAsync(diskCache: false));
        var coldOursDisk = await ColdAsync(() => mounts.OursAsync(diskCache: true));
        var coldRclone = await ColdAsync(mounts.RcloneAsync);
        var coldCeiling = await ColdAsync(() => mounts.CeilingAsync(ceiling, 1024));
        Report.Throughput("mount: cold read 1 GiB", GiB, coldOurs, "curl", curl, 0.6);
        Report.Throughput("mount: cold read 1 GiB", GiB, coldOurs, "C FUSE ceiling", coldCeiling, 0.6);
        Report.Throughput("mount: cold read 1 GiB", GiB, coldOurs, "rclone", coldRclone, 3.0);
        Report.Throughput("  …with --cache-dir", GiB, coldOursDisk, "curl", curl, 0.6);
        Report.Throughput("  …with --cache-dir", GiB, coldOursDisk, "rclone", coldRclone, 3.0);
        Report.Throughput("  …with --cache-dir", GiB, coldOursDisk, "no disk cache", coldOurs, 0.9);
    }

    if (Rows.Wants("random"))
    {
        // The measure: 10 000 random 4 KiB reads of a cold 1 GiB file, each side on a fresh mount, the same seeded offsets.
        Task<TimeSpan> RandomAsync(Func<Task<string>> mount) => Timed.BestAsync(runs, async () =>
        {
            var point = await mount();
            var time = await Mounts.TimeAsync(() => RandomReads(Path.Combine(point, "big.bin"), GiB));
            await mounts.UnmountAsync(point);
            return time;
        });
        var randomRclone = await RandomAsync(mounts.RcloneAsync);
        var randomOurs = await RandomAsync(() => mounts.OursAsync(diskCache: false));
        // rclone keeps what it fetched on disk; the fair comparison is with our disk cache on too.
        var randomOursDisk = await RandomAsync(() => mounts.OursAsync(diskCache: true));
        Report.Speedup("mount: 10000 random 4 KiB", randomOurs, "rclone", randomRclone, 1.5);
        Report.Speedup("  …with --cache-dir", randomOursDisk, "rclone", randomRclone, 1.5);
    }

    if (Rows.Wants("reread", "ls"))
    {
        var ours = await mounts.OursAsync(diskCache: false);
        var rclone = await mounts.RcloneAsync();
        if (Rows.Wants("reread"))
        {
            foreach (var point in new[] { ours, rclone }) await Timed.RunAsync("dd", $"if={point}/big.bin", "of=/dev/null", "bs=1M");
            var warmOurs = await Timed.RunAsync("dd", $"if={ours}/big.bin", "of=/dev/null", "bs=1M");
            var warmRclone = await Timed.RunAsync("dd", $"if={rclone}/big.bin", "of=/dev/null", "bs=1M");
            Report.Throughput("mount: reread 1 GiB", GiB, warmOurs, "rclone", warmRclone, 10.0);
        }

        if (Rows.Wants("ls"))
        {

            var lsColdOurs = await Timed.RunAsync("ls", "-lR", Path.Combine(ours, "many"));
            var lsColdRclone = await Timed.RunAsync("ls", "-lR", Path.Combine(rclone, "many"));
            Report.Speedup("mount: ls -lR 5000 cold", lsColdOurs, "rclone", lsColdRclone, 1.0);
            var lsWarmOurs = await Timed.RunAsync("ls", "-lR", Path.Combine(ours, "many"));
            var lsWarmRclone = await Timed.RunAsync("ls", "-lR", Path.Combine(rclone, "many"));
            Report.Speedup("mount: ls -lR 5000 warm", lsWarmOurs, "rclone", lsWarmRclone, 1.0);
        }
        await mounts.UnmountAsync(ours);
        await mounts.UnmountAsync(rclone);
    }

    if (Rows.Wants("https")) await TlsBench.RunAsync(facilityfs, source, work.FullName, runs);
    if (Rows.Wants("readers")) await ReadersBench.RunAsync(server, mounts, work.FullName, runs);
    if (Rows.Wants("writes")) await WritesBench.RunAsync(facilityfs, passthrough, server, mounts, work.FullName, runs);
    if (Rows.Wants("rss")) await MemoryBench.RunAsync(facilityfs, server, mounts, work.FullName);

    if (Rows.Wants("nexus")) await NexusBench.RunAsync(server, runs);
    if (Rows.Wants("watch")) await WatchBench.RunAsync(facilityfs, server, work.FullName);
}
finally
{
    mounts?.UnmountLeftovers();
    await Task.Delay(500);
    work.Delete(recursive: true);
}
return 0;

static async Task RandomReads(string path, long size)
{
    var random = new Random(11);
    using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
    var buffer = new byte[4096];
    for (var i = 0; i < 10_000; i++) RandomAccess.Read(handle, buffer, random.NextInt64(0, size / 4096) * 4096);
    await Task.CompletedTask;
}

// 500 files of 1 KiB written into a new folder of a mount: the time until the last close returned, and until all are on the server.
static async Task<(TimeSpan Closed, TimeSpan Stored)> SmallFilesAsync(string mount, string onServer, string name)
{
    var folder = Directory.CreateDirectory(Path.Combine(mount, name)).FullName;
    var content = RandomNumberGenerator.GetBytes(1024);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    for (var i = 0; i < 500; i++) File.WriteAllBytes(Path.Combine(folder, $"f{i:D3}.dat"), content);
    var closed = clock.Elapsed;
    while (clock.Elapsed < TimeSpan.FromMinutes(3))
    {
        // Hidden names are upload temporaries; a file counts once its final name holds all its bytes.
        if (Directory.Exists(onServer) && new DirectoryInfo(onServer).EnumerateFiles().Count(f => !f.Name.StartsWith('.') && f.Length == content.Length) == 500)
            return (closed, clock.Elapsed);
        await Task.Delay(20);
    }
    throw new TimeoutException($"the 500 files written into {folder} were not all on the server after 3 minutes");
}

static async Task<TimeSpan> Fresh(string path, Func<Task<TimeSpan>> run)
{
    File.Delete(path);
    return await run();
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
