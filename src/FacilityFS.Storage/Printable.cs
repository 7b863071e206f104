using System.Globalization;
using System.Text;

namespace FacilityFS.Storage;

/// <summary>Text from a server (names, error pages) made safe to show on a terminal or in a log: control characters become visible escapes.</summary>
public static class Printable
{
    /// <summary>The text with C0/C1 control characters and DEL written as \n, \t, \e or \xNN, so it can neither move the cursor nor pass for two lines.</summary>
    public static string Escape(string text)
    {
        if (!NeedsEscape(text)) return text;
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                case '\x1b': builder.Append(@"\e"); break;
                default:
                    if (IsControl(c)) builder.Append(@"\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else builder.Append(c);
                    break;
            }
        }
        return builder.ToString();
    }

    private static bool NeedsEscape(string text)
    {
        foreach (var c in text)
            if (IsControl(c)) return true;
        return false;
    }

    private static bool IsControl(char c) => c < 0x20 || c is >= '\x7f' and <= '\x9f';
}
