using FacilityFS.Storage.Checksums;

namespace FacilityFS.Storage;

/// <summary>Questions every caller of a store asks the same way: "is it there?" and "what Adler-32 does the store itself report?".</summary>
public static class RemoteStoreExtensions
{
    /// <summary>The entry, or null when nothing exists at <paramref name="path"/>; every other failure still throws.</summary>
    public static async Task<RemoteEntry?> TryStatAsync(this IRemoteStore store, RemotePath path, CancellationToken cancellationToken = default)
    {
        try
        {
            return await store.StatAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>The Adler-32 the store computed itself, or null when it offers none (no capability, or none for this file).</summary>
    public static async Task<Checksum?> ServerAdler32Async(this IRemoteStore store, RemotePath path, CancellationToken cancellationToken = default) =>
        store.Capabilities.Checksums && store is IChecksumSource source
            ? await source.GetChecksumAsync(path, ChecksumAlgorithm.Adler32, cancellationToken).ConfigureAwait(false)
            : null;
}
