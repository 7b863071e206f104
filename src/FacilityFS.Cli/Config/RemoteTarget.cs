using FacilityFS.Storage;

namespace FacilityFS.Cli.Config;

/// <summary>A resolved REMOTE argument: the store, the path in it, and how the user wrote it.</summary>
/// <param name="TrailingSlash">The user ended the path with '/', meaning "into this folder".</param>
public sealed record RemoteTarget(IRemoteStore Store, string StoreKey, RemotePath Path, string Prefix, bool TrailingSlash)
{
    /// <summary>How to print a path of the same store the way the user addresses it.</summary>
    public string Display(RemotePath path) => Prefix + path.Value;

    public override string ToString() => Display(Path);
}
