using FacilityFS.Fuse.Interop;

namespace FacilityFS.Fuse.Tests;

/// <summary>The hand-written struct layouts against the real headers: native/fuse-layout.c compiled with gcc against /usr/include/fuse3.</summary>
public sealed class LayoutTests
{
    [Fact]
    public async Task Every_struct_size_and_field_offset_matches_the_c_headers()
    {
        var work = Directory.CreateTempSubdirectory("ffs-layout-");
        try
        {
            var probe = Path.Combine(work.FullName, "fuse-layout");
            var compile = await ProcessRun.RunAsync("gcc", ["-Wall", "-Werror", "-I/usr/include/fuse3", Path.Combine(Repository.Root, "native", "fuse-layout.c"), "-o", probe]);
            Assert.True(compile.ExitCode == 0, compile.ToString());
            var run = await ProcessRun.RunAsync(probe, []);
            Assert.Equal(0, run.ExitCode);
            var native = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' '))
                .ToDictionary(f => f[0], f => long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
            var managed = FuseLayout.Table();
            Assert.Equal(native.Keys.Order(), managed.Keys.Order());
            foreach (var (name, value) in native) Assert.True(managed[name] == value, $"{name}: C says {value}, C# says {managed[name]}");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_vfs_error_has_its_own_errno()
    {
        var errnos = Enum.GetValues<Vfs.VfsError>().Select(Errno.Of).ToList();
        Assert.All(errnos, e => Assert.True(e > 0));
        Assert.Equal(errnos.Count, errnos.Distinct().Count());
    }
}
