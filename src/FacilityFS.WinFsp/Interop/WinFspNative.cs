using System.Reflection;
using System.Runtime.InteropServices;

namespace FacilityFS.WinFsp.Interop;

/// <summary>The entry points of winfsp-x64.dll the adapter uses (inc/winfsp/winfsp.h); the DLL is looked up in WinFsp's install folder, and only on the first call.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("windows")]
internal static unsafe partial class WinFspNative
{
    private const string Library = "winfsp-x64.dll";

    /// <summary>FSP_FSCTL_DISK_DEVICE_NAME: a disk volume, which can be mounted on a drive letter or an empty folder.</summary>
    public const string DiskDeviceName = "WinFsp.Disk";

    static WinFspNative() => NativeLibrary.SetDllImportResolver(typeof(WinFspNative).Assembly, Resolve);

    [LibraryImport(Library, EntryPoint = "FspFileSystemCreate", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int FileSystemCreate(string devicePath, FspVolumeParams* volumeParams, FspFileSystemInterface* fileSystemInterface, nint* fileSystem);

    [LibraryImport(Library, EntryPoint = "FspFileSystemDelete")]
    public static partial void FileSystemDelete(nint fileSystem);

    [LibraryImport(Library, EntryPoint = "FspFileSystemSetMountPoint", StringMarshalling = StringMarshalling.Utf16)]
    public static partial int FileSystemSetMountPoint(nint fileSystem, string? mountPoint);

    [LibraryImport(Library, EntryPoint = "FspFileSystemRemoveMountPoint")]
    public static partial void FileSystemRemoveMountPoint(nint fileSystem);

    [LibraryImport(Library, EntryPoint = "FspFileSystemStartDispatcher")]
    public static partial int FileSystemStartDispatcher(nint fileSystem, uint threadCount);

    [LibraryImport(Library, EntryPoint = "FspFileSystemStopDispatcher")]
    public static partial void FileSystemStopDispatcher(nint fileSystem);

    [LibraryImport(Library, EntryPoint = "FspFileSystemAddDirInfo")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool FileSystemAddDirInfo(FspDirInfo* dirInfo, void* buffer, uint length, uint* bytesTransferred);

    /// <summary>winfsp-x64.dll is not on the PATH: WinFsp's installer records its folder in the registry (32-bit view), else the default install folder.</summary>
    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library) return 0;
        if (NativeLibrary.TryLoad(name, assembly, searchPath, out var handle)) return handle;
        foreach (var folder in InstallFolders())
        {
            if (NativeLibrary.TryLoad(Path.Combine(folder, "bin", Library), out handle)) return handle;
        }
        throw new DllNotFoundException($"{Library} not found: install WinFsp (https://winfsp.dev, 2.0 or later) to mount on Windows");
    }

    private static IEnumerable<string> InstallFolders()
    {
        using (var key = Microsoft.Win32.RegistryKey.OpenBaseKey(Microsoft.Win32.RegistryHive.LocalMachine, Microsoft.Win32.RegistryView.Registry32).OpenSubKey(@"SOFTWARE\WinFsp"))
        {
            if (key?.GetValue("InstallDir") is string installed) yield return installed;
        }
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFilesX86), "WinFsp");
    }
}
