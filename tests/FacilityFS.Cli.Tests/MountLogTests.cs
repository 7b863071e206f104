using FacilityFS.Cli.Mounting;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Tests;

/// <summary>The mount's log file stays bounded: it rotates at its size, keeps three old ones, and stays private.</summary>
public sealed class MountLogTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ffs-log-");

    [Fact]
    public void The_log_rotates_at_its_size_keeping_three_old_files_and_dropping_the_oldest()
    {
        var path = Path.Combine(_work.FullName, "logs", "mount.log");
        using (var logger = FileLogger.Open(path, LogLevel.Information, rotateAt: 1000))
            for (var i = 0; i < 100; i++) logger.LogInformation("line {Number} {Padding}", i, new string('x', 60));
        var files = Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["mount.log", "mount.log.1", "mount.log.2", "mount.log.3"], files);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!))
        {
            Assert.True(new FileInfo(file).Length < 1000 + 200, file);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        // The newest lines are in the current file, the ones just before in .1; the first ones are gone.
        Assert.Contains("line 99 ", File.ReadAllText(path));
        Assert.DoesNotContain("line 0 ", string.Concat(Directory.GetFiles(Path.GetDirectoryName(path)!).Select(File.ReadAllText)));
    }

    [Fact]
    public void A_journal_stream_variable_inherited_without_the_stream_keeps_the_log_file()
    {
        Environment.SetEnvironmentVariable("JOURNAL_STREAM", "8:12345");
        try
        {
            Assert.False(Systemd.JournalStream.IsStandardError());
        }
        finally
        {
            Environment.SetEnvironmentVariable("JOURNAL_STREAM", null);
        }
    }

    public void Dispose() => _work.Delete(recursive: true);
}
