using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.TestServers.Stores;

/// <summary>A store held in memory: files and folders by path, with WebDAV's answers (404, 409 for a missing parent, Changed for a stale ETag), for tests that need no server and no disk.</summary>
public sealed class InMemoryStore : IRemoteStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<RemotePath, Item> _items = new() { [RemotePath.Root] = new Item(null, DateTimeOffset.UtcNow, 0) };
    private long _generation;

    private sealed record Item(byte[]? Content, DateTimeOffset Modified, long Generation)
    {
        public bool IsDirectory => Content is null;
    }

    public string DisplayName => "memory";

    public StorageCapabilities Capabilities { get; } = new(ServerSideCopy: false, Checksums: false, RangeReads: true, SetModificationTime: false);

    /// <summary>The bytes of a file, or null; for tests that check what arrived.</summary>
    public byte[]? ContentOf(RemotePath path)
    {
        lock (_gate) return _items.TryGetValue(path, out var item) ? item.Content : null;
    }

    public Task<RemoteEntry> StatAsync(RemotePath path, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(EntryOf(path, Find(path)));
    }

    public async IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<RemoteEntry> children;
        lock (_gate)
        {
            if (Find(directory).Content is not null) throw new StorageException(StorageErrorKind.NotDirectory, $"{directory} is a file, not a folder");
            children = [.. _items.Where(i => !i.Key.IsRoot && i.Key.Parent == directory).Select(i => EntryOf(i.Key, i.Value))];
        }
        foreach (var child in children)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return child;
        }
        await Task.CompletedTask;
    }

    public Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var item = Find(path);
            if (item.Content is not { } content) throw new StorageException(StorageErrorKind.IsDirectory, $"{path} is a folder");
            var etag = ETagOf(item);
            if (expectedETag is not null && expectedETag != etag) throw new StorageException(StorageErrorKind.Changed, $"{path} changed (ETag {etag}, expected {expectedETag})");
            var offset = Math.Min(range?.Offset ?? 0, content.Length);
            var length = Math.Min(content.Length - offset, range?.Length ?? long.MaxValue);
            return Task.FromResult(new RemoteContent(new MemoryStream(content, (int)offset, (int)length, writable: false), offset, length, content.Length, etag, item.Modified));
        }
    }

    public async Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.ToArray();
        if (length >= 0 && bytes.Length != length) throw new StorageException(StorageErrorKind.VerificationFailed, $"got {bytes.Length} bytes for {path} but expected {length}");
        lock (_gate)
        {
            if (path.IsRoot || _items.TryGetValue(path, out var existing) && existing.IsDirectory) throw new StorageException(StorageErrorKind.IsDirectory, $"cannot write {path}: it is a folder");
            RequireParent(path);
            var item = new Item(bytes, DateTimeOffset.UtcNow, ++_generation);
            _items[path] = item;
            var adler = new Adler32();
            adler.Append(bytes);
            return new WriteResult(bytes.Length, adler.ToChecksum(), ETagOf(item));
        }
    }

    public Task CreateDirectoryAsync(RemotePath path, bool createParents = false, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_items.ContainsKey(path)) throw new StorageException(StorageErrorKind.AlreadyExists, $"{path} exists");
            if (createParents && !path.Parent.IsRoot && !_items.ContainsKey(path.Parent)) CreateDirectoryAsync(path.Parent, true, cancellationToken);
            RequireParent(path);
            _items[path] = new Item(null, DateTimeOffset.UtcNow, ++_generation);
        }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(RemotePath path, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Find(path);
            foreach (var key in _items.Keys.Where(k => k.IsSameOrUnder(path)).ToList()) _items.Remove(key);
        }
        return Task.CompletedTask;
    }

    public Task MoveAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Find(source);
            RequireParent(destination);
            if (_items.ContainsKey(destination))
            {
                if (!overwrite) throw new StorageException(StorageErrorKind.AlreadyExists, $"{destination} exists");
                foreach (var key in _items.Keys.Where(k => k.IsSameOrUnder(destination)).ToList()) _items.Remove(key);
            }
            foreach (var (key, item) in _items.Where(i => i.Key.IsSameOrUnder(source)).ToList())
            {
                _items.Remove(key);
                _items[RemotePath.Parse(destination.Value + key.Value[source.Value.Length..])] = item;
            }
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Item Find(RemotePath path) =>
        _items.TryGetValue(path, out var item) ? item : throw new StorageException(StorageErrorKind.NotFound, $"{path} does not exist");

    /// <summary>WebDAV answers a PUT or MKCOL under a missing folder with 409 Conflict.</summary>
    private void RequireParent(RemotePath path)
    {
        if (!_items.TryGetValue(path.Parent, out var parent) || !parent.IsDirectory)
            throw new StorageException(StorageErrorKind.Conflict, $"the parent folder {path.Parent} of {path} does not exist");
    }

    private static RemoteEntry EntryOf(RemotePath path, Item item) =>
        new(path, item.IsDirectory, item.Content?.Length ?? 0, item.Modified, item.IsDirectory ? null : ETagOf(item));

    private static string ETagOf(Item item) => $"\"mem-{item.Generation:x}\"";
}
