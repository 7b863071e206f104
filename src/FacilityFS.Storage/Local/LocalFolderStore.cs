using System.Runtime.CompilerServices;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Storage.Local;

/// <summary>A local folder as an <see cref="IRemoteStore"/>: for demos, core tests and a local-disk baseline.</summary>
public sealed class LocalFolderStore : IRemoteStore, IServerSideCopy
{
    private const int CopyBufferSize = 1 << 20;
    private readonly string _root;

    /// <exception cref="StorageException">The folder does not exist.</exception>
    public LocalFolderStore(string root)
    {
        _root = Path.GetFullPath(root);
        if (!Directory.Exists(_root))
            throw new StorageException(StorageErrorKind.NotFound, $"local storage folder {_root} does not exist");
    }

    public string DisplayName => _root;

    public StorageCapabilities Capabilities { get; } = new(ServerSideCopy: true, Checksums: false, RangeReads: true, SetModificationTime: false);

    public string FullPathOf(RemotePath path) => path.IsRoot ? _root : Path.Combine(_root, path.Value[1..]);

    public Task<RemoteEntry> StatAsync(RemotePath path, CancellationToken cancellationToken = default) =>
        Task.FromResult(Guard(path, "cannot look up", () => ToEntry(path, InfoOf(path) ?? throw NotFound(path))));

