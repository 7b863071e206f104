using FacilityFS.Storage;
using FacilityFS.TestServers.Stores;

namespace FacilityFS.Watch.Tests;

/// <summary>A store that calls <c>during</c> as each upload's bytes start to be read: a writer changing the file mid-upload, at a known moment.</summary>
internal sealed class ChangingStore(IRemoteStore inner, Action during) : DelegatingStore(inner)
{
    public override Task<WriteResult> WriteAsync(RemotePath path, Stream content, long length, CancellationToken cancellationToken = default)
    {
        during();
        return Inner.WriteAsync(path, content, length, cancellationToken);
    }
}
