using FacilityFS.Vfs;

namespace FacilityFS.Conformance.Targets;

/// <summary>Files reached through the operating system's own calls (System.IO) under a folder: a local disk, or a mount.</summary>
public abstract class FolderTarget(string root) : IConformanceTarget
{
    protected string Root { get; } = root;

    protected string Full(string path) => Path.Combine(Root, path);

    public Task WriteAsync(string path, byte[] content) => Do(() => File.WriteAllBytes(Full(path), content));

    public Task AppendAsync(string path, byte[] content) => Do(() =>
    {
        using var stream = new FileStream(Full(path), FileMode.Open, FileAccess.Write);
        stream.Seek(0, SeekOrigin.End);
        stream.Write(content);
    });

    public Task ResizeAsync(string path, long size) => Do(() =>
    {
        using var stream = new FileStream(Full(path), FileMode.Open, FileAccess.Write);
        stream.SetLength(size);
    });

    public Task<byte[]> ReadAsync(string path) => Do(() => File.ReadAllBytes(Full(path)));

    public Task<IReadOnlyList<string>> ListAsync(string folder) => Do<IReadOnlyList<string>>(() =>
        Directory.GetFileSystemEntries(Full(folder)).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList());

    public Task MakeFolderAsync(string path) => Do(() => Directory.CreateDirectory(Full(path)));

    // unlink(2) and DeleteFile both fail on a missing name; File.Delete alone would not.
    public Task DeleteAsync(string path) => Do(() =>
    {
        if (!File.Exists(Full(path))) throw new FileNotFoundException($"{path} does not exist");
        File.Delete(Full(path));
    });

    public Task DeleteFolderAsync(string path) => Do(() => Directory.Delete(Full(path)));

    public Task RenameAsync(string from, string to, bool replace) => Do(() =>
    {
        if (Directory.Exists(Full(from))) Directory.Move(Full(from), Full(to));
        else File.Move(Full(from), Full(to), replace);
    });

    public abstract Task<byte[]?> StoredAsync(string path);

    public abstract ValueTask DisposeAsync();

    private static Task Do(Action action) => Do(() =>
    {
        action();
        return true;
    });

    private static Task<T> Do<T>(Func<T> action)
    {
        try
        {
            return Task.FromResult(action());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetException(ErrorOf(e), e.Message);
        }
    }

    /// <summary>The errno behind an IOException (its HResult on Linux) as the core's error.</summary>
    private static VfsError ErrorOf(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => VfsError.NotFound,
        UnauthorizedAccessException => VfsError.AccessDenied,
        IOException { HResult: 17 } => VfsError.Exists,
        IOException { HResult: 39 } => VfsError.NotEmpty,
        IOException { HResult: 2 } => VfsError.NotFound,
        _ => VfsError.IoError,
    };
}

/// <summary>The baseline: a plain folder on the local disk.</summary>
public sealed class LocalDiskTarget() : FolderTarget(Directory.CreateTempSubdirectory("ffs-conform-disk-").FullName)
{
    public override Task<byte[]?> StoredAsync(string path) => Task.FromResult(File.Exists(Full(path)) ? File.ReadAllBytes(Full(path)) : null);

    public override ValueTask DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
