using System.Runtime.InteropServices;

namespace FacilityFS.Fuse.Interop;

/// <summary>libc calls for mounting and unmounting that .NET does not offer.</summary>
internal static partial class Libc
{
    public const int MntDetach = 2;

    [LibraryImport("libc", EntryPoint = "umount2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEffectiveGroupId();
}
