using FacilityFS.Storage;

namespace FacilityFS.Vfs.Nodes;

/// <summary>One inode: a remote path, what the store last said about it and when, and the kernel's lookup count.</summary>
/// <remarks>Fields are guarded by <see cref="Gate"/>; the listing task is shared so concurrent readers of a folder cause one PROPFIND.</remarks>
internal sealed class Node(ulong inode, RemoteEntry entry, long fetchedAt)
{
    public ulong Inode { get; } = inode;

    public Lock Gate { get; } = new();

    public RemotePath Path => Entry.Path;

    public RemoteEntry Entry { get; set; } = entry;

    /// <summary>Environment.TickCount64 when <see cref="Entry"/> came from the store.</summary>
    public long FetchedAt { get; set; } = fetchedAt;

    /// <summary>The kernel's references: lookups and readdirplus entries minus forgets.</summary>
    public long LookupCount { get; set; }

    public DirectoryListing? Listing { get; set; }

    public Task<DirectoryListing>? ListingUnderWay { get; set; }

    /// <summary>The mount's own changes to this folder made while <see cref="ListingUnderWay"/> ran: the server's answer may predate them, so they are applied to it again.</summary>
    public List<Action<DirectoryListing>>? ChangesDuringFetch { get; set; }

    /// <summary>The version whose pages the kernel may still hold from an earlier open.</summary>
    public string? OpenedVersion { get; set; }

    /// <summary>The pending file this inode held when its name was unlinked (or replaced) while open: its handles keep using it until the last close.</summary>
    public Writes.DirtyFile? Unlinked { get; set; }

    /// <summary>A modification time set explicitly (utimensat) on a stored version the server cannot keep it for: shown while that version stands.</summary>
    public (string? Version, DateTimeOffset Time)? KeptModified { get; set; }

    /// <summary>Serialises turning this file into a pending one (filling the spool from the storage happens once).</summary>
    public SemaphoreSlim WriteGate { get; } = new(1, 1);
}
