using System.Text;

namespace FacilityFS.WinFsp;

/// <summary>Shows names that a WebDAV server may hold but Windows cannot (<c>&lt;&gt;:"|?*\</c>, control characters, a trailing dot or space, CON, NUL, COM1…) through a reversible encoding, and decodes them on the way back.</summary>
/// <remarks>
/// An offending character c becomes U+F000 + c, a private-use character Windows accepts and Explorer shows as a box; this is the
/// mapping Cygwin and the macOS SMB server use, so such names look the same there. For a reserved device name (CON, con.txt, LPT1.log)
/// the last character of its base name is encoded. Decoding maps U+F001–U+F07F back; a remote name that already holds one of those
/// code points could not be told apart from an encoded one, so it is not shown (<see cref="IsShowable"/>).
/// </remarks>
public static class WindowsNames
{
    private const char Base = '\uF000';
    private const string Forbidden = "<>:\"|?*\\";

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>Whether a remote name can be shown on Windows: it holds no character of the encoding's own range.</summary>
    public static bool IsShowable(string remoteName)
    {
        foreach (var c in remoteName)
        {
            if (IsEncoded(c)) return false;
        }
        return remoteName.Length > 0;
    }

    /// <summary>The name Windows sees for <paramref name="remoteName"/> (the same string when nothing needs encoding).</summary>
    public static string Encode(string remoteName)
    {
        var builder = new StringBuilder(remoteName.Length);
        foreach (var c in remoteName) builder.Append(c < 0x20 || Forbidden.Contains(c) ? (char)(Base + c) : c);
        var last = builder.Length - 1;
        if (last >= 0 && builder[last] is '.' or ' ') builder[last] = (char)(Base + builder[last]);
        var baseName = BaseNameLength(remoteName);
        if (baseName > 0 && Reserved.Contains(remoteName[..baseName]) && !IsEncoded(builder[baseName - 1]))
            builder[baseName - 1] = (char)(Base + builder[baseName - 1]);
        return builder.ToString();
    }

    /// <summary>The remote name behind a name Windows sent.</summary>
    public static string Decode(string windowsName)
    {
        if (!windowsName.AsSpan().ContainsAnyInRange('\uF001', '\uF07F')) return windowsName;
        var builder = new StringBuilder(windowsName.Length);
        foreach (var c in windowsName) builder.Append(IsEncoded(c) ? (char)(c - Base) : c);
        return builder.ToString();
    }

    private static bool IsEncoded(char c) => c is >= '\uF001' and <= '\uF07F';

    /// <summary>Windows treats "CON.txt" as CON too: the part before the first dot (trailing spaces ignored) is what is reserved.</summary>
    private static int BaseNameLength(string name)
    {
        var dot = name.IndexOf('.');
        var length = dot < 0 ? name.Length : dot;
        while (length > 0 && name[length - 1] == ' ') length--;
        return length;
    }
}
