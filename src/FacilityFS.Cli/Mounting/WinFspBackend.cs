using System.Security.Principal;
using FacilityFS.Vfs;
using FacilityFS.WinFsp;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Mounting;

/// <summary>The Windows backend: a WinFsp disk volume at a drive letter (X:) or at a folder that does not exist yet (WinFsp creates it).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("windows")]
public sealed class WinFspBackend : IMountBackend
{
    public IMountedVolume Mount(VirtualFileSystem vfs, string mountpoint, MountBackendOptions options, ILogger logger)
    {
        // Every file shows the mounting user as its owner, with full access; the server decides what is really allowed.
        var user = WindowsIdentity.GetCurrent().User!;
        var owner = new byte[user.BinaryLength];
        user.GetBinaryForm(owner, 0);
        return new Volume(WinFspFileSystem.Start(vfs, mountpoint, SecurityDescriptor.For(owner), logger));
    }

    /// <summary>A drive letter in use, or a folder that is a reparse point (WinFsp's mount points are).</summary>
    public bool IsMounted(string mountpoint) => IsDriveLetter(mountpoint)
        ? Directory.Exists(mountpoint + "\\")
        : Directory.Exists(mountpoint) && new DirectoryInfo(mountpoint).Attributes.HasFlag(FileAttributes.ReparsePoint);

    /// <summary>A WinFsp volume lives only as long as its process: one whose daemon is gone is gone too.</summary>
    public void ForceUnmount(string mountpoint, ILogger logger)
    {
    }

    public static bool IsDriveLetter(string mountpoint) => mountpoint.Length == 2 && char.IsAsciiLetter(mountpoint[0]) && mountpoint[1] == ':';

    private sealed class Volume(WinFspFileSystem volume) : IMountedVolume
    {
        public string Mountpoint => volume.MountPoint;

        public Task Stopped => volume.Stopped;

        public void RequestUnmount() => volume.RequestUnmount();

        public ValueTask CloseAsync(TimeSpan wait) => volume.DisposeAsync();

        public ValueTask DisposeAsync() => volume.DisposeAsync();
    }
}
