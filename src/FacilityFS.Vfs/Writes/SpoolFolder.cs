using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace FacilityFS.Vfs.Writes;

/// <summary>Makes sure a spool folder is ours alone before anything in it is changed: not a symlink, owned by us, and made by FacilityFS (its marker file).</summary>
/// <remarks>A spool path is often a default under the user's cache; a planted symlink or a mistyped --spool-dir must never lead us to chmod or delete someone else's files.</remarks>
internal static partial class SpoolFolder
{
    /// <summary>The file a fresh spool gets; a folder without it that holds anything is not a spool.</summary>
    public const string MarkerName = ".facilityfs-spool";

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxUid = 0x8;
    private const int StatxUidOffset = 20;

    /// <summary>Creates the spool folder (0700, with its marker), or checks an existing one; refuses anything that is not ours, naming why.</summary>
    public static void ClaimOrRefuse(string folder, ILogger logger)
    {
        RefuseLink(folder);
        var marker = Path.Combine(folder, MarkerName);
        if (!Directory.Exists(folder))
        {
            if (File.Exists(folder)) throw Refused(folder, "it is a file, not a folder");
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
            else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            WriteMarker(marker);
            return;
        }
        if (!OperatingSystem.IsWindows() && OwnerOf(folder) is { } owner && owner != GetEffectiveUserId())
            throw Refused(folder, $"it belongs to user id {owner}, not to this user ({GetEffectiveUserId()})");
        if (File.Exists(marker)) return;
        if (!Directory.EnumerateFileSystemEntries(folder).Any())
        {
            WriteMarker(marker);
            return;
        }
        if (File.Exists(Path.Combine(folder, "journal.db")) && File.Exists(Path.Combine(folder, "lock")))
        {
            // A spool made by a version from before the marker: its journal and lock file say it is one.
            logger.LogInformation("adopting the spool {Folder} made by an earlier version (marking it as a spool)", folder);
            WriteMarker(marker);
            return;
        }
        throw Refused(folder, $"it already holds files and was not made by FacilityFS (no {MarkerName}); give an empty or new folder");
    }

    /// <summary>Refuses a path that is a symbolic link (followed, it would let us change what it points at).</summary>
    public static void RefuseLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || (info.Exists || Directory.Exists(path)) && info.Attributes.HasFlag(FileAttributes.ReparsePoint))
            throw Refused(path, $"it is a symbolic link (to {info.LinkTarget})");
    }

    private static void WriteMarker(string marker)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(marker, options);
        stream.Write("FacilityFS spool: written files waiting for upload and their journal. Do not edit.\n"u8);
    }

    private static VfsException Refused(string folder, string why) =>
        new(VfsError.AccessDenied, $"refusing the spool folder {folder}: {why}");

    /// <summary>The owner of <paramref name="path"/> (not following a link), or null where statx is not there.</summary>
    private static unsafe uint? OwnerOf(string path)
    {
        var buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid, buffer) != 0) return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
        // struct statx: stx_mask u32, stx_blksize u32, stx_attributes u64, stx_nlink u32, stx_uid u32 — the same on every architecture.
        return *(uint*)(buffer + StatxUidOffset);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
