namespace FacilityFS.Fuse.Tests;

/// <summary>CHANGES THIS MACHINE (root): installs the .deb that make package builds, mounts through a test /etc/fstab line and through
/// mount.facilityfs, and removes it all again. The fstab line, the mounts and the package are undone in finally blocks, whatever fails.</summary>
[Collection("lifecycle")]
public sealed class DebianPackageTests : ServerPerTest
{
    private const string FstabMarker = "# facilityfs package test, removed after";

    [Fact]
    public async Task The_deb_installs_mounts_from_fstab_and_by_the_helper_and_uninstalls_leaving_no_file()
    {
        var native = Path.Combine(Repository.Root, "bin", "facilityfs");
        Assert.True(File.Exists(native) && !new FileInfo(native).Attributes.HasFlag(FileAttributes.ReparsePoint), $"no native binary at {native}; run make build");
        var build = await ProcessRun.RunAsync(Path.Combine(Repository.Root, "packaging", "scripts", "package.sh"), [], TimeSpan.FromMinutes(5));
        Assert.True(build.ExitCode == 0, build.ToString());
        var deb = Path.Combine(Repository.Root, build.Out.Trim());
        if (File.Exists("/usr/bin/lintian"))
        {
            var lint = await ProcessRun.RunAsync("/usr/bin/lintian", ["--fail-on", "error,warning", deb], TimeSpan.FromMinutes(5));
            Assert.True(lint.ExitCode == 0, lint.ToString());
        }
        Server.WriteFile("pkg/hello.txt", "hello from fstab"u8);
        var point = Directory.CreateDirectory(Path.Combine(Work.FullName, "mnt")).FullName;
        var remote = Remote + "pkg";
        var fstab = await File.ReadAllTextAsync("/etc/fstab");
        IReadOnlyList<string> installed = [];
        try
        {
            await Run("dpkg", "-i", deb);
            installed = (await Run("dpkg", "-L", "facilityfs")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var version = await Run("/usr/bin/facilityfs", "--version");
            Assert.StartsWith(Path.GetFileName(deb).Split('_')[1], version.Out.Trim());
            Assert.Contains("/usr/share/man/man1/facilityfs.1.gz", installed);
            Assert.Contains("/usr/share/bash-completion/completions/facilityfs", installed);
            if (File.Exists("/usr/bin/systemd-analyze"))
                foreach (var unit in new[] { "/usr/lib/systemd/system/facilityfs@.service", "/usr/lib/systemd/user/facilityfs@.service", "/usr/lib/systemd/system/facilityfs-watch@.service" })
                {
                    var instance = Path.Combine(Work.FullName, Path.GetFileName(unit).Replace("@", "@mnt-cta"));
                    File.Copy(unit, instance, overwrite: true);
                    await Run("systemd-analyze", "verify", instance);
                }

            // An fstab line: mount -a mounts it, umount unmounts it.
            await File.WriteAllTextAsync("/etc/fstab", fstab + $"{FstabMarker}\n{remote} {point} facilityfs _netdev,dir_cache_time=1,attr_timeout=1 0 0\n");
            await Run("mount", "-a", "-t", "facilityfs");
            Assert.True(FuseMount.IsMounted(point));
            Assert.Equal("hello from fstab", await File.ReadAllTextAsync(Path.Combine(point, "hello.txt")));
            await Run("umount", point);
            Assert.False(FuseMount.IsMounted(point));
            await DaemonGoneAsync(point);
            // mount MOUNTPOINT finds the rest in fstab too.
            await Run("mount", point);
            Assert.True(FuseMount.IsMounted(point));
            await Run("umount", point);
            await DaemonGoneAsync(point);

            // The helper itself, with options: ro is --read-only.
            await Run("/sbin/mount.facilityfs", remote, point, "-o", "ro,transfers=2");
            Assert.True(FuseMount.IsMounted(point));
            var refused = Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(point, "new.txt"), "x"));
            Assert.Contains("Read-only", refused.Message, StringComparison.OrdinalIgnoreCase);
            await Run("umount", point);
            await DaemonGoneAsync(point);
            var bad = await ProcessRun.RunAsync("/sbin/mount.facilityfs", [remote, point, "-o", "colour=blue"]);
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("colour", bad.Error);
            Assert.False(FuseMount.IsMounted(point));

            await Run("dpkg", "-r", "facilityfs");
            Assert.DoesNotContain(installed, path => File.Exists(path) || new FileInfo(path).LinkTarget is not null);
            Assert.False(Directory.Exists("/usr/lib/facilityfs"));
            Assert.False(File.Exists("/usr/bin/facilityfs"));
        }
        finally
        {
            await File.WriteAllTextAsync("/etc/fstab", fstab);
            if (FuseMount.IsMounted(point)) await ProcessRun.RunAsync("umount", ["-l", point]);
            if (File.Exists("/usr/lib/facilityfs/facilityfs")) await ProcessRun.RunAsync("dpkg", ["-r", "facilityfs"]);
        }
    }

    /// <summary>Waits until the daemon of the last mount at <paramref name="point"/> has finished (its control socket and pid file gone with it), so the next mount is not confused with it.</summary>
    private static async Task DaemonGoneAsync(string point)
    {
        bool Running() => Directory.EnumerateDirectories("/proc").Any(dir =>
        {
            try
            {
                return int.TryParse(Path.GetFileName(dir), out _) && File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0').Contains(point);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (Running() && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.False(Running(), $"the mount daemon of {point} did not finish");
    }

    private static async Task<ProcessRun> Run(string file, params string[] args)
    {
        var run = await ProcessRun.RunAsync(file, args, TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, $"{file} {string.Join(' ', args)}: {run}");
        return run;
    }
}
