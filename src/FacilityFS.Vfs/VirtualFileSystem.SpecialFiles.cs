namespace FacilityFS.Vfs;

// What POSIX asks for beyond files and folders, and what WebDAV storage makes of it: the policy lives here, so adapters only translate.

public sealed partial class VirtualFileSystem
{
    /// <summary>mknod(2): a regular file is made as an empty file (like create and close); device nodes, FIFOs and sockets are <see cref="VfsError.NotPermitted"/>, since WebDAV storage holds only files and folders.</summary>
    public async ValueTask<VfsEntry> MakeNodeAsync(ulong parent, string name, VfsNodeType type, CancellationToken cancellationToken = default)
    {
        var path = ChildPathOf(NodeOf(parent), name);
        _ = WritableSpool(path);
        if (type != VfsNodeType.RegularFile)
            throw new VfsException(VfsError.NotPermitted, $"{path}: only regular files can be made on this mount, not device nodes, FIFOs or sockets");
        var (entry, opened) = await CreateAsync(parent, name, VfsOpenFlags.Write | VfsOpenFlags.Truncate, cancellationToken).ConfigureAwait(false);
        Release(opened.Handle);
        return entry;
    }

    /// <summary>symlink(2): always <see cref="VfsError.NotPermitted"/> (<see cref="VfsError.ReadOnly"/> on a read-only mount); WebDAV storage holds no symbolic links.</summary>
    public VfsEntry MakeSymbolicLink(ulong parent, string name)
    {
        var path = ChildPathOf(NodeOf(parent), name);
        _ = WritableSpool(path);
        throw new VfsException(VfsError.NotPermitted, $"{path}: WebDAV storage holds no symbolic links");
    }

    /// <summary>link(2): always <see cref="VfsError.NotPermitted"/> (<see cref="VfsError.ReadOnly"/> on a read-only mount); WebDAV storage holds no hard links.</summary>
    public VfsEntry MakeHardLink(ulong inode, ulong newParent, string newName)
    {
        var existing = NodeOf(inode);
        var path = ChildPathOf(NodeOf(newParent), newName);
        _ = WritableSpool(path);
        throw new VfsException(VfsError.NotPermitted, $"{path}: WebDAV storage holds no hard links (to {existing.Path})");
    }

    /// <summary>rename(2) with RENAME_EXCHANGE: <see cref="VfsError.InvalidArgument"/>, since WebDAV cannot swap two names atomically.</summary>
    public void Exchange(ulong parent, string name, ulong newParent, string newName)
    {
        var from = ChildPathOf(NodeOf(parent), name);
        var to = ChildPathOf(NodeOf(newParent), newName);
        _ = WritableSpool(from);
        throw new VfsException(VfsError.InvalidArgument, $"{from}, {to}: exchanging two names atomically is not possible on WebDAV storage");
    }
}
