namespace FacilityFS.WinFsp;

/// <summary>The volume parameters FacilityFS mounts with, decided here once (and tested on Linux): case policy, timeouts, sizes.</summary>
/// <remarks>
/// Case policy: WebDAV names are case-sensitive (README.txt and readme.txt are two files), so the volume is case-sensitive and
/// case-preserving, as WinFsp's sshfs-win is; a program that opens a name in another case than stored gets "not found". A
/// case-insensitive view could not show both files of such a pair, nor say which one a name meant.
/// </remarks>
internal static class VolumeParameters
{
    /// <summary>How long Windows may trust file info without asking (ms): as long as the FUSE side's default attribute timeout.</summary>
    public const uint FileInfoTimeout = 1000;

    public static unsafe FspVolumeParams For(bool readOnly, int maxNameLength)
    {
        var parameters = new FspVolumeParams
        {
            Version = (ushort)sizeof(FspVolumeParams),
            SectorSize = 512,
            SectorsPerAllocationUnit = FileInfos.AllocationUnit / 512,
            MaxComponentLength = (ushort)Math.Min(maxNameLength, 255),
            VolumeCreationTime = (ulong)DateTime.UtcNow.ToFileTimeUtc(),
            VolumeSerialNumber = (uint)(DateTime.UtcNow.Ticks / 10_000_000),
            FileInfoTimeout = FileInfoTimeout,
            Flags = (uint)(FspVolumeFlags.CaseSensitiveSearch | FspVolumeFlags.CasePreservedNames | FspVolumeFlags.UnicodeOnDisk
                | FspVolumeFlags.PersistentAcls
                // Cached pages are written before Cleanup, so the close recorded there has every byte; nothing lingers on the standby list.
                | FspVolumeFlags.FlushAndPurgeOnCleanup
                // One file context per open handle (the dispatcher's), not one per file.
                | FspVolumeFlags.UmFileContextIsUserContext2
                | FspVolumeFlags.PostCleanupWhenModifiedOnly
                | (readOnly ? FspVolumeFlags.ReadOnlyVolume : 0)),
        };
        "FacilityFS".AsSpan().CopyTo(new Span<char>(parameters.FileSystemName, FspVolumeParams.FileSystemNameChars));
        return parameters;
    }
}
