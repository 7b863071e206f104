using PureHDF;
using PureHDF.Selections;

namespace FacilityFS.Catalog.Nexus;

/// <summary>A thumbnail of an entry's NXdata signal, as scingestor's attachment generator makes one: the first frame of an image signal, or a plot of a 1-D one.</summary>
internal static class NexusThumbnail
{
    private const int PlotWidth = 320;
    private const int PlotHeight = 200;
    private const int ImageSide = 256;
    private const long MaxPlotPoints = 1 << 20;
    private const long MaxFramePixels = 16L << 20;

    /// <summary>The thumbnail as a data: URI, or null when the entry has no plottable signal (said in a warning).</summary>
    public static string? Make(IH5Group entry, string entryName, NexusTreeWalker walker, List<string> warnings)
    {
        if (FindData(entry, walker) is not { } data)
        {
            warnings.Add($"{entryName}: no NXdata group to make a thumbnail from");
            return null;
        }
        if (FindSignal(data.Group, walker) is not { } signal)
        {
            warnings.Add($"{entryName}/{data.Name}: no signal to make a thumbnail from");
            return null;
        }
        var path = $"{entryName}/{data.Name}/{signal.Name}";
        try
        {
            var shape = signal.Space.Type == H5DataspaceType.Scalar ? [] : signal.Space.Dimensions;
            var image = shape.Length switch
            {
                1 => Plot(signal, shape[0], Axis(data.Group, walker, shape[0]), path, warnings),
                >= 2 => Frame(signal, shape, path, warnings),
                _ => null,
            };
            if (image is null && shape.Length == 0) warnings.Add($"{path}: a single value makes no thumbnail");
            return image?.ToDataUri();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            warnings.Add($"{path}: cannot make a thumbnail ({e.Message})");
            return null;
        }
    }

    private static (string Name, IH5Group Group)? FindData(IH5Group entry, NexusTreeWalker walker)
    {
        var children = walker.Children(entry);
        var named = NexusTreeWalker.Attribute(entry, "default");
        foreach (var child in children)
        {
            if (child is IH5Group group && (child.Name == named || (named is null && NexusTreeWalker.ClassOf(group) == "NXdata"))) return (child.Name, group);
        }
        return null;
    }

    private static IH5Dataset? FindSignal(IH5Group data, NexusTreeWalker walker)
    {
        var children = walker.Children(data);
        var named = NexusTreeWalker.Attribute(data, "signal");
        // NeXus names the signal on the group; older files mark the field with signal=1 instead.
        return children.OfType<IH5Dataset>().FirstOrDefault(d => d.Name == named)
            ?? children.OfType<IH5Dataset>().FirstOrDefault(d => NexusTreeWalker.Attribute(d, "signal") == "1")
            ?? children.OfType<IH5Dataset>().FirstOrDefault();
    }

