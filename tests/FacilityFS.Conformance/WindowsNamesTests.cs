using FacilityFS.WinFsp;

namespace FacilityFS.Conformance;

/// <summary>Names a WebDAV server may hold but Windows cannot show travel encoded, and come back as they were.</summary>
public sealed class WindowsNamesTests
{
    [Theory]
    [InlineData("plain.txt", "plain.txt")]
    [InlineData("a<b>c:d\"e|f?g*h\\i", "a\uF03Cb\uF03Ec\uF03Ad\uF022e\uF07Cf\uF03Fg\uF02Ah\uF05Ci")]
    [InlineData("ends with dot.", "ends with dot\uF02E")]
    [InlineData("ends with space ", "ends with space\uF020")]
    [InlineData("CON", "CO\uF04E")]
    [InlineData("nul.txt", "nu\uF06C.txt")]
    [InlineData("Lpt1.log", "Lpt\uF031.log")]
    [InlineData("CONSOLE", "CONSOLE")]
    [InlineData("tab\there", "tab\uF009here")]
    public void A_name_windows_cannot_show_is_encoded_and_decodes_back(string remote, string windows)
    {
        Assert.Equal(windows, WindowsNames.Encode(remote));
        Assert.Equal(remote, WindowsNames.Decode(windows));
        Assert.True(WindowsNames.IsShowable(remote));
    }

    [Fact]
    public void Every_ascii_name_of_up_to_three_characters_round_trips()
    {
        var alphabet = Enumerable.Range(1, 127).Select(c => (char)c).Where(c => c != '/').ToArray();
        foreach (var a in alphabet)
        foreach (var b in "aN. :")
        foreach (var c in "\0x.")
        {
            var name = c == '\0' ? $"{a}{b}" : $"{a}{b}{c}";
            var shown = WindowsNames.Encode(name);
            Assert.Equal(name, WindowsNames.Decode(shown));
            Assert.DoesNotContain(shown, ch => ch < 0x20 || "<>:\"|?*\\".Contains(ch));
            Assert.False(shown.EndsWith('.') || shown.EndsWith(' '), $"{name} shows as {shown}");
        }
    }

    [Fact]
    public void A_remote_name_holding_a_character_of_the_encoding_range_is_not_shown()
    {
        Assert.False(WindowsNames.IsShowable("odd\uF03Aname"));
        Assert.True(WindowsNames.IsShowable("private use \uE000 elsewhere"));
    }
}
