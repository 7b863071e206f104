namespace FacilityFS.Vfs.Writes;

/// <summary>Where a written file stands on its way to the storage; the journal stores the lowercase name.</summary>
public enum UploadState
{
    /// <summary>Written locally (perhaps still open) and not yet on the storage.</summary>
    Dirty,
    Uploading,
    /// <summary>On the storage, verified; nothing left to do.</summary>
    Committed,
    /// <summary>The storage refused it for good (403, 507, 413…); kept in the spool with the reason.</summary>
    Failed,
    /// <summary>Its writer never closed it (the mount died while it was open): kept, never uploaded under its name until the user decides (`facilityfs recover`).</summary>
    Interrupted,
}
