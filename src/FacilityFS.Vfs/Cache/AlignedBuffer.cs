using System.Runtime.InteropServices;

namespace FacilityFS.Vfs.Cache;

/// <summary>Native memory aligned to a page, the only kind the kernel accepts for direct (O_DIRECT) file writes; freed once, by its handle.</summary>
internal sealed unsafe class AlignedBuffer : SafeHandle
{
    /// <summary>The alignment of the address, and the unit direct writes are padded to: 4 KiB satisfies 512-byte and 4 KiB sector disks alike.</summary>
    public const int Alignment = 4096;

    public AlignedBuffer(int capacity) : base(IntPtr.Zero, ownsHandle: true)
    {
        if (capacity <= 0 || capacity % Alignment != 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"must be a positive multiple of {Alignment}");
        SetHandle((IntPtr)NativeMemory.AlignedAlloc((nuint)capacity, Alignment));
        Capacity = capacity;
    }

    public int Capacity { get; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The first <paramref name="length"/> bytes; the caller keeps the buffer alive (and undisposed) while it uses the span.</summary>
    public Span<byte> Span(int length)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Capacity);
        return new Span<byte>((void*)handle, length);
    }

    /// <summary><paramref name="length"/> rounded up to the alignment.</summary>
    public static int RoundUp(int length) => (length + Alignment - 1) / Alignment * Alignment;

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}
