using FacilityFS.Fuse;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Cli.Mounting;

/// <summary>The Linux backend: a libfuse3 low-level mount (<see cref="FuseMount"/>).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FuseBackend : IMountBackend
{
    public IMountedVolume Mount(VirtualFileSystem vfs, string mountpoint, MountBackendOptions options, ILogger logger) =>
        new Volume(FuseMount.Start(vfs, mountpoint, new FuseMountOptions { FsName = options.FsName, AllowOther = options.AllowOther, ReadOnly = options.ReadOnly, ExtendedAttributes = options.ExtendedAttributes }, logger), logger);

    public bool IsMounted(string mountpoint) => FuseMount.IsMounted(mountpoint);

    public void ForceUnmount(string mountpoint, ILogger logger) => FuseMount.Unmount(mountpoint, logger);

    private sealed class Volume(FuseMount mount, ILogger logger) : IMountedVolume
    {
        public string Mountpoint => mount.Mountpoint;

        public Task Stopped => mount.Stopped;

        public void RequestUnmount()
        {
            try
            {
                mount.RequestUnmount();
            }
            catch (FuseMountException e)
            {
                logger.LogError("{Error}", e.Message);
            }
        }

        public ValueTask CloseAsync(TimeSpan wait) => mount.CloseAsync(wait);

        public ValueTask DisposeAsync() => mount.DisposeAsync();
    }
}
