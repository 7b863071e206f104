using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FacilityFS.Storage.Checksums;

/// <summary>Adler-32 (RFC 1950), the checksum dCache reports; computed incrementally as bytes pass through.</summary>
public struct Adler32
{
    private const uint Modulus = 65521;

    // The largest n such that 255n(n+1)/2 + (n+1)(Modulus-1) fits in 32 bits: the scalar loop may defer the modulo this long.
    private const int ScalarChunk = 5552;

    // 173 blocks of 32 bytes keep every vector lane far below overflow (see UpdateAvx2).
    private const int VectorChunkBlocks = 173;

    private uint _value;

    public Adler32() => _value = 1;

    public readonly uint Value => _value;

    public readonly Checksum ToChecksum() => ChecksumOf(_value);

    public static Checksum ChecksumOf(uint value) => new(ChecksumAlgorithm.Adler32, value.ToString("x8"));

    public void Append(ReadOnlySpan<byte> data) => _value = Update(_value, data);

    public static uint Compute(ReadOnlySpan<byte> data) => Update(1, data);

    /// <summary>The Adler-32 of two pieces back to back, from each piece's own value and the second's length: parts fetched in parallel still give the whole file's checksum.</summary>
    public static uint Combine(uint first, uint second, long secondLength)
    {
        // s1 of the whole is s1a + s1b − 1; s2 gains s1a for each of the second piece's bytes, s2b, and loses the second's initial 1 that often.
        ulong remainder = (ulong)(secondLength % Modulus);
        ulong s1 = first & 0xFFFF;
        ulong s2 = remainder * s1 % Modulus;
        s1 += (second & 0xFFFF) + Modulus - 1;
        s2 += (first >> 16) + (second >> 16) + Modulus - remainder;
        s1 %= Modulus;
        s2 %= Modulus;
        return (uint)((s2 << 16) | s1);
    }

    public static uint Update(uint adler, ReadOnlySpan<byte> data) => Update(adler, data, Avx2.IsSupported);

    /// <summary>The update with AVX2 allowed or not: the native binary targets baseline x64, where only the SSE2 path exists, so tests run both.</summary>
    internal static uint Update(uint adler, ReadOnlySpan<byte> data, bool avx2)
    {
        uint s1 = adler & 0xFFFF, s2 = adler >> 16;
        if (avx2 && Avx2.IsSupported && data.Length >= 64)
        {
            var consumed = UpdateAvx2(ref s1, ref s2, data);
            data = data[consumed..];
        }
        else if (Sse2.IsSupported && data.Length >= 32)
        {
            var consumed = UpdateSse2(ref s1, ref s2, data);
            data = data[consumed..];
        }
        while (data.Length > 0)
        {
            var n = Math.Min(data.Length, ScalarChunk);
            foreach (var b in data[..n])
            {
                s1 += b;
                s2 += s1;
            }
            s1 %= Modulus;
            s2 %= Modulus;
            data = data[n..];
        }
        return (s2 << 16) | s1;
    }

    // Per 32-byte block: s1 grows by the byte sum, s2 by 32·s1(before) + Σ(32−i)·b[i]. Lanes accumulate the byte sums,
    // the weighted sums, and the running byte sums before each block (the "prefix"), and are folded once per chunk.
    private static int UpdateAvx2(ref uint s1, ref uint s2, ReadOnlySpan<byte> data)
    {
        var weights = Vector256.Create(
            (sbyte)32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
            16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
        var ones = Vector256.Create((short)1);
        ref var start = ref MemoryMarshal.GetReference(data);
        var offset = 0;
        while (data.Length - offset >= 32)
        {
            var blocks = Math.Min((data.Length - offset) / 32, VectorChunkBlocks);
            var byteSums = Vector256<uint>.Zero;
            var prefix = Vector256<uint>.Zero;
            var weighted = Vector256<int>.Zero;
            for (var b = 0; b < blocks; b++)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)offset);
                prefix += byteSums;
                byteSums += Avx2.SumAbsoluteDifferences(v, Vector256<byte>.Zero).AsUInt32();
                weighted += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v, weights), ones);
                offset += 32;
            }
            ulong blockSum = Sum(byteSums), prefixSum = Sum(prefix), weightedSum = (ulong)Sum(weighted.AsUInt32());
            s2 = (uint)((s2 + 32UL * ((ulong)blocks * s1 + prefixSum) + weightedSum) % Modulus);
            s1 = (uint)((s1 + blockSum) % Modulus);
        }
        return offset;
    }

    // The same per 16-byte block with SSE2 alone (every x64 CPU; the NativeAOT binary's baseline compiles the AVX2 path out, and a
    // scalar Adler-32 of each 1 MiB cached block cost a sixth of the mount's CPU): byte sums by psadbw, weighted sums by widening
    // to 16 bits and pmaddwd. 347 blocks of 16 bytes keep the 32-bit lanes below overflow, as 5552 bytes do for the scalar loop.
    private static int UpdateSse2(ref uint s1, ref uint s2, ReadOnlySpan<byte> data)
    {
        var weightsLow = Vector128.Create((short)16, 15, 14, 13, 12, 11, 10, 9);
        var weightsHigh = Vector128.Create((short)8, 7, 6, 5, 4, 3, 2, 1);
        ref var start = ref MemoryMarshal.GetReference(data);
        var offset = 0;
        while (data.Length - offset >= 16)
        {
            var blocks = Math.Min((data.Length - offset) / 16, ScalarChunk / 16);
            var byteSums = Vector128<uint>.Zero;
            var prefix = Vector128<uint>.Zero;
            var weighted = Vector128<int>.Zero;
            for (var b = 0; b < blocks; b++)
            {
                var v = Vector128.LoadUnsafe(ref start, (nuint)offset);
                prefix += byteSums;
                byteSums += Sse2.SumAbsoluteDifferences(v, Vector128<byte>.Zero).AsUInt32();
                weighted += Sse2.MultiplyAddAdjacent(Sse2.UnpackLow(v, Vector128<byte>.Zero).AsInt16(), weightsLow);
                weighted += Sse2.MultiplyAddAdjacent(Sse2.UnpackHigh(v, Vector128<byte>.Zero).AsInt16(), weightsHigh);
                offset += 16;
            }
            ulong blockSum = Sum(byteSums), prefixSum = Sum(prefix), weightedSum = Sum(weighted.AsUInt32());
            s2 = (uint)((s2 + 16UL * ((ulong)blocks * s1 + prefixSum) + weightedSum) % Modulus);
            s1 = (uint)((s1 + blockSum) % Modulus);
        }
        return offset;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Sum(Vector128<uint> v) => (ulong)v.GetElement(0) + v.GetElement(1) + v.GetElement(2) + v.GetElement(3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Sum(Vector256<uint> v)
    {
        ulong total = 0;
        for (var i = 0; i < Vector256<uint>.Count; i++) total += v.GetElement(i);
        return total;
    }
}
