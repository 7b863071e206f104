using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.WinFsp;

public sealed partial class WinFspDispatcher
{
    /// <summary>A folder on the way to a name is missing: Windows tells this (STATUS_OBJECT_PATH_NOT_FOUND) from a missing last name.</summary>
    private sealed class PathNotFoundException(string message) : Exception(message);

    /// <summary>Runs one operation and turns every failure into its status; nothing escapes to WinFsp.</summary>
    private int Run(string path, Action body) => Run(path, () =>
    {
        body();
        return NtStatus.Success;
    });

    private int Run(string path, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (VfsException e)
        {
            logger.LogDebug("{Path}: {Error}", path, e.Message);
            return NtStatus.Of(e.Error);
        }
        catch (PathNotFoundException e)
        {
            logger.LogDebug("{Path}: {Error}", path, e.Message);
            return NtStatus.ObjectPathNotFound;
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Path}: unexpected failure", path);
            return NtStatus.IoDeviceError;
        }
    }

    private int With(ulong context, Func<OpenNode, int> body) =>
        _open.TryGetValue(context, out var node) ? Run(node.Path, () => body(node)) : NtStatus.InvalidHandle;

    private int WithInfo(ulong context, out FspFileInfo info, Func<OpenNode, FspFileInfo> body)
    {
        FspFileInfo result = default;
        var status = With(context, node =>
        {
            result = body(node);
            return NtStatus.Success;
        });
        info = result;
        return status;
    }

    /// <summary>The inode at a Windows path, and whether a lookup reference on it is held (the root needs none); the caller forgets it.</summary>
    /// <param name="wholePathMissing">Whether a missing last name is a missing path too (it is the parent folder of what the caller wants).</param>
    private (ulong Inode, bool Held) Resolve(string windowsPath, bool wholePathMissing = false)
    {
        var names = windowsPath.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        var inode = VirtualFileSystem.RootInode;
        var held = false;
        for (var i = 0; i < names.Length; i++)
        {
            VfsEntry entry;
            try
            {
                entry = Wait(vfs.LookupAsync(inode, WindowsNames.Decode(names[i])));
            }
            catch (VfsException e) when (e.Error is VfsError.NotFound or VfsError.NotDirectory && (i < names.Length - 1 || wholePathMissing))
            {
                if (held) vfs.Forget(inode, 1);
                throw new PathNotFoundException(e.Message);
            }
            catch
            {
                if (held) vfs.Forget(inode, 1);
                throw;
            }
            if (held) vfs.Forget(inode, 1);
            inode = entry.Attributes.Inode;
            held = true;
        }
        return (inode, held);
    }

    /// <summary>The parent folder's Windows path and the remote name of the last part of <paramref name="windowsPath"/>.</summary>
    private static (string Parent, string Name) Split(string windowsPath)
    {
        var trimmed = windowsPath.TrimEnd('\\');
        var slash = trimmed.LastIndexOf('\\');
        if (slash < 0 || slash == trimmed.Length - 1) throw new VfsException(VfsError.InvalidArgument, $"{windowsPath} names no file");
        return (trimmed[..slash], WindowsNames.Decode(trimmed[(slash + 1)..]));
    }

    /// <summary>Waits for a VFS call on WinFsp's own dispatcher thread; most complete synchronously.</summary>
    private static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private static void Wait(ValueTask task)
    {
        if (task.IsCompletedSuccessfully) return;
        task.AsTask().GetAwaiter().GetResult();
    }
}
