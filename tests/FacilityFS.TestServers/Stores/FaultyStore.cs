using FacilityFS.Storage;

namespace FacilityFS.TestServers.Stores;

/// <summary>A store that refuses writes (PUT) with a chosen error, for a number of times or for ever, and otherwise passes everything on.</summary>
public sealed class FaultyStore(IRemoteStore inner) : DelegatingStore(inner)
{
    private int _refused;

    public StorageErrorKind? Refuse { get; set; }

    /// <summary>How many more writes to refuse; negative means every one.</summary>
    public int RefusalsLeft { get; set; } = -1;

    public int Refused => _refused;

    public override Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default)
    {
        if (Refuse is { } kind && RefusalsLeft != 0)
        {
            if (RefusalsLeft > 0) RefusalsLeft--;
            Interlocked.Increment(ref _refused);
            throw new StorageException(kind, $"write of {path} refused by the test", "PUT", path.Value);
        }
        return Inner.WriteAsync(path, content, length, cancellationToken);
    }
}
