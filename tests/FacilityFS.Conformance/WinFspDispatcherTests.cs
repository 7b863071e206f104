using System.Text;
using FacilityFS.Conformance.Targets;
using FacilityFS.Vfs;
using FacilityFS.WinFsp;

namespace FacilityFS.Conformance;

/// <summary>What the WinFsp dispatcher answers beyond the shared scenarios: Windows-only call sequences and statuses.</summary>
public sealed class WinFspDispatcherTests : IAsyncLifetime
{
    private WinFspSimulatorTarget _target = null!;
    private CoreOverStore _core = null!;

    private WinFspDispatcher Dispatcher => _target.Dispatcher;

    public async Task InitializeAsync()
    {
        _core = await CoreOverStore.StartAsync();
        _target = new WinFspSimulatorTarget(_core);
    }

    public async Task DisposeAsync() => await _target.DisposeAsync();

    [Fact]
    public async Task A_file_opened_with_delete_on_close_goes_at_cleanup_without_can_delete()
    {
        await _target.WriteAsync("scratch.tmp", "x"u8.ToArray());
        Assert.Equal(NtStatus.Success, Dispatcher.Open(@"\scratch.tmp", WinFspDispatcher.NonDirectoryFile, out var context, out _));
        Dispatcher.Cleanup(context, @"\scratch.tmp", WinFspDispatcher.CleanupDelete);
        Dispatcher.Close(context);
        Assert.Equal(NtStatus.ObjectNameNotFound, Dispatcher.GetSecurityByName(@"\scratch.tmp", out _));
        Assert.Null(await _core.StoredAsync("scratch.tmp"));
    }

    [Fact]
    public async Task Opening_and_reading_a_stored_file_does_not_make_it_pending()
    {
        await File.WriteAllTextAsync(Path.Combine(_core.StoreFolder, "stored.txt"), "on the server");
        Assert.Equal("on the server", Encoding.UTF8.GetString(await _target.ReadAsync("stored.txt")));
        Assert.Empty(_core.Vfs.Status().Pending);
    }

    [Fact]
    public async Task Names_windows_cannot_show_are_listed_encoded_opened_by_that_name_and_created_decoded()
    {
        await File.WriteAllTextAsync(Path.Combine(_core.StoreFolder, "run:1?.txt"), "colon");
        var shown = WindowsNames.Encode("run:1?.txt");
        Assert.Equal(NtStatus.Success, Dispatcher.Open(@"\", WinFspDispatcher.DirectoryFile, out var root, out _));
        var page = new SimulatedDirectoryBuffer(4096);
        Assert.Equal(NtStatus.Success, Dispatcher.ReadDirectory(root, null, page));
        Assert.Contains(shown, page.Entries().Select(e => e.Name));
        Dispatcher.Cleanup(root, null, 0);
        Dispatcher.Close(root);
        Assert.Equal(NtStatus.Success, Dispatcher.GetSecurityByName("\\" + shown, out _));
        await _target.WriteAsync(WindowsNames.Encode("CON"), "device name"u8.ToArray());
        Assert.Equal("device name", Encoding.UTF8.GetString((await _core.StoredAsync("CON"))!));
    }

    [Fact]
    public void A_missing_folder_on_the_way_and_a_missing_name_answer_apart()
    {
        Assert.Equal(NtStatus.ObjectPathNotFound, Dispatcher.GetSecurityByName(@"\no\such.txt", out _));
        Assert.Equal(NtStatus.ObjectNameNotFound, Dispatcher.GetSecurityByName(@"\such.txt", out _));
        Assert.Equal(NtStatus.ObjectPathNotFound, Dispatcher.Create(@"\no\such.txt", WinFspDispatcher.NonDirectoryFile, 0, out _, out _));
        Assert.Equal(NtStatus.InvalidHandle, Dispatcher.GetFileInfo(12345, out _));
    }

    [Fact]
    public async Task Reading_at_the_end_is_end_of_file_and_constrained_writes_never_extend()
    {
        await _target.WriteAsync("ten.bin", "0123456789"u8.ToArray());
        Assert.Equal(NtStatus.Success, Dispatcher.Open(@"\ten.bin", WinFspDispatcher.NonDirectoryFile, out var context, out _));
        Assert.Equal(NtStatus.EndOfFile, Dispatcher.Read(context, new byte[4], 10, out _));
        Assert.Equal(NtStatus.Success, Dispatcher.Write(context, "abcdef"u8.ToArray(), 7, false, true, out var written, out var info));
        Assert.Equal(3u, written);
        Assert.Equal(10ul, info.FileSize);
        Dispatcher.Cleanup(context, null, 0);
        Dispatcher.Close(context);
        Assert.Equal("0123456abc", Encoding.UTF8.GetString(await _target.ReadAsync("ten.bin")));
    }

    [Fact]
    public async Task A_page_after_a_marker_that_was_deleted_meanwhile_goes_on_after_it()
    {
        await _target.MakeFolderAsync("d");
        foreach (var name in new[] { "a", "b", "c", "d" }) await _target.WriteAsync($"d/{name}", [1]);
        Assert.Equal(NtStatus.Success, Dispatcher.Open(@"\d", WinFspDispatcher.DirectoryFile, out var folder, out _));
        var first = new SimulatedDirectoryBuffer(4096);
        Assert.Equal(NtStatus.Success, Dispatcher.ReadDirectory(folder, null, first));
        Assert.Equal([".", "..", "a", "b", "c", "d"], first.Entries().Select(e => e.Name));
        await _target.DeleteAsync("d/b");
        var next = new SimulatedDirectoryBuffer(4096);
        Assert.Equal(NtStatus.Success, Dispatcher.ReadDirectory(folder, "b", next));
        Assert.Equal(["c", "d"], next.Entries().Select(e => e.Name));
        Assert.True(next.Ended);
        Dispatcher.Cleanup(folder, null, 0);
        Dispatcher.Close(folder);
    }

    [Fact]
    public async Task A_read_only_volume_refuses_deletion_before_cleanup()
    {
        await _target.WriteAsync("kept.txt", [1]);
        await using var readOnly = await VirtualFileSystem.CreateAsync(new Storage.Local.LocalFolderStore(_core.StoreFolder), new VfsOptions { ReadOnly = true });
        await _core.StoredAsync("kept.txt");
        var dispatcher = new WinFspDispatcher(readOnly, SecurityDescriptor.For(SecurityDescriptor.AdministratorsSid), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.Equal(NtStatus.Success, dispatcher.Open(@"\kept.txt", 0, out var context, out _));
        Assert.Equal(NtStatus.MediaWriteProtected, dispatcher.CanDelete(context, @"\kept.txt"));
        Assert.Equal(NtStatus.MediaWriteProtected, dispatcher.Write(context, new byte[1], 0, false, false, out _, out _));
        dispatcher.Cleanup(context, null, 0);
        dispatcher.Close(context);
        Assert.Equal(0, dispatcher.OpenCount);
    }
}
