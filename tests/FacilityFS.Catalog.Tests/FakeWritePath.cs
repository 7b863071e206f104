using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;
using FacilityFS.Storage.Local;
using FacilityFS.Vfs;
using FacilityFS.Vfs.Writes;

namespace FacilityFS.Catalog.Tests;

/// <summary>A write path without FUSE: files go straight into a <see cref="LocalFolderStore"/>, "committed" is raised with the checksum it was given, and pending files are whatever the test says.</summary>
internal sealed class FakeWritePath(LocalFolderStore store) : ICommittedFiles, IPendingUploads
{
    private readonly HashSet<RemotePath> _pending = [];

    public event Action<FileCommitted>? FileCommitted;

    public bool HasPendingUnder(RemotePath folder)
    {
        lock (_pending) return _pending.Any(p => p.IsSameOrUnder(folder));
    }

    public bool IsPending(RemotePath path)
    {
        lock (_pending) return _pending.Contains(path);
    }

    /// <summary>Puts a file on the storage without telling anyone (what a crash before the event leaves).</summary>
    public RemotePath Put(string path, byte[] bytes)
    {
        var remote = RemotePath.Parse(path);
        var full = store.FullPathOf(remote);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return remote;
    }

    /// <summary>A file is waiting in the "spool": not on the storage yet.</summary>
    public void Hold(string path)
    {
        lock (_pending) _pending.Add(RemotePath.Parse(path));
    }

    /// <summary>Puts a file on the storage and raises "committed" with <paramref name="checksum"/> (the real one when null).</summary>
    public void Commit(string path, byte[] bytes, string? checksum = null, DateTimeOffset? modified = null)
    {
        var remote = Put(path, bytes);
        lock (_pending) _pending.Remove(remote);
        FileCommitted?.Invoke(new FileCommitted(remote, bytes.Length, new Checksum(ChecksumAlgorithm.Adler32, checksum ?? Adler32.ChecksumOf(Adler32.Compute(bytes)).Value),
            modified ?? DateTimeOffset.UtcNow, null));
    }
}
