using FacilityFS.Vfs;
using FacilityFS.WinFsp;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityFS.Conformance.Targets;

/// <summary>The WinFsp adapter under a dispatcher simulator: each operation is the sequence of FSP_FILE_SYSTEM_INTERFACE calls Windows sends for it, and every NTSTATUS is checked.</summary>
/// <remarks>
/// The sequences follow what the WinFsp FSD posts for the Win32 calls programs make: GetSecurityByName before every Create/Open (the
/// access check), Cleanup when the last handle of a file object closes (with FspCleanupDelete for DeleteFile and FILE_DELETE_ON_CLOSE),
/// Close when the object goes. Explorer's copy sets the end of file first and then writes through the cache manager (paging I/O,
/// constrained to that size); a save in Notepad's way writes a temporary and renames it over the original; directories are read in
/// pages of a small buffer, each page starting after the last name of the one before.
/// </remarks>
public sealed class WinFspSimulatorTarget(CoreOverStore core) : IConformanceTarget
{
    /// <summary>Small on purpose: a folder of a hundred names takes several pages.</summary>
    private const int DirectoryPage = 2048;

    private readonly WinFspDispatcher _dispatcher = new(core.Vfs, SecurityDescriptor.For(SecurityDescriptor.AdministratorsSid), NullLogger.Instance);

    public static async Task<WinFspSimulatorTarget> StartAsync() => new(await CoreOverStore.StartAsync());

    public WinFspDispatcher Dispatcher => _dispatcher;

    private static string Win(string path) => "\\" + path.Replace('/', '\\');

