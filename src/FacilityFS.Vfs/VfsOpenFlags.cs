namespace FacilityFS.Vfs;

/// <summary>How a file is opened, in the core's terms; adapters translate O_ flags or CreateOptions onto these.</summary>
[Flags]
public enum VfsOpenFlags
{
    Read = 1,
    Write = 2,
    ReadWrite = Read | Write,
    /// <summary>Start empty (O_TRUNC): the remote content is not fetched.</summary>
    Truncate = 4,
    /// <summary>Every write goes to the end (O_APPEND).</summary>
    Append = 8,
}
