using System.Reflection;
using System.Text.RegularExpressions;
using FacilityFS.Fuse;
using FacilityFS.Vfs;
using FacilityFS.WinFsp;

namespace FacilityFS.Conformance;

/// <summary>src/FacilityFS.Vfs/SEMANTICS.md is part of the contract: its error table must say what each adapter answers.</summary>
public sealed partial class SemanticsDocumentTests
{
    private static IReadOnlyDictionary<string, (string Errno, string NtStatus)> Documented()
    {
        var document = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "FacilityFS.Vfs", "SEMANTICS.md"));
        var rows = ErrorRow().Matches(document).ToDictionary(m => m.Groups[1].Value, m => (m.Groups[2].Value, m.Groups[3].Value));
        Assert.Equal(Enum.GetNames<VfsError>().Order(), rows.Keys.Order());
        return rows;
    }

    [Fact]
    public void The_documented_errno_of_every_core_error_is_the_one_the_fuse_adapter_replies()
    {
        foreach (var (name, (errno, _)) in Documented())
        {
            var value = (int)typeof(Errno).GetField(errno, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            Assert.True(Errno.Of(Enum.Parse<VfsError>(name)) == value, $"SEMANTICS.md says {name} is {errno}, the adapter replies {Errno.Of(Enum.Parse<VfsError>(name))}");
        }
    }

    [Fact]
    public void The_documented_ntstatus_of_every_core_error_is_the_one_the_winfsp_adapter_answers()
    {
        foreach (var (name, (_, status)) in Documented())
        {
            var answered = NtStatus.NameOf(NtStatus.Of(Enum.Parse<VfsError>(name)));
            Assert.True(answered == status, $"SEMANTICS.md says {name} is {status}, the adapter answers {answered}");
        }
    }

    [Fact]
    public void Every_core_error_maps_to_an_ntstatus_error_value()
    {
        foreach (var error in Enum.GetValues<VfsError>())
        {
            var status = NtStatus.Of(error);
            // Severity "error" (the top two bits set), and a name the table can show.
            Assert.True((uint)status >= 0xC0000000, $"{error} maps to 0x{status:X8}, not an error status");
            Assert.StartsWith("STATUS_", NtStatus.NameOf(status));
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FacilityFS.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no FacilityFS.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^\| ([A-Za-z]+) \| (E[A-Z]+) \| (STATUS_[A-Z_]+) \|$", RegexOptions.Multiline)]
    private static partial Regex ErrorRow();
}
