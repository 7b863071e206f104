using FacilityFS.Storage;

namespace FacilityFS.Vfs.Nodes;

/// <summary>Inode numbers ↔ nodes ↔ remote paths; one path keeps one inode while the kernel holds it.</summary>
internal sealed class InodeTable
{
    public const ulong RootInode = 1;

    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Node> _byInode = [];
    private readonly Dictionary<RemotePath, Node> _byPath = [];
    private ulong _next = RootInode + 1;

    public InodeTable(RemoteEntry root, long now)
    {
        var node = new Node(RootInode, root, now) { LookupCount = 1 };
        _byInode[RootInode] = node;
        _byPath[root.Path] = node;
    }

    public int Count
    {
        get
        {
            lock (_gate) return _byInode.Count;
        }
    }

    public Node? Find(ulong inode)
    {
        lock (_gate) return _byInode.GetValueOrDefault(inode);
    }

    /// <summary>The node of a path, made on first sight; its entry is refreshed to what the caller just learned.</summary>
    public Node GetOrAdd(RemoteEntry entry, long fetchedAt)
    {
        lock (_gate)
        {
            if (_byPath.TryGetValue(entry.Path, out var node))
            {
                lock (node.Gate)
                {
                    if (fetchedAt >= node.FetchedAt)
                    {
                        node.Entry = entry;
                        node.FetchedAt = fetchedAt;
                    }
                }
                return node;
            }
            node = new Node(_next++, entry, fetchedAt);
            _byInode[node.Inode] = node;
            _byPath[entry.Path] = node;
            return node;
        }
    }

    public Node? FindByPath(RemotePath path)
    {
        lock (_gate) return _byPath.GetValueOrDefault(path);
    }

    /// <summary>Forgets which node a path names (after an unlink or a rename onto it); the node lives on for handles and the kernel's references.</summary>
    public void Unlink(RemotePath path)
    {
        lock (_gate) _byPath.Remove(path);
    }

    /// <summary>Moves a path and every node below it to <paramref name="to"/>, keeping their inode numbers; listings below are dropped, since their entries name old paths.</summary>
    public void Rename(RemotePath from, RemotePath to)
    {
        lock (_gate)
        {
            // What the target named before is replaced (POSIX rename onto an existing name).
            _byPath.Remove(to);
            var moved = _byPath.Where(p => p.Key.IsSameOrUnder(from)).ToList();
            foreach (var (path, _) in moved) _byPath.Remove(path);
            foreach (var (path, node) in moved)
            {
                var renamed = to.Combine(path.RelativeTo(from));
                lock (node.Gate)
                {
                    node.Entry = node.Entry with { Path = renamed };
                    node.Listing = null;
                }
                _byPath[renamed] = node;
            }
        }
    }

    public void AddLookup(Node node)
    {
        lock (_gate) node.LookupCount++;
    }

    /// <summary>Drops <paramref name="count"/> kernel references; a node nobody references any more is forgotten (the root never is).</summary>
    public void Forget(ulong inode, ulong count)
    {
        lock (_gate)
        {
            if (inode == RootInode || !_byInode.TryGetValue(inode, out var node)) return;
            node.LookupCount -= (long)Math.Min(count, (ulong)long.MaxValue);
            if (node.LookupCount > 0) return;
            _byInode.Remove(inode);
            if (_byPath.TryGetValue(node.Path, out var current) && current == node) _byPath.Remove(node.Path);
        }
    }
}
