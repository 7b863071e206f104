using System.Text;
using FacilityFS.Vfs;

namespace FacilityFS.Conformance;

/// <summary>The behaviours every target must show alike, written once; each target runs them through its own calls (a disk, the VFS, FUSE, WinFsp's call sequences).</summary>
public abstract class Scenarios : IAsyncLifetime
{
    protected IConformanceTarget Target { get; private set; } = null!;

    /// <summary>A fresh, empty target for one scenario.</summary>
    protected abstract Task<IConformanceTarget> StartAsync();

    public async Task InitializeAsync() => Target = await StartAsync();

    public async Task DisposeAsync() => await Target.DisposeAsync();

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + i / 251)).ToArray();

    private async Task<VfsError> FailsAsync(Func<Task> action)
    {
        var failure = await Assert.ThrowsAsync<TargetException>(action);
        return failure.Error;
    }

    [Fact]
    public async Task Copy_in_of_a_large_file_reads_back_and_reaches_the_storage()
    {
        var content = Pattern(1_300_000);
        await Target.MakeFolderAsync("in");
        await Target.WriteAsync("in/frame.raw", content);
        Assert.Equal(content, await Target.ReadAsync("in/frame.raw"));
        Assert.Equal(["frame.raw"], await Target.ListAsync("in"));
        Assert.Equal(content, await Target.StoredAsync("in/frame.raw"));
    }

    [Fact]
    public async Task Save_through_a_temporary_and_rename_over_the_original_leaves_only_the_new_version()
    {
        await Target.WriteAsync("notes.txt", Text("version 1"));
        await Target.WriteAsync("notes.txt.tmp", Text("version 2, longer"));
        await Target.RenameAsync("notes.txt.tmp", "notes.txt", replace: true);
        Assert.Equal("version 2, longer", Encoding.UTF8.GetString(await Target.ReadAsync("notes.txt")));
        Assert.Equal(["notes.txt"], await Target.ListAsync(""));
        Assert.Equal(Text("version 2, longer"), await Target.StoredAsync("notes.txt"));
        Assert.Null(await Target.StoredAsync("notes.txt.tmp"));
    }

    [Fact]
    public async Task A_deleted_file_is_gone_from_the_listing_and_the_storage()
    {
        await Target.WriteAsync("keep.txt", Text("keep"));
        await Target.WriteAsync("drop.txt", Text("drop"));
        await Target.DeleteAsync("drop.txt");
        Assert.Equal(["keep.txt"], await Target.ListAsync(""));
        Assert.Equal(VfsError.NotFound, await FailsAsync(() => Target.ReadAsync("drop.txt")));
        Assert.Null(await Target.StoredAsync("drop.txt"));
        Assert.Equal(VfsError.NotFound, await FailsAsync(() => Target.DeleteAsync("drop.txt")));
    }

    [Fact]
    public async Task Overwriting_with_less_leaves_no_trace_of_the_old_content()
    {
        await Target.WriteAsync("data.bin", Text("0123456789"));
        await Target.WriteAsync("data.bin", Text("short"));
        Assert.Equal("short", Encoding.UTF8.GetString(await Target.ReadAsync("data.bin")));
        Assert.Equal(Text("short"), await Target.StoredAsync("data.bin"));
    }

    [Fact]
    public async Task Append_and_resize_change_an_existing_file_in_place()
    {
        await Target.WriteAsync("log.txt", Text("first\n"));
        await Target.AppendAsync("log.txt", Text("second\n"));
        Assert.Equal("first\nsecond\n", Encoding.UTF8.GetString(await Target.ReadAsync("log.txt")));
        await Target.ResizeAsync("log.txt", 5);
        Assert.Equal("first", Encoding.UTF8.GetString(await Target.ReadAsync("log.txt")));
        await Target.ResizeAsync("log.txt", 8);
        Assert.Equal("first\0\0\0", Encoding.UTF8.GetString(await Target.ReadAsync("log.txt")));
    }

    [Fact]
    public async Task A_folder_of_many_files_lists_every_name_once_in_order()
    {
        await Target.MakeFolderAsync("scan");
        var names = Enumerable.Range(0, 150).Select(i => $"frame_{i:D5}_with_a_long_enough_name.tif").ToList();
        foreach (var name in names) await Target.WriteAsync($"scan/{name}", Text(name));
        Assert.Equal(names.Order(StringComparer.Ordinal), await Target.ListAsync("scan"));
    }

    [Fact]
    public async Task Rename_over_an_existing_file_fails_without_replace_and_replaces_with_it()
    {
        await Target.WriteAsync("a.txt", Text("from a"));
        await Target.WriteAsync("b.txt", Text("from b"));
        Assert.Equal(VfsError.Exists, await FailsAsync(() => Target.RenameAsync("a.txt", "b.txt", replace: false)));
        Assert.Equal("from b", Encoding.UTF8.GetString(await Target.ReadAsync("b.txt")));
        await Target.RenameAsync("a.txt", "b.txt", replace: true);
        Assert.Equal("from a", Encoding.UTF8.GetString(await Target.ReadAsync("b.txt")));
        Assert.Equal(["b.txt"], await Target.ListAsync(""));
        Assert.Equal(Text("from a"), await Target.StoredAsync("b.txt"));
    }

    [Fact]
    public async Task A_folder_is_removed_only_once_empty_and_files_move_between_folders()
    {
        await Target.MakeFolderAsync("run");
        await Target.MakeFolderAsync("done");
        await Target.WriteAsync("run/scan.h5", Text("pixels"));
        Assert.Equal(VfsError.NotEmpty, await FailsAsync(() => Target.DeleteFolderAsync("run")));
        await Target.RenameAsync("run/scan.h5", "done/scan.h5", replace: false);
        await Target.DeleteFolderAsync("run");
        Assert.Equal(["done"], await Target.ListAsync(""));
        Assert.Equal(Text("pixels"), await Target.StoredAsync("done/scan.h5"));
    }
}
