using System.Runtime.InteropServices;
using FacilityFS.WinFsp;
using FacilityFS.WinFsp.Interop;

namespace FacilityFS.Conformance.Targets;

/// <summary>ReadDirectory's buffer as FspFileSystemAddDirInfo fills it: FSP_FSCTL_DIR_INFO records (header and UTF-16 name) at 8-byte aligned offsets, a zero size as the end mark, nothing added past the length.</summary>
internal sealed class SimulatedDirectoryBuffer(int length) : IDirectoryBuffer
{
    private readonly byte[] _bytes = new byte[length];

    public int BytesTransferred { get; private set; }

    public bool Ended { get; private set; }

    public unsafe bool TryAdd(in FspFileInfo info, ReadOnlySpan<char> name)
    {
        var size = sizeof(FspDirInfo) + name.Length * sizeof(char);
        var aligned = (size + 7) & ~7;
        if (BytesTransferred + aligned > _bytes.Length) return false;
        var header = new FspDirInfo { Size = (ushort)size, FileInfo = info };
        MemoryMarshal.Write(_bytes.AsSpan(BytesTransferred), in header);
        MemoryMarshal.AsBytes(name).CopyTo(_bytes.AsSpan(BytesTransferred + sizeof(FspDirInfo)));
        BytesTransferred += aligned;
        return true;
    }

    public void End()
    {
        if (BytesTransferred + sizeof(ushort) > _bytes.Length) return;
        _bytes[BytesTransferred] = _bytes[BytesTransferred + 1] = 0;
        BytesTransferred += sizeof(ushort);
        Ended = true;
    }

    /// <summary>The entries as Windows reads them back out of the buffer.</summary>
    public unsafe List<(string Name, FspFileInfo Info)> Entries()
    {
        var entries = new List<(string, FspFileInfo)>();
        var at = 0;
        while (at + sizeof(ushort) <= BytesTransferred)
        {
            var size = MemoryMarshal.Read<ushort>(_bytes.AsSpan(at));
            if (size == 0) break;
            var header = MemoryMarshal.Read<FspDirInfo>(_bytes.AsSpan(at));
            var name = MemoryMarshal.Cast<byte, char>(_bytes.AsSpan(at + sizeof(FspDirInfo), size - sizeof(FspDirInfo)));
            entries.Add((new string(name), header.FileInfo));
            at += (size + 7) & ~7;
        }
        return entries;
    }
}