    public async IAsyncEnumerable<RemoteEntry> ListAsync(RemotePath directory, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var entries = Guard(directory, "cannot list", () =>
        {
            var info = InfoOf(directory) ?? throw NotFound(directory);
            if (info is not DirectoryInfo folder)
                throw new StorageException(StorageErrorKind.NotDirectory, $"{directory} is a file, not a folder");
            return folder.EnumerateFileSystemInfos();
        });
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A write in progress here is not part of the folder yet, as a WebDAV server's PUT is not; a file gone since the folder was read is not either.
            if (IsWriteInProgress(entry.Name) || !RemotePath.TryParse(directory.Value + "/" + entry.Name, out var child) || child.Parent != directory) continue;
            RemoteEntry listed;
            try
            {
                listed = ToEntry(child, entry);
            }
            catch (FileNotFoundException)
            {
                continue;
            }
            yield return listed;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<RemoteContent> OpenReadAsync(RemotePath path, ByteRange? range = null, string? expectedETag = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(Guard(path, "cannot read", () =>
        {
            var info = InfoOf(path) ?? throw NotFound(path);
            if (info is not FileInfo file) throw new StorageException(StorageErrorKind.IsDirectory, $"{path} is a folder");
            var entry = ToEntry(path, file);
            if (expectedETag is not null && expectedETag != entry.ETag)
                throw new StorageException(StorageErrorKind.Changed, $"{path} changed (ETag {expectedETag} became {entry.ETag})");
            var offset = Math.Min(range?.Offset ?? 0, entry.Size);
            var length = Math.Min(entry.Size - offset, range?.Length ?? long.MaxValue);
            var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
            stream.Seek(offset, SeekOrigin.Begin);
            return new RemoteContent(new BoundedReadStream(stream, length), offset, length, entry.Size, entry.ETag, entry.LastModified);
        }));

    public async Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default)
    {
        if (path.IsRoot) throw new StorageException(StorageErrorKind.IsDirectory, "cannot write to the root folder");
        var target = FullPathOf(path);
        if (Directory.Exists(target)) throw new StorageException(StorageErrorKind.IsDirectory, $"cannot write {path}: it is a folder");
        if (!Directory.Exists(Path.GetDirectoryName(target)))
            throw new StorageException(StorageErrorKind.Conflict, $"cannot write {path}: its parent folder {path.Parent} does not exist");
        // Readers never see a half file: bytes go to a hidden sibling first, as a WebDAV server's PUT does.
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{path.Name}.{Guid.NewGuid():N}{PartSuffix}");
        var adler = new Adler32();
        long written = 0;
        try
        {
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferSize);
                try
                {
                    int n;
                    while ((n = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        adler.Append(buffer.AsSpan(0, n));
                        await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        written += n;
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            if (length >= 0 && written != length)
                throw new StorageException(StorageErrorKind.VerificationFailed, $"got {written} bytes for {path} but expected {length}");
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, path, "cannot write");
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return new WriteResult(written, adler.ToChecksum(), ToEntry(path, new FileInfo(target)).ETag);
    }

    public Task CreateDirectoryAsync(RemotePath path, bool createParents = false, CancellationToken cancellationToken = default)
    {
        if (path.IsRoot) return Task.CompletedTask;
        Guard(path, "cannot create folder", () =>
        {
            switch (InfoOf(path))
            {
                case FileInfo:
                    throw new StorageException(StorageErrorKind.AlreadyExists, $"{path} exists and is a file");
                case DirectoryInfo when !createParents:
                    throw new StorageException(StorageErrorKind.AlreadyExists, $"folder {path} already exists");
                case DirectoryInfo:
                    return 0;
            }
            if (!createParents && InfoOf(path.Parent) is not DirectoryInfo)
                throw new StorageException(StorageErrorKind.Conflict, $"cannot create {path}: its parent folder {path.Parent} does not exist");
            Directory.CreateDirectory(FullPathOf(path));
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task DeleteAsync(RemotePath path, CancellationToken cancellationToken = default)
    {
        if (path.IsRoot) throw new StorageException(StorageErrorKind.PermissionDenied, "refusing to delete the root folder");
        Guard(path, "cannot delete", () =>
        {
            switch (InfoOf(path) ?? throw NotFound(path))
            {
                case DirectoryInfo folder: folder.Delete(recursive: true); break;
                case var file: file.Delete(); break;
            }
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task MoveAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default) =>
        TransferAsync(source, destination, overwrite, move: true);

    public Task CopyAsync(RemotePath source, RemotePath destination, bool overwrite, CancellationToken cancellationToken = default) =>
        TransferAsync(source, destination, overwrite, move: false);

    private Task TransferAsync(RemotePath source, RemotePath destination, bool overwrite, bool move)
    {
        var verb = move ? "move" : "copy";
        if (source.IsRoot || destination.IsRoot)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"cannot {verb} the root folder");
        if (destination.IsSameOrUnder(source))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"cannot {verb} {source} into itself ({destination})");
        Guard(source, $"cannot {verb}", () =>
        {
            var from = InfoOf(source) ?? throw NotFound(source);
            if (InfoOf(destination.Parent) is not DirectoryInfo)
                throw new StorageException(StorageErrorKind.Conflict, $"cannot {verb} {source} to {destination}: folder {destination.Parent} does not exist");
            var existing = InfoOf(destination);
            if (existing is not null)
            {
                if (!overwrite) throw new StorageException(StorageErrorKind.AlreadyExists, $"cannot {verb} {source}: {destination} already exists");
                if (existing is DirectoryInfo d) d.Delete(recursive: true);
                // A file moved over a file replaces it in one rename(2) below: no listing or lookup meanwhile finds the name missing.
                else if (!move || from is not FileInfo) existing.Delete();
            }
            var to = FullPathOf(destination);
            switch (from, move)
            {
                case (DirectoryInfo d, true): d.MoveTo(to); break;
                case (DirectoryInfo d, false): CopyTree(d, to); break;
                case (_, true): File.Move(from.FullName, to, overwrite: true); break;
                default: File.Copy(from.FullName, to); break;
            }
            return 0;
        });
        return Task.CompletedTask;
    }

    private static void CopyTree(DirectoryInfo source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var entry in source.EnumerateFileSystemInfos())
        {
            var to = Path.Combine(target, entry.Name);
            if (entry is DirectoryInfo d) CopyTree(d, to); else File.Copy(entry.FullName, to);
        }
    }

    private FileSystemInfo? InfoOf(RemotePath path)
    {
        var full = FullPathOf(path);
        if (Directory.Exists(full)) return new DirectoryInfo(full);
        return File.Exists(full) ? new FileInfo(full) : null;
    }

    private const string PartSuffix = ".part";

    /// <summary>Whether a name is one of <see cref="WriteAsync"/>'s hidden siblings: ".NAME.(32 hex digits).part".</summary>
    private static bool IsWriteInProgress(string name) =>
        name.Length > 39 && name[0] == '.' && name.EndsWith(PartSuffix, StringComparison.Ordinal) && name[^38] == '.'
        && name.AsSpan(name.Length - 37, 32).IndexOfAnyExcept("0123456789abcdef") < 0;

    private static RemoteEntry ToEntry(RemotePath path, FileSystemInfo info)
    {
        var modified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
        if (info is DirectoryInfo) return new RemoteEntry(path, true, 0, modified, null);
        var size = ((FileInfo)info).Length;
        // Shaped like Apache's ETag (size and mtime in µs) so a rewrite within the same second still changes it.
        return new RemoteEntry(path, false, size, modified, $"\"{size:x}-{info.LastWriteTimeUtc.Ticks / 10:x}\"");
    }

    private static StorageException NotFound(RemotePath path) => new(StorageErrorKind.NotFound, $"{path} does not exist");

    private static T Guard<T>(RemotePath path, string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, path, what);
        }
    }

    private static StorageException Translate(Exception e, RemotePath path, string what) => e switch
    {
        UnauthorizedAccessException => new StorageException(StorageErrorKind.PermissionDenied, $"{what} {path}: {e.Message}", inner: e),
        FileNotFoundException or DirectoryNotFoundException => new StorageException(StorageErrorKind.NotFound, $"{what} {path}: {e.Message}", inner: e),
        IOException io when io.HResult == 28 || io.Message.Contains("No space", StringComparison.Ordinal) =>
            new StorageException(StorageErrorKind.InsufficientStorage, $"{what} {path}: {e.Message}", inner: e),
        _ => new StorageException(StorageErrorKind.Unavailable, $"{what} {path}: {e.Message}", inner: e),
    };

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
