namespace FacilityFS.Watch.Inotify;

/// <summary>What the kernel said about the watched tree, in the watcher's own words.</summary>
public enum TreeEventKind
{
    /// <summary>A file was closed after writing, or moved into the tree: it may be settled.</summary>
    FileWritten,
    /// <summary>A file left the tree (deleted or moved away).</summary>
    FileGone,
    /// <summary>A folder appeared (created or moved in) and is watched now; files in it may predate its watch.</summary>
    FolderAppeared,
    /// <summary>A watched folder was removed or moved away; its watch is gone.</summary>
    FolderGone,
    /// <summary>Events were lost (the kernel's queue overflowed, a watch could not be added): only a rescan knows what happened.</summary>
    Lost,
}

/// <summary>One event about a path relative to the watched folder ("a/b.raw", "" for the folder itself).</summary>
/// <param name="Reason">Why events were lost, for the log and status (only for <see cref="TreeEventKind.Lost"/>).</param>
public readonly record struct TreeEvent(TreeEventKind Kind, string RelativePath, string? Reason = null);
