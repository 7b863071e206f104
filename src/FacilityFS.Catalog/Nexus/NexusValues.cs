using System.Globalization;
using System.Text.Json.Nodes;
using PureHDF;

namespace FacilityFS.Catalog.Nexus;

/// <summary>Reads HDF5 values as what they are (a float32 stays a float32, an unsigned stays unsigned) and turns them into JSON.</summary>
internal static class NexusValues
{
    /// <summary>Reads every element of a field or attribute as JSON values; null when the type is one metadata has no use for (compound, opaque, references).</summary>
    /// <param name="type">The HDF5 type of the elements.</param>
    /// <param name="read">The dataset or attribute the data comes from.</param>
    public static JsonNode?[]? ReadAll(IH5DataType type, INexusSource read) => type.Class switch
    {
        H5DataTypeClass.FixedPoint => (type.Size, type.FixedPoint.IsSigned) switch
        {
            (1, true) => Json(read.Read<sbyte>(), v => JsonValue.Create(v)),
            (1, false) => Json(read.Read<byte>(), v => JsonValue.Create(v)),
            (2, true) => Json(read.Read<short>(), v => JsonValue.Create(v)),
            (2, false) => Json(read.Read<ushort>(), v => JsonValue.Create(v)),
            (4, true) => Json(read.Read<int>(), v => JsonValue.Create(v)),
            (4, false) => Json(read.Read<uint>(), v => JsonValue.Create(v)),
            (8, true) => Json(read.Read<long>(), v => JsonValue.Create(v)),
            (8, false) => Json(read.Read<ulong>(), v => JsonValue.Create(v)),
            _ => null,
        },
        H5DataTypeClass.FloatingPoint => type.Size switch
        {
            // The shortest text that reads back as the same float32: 300.1f stays 300.1, not 300.1000061.
            4 => Json(read.Read<float>(), v => Number(double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))),
            8 => Json(read.Read<double>(), Number),
            _ => null,
        },
        H5DataTypeClass.String => Json(read.Read<string>(), v => JsonValue.Create(Clean(v))),
        H5DataTypeClass.VariableLength when type.VariableLength.BaseType.Class == H5DataTypeClass.String || type.VariableLength.BaseType.Size == 1 =>
            Json(read.Read<string>(), v => JsonValue.Create(Clean(v))),
        // h5py writes booleans as an 8-bit enum (FALSE = 0, TRUE = 1).
        H5DataTypeClass.Enumerated when type.Size == 1 => Json(read.Read<sbyte>(), v => JsonValue.Create(v != 0)),
        H5DataTypeClass.Enumerated => ReadAll(type.Enumeration.BaseType, read),
        _ => null,
    };

    /// <summary>Reads numbers of any integer or float type as doubles (for thumbnails); null when the type holds no numbers.</summary>
    public static double[]? ReadNumbers(IH5DataType type, INexusSource read) => (type.Class, type.Size) switch
    {
        (H5DataTypeClass.FixedPoint, 1) => type.FixedPoint.IsSigned ? Doubles(read.Read<sbyte>()) : Doubles(read.Read<byte>()),
        (H5DataTypeClass.FixedPoint, 2) => type.FixedPoint.IsSigned ? Doubles(read.Read<short>()) : Doubles(read.Read<ushort>()),
        (H5DataTypeClass.FixedPoint, 4) => type.FixedPoint.IsSigned ? Doubles(read.Read<int>()) : Doubles(read.Read<uint>()),
        (H5DataTypeClass.FixedPoint, 8) => type.FixedPoint.IsSigned ? Doubles(read.Read<long>()) : Doubles(read.Read<ulong>()),
        (H5DataTypeClass.FloatingPoint, 4) => Doubles(read.Read<float>()),
        (H5DataTypeClass.FloatingPoint, 8) => read.Read<double>(),
        _ => null,
    };

    private static double[] Doubles<T>(T[] values) where T : System.Numerics.INumberBase<T> => Array.ConvertAll(values, double.CreateTruncating);

    /// <summary>Whether the type's values can be ordered (for the min/max of long 1-D fields).</summary>
    public static bool IsNumeric(IH5DataType type) => type.Class is H5DataTypeClass.FixedPoint or H5DataTypeClass.FloatingPoint;

    /// <summary>The number of elements a dataspace holds (1 for a scalar, 0 for a null space).</summary>
    public static ulong CountOf(IH5Dataspace space) => space.Type switch
    {
        H5DataspaceType.Scalar => 1,
        H5DataspaceType.Null => 0,
        _ => space.Dimensions.Aggregate(1UL, (product, d) => product * d),
    };

    /// <summary>A number as a double, whatever integer or float type it was read as.</summary>
    public static double ToDouble(JsonNode? value) => double.Parse(value!.ToJsonString(), CultureInfo.InvariantCulture);

    private static JsonNode?[] Json<T>(T[] values, Func<T, JsonNode?> convert) => Array.ConvertAll(values, v => convert(v));

    /// <summary>JSON has no NaN or infinity: those go as text, as Python's json would not accept them either.</summary>
    private static JsonNode Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Fixed-length strings come padded with NULs (or spaces, by some writers).</summary>
    private static string Clean(string? value) => (value ?? "").TrimEnd('\0', ' ');
}

/// <summary>Something HDF5 values are read from: a dataset or an attribute (PureHDF gives both a generic Read but no common interface for it).</summary>
internal interface INexusSource
{
    T[] Read<T>();
}

/// <summary>The values of a dataset, or of a selection of it (then <paramref name="memoryDims"/> gives the flat size of what is selected).</summary>
internal sealed class DatasetSource(IH5Dataset dataset, PureHDF.Selections.Selection? selection = null, ulong[]? memoryDims = null) : INexusSource
{
    public T[] Read<T>() => selection is null ? dataset.Read<T[]>() : dataset.Read<T[]>(selection, null, memoryDims);
}

/// <summary>The values of an attribute.</summary>
internal sealed class AttributeSource(IH5Attribute attribute) : INexusSource
{
    public T[] Read<T>() => attribute.Read<T[]>();
}
