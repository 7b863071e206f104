namespace FacilityFS.Fuse;

/// <summary>How the kernel side of a mount is set up.</summary>
public sealed record FuseMountOptions
{
    /// <summary>Shown as the mount's source in /proc/mounts.</summary>
    public string FsName { get; init; } = "facilityfs";

    public bool AllowOther { get; init; }

    public bool ReadOnly { get; init; } = true;

    /// <summary>Answer getxattr/listxattr (the upload state as `user.facilityfs.state`); off, the kernel is told ENOSYS once and asks no more, so `ls -l` costs no round trip per entry.</summary>
    public bool ExtendedAttributes { get; init; }

    /// <summary>libfuse worker threads; network round trips block none of them, since replies are asynchronous.</summary>
    public uint MaxThreads { get; init; } = 16;
}
