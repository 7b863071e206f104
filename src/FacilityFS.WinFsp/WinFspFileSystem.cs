using System.Runtime.InteropServices;
using FacilityFS.Vfs;
using Microsoft.Extensions.Logging;

namespace FacilityFS.WinFsp;

/// <summary>One WinFsp volume of a <see cref="VirtualFileSystem"/> at a drive letter (X:) or an empty folder: file system object, mount point, dispatcher threads.</summary>
/// <remarks>The entry points below only marshal: pointers and UTF-16 strings in, <see cref="WinFspDispatcher"/> called, results copied out. Each catches everything, since an exception must never unwind into WinFsp.</remarks>
[System.Runtime.Versioning.SupportedOSPlatform("windows")]
public sealed unsafe class WinFspFileSystem : IAsyncDisposable
{
    private readonly nint _fileSystem;
    private readonly FspFileSystemInterface* _interface;
    private readonly GCHandle _dispatcher;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;

    private WinFspFileSystem(string mountPoint, nint fileSystem, FspFileSystemInterface* fileSystemInterface, GCHandle dispatcher, ILogger logger)
    {
        MountPoint = mountPoint;
        _fileSystem = fileSystem;
        _interface = fileSystemInterface;
        _dispatcher = dispatcher;
        _logger = logger;
    }

    public string MountPoint { get; }

    /// <summary>Completes once the volume is gone.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Creates the volume and starts serving it at <paramref name="mountPoint"/> (X: or a folder that does not exist yet, as WinFsp wants it).</summary>
    public static WinFspFileSystem Start(VirtualFileSystem vfs, string mountPoint, byte[] securityDescriptor, ILogger logger)
    {
        var parameters = VolumeParameters.For(vfs.Options.ReadOnly, vfs.FileSystemInfo().MaxNameLength);
        var table = (FspFileSystemInterface*)NativeMemory.AllocZeroed((nuint)sizeof(FspFileSystemInterface));
        Fill(table);
        var dispatcher = GCHandle.Alloc(new WinFspDispatcher(vfs, securityDescriptor, logger));
        nint fileSystem = 0;
        try
        {
            Check(Interop.WinFspNative.FileSystemCreate(Interop.WinFspNative.DiskDeviceName, &parameters, table, &fileSystem), $"cannot create a WinFsp volume for {mountPoint} (is WinFsp installed and its driver running?)");
            ((FspFileSystemHead*)fileSystem)->UserContext = GCHandle.ToIntPtr(dispatcher);
            Check(Interop.WinFspNative.FileSystemSetMountPoint(fileSystem, mountPoint), $"cannot mount at {mountPoint} (a drive letter in use, or a folder that exists already?)");
            Check(Interop.WinFspNative.FileSystemStartDispatcher(fileSystem, 0), $"cannot start serving {mountPoint}");
            return new WinFspFileSystem(mountPoint, fileSystem, table, dispatcher, logger);
        }
        catch
        {
            if (fileSystem != 0) Interop.WinFspNative.FileSystemDelete(fileSystem);
            NativeMemory.Free(table);
            dispatcher.Free();
            throw;
        }
    }

    private static void Check(int status, string message)
    {
        if (status < 0) throw new WinFspException($"{message}: {NtStatus.NameOf(status)}");
    }

