using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace FacilityFS.Catalog.Nexus;

/// <summary>An 8-bit grayscale picture that encodes itself as PNG: what a SciCat thumbnail needs, with no imaging library.</summary>
internal sealed class GrayImage
{
    private readonly byte[] _pixels;

    public GrayImage(int width, int height, byte background = 255)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        _pixels = new byte[width * height];
        Array.Fill(_pixels, background);
    }

    public int Width { get; }

    public int Height { get; }

    public byte this[int x, int y]
    {
        get => _pixels[y * Width + x];
        set
        {
            if (x >= 0 && y >= 0 && x < Width && y < Height) _pixels[y * Width + x] = value;
        }
    }

    /// <summary>A straight line (Bresenham), clipped to the picture.</summary>
    public void Line(int x0, int y0, int x1, int y1, byte shade)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, error = dx + dy;
        while (true)
        {
            this[x0, y0] = shade;
            if (x0 == x1 && y0 == y1) return;
            var twice = 2 * error;
            if (twice >= dy)
            {
                error += dy;
                x0 += sx;
            }
            if (twice <= dx)
            {
                error += dx;
                y0 += sy;
            }
        }
    }

    /// <summary>The picture as a PNG file (grayscale, 8 bits, no filtering).</summary>
    public byte[] ToPng()
    {
        using var file = new MemoryStream();
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8; // bits per sample
        header[9] = 0; // grayscale; compression, filter and interlace methods stay 0
        Chunk(file, "IHDR", header);
        using (var packed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true))
            {
                for (var y = 0; y < Height; y++)
                {
                    zlib.WriteByte(0); // filter: none
                    zlib.Write(_pixels, y * Width, Width);
                }
            }
            Chunk(file, "IDAT", packed.ToArray());
        }
        Chunk(file, "IEND", []);
        return file.ToArray();
    }

    /// <summary>The picture as a data: URI, the form SciCat attachments hold.</summary>
    public string ToDataUri() => "data:image/png;base64," + Convert.ToBase64String(ToPng());

    private static void Chunk(Stream file, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        file.Write(four);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        file.Write(typeBytes);
        file.Write(data);
        var crc = new Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(four, crc.GetCurrentHashAsUInt32());
        file.Write(four);
    }
}