    /// <summary>CreateFile(CREATE_ALWAYS) and CopyFileEx: a new file is created, an existing one opened and overwritten; then the copy loop.</summary>
    public Task WriteAsync(string path, byte[] content) => Run(() =>
    {
        var name = Win(path);
        ulong context;
        if (_dispatcher.GetSecurityByName(name, out _) == NtStatus.Success)
        {
            Check(_dispatcher.Open(name, WinFspDispatcher.NonDirectoryFile, out context, out _), "Open", name);
            Check(_dispatcher.Overwrite(context, out var emptied), "Overwrite", name);
            Assert.Equal(0ul, emptied.FileSize);
        }
        else
        {
            Check(_dispatcher.Create(name, WinFspDispatcher.NonDirectoryFile, FileInfos.NormalAttribute, out context, out _), "Create", name);
        }
        // The copy engine sets the end of file to the full size first, then the lazy writer writes the cached pages within it.
        Check(_dispatcher.SetFileSize(context, (ulong)content.Length, false, out var sized), "SetFileSize", name);
        Assert.Equal((ulong)content.Length, sized.FileSize);
        for (var offset = 0; offset < content.Length; offset += 64 << 10)
        {
            var chunk = content.AsMemory(offset, Math.Min(64 << 10, content.Length - offset));
            Check(_dispatcher.Write(context, chunk, (ulong)offset, false, true, out var written, out _), "Write", name);
            Assert.Equal((uint)chunk.Length, written);
        }
        var stamp = (ulong)new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero).ToFileTime();
        Check(_dispatcher.SetBasicInfo(context, FileInfos.NormalAttribute, stamp, out var stamped), "SetBasicInfo", name);
        Assert.Equal(stamp, stamped.LastWriteTime);
        Check(_dispatcher.Flush(context, out var flushed), "Flush", name);
        Assert.Equal((ulong)content.Length, flushed.FileSize);
        CloseHandle(context, name);
    });

    /// <summary>FILE_APPEND_DATA: the FSD sends WriteToEndOfFile with offset -1.</summary>
    public Task AppendAsync(string path, byte[] content) => Run(() =>
    {
        var context = OpenFile(path);
        Check(_dispatcher.Write(context, content, ulong.MaxValue, true, false, out var written, out _), "Write", Win(path));
        Assert.Equal((uint)content.Length, written);
        CloseHandle(context, Win(path));
    });

    /// <summary>SetEndOfFile: the end-of-file information (not the allocation).</summary>
    public Task ResizeAsync(string path, long size) => Run(() =>
    {
        var context = OpenFile(path);
        Check(_dispatcher.SetFileSize(context, (ulong)size, false, out var info), "SetFileSize", Win(path));
        Assert.Equal((ulong)size, info.FileSize);
        // An allocation larger than the file changes nothing; Windows sends one before large writes.
        Check(_dispatcher.SetFileSize(context, (ulong)size + 8192, true, out info), "SetFileSize", Win(path));
        Assert.Equal((ulong)size, info.FileSize);
        CloseHandle(context, Win(path));
    });

    /// <summary>ReadFile in 4 KiB requests until STATUS_END_OF_FILE.</summary>
    public Task<byte[]> ReadAsync(string path) => Run(() =>
    {
        var context = OpenFile(path);
        Check(_dispatcher.GetFileInfo(context, out var info), "GetFileInfo", Win(path));
        var content = new byte[info.FileSize];
        var buffer = new byte[4096];
        ulong offset = 0;
        while (true)
        {
            var status = _dispatcher.Read(context, buffer, offset, out var read);
            if (status == NtStatus.EndOfFile) break;
            Check(status, "Read", Win(path));
            Assert.True(read > 0, $"Read of {path} at {offset} returned nothing before the end");
            buffer.AsSpan(0, (int)read).CopyTo(content.AsSpan((int)offset));
            offset += read;
        }
        Assert.Equal(info.FileSize, offset);
        CloseHandle(context, Win(path));
        return content;
    });

    /// <summary>FindFirstFile/FindNextFile: pages of <see cref="DirectoryPage"/> bytes, each after the last name of the one before.</summary>
    public Task<IReadOnlyList<string>> ListAsync(string folder) => Run<IReadOnlyList<string>>(() =>
    {
        var name = Win(folder);
        Check(_dispatcher.GetSecurityByName(name, out var attributes), "GetSecurityByName", name);
        Assert.Equal(FileInfos.DirectoryAttribute, attributes & FileInfos.DirectoryAttribute);
        Check(_dispatcher.Open(name, WinFspDispatcher.DirectoryFile, out var context, out _), "Open", name);
        var names = new List<string>();
        string? marker = null;
        for (var page = 0; ; page++)
        {
            Assert.True(page < 10_000, $"enumerating {folder} does not end");
            var buffer = new SimulatedDirectoryBuffer(DirectoryPage);
            Check(_dispatcher.ReadDirectory(context, marker, buffer), "ReadDirectory", name);
            var entries = buffer.Entries();
            names.AddRange(entries.Select(e => e.Name));
            if (buffer.Ended || entries.Count == 0) break;
            marker = entries[^1].Name;
        }
        CloseHandle(context, name);
        Assert.Equal(names.Distinct().Count(), names.Count);
        return names.Where(n => n is not "." and not "..").Select(WindowsNames.Decode).Order(StringComparer.Ordinal).ToList();
    });

    public Task MakeFolderAsync(string path) => Run(() =>
    {
        var name = Win(path);
        Assert.Equal(NtStatus.ObjectNameNotFound, _dispatcher.GetSecurityByName(name, out _));
        Check(_dispatcher.Create(name, WinFspDispatcher.DirectoryFile, FileInfos.DirectoryAttribute, out var context, out var info), "Create", name);
        Assert.Equal(FileInfos.DirectoryAttribute, info.FileAttributes);
        CloseHandle(context, name);
    });

    /// <summary>DeleteFile: open, the FSD asks CanDelete (setting the disposition), and the file goes at Cleanup.</summary>
    public Task DeleteAsync(string path) => Run(() => Delete(path, WinFspDispatcher.NonDirectoryFile));

    /// <summary>RemoveDirectory: the same, for a folder; a folder with anything in it answers CanDelete with STATUS_DIRECTORY_NOT_EMPTY.</summary>
    public Task DeleteFolderAsync(string path) => Run(() => Delete(path, WinFspDispatcher.DirectoryFile));

    /// <summary>MoveFileEx: the source is opened (for DELETE access), renamed with or without REPLACE_EXISTING, and closed.</summary>
    public Task RenameAsync(string from, string to, bool replace) => Run(() =>
    {
        Check(_dispatcher.Open(Win(from), 0, out var context, out _), "Open", Win(from));
        var status = _dispatcher.Rename(context, Win(from), Win(to), replace);
        CloseHandle(context, Win(status == NtStatus.Success ? to : from));
        Check(status, "Rename", Win(from));
    });

    public Task<byte[]?> StoredAsync(string path) => core.StoredAsync(path);

    public async ValueTask DisposeAsync()
    {
        Assert.Equal(0, _dispatcher.OpenCount);
        await core.DisposeAsync();
    }

    /// <summary>A file opened by a program that asks for write access (as most do, even to read), which must not make it pending by itself.</summary>
    private ulong OpenFile(string path)
    {
        var name = Win(path);
        Check(_dispatcher.GetSecurityByName(name, out var attributes), "GetSecurityByName", name);
        Assert.Equal(0u, attributes & FileInfos.DirectoryAttribute);
        Check(_dispatcher.Open(name, WinFspDispatcher.NonDirectoryFile, out var context, out _), "Open", name);
        return context;
    }

    private void Delete(string path, uint kind)
    {
        var name = Win(path);
        Check(_dispatcher.GetSecurityByName(name, out _), "GetSecurityByName", name);
        Check(_dispatcher.Open(name, kind, out var context, out _), "Open", name);
        var status = _dispatcher.CanDelete(context, name);
        _dispatcher.Cleanup(context, name, status == NtStatus.Success ? WinFspDispatcher.CleanupDelete : 0);
        _dispatcher.Close(context);
        Check(status, "CanDelete", name);
    }

    /// <summary>CloseHandle: Cleanup (the last handle of the file object), then Close.</summary>
    private void CloseHandle(ulong context, string name)
    {
        _dispatcher.Cleanup(context, name, 0);
        _dispatcher.Close(context);
    }

    /// <summary>A failed call ends the sequence as Windows would, with the status mapped back to the core's error for the scenario to check.</summary>
    private static void Check(int status, string operation, string name)
    {
        if (status == NtStatus.Success) return;
        var error = status == NtStatus.ObjectPathNotFound ? VfsError.NotFound : Enum.GetValues<VfsError>().First(e => NtStatus.Of(e) == status);
        throw new TargetException(error, $"{operation} {name}: {NtStatus.NameOf(status)}");
    }

    private static Task Run(Action action)
    {
        action();
        return Task.CompletedTask;
    }

    private static Task<T> Run<T>(Func<T> action) => Task.FromResult(action());
}
