namespace FacilityFS.WinFsp;

/// <summary>Where ReadDirectory puts its entries: WinFsp's own buffer through FspFileSystemAddDirInfo when mounted, a managed copy of it in the simulator.</summary>
public interface IDirectoryBuffer
{
    /// <summary>Adds one entry; false when it does not fit, and the page ends there.</summary>
    bool TryAdd(in FspFileInfo info, ReadOnlySpan<char> name);

    /// <summary>Marks the end of the directory: the last page.</summary>
    void End();
}
