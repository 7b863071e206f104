using FacilityFS.TestServers;

namespace FacilityFS.Benchmarks;

/// <summary>Start-up of short commands, whole process as a script's loop sees it: facilityfs --version, ls and stat against curl and rclone doing the same.</summary>
internal static class Startup
{
    public static async Task RunAsync(string facilityfs, WebDavServer server, int runs)
    {
        server.WriteFile("startup/a.txt", "a"u8);
        var folder = new Uri(server.BaseUri, "startup/").AbsoluteUri;
        var file = new Uri(server.BaseUri, "startup/a.txt").AbsoluteUri;
        string[] rclone = ["--webdav-url", server.BaseUri.AbsoluteUri];
        // Short commands vary more than transfers: more runs, best of them.
        var tries = runs * 5;
        var version = await Timed.CompareAsync(tries, () => Timed.RunAsync(facilityfs, "--version"), () => Timed.RunAsync("curl", "--version"));
        Report.Speedup("start-up: --version", version.Ours, "curl --version", version.Peer, 0.1);
        var versionRclone = await Timed.BestAsync(tries, () => Timed.RunAsync("rclone", "version"));
        Report.Speedup("start-up: --version", version.Ours, "rclone version", versionRclone, 1.0);
        var ls = await Timed.CompareAsync(tries, () => Timed.RunAsync(facilityfs, "ls", folder),
            () => Timed.RunAsync("curl", "-sSf", "-X", "PROPFIND", "-H", "Depth: 1", "-o", "/dev/null", folder));
        Report.Speedup("start-up: ls", ls.Ours, "curl PROPFIND", ls.Peer, 0.1);
        var lsRclone = await Timed.BestAsync(tries, () => Timed.RunAsync("rclone", ["lsf", ":webdav:startup", .. rclone]));
        Report.Speedup("start-up: ls", ls.Ours, "rclone lsf", lsRclone, 1.0);
        var stat = await Timed.CompareAsync(tries, () => Timed.RunAsync(facilityfs, "stat", file),
            () => Timed.RunAsync("curl", "-sSf", "-X", "PROPFIND", "-H", "Depth: 0", "-o", "/dev/null", file));
        Report.Speedup("start-up: stat", stat.Ours, "curl PROPFIND", stat.Peer, 0.1);
        var statRclone = await Timed.BestAsync(tries, () => Timed.RunAsync("rclone", ["lsjson", "--stat", ":webdav:startup/a.txt", .. rclone]));
        Report.Speedup("start-up: stat", stat.Ours, "rclone lsjson --stat", statRclone, 1.0);
    }
}
