using System.Text;

namespace FacilityFS.Storage;

/// <summary>An absolute path on a remote store: '/'-separated, no empty, '.' or '..' segments.</summary>
/// <remarks>Names are kept exactly as given, never Unicode-normalised: a decomposed (NFD) name and its composed (NFC) twin are two names, as on a local disk.</remarks>
public sealed class RemotePath : IEquatable<RemotePath>, IComparable<RemotePath>
{
    public static readonly RemotePath Root = new("/");

    private RemotePath(string value) => Value = value;

    /// <summary>The path as text, always starting with '/', never ending with '/' unless it is the root.</summary>
    public string Value { get; }

    public bool IsRoot => Value.Length == 1;

    public string Name => IsRoot ? "" : Value[(Value.LastIndexOf('/') + 1)..];

    public RemotePath Parent
    {
        get
        {
            if (IsRoot) return this;
            var cut = Value.LastIndexOf('/');
            return cut == 0 ? Root : new RemotePath(Value[..cut]);
        }
    }

    public IEnumerable<string> Segments => IsRoot ? [] : Value[1..].Split('/');

    public int Depth => IsRoot ? 0 : Value.Count(c => c == '/');

    /// <summary>Parses a path; a missing leading slash is added, repeated and trailing slashes are folded.</summary>
    /// <exception cref="ArgumentException">The path holds a '.' or '..' segment or a NUL character.</exception>
    public static RemotePath Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var builder = new StringBuilder(path.Length + 1);
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            ValidateSegment(segment, path);
            builder.Append('/').Append(segment);
        }
        return builder.Length == 0 ? Root : new RemotePath(builder.ToString());
    }

    public static bool TryParse(string path, out RemotePath result)
    {
        try
        {
            result = Parse(path);
            return true;
        }
        catch (ArgumentException)
        {
            result = Root;
            return false;
        }
    }

    public RemotePath Child(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('/'))
            throw new ArgumentException($"'{name}' is not a single path segment (under {Value})", nameof(name));
        ValidateSegment(name, name);
        return new RemotePath(IsRoot ? "/" + name : Value + "/" + name);
    }

    /// <summary>The sibling named as this name plus <paramref name="suffix"/> (a conflict copy, an interrupted file set aside), the name cut short so the whole takes at most <paramref name="maxNameBytes"/> UTF-8 bytes.</summary>
    /// <remarks>
    /// The suffix is what says what the copy is, so it is kept whole and the name gives way: it is cut between whole characters
    /// (text elements, so a decomposed letter keeps its accent and the cut always falls on a UTF-8 boundary). A name at the
    /// server's limit would otherwise get a copy the server refuses, and the copy would never be stored.
    /// </remarks>
    public RemotePath WithSuffix(string suffix, int maxNameBytes)
    {
        ArgumentNullException.ThrowIfNull(suffix);
        var room = maxNameBytes - Encoding.UTF8.GetByteCount(suffix);
        if (IsRoot || room < 1) throw new ArgumentException($"{Value}: no room for a name with the suffix '{suffix}' within {maxNameBytes} bytes", nameof(suffix));
        var name = Name;
        if (Encoding.UTF8.GetByteCount(name) > room)
        {
            var kept = 0;
            var bytes = 0;
            while (kept < name.Length)
            {
                var length = System.Globalization.StringInfo.GetNextTextElementLength(name.AsSpan(kept));
                var size = Encoding.UTF8.GetByteCount(name.AsSpan(kept, length));
                if (bytes + size > room) break;
                bytes += size;
                kept += length;
            }
            // A single text element longer than the room (a letter under dozens of accents) is cut by code points instead.
            if (kept == 0)
            {
                foreach (var rune in name.EnumerateRunes())
                {
                    if (bytes + rune.Utf8SequenceLength > room) break;
                    bytes += rune.Utf8SequenceLength;
                    kept += rune.Utf16SequenceLength;
                }
            }
            name = name[..kept];
        }
        return Parent.Child(name + suffix);
    }

    /// <summary>Appends a relative path ("a/b/c"); an empty one gives this path.</summary>
    public RemotePath Combine(string relative) => Parse(Value + "/" + relative);

    public bool IsSameOrUnder(RemotePath ancestor) =>
        ancestor.IsRoot || Value == ancestor.Value || Value.StartsWith(ancestor.Value + "/", StringComparison.Ordinal);

    /// <summary>The part of this path below <paramref name="ancestor"/>, without a leading slash.</summary>
    public string RelativeTo(RemotePath ancestor)
    {
        if (!IsSameOrUnder(ancestor))
            throw new ArgumentException($"{Value} is not under {ancestor.Value}", nameof(ancestor));
        return Value.Length == ancestor.Value.Length ? "" : Value[(ancestor.IsRoot ? 1 : ancestor.Value.Length + 1)..];
    }

    private static void ValidateSegment(string segment, string whole)
    {
        if (segment is "." or "..")
            throw new ArgumentException($"path '{whole}' contains a '{segment}' segment; give the path without it");
        if (segment.Contains('\0'))
            throw new ArgumentException($"path '{whole.Replace("\0", "\\0")}' contains a NUL character");
    }

    public bool Equals(RemotePath? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as RemotePath);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public int CompareTo(RemotePath? other) => string.CompareOrdinal(Value, other?.Value);

    public static bool operator ==(RemotePath? a, RemotePath? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(RemotePath? a, RemotePath? b) => !(a == b);

    public override string ToString() => Value;
}
