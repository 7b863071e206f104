using FacilityFS.Cli.Systemd;

namespace FacilityFS.Cli.Tests;

/// <summary>`mount --install-unit` writes a facilityfs@.service instance's settings (CHANGES THIS MACHINE as root: /etc/facilityfs/mounts; the file is removed after).</summary>
public sealed class UnitInstallTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-unit-");

    [Fact]
    public async Task Install_unit_writes_the_remote_and_the_options_with_absolute_paths_and_does_not_mount()
    {
        var point = Directory.CreateDirectory(Path.Combine(_work.FullName, "cta")).FullName;
        var file = Path.Combine(UnitInstaller.SettingsFolder, UnitInstaller.EscapePath(point) + ".conf");
        var folderExisted = Directory.Exists(UnitInstaller.SettingsFolder);
        var cwd = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = _work.FullName;
            var run = await CliRun.RunAsync("mount", "cta:/data", point, "--cache-dir", "cache", "--transfers", "4", "--read-only", "--install-unit");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains($"facilityfs@{UnitInstaller.EscapePath(point)}.service", run.Out);
            var lines = File.ReadAllLines(file);
            Assert.Contains("REMOTE=cta:/data", lines);
            Assert.Contains($"OPTIONS=--cache-dir {Path.Combine(_work.FullName, "cache")} --transfers 4 --read-only", lines);
            Assert.Empty(Directory.EnumerateFileSystemEntries(point));
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
            File.Delete(file);
            if (!folderExisted && Directory.Exists(UnitInstaller.SettingsFolder) && !Directory.EnumerateFileSystemEntries(UnitInstaller.SettingsFolder).Any())
                Directory.Delete(UnitInstaller.SettingsFolder);
        }
    }

    [Fact]
    public async Task An_option_a_unit_cannot_carry_is_refused_naming_it()
    {
        var point = Directory.CreateDirectory(Path.Combine(_work.FullName, "spaces")).FullName;
        var run = await CliRun.RunAsync("mount", "cta:/data", point, "--log-file", "/tmp/a log.txt", "--install-unit");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'/tmp/a log.txt'", run.Error);
        Assert.False(File.Exists(Path.Combine(UnitInstaller.SettingsFolder, UnitInstaller.EscapePath(point) + ".conf")));
    }

    public void Dispose() => _work.Delete(recursive: true);
}
