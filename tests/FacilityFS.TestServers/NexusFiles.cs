using System.Diagnostics;

namespace FacilityFS.TestServers;

/// <summary>NeXus files written by the real libhdf5 (Debian's python3-h5py) into a temp folder, once per test class.</summary>
public sealed class NexusFiles : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ffs-nexus-");

    /// <summary>Writes a file of the given kind (see nexus/make_nexus.py) and returns its path.</summary>
    public string Make(string kind, params string[] extra) => MakeAt(kind, Path.Combine(_folder.FullName, $"{kind}-{Guid.NewGuid():N}.nxs"), extra);

    /// <summary>Writes a file of the given kind at <paramref name="path"/> (a mount, say) with libhdf5 itself.</summary>
    public string MakeAt(string kind, string path, params string[] extra)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "nexus", "make_nexus.py"), kind, path, .. extra])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var python = Process.Start(start) ?? throw new InvalidOperationException("cannot run /usr/bin/python3 (Debian package python3-h5py)");
        var error = python.StandardError.ReadToEndAsync();
        python.StandardOutput.ReadToEnd();
        if (!python.WaitForExit(TimeSpan.FromMinutes(3))) python.Kill();
        if (python.ExitCode != 0) throw new InvalidOperationException($"make_nexus.py {kind} failed (is python3-h5py installed? make deps installs it): {error.Result}");
        return path;
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
