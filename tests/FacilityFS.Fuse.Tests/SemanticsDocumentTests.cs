using System.Reflection;
using System.Text.RegularExpressions;
using FacilityFS.Vfs;

namespace FacilityFS.Fuse.Tests;

/// <summary>src/FacilityFS.Vfs/SEMANTICS.md is part of the contract: its error table must say what the adapter does.</summary>
public sealed partial class SemanticsDocumentTests
{
    [Fact]
    public void The_documented_errno_of_every_core_error_is_the_one_the_adapter_replies()
    {
        var document = File.ReadAllText(Path.Combine(Repository.Root, "src", "FacilityFS.Vfs", "SEMANTICS.md"));
        var documented = ErrorRow().Matches(document).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(Enum.GetNames<VfsError>().Order(), documented.Keys.Order());
        foreach (var (name, errno) in documented)
        {
            var value = (int)typeof(Errno).GetField(errno, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            Assert.True(Errno.Of(Enum.Parse<VfsError>(name)) == value, $"SEMANTICS.md says {name} is {errno}, the adapter replies {Errno.Of(Enum.Parse<VfsError>(name))}");
        }
    }

    [GeneratedRegex(@"^\| ([A-Za-z]+) \| (E[A-Z]+) \|$", RegexOptions.Multiline)]
    private static partial Regex ErrorRow();
}
