using FacilityFS.Vfs;

namespace FacilityFS.Conformance;

/// <summary>One way of reaching files: a local disk, the bare VFS, a FUSE mount, the WinFsp adapter. Paths are relative, with '/'.</summary>
/// <remarks>Each operation is what a program does in one go (open, work, close); a failure is a <see cref="TargetException"/> carrying the core error it amounts to.</remarks>
public interface IConformanceTarget : IAsyncDisposable
{
    /// <summary>Creates the file, or replaces what it held, and closes it ("copy in").</summary>
    Task WriteAsync(string path, byte[] content);

    /// <summary>Opens an existing file, writes at its end and closes it.</summary>
    Task AppendAsync(string path, byte[] content);

    /// <summary>Opens an existing file without truncating it, cuts or extends it to <paramref name="size"/>, closes it.</summary>
    Task ResizeAsync(string path, long size);

    Task<byte[]> ReadAsync(string path);

    /// <summary>The names in a folder, ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(string folder);

    Task MakeFolderAsync(string path);

    Task DeleteAsync(string path);

    Task DeleteFolderAsync(string path);

    Task RenameAsync(string from, string to, bool replace);

    /// <summary>What the storage behind the target holds at <paramref name="path"/> once pending uploads are done; null when nothing.</summary>
    Task<byte[]?> StoredAsync(string path);
}

/// <summary>An operation failed on a target; <see cref="Error"/> is what it amounts to in the core's vocabulary.</summary>
public sealed class TargetException(VfsError error, string message) : Exception(message)
{
    public VfsError Error { get; } = error;
}
