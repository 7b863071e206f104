using FacilityFS.TestServers;

namespace FacilityFS.Benchmarks;

/// <summary>Real storages speak https: `get` and a cold read through the mount of 1 GiB from Apache with the test PKI, against curl over the same https.</summary>
/// <remarks>Both sides trust the test root CA the way a user would (ca_bundle in the remote's configuration, curl --cacert); verification is never switched off.</remarks>
internal static class TlsBench
{
    public static async Task RunAsync(string facilityfs, string source, string work, int runs)
    {
        var pki = TestCertificates.Create(Path.Combine(work, "pki"));
        await using var server = await ApacheServer.StartHttpsAsync(pki);
        server.WriteFile("big.bin", []);
        File.Copy(source, server.PathOf("big.bin"), overwrite: true);
        var size = new FileInfo(source).Length;
        var config = Path.Combine(work, "tls-config.yaml");
        await File.WriteAllTextAsync(config, $"remotes:\n  tls:\n    url: {server.BaseUri}\n    ca_bundle: {pki.RootCa}\n");
        var url = new Uri(server.BaseUri, "big.bin").AbsoluteUri;
        var target = Path.Combine(work, "download-tls.bin");
        await Timed.RunAsync("sync");

        var get = await Timed.CompareAsync(runs,
            () => Fresh(target, () => Timed.RunAsync(facilityfs, "--config", config, "get", "tls:/big.bin", target)),
            () => Fresh(target, () => Timed.RunAsync("curl", "-sSf", "--cacert", pki.RootCa, "-o", target, url)));
        File.Delete(target);
        Report.Throughput("https: get 1 GiB", size, get.Ours, "curl -o", get.Peer, 0.9);

        // Cold: a fresh mount each run, so nothing is cached.
        var cold = await Timed.CompareAsync(runs, async () =>
        {
            var point = Directory.CreateDirectory(Path.Combine(work, "ffs-tls-" + Guid.NewGuid().ToString("N")[..8])).FullName;
            await Timed.RunAsync(facilityfs, "--config", config, "mount", "tls:/", point, "--read-only");
            try
            {
                return await Timed.RunAsync("dd", $"if={point}/big.bin", "of=/dev/null", "bs=1M");
            }
            finally
            {
                await Timed.RunAsync(facilityfs, "unmount", point);
            }
        }, () => Timed.RunAsync("curl", "-sSf", "--cacert", pki.RootCa, "-o", "/dev/null", url));
        Report.Throughput("https: mount cold read 1 GiB", size, cold.Ours, "curl", cold.Peer, 0.6);
    }

    private static async Task<TimeSpan> Fresh(string path, Func<Task<TimeSpan>> run)
    {
        File.Delete(path);
        return await run();
    }
}
