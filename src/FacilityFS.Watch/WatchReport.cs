namespace FacilityFS.Watch;

/// <summary>What `facilityfs status` shows of a watch: files still to handle, failures with their reasons, and what keeps the watch from seeing everything.</summary>
/// <param name="Waiting">Files seen and not yet committed (settling, queued, being sent, failed).</param>
/// <param name="Committed">Files committed (uploaded or checksummed) as the journal has them.</param>
/// <param name="Problems">Conditions that limit the watch: the inotify watch limit, unreadable or vanished folders, lost events.</param>
public sealed record WatchReport(string Directory, string Target, int Waiting, int Committed, IReadOnlyList<WatchFailure> Failures, IReadOnlyList<string> Problems, bool Inotify);

/// <summary>A file that could not be committed yet, and why.</summary>
public sealed record WatchFailure(string Path, string Reason);
