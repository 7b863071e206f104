using FacilityFS.Vfs;

namespace FacilityFS.Cli.Control;

/// <summary>One request on a mount's control socket: one JSON line in, one JSON line out.</summary>
/// <param name="Action">For "recover": publish-aside, publish or drop (none: only list).</param>
/// <param name="Paths">For "recover": files relative to the mount's root (none with an action: every interrupted file); for "state": the files asked about.</param>
public sealed record ControlRequest(string Command, double? TimeoutSeconds = null, string? Action = null, IReadOnlyList<string>? Paths = null);

/// <summary>The answer to "recover": what was done, and the interrupted files left after it.</summary>
public sealed record RecoverReport(IReadOnlyList<RecoveredFile> Done, IReadOnlyList<InterruptedFile> Interrupted);

/// <summary>What a mount says about itself (the answer to "status").</summary>
public sealed record MountReport(string Mountpoint, string Remote, int ProcessId, double FlushTimeoutSeconds, bool ReadOnly, MountStatus Status)
{
    /// <summary>Dataset registrations of a mount with catalog rules: done, under way, or failed with the reason.</summary>
    public IReadOnlyList<DatasetReport>? Datasets { get; init; }
}

/// <summary>One dataset folder's registration as the ledger has it.</summary>
public sealed record DatasetReport(string Folder, string? Pid, string Step, string? Error)
{
    /// <summary>The line `status` prints: folder, step, pid and error where there are.</summary>
    public override string ToString() => $"{Folder} {Step}{(Pid is null ? "" : $" as {Pid}")}{(Error is null ? "" : $" — {Error}")}";
}

/// <summary>The answer to "sync": what failed for good, and what is still open for writing (not waited for).</summary>
public sealed record SyncReport(IReadOnlyList<PendingFile> Failed, IReadOnlyList<PendingFile> Open, long Committed);

/// <summary>The answer to "state": each file asked about, in the order asked.</summary>
public sealed record FileStatesReport(IReadOnlyList<FileState> Files);

/// <summary>One file's upload state (committed, open, dirty, uploading, "failed: REASON", "interrupted: …"), or why it has none; <paramref name="Path"/> as asked.</summary>
public sealed record FileState(string Path, string? State, string? Error);

/// <summary>An answer that says why the request could not be served.</summary>
public sealed record ControlError(string Error);

/// <summary>The JSON conventions of the control socket: snake_case names, nulls left out (generated contracts, see <see cref="Output.CliJson"/>).</summary>
public static class ControlJson
{
    public static string Write<T>(T value) => Output.CliJson.Write(value);

    public static T Read<T>(string line, string what) =>
        Output.CliJson.Read<T>(line) ?? throw new UsageException($"{what}: the mount answered an empty message");
}