    /// <summary>Takes the volume away: no new requests, the mount point removed; open files fail from here on, as Windows has no lazy unmount.</summary>
    public void RequestUnmount()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1) return;
        try
        {
            Interop.WinFspNative.FileSystemStopDispatcher(_fileSystem);
            Interop.WinFspNative.FileSystemRemoveMountPoint(_fileSystem);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "stopping the WinFsp volume at {MountPoint}", MountPoint);
        }
        _stopped.TrySetResult();
    }

    public ValueTask DisposeAsync()
    {
        RequestUnmount();
        if (_dispatcher.IsAllocated)
        {
            Interop.WinFspNative.FileSystemDelete(_fileSystem);
            NativeMemory.Free(_interface);
            _dispatcher.Free();
        }
        return ValueTask.CompletedTask;
    }

    private static void Fill(FspFileSystemInterface* table)
    {
        void Set(FspSlot slot, void* entry) => table->Pointers[(int)slot] = (long)entry;
        Set(FspSlot.GetVolumeInfo, (delegate* unmanaged<nint, FspVolumeInfo*, int>)&GetVolumeInfo);
        Set(FspSlot.GetSecurityByName, (delegate* unmanaged<nint, char*, uint*, void*, nuint*, int>)&GetSecurityByName);
        Set(FspSlot.Create, (delegate* unmanaged<nint, char*, uint, uint, uint, void*, ulong, nint*, FspFileInfo*, int>)&Create);
        Set(FspSlot.Open, (delegate* unmanaged<nint, char*, uint, uint, nint*, FspFileInfo*, int>)&Open);
        Set(FspSlot.Overwrite, (delegate* unmanaged<nint, nint, uint, byte, ulong, FspFileInfo*, int>)&Overwrite);
        Set(FspSlot.Cleanup, (delegate* unmanaged<nint, nint, char*, uint, void>)&Cleanup);
        Set(FspSlot.Close, (delegate* unmanaged<nint, nint, void>)&Close);
        Set(FspSlot.Read, (delegate* unmanaged<nint, nint, void*, ulong, uint, uint*, int>)&Read);
        Set(FspSlot.Write, (delegate* unmanaged<nint, nint, void*, ulong, uint, byte, byte, uint*, FspFileInfo*, int>)&Write);
        Set(FspSlot.Flush, (delegate* unmanaged<nint, nint, FspFileInfo*, int>)&Flush);
        Set(FspSlot.GetFileInfo, (delegate* unmanaged<nint, nint, FspFileInfo*, int>)&GetFileInfo);
        Set(FspSlot.SetBasicInfo, (delegate* unmanaged<nint, nint, uint, ulong, ulong, ulong, ulong, FspFileInfo*, int>)&SetBasicInfo);
        Set(FspSlot.SetFileSize, (delegate* unmanaged<nint, nint, ulong, byte, FspFileInfo*, int>)&SetFileSize);
        Set(FspSlot.CanDelete, (delegate* unmanaged<nint, nint, char*, int>)&CanDelete);
        Set(FspSlot.Rename, (delegate* unmanaged<nint, nint, char*, char*, byte, int>)&Rename);
        Set(FspSlot.GetSecurity, (delegate* unmanaged<nint, nint, void*, nuint*, int>)&GetSecurity);
        Set(FspSlot.ReadDirectory, (delegate* unmanaged<nint, nint, char*, char*, void*, uint, uint*, int>)&ReadDirectory);
    }

    private static WinFspDispatcher Of(nint fileSystem) => (WinFspDispatcher)GCHandle.FromIntPtr(((FspFileSystemHead*)fileSystem)->UserContext).Target!;

    private static string Text(char* text) => new(text);

    private static string? TextOrNull(char* text) => text == null ? null : new string(text);

    [UnmanagedCallersOnly]
    private static int GetVolumeInfo(nint fileSystem, FspVolumeInfo* info)
    {
        try
        {
            var status = Of(fileSystem).GetVolumeInfo(out var total, out var free);
            *info = new FspVolumeInfo { TotalSize = total, FreeSize = free };
            const string label = "FacilityFS";
            label.AsSpan().CopyTo(new Span<char>(info->VolumeLabel, FspVolumeInfo.LabelChars));
            info->VolumeLabelLength = (ushort)(label.Length * sizeof(char));
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int GetSecurityByName(nint fileSystem, char* fileName, uint* fileAttributes, void* descriptor, nuint* descriptorSize)
    {
        try
        {
            var dispatcher = Of(fileSystem);
            var status = dispatcher.GetSecurityByName(Text(fileName), out var attributes);
            if (status < 0) return status;
            if (fileAttributes != null) *fileAttributes = attributes;
            return descriptorSize == null ? status : CopySecurity(dispatcher, descriptor, descriptorSize);
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    private static int CopySecurity(WinFspDispatcher dispatcher, void* descriptor, nuint* descriptorSize)
    {
        var size = (ulong)*descriptorSize;
        var status = dispatcher.CopySecurity(descriptor == null ? [] : new Span<byte>(descriptor, (int)Math.Min(size, int.MaxValue)), ref size);
        *descriptorSize = (nuint)size;
        return status;
    }

    [UnmanagedCallersOnly]
    private static int Create(nint fileSystem, char* fileName, uint createOptions, uint grantedAccess, uint fileAttributes, void* descriptor, ulong allocationSize,
        nint* fileContext, FspFileInfo* info)
    {
        try
        {
            var status = Of(fileSystem).Create(Text(fileName), createOptions, fileAttributes, out var context, out var result);
            *fileContext = (nint)context;
            *info = result;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int Open(nint fileSystem, char* fileName, uint createOptions, uint grantedAccess, nint* fileContext, FspFileInfo* info)
    {
        try
        {
            var status = Of(fileSystem).Open(Text(fileName), createOptions, out var context, out var result);
            *fileContext = (nint)context;
            *info = result;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int Overwrite(nint fileSystem, nint fileContext, uint fileAttributes, byte replaceFileAttributes, ulong allocationSize, FspFileInfo* info)
    {
        try
        {
            var status = Of(fileSystem).Overwrite((ulong)fileContext, out var result);
            *info = result;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static void Cleanup(nint fileSystem, nint fileContext, char* fileName, uint flags)
    {
        try
        {
            Of(fileSystem).Cleanup((ulong)fileContext, TextOrNull(fileName), flags);
        }
        catch
        {
            // Cleanup cannot fail in Windows; the dispatcher logged what went wrong.
        }
    }

    [UnmanagedCallersOnly]
    private static void Close(nint fileSystem, nint fileContext)
    {
        try
        {
            Of(fileSystem).Close((ulong)fileContext);
        }
        catch
        {
            // Close cannot fail in Windows; the dispatcher logged what went wrong.
        }
    }

    [UnmanagedCallersOnly]
    private static int Read(nint fileSystem, nint fileContext, void* buffer, ulong offset, uint length, uint* bytesTransferred)
    {
        try
        {
            using var memory = new Interop.NativeBuffer(buffer, (int)length);
            var status = Of(fileSystem).Read((ulong)fileContext, memory.Memory, offset, out var read);
            *bytesTransferred = read;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int Write(nint fileSystem, nint fileContext, void* buffer, ulong offset, uint length, byte writeToEndOfFile, byte constrainedIo,
        uint* bytesTransferred, FspFileInfo* info)
    {
        try
        {
            using var memory = new Interop.NativeBuffer(buffer, (int)length);
            var status = Of(fileSystem).Write((ulong)fileContext, memory.Memory, offset, writeToEndOfFile != 0, constrainedIo != 0, out var written, out var result);
            *bytesTransferred = written;
            *info = result;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int Flush(nint fileSystem, nint fileContext, FspFileInfo* info)
    {
        try
        {
            var status = Of(fileSystem).Flush((ulong)fileContext, out var result);
            if (info != null) *info = result;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int GetFileInfo(nint fileSystem, nint fileContext, FspFileInfo* info)
    {
        try
        {
            var status = Of(fileSystem).GetFileInfo((ulong)fileContext, out var result);
            *info = result;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int SetBasicInfo(nint fileSystem, nint fileContext, uint fileAttributes, ulong creationTime, ulong lastAccessTime, ulong lastWriteTime, ulong changeTime,
        FspFileInfo* info)
    {
        try
        {
            var status = Of(fileSystem).SetBasicInfo((ulong)fileContext, fileAttributes, lastWriteTime, out var result);
            *info = result;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int SetFileSize(nint fileSystem, nint fileContext, ulong newSize, byte setAllocationSize, FspFileInfo* info)
    {
        try
        {
            var status = Of(fileSystem).SetFileSize((ulong)fileContext, newSize, setAllocationSize != 0, out var result);
            *info = result;
            return status;
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int CanDelete(nint fileSystem, nint fileContext, char* fileName)
    {
        try
        {
            return Of(fileSystem).CanDelete((ulong)fileContext, Text(fileName));
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int Rename(nint fileSystem, nint fileContext, char* fileName, char* newFileName, byte replaceIfExists)
    {
        try
        {
            return Of(fileSystem).Rename((ulong)fileContext, Text(fileName), Text(newFileName), replaceIfExists != 0);
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int GetSecurity(nint fileSystem, nint fileContext, void* descriptor, nuint* descriptorSize)
    {
        try
        {
            var dispatcher = Of(fileSystem);
            var status = dispatcher.GetSecurity((ulong)fileContext);
            return status < 0 || descriptorSize == null ? status : CopySecurity(dispatcher, descriptor, descriptorSize);
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }

    [UnmanagedCallersOnly]
    private static int ReadDirectory(nint fileSystem, nint fileContext, char* pattern, char* marker, void* buffer, uint length, uint* bytesTransferred)
    {
        try
        {
            return Of(fileSystem).ReadDirectory((ulong)fileContext, TextOrNull(marker), new Interop.NativeDirectoryBuffer(buffer, length, bytesTransferred));
        }
        catch
        {
            return NtStatus.IoDeviceError;
        }
    }
}

/// <summary>A WinFsp volume could not be set up; the message names the mount point and WinFsp's status.</summary>
public sealed class WinFspException(string message) : Exception(message);
