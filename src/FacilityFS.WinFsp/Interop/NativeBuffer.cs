using System.Buffers;

namespace FacilityFS.WinFsp.Interop;

/// <summary>WinFsp's read or write buffer as <see cref="Memory{T}"/>, valid only during the callback that lent it.</summary>
internal sealed unsafe class NativeBuffer(void* pointer, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}

/// <summary>ReadDirectory's buffer: entries go in through FspFileSystemAddDirInfo, which also tracks the bytes used.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("windows")]
internal sealed unsafe class NativeDirectoryBuffer(void* buffer, uint length, uint* bytesTransferred) : IDirectoryBuffer
{
    /// <summary>A name of 255 UTF-16 units with its header: enough for any name the volume allows.</summary>
    private const int MaxRecord = 1024;

    public bool TryAdd(in FspFileInfo info, ReadOnlySpan<char> name)
    {
        var size = sizeof(FspDirInfo) + name.Length * sizeof(char);
        if (size > MaxRecord) return true; // longer than MaxComponentLength allows: not shown, and the page goes on
        var record = stackalloc byte[MaxRecord];
        var header = (FspDirInfo*)record;
        *header = new FspDirInfo { Size = (ushort)size, FileInfo = info };
        name.CopyTo(new Span<char>(record + sizeof(FspDirInfo), name.Length));
        return WinFspNative.FileSystemAddDirInfo(header, buffer, length, bytesTransferred);
    }

    public void End() => WinFspNative.FileSystemAddDirInfo(null, buffer, length, bytesTransferred);
}