    /// <summary>The first axis named by the group's `axes`, when it is a 1-D field as long as the signal.</summary>
    private static double[]? Axis(IH5Group data, NexusTreeWalker walker, ulong length)
    {
        var axes = NexusTreeWalker.Attribute(data, "axes");
        if (axes is null) return null;
        var first = axes.Split([',', ':', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null || first == "." || !data.LinkExists(first) || data.Get(first) is not IH5Dataset axis) return null;
        if (axis.Space.Dimensions is not [var n] || n != length) return null;
        return NexusValues.ReadNumbers(axis.Type, new DatasetSource(axis));
    }

    private static GrayImage? Plot(IH5Dataset signal, ulong length, double[]? axis, string path, List<string> warnings)
    {
        if (length < 2 || length > MaxPlotPoints)
        {
            warnings.Add($"{path}: {length} points make no thumbnail");
            return null;
        }
        var values = NexusValues.ReadNumbers(signal.Type, new DatasetSource(signal));
        if (values is null)
        {
            warnings.Add($"{path}: its type ({signal.Type.Class}) is not numeric; no thumbnail");
            return null;
        }
        var xs = axis ?? [.. Enumerable.Range(0, values.Length).Select(i => (double)i)];
        var (xMin, xMax) = Range(xs);
        var (yMin, yMax) = Range(values);
        var image = new GrayImage(PlotWidth, PlotHeight);
        const int margin = 8;
        int X(double x) => margin + (int)Math.Round((x - xMin) / Math.Max(xMax - xMin, double.Epsilon) * (PlotWidth - 2 * margin - 1));
        int Y(double y) => PlotHeight - margin - 1 - (int)Math.Round((y - yMin) / Math.Max(yMax - yMin, double.Epsilon) * (PlotHeight - 2 * margin - 1));
        image.Line(margin - 1, margin - 1, PlotWidth - margin, margin - 1, 200);
        image.Line(PlotWidth - margin, margin - 1, PlotWidth - margin, PlotHeight - margin, 200);
        image.Line(PlotWidth - margin, PlotHeight - margin, margin - 1, PlotHeight - margin, 200);
        image.Line(margin - 1, PlotHeight - margin, margin - 1, margin - 1, 200);
        int? lastX = null, lastY = null;
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]) || !double.IsFinite(xs[i]))
            {
                lastX = lastY = null;
                continue;
            }
            int x = X(xs[i]), y = Y(values[i]);
            if (lastX is { } px && lastY is { } py) image.Line(px, py, x, y, 0);
            else image[x, y] = 0;
            (lastX, lastY) = (x, y);
        }
        return image;
    }

    /// <summary>The first frame (the last two dimensions at index 0 of the others), log-scaled and shrunk to fit 256 pixels.</summary>
    private static GrayImage? Frame(IH5Dataset signal, ulong[] shape, string path, List<string> warnings)
    {
        var rank = shape.Length;
        ulong height = shape[rank - 2], width = shape[rank - 1];
        if (height == 0 || width == 0 || height * width > MaxFramePixels)
        {
            warnings.Add($"{path}: a frame of {height}x{width} makes no thumbnail");
            return null;
        }
        var blocks = new ulong[rank];
        Array.Fill(blocks, 1UL);
        blocks[rank - 2] = height;
        blocks[rank - 1] = width;
        var frame = new HyperslabSelection(rank, new ulong[rank], blocks);
        var values = NexusValues.ReadNumbers(signal.Type, new DatasetSource(signal, frame, [height * width]));
        if (values is null)
        {
            warnings.Add($"{path}: its type ({signal.Type.Class}) is not numeric; no thumbnail");
            return null;
        }
        int h = (int)height, w = (int)width;
        var step = Math.Max(1, (int)Math.Ceiling(Math.Max(h, w) / (double)ImageSide));
        int outH = (h + step - 1) / step, outW = (w + step - 1) / step;
        var shrunk = new double[outH * outW];
        for (var y = 0; y < outH; y++)
        {
            for (var x = 0; x < outW; x++)
            {
                double sum = 0;
                var count = 0;
                for (var dy = 0; dy < step && y * step + dy < h; dy++)
                {
                    for (var dx = 0; dx < step && x * step + dx < w; dx++)
                    {
                        var v = values[(y * step + dy) * w + x * step + dx];
                        if (!double.IsFinite(v)) continue;
                        sum += v;
                        count++;
                    }
                }
                shrunk[y * outW + x] = count > 0 ? sum / count : double.NaN;
            }
        }
        // Detector counts span decades: a log scale shows the rings and the background both.
        var (min, _) = Range(shrunk);
        for (var i = 0; i < shrunk.Length; i++) shrunk[i] = double.IsFinite(shrunk[i]) ? Math.Log(1 + shrunk[i] - min) : double.NaN;
        var (low, high) = Range(shrunk);
        var image = new GrayImage(outW, outH, background: 0);
        for (var y = 0; y < outH; y++)
        {
            for (var x = 0; x < outW; x++)
            {
                var v = shrunk[y * outW + x];
                image[x, y] = double.IsFinite(v) ? (byte)Math.Round(255 * (v - low) / Math.Max(high - low, double.Epsilon)) : (byte)0;
            }
        }
        return image;
    }

    private static (double Min, double Max) Range(double[] values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return double.IsFinite(min) ? (min, max) : (0, 1);
    }
}
