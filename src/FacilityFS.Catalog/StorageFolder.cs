using System.Text.Json;
using System.Text.Json.Nodes;
using FacilityFS.Storage;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Catalog;

/// <summary>What a dataset folder already on the storage holds: its files with sizes, times and Adler-32 (the server's where it offers one, else read once), and its metadata files.</summary>
public static class StorageFolder
{
    public const string Sidecar = "dataset.json";
    public const string BeamtimePrefix = "beamtime-metadata-";

    /// <summary>Every file below <paramref name="folder"/> (upload temporaries aside), paths relative to it, in name order.</summary>
    /// <param name="known">Checksums already known (computed as the bytes were written through the mount), with the size they hold for: those files are not read again, and their time is when they were written.</param>
    /// <param name="skip">Paths (relative to the folder) that are not data: the completion marker, a rule's skip globs.</param>
    public static async Task<IReadOnlyList<DataFileEntry>> FilesAsync(IRemoteStore store, RemotePath folder, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, KeptFile>? known = null, Func<string, bool>? skip = null)
    {
        var files = new List<DataFileEntry>();
        var pending = new Stack<RemotePath>([folder]);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            await foreach (var entry in store.ListAsync(current, cancellationToken).ConfigureAwait(false))
            {
                if (entry.Name.StartsWith(Storage.Transfers.VerifiedUpload.TemporaryPrefix, StringComparison.Ordinal)) continue;
                if (entry.IsDirectory)
                {
                    pending.Push(entry.Path);
                    continue;
                }
                var relative = entry.Path.RelativeTo(folder);
                if (IsMetadata(relative) || skip?.Invoke(relative) == true) continue;
                var kept = known is not null && known.TryGetValue(relative, out var k) && k.Size == entry.Size ? k : null;
                var checksum = kept?.Checksum
                    ?? (await store.ServerAdler32Async(entry.Path, cancellationToken).ConfigureAwait(false) ?? await ReadAdler32Async(store, entry.Path, cancellationToken).ConfigureAwait(false)).Value;
                files.Add(new DataFileEntry(relative, entry.Size, kept?.Modified ?? entry.LastModified ?? DateTimeOffset.UtcNow, checksum));
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    /// <summary>Whether a file of a dataset's folder is metadata about it (dataset.json, a beamtime-metadata-*.json), not one of its data files.</summary>
    public static bool IsMetadata(string relative) =>
        relative == Sidecar || (!relative.Contains('/') && relative.StartsWith(BeamtimePrefix, StringComparison.Ordinal) && relative.EndsWith(".json", StringComparison.Ordinal));

    /// <summary>The folder's dataset.json, or null; a damaged one is an error naming it.</summary>
    public static Task<JsonObject?> SidecarAsync(IRemoteStore store, RemotePath folder, CancellationToken cancellationToken) =>
        JsonFileAsync(store, folder.Child(Sidecar), cancellationToken);

    /// <summary>The beamtime-metadata-*.json of the folder or of the nearest folder above it, as scingestor finds a beamtime's.</summary>
    public static async Task<JsonObject?> BeamtimeAsync(IRemoteStore store, RemotePath folder, CancellationToken cancellationToken)
    {
        for (var current = folder; ; current = current.Parent)
        {
            await foreach (var entry in store.ListAsync(current, cancellationToken).ConfigureAwait(false))
                if (!entry.IsDirectory && entry.Name.StartsWith(BeamtimePrefix, StringComparison.Ordinal) && entry.Name.EndsWith(".json", StringComparison.Ordinal))
                    return await JsonFileAsync(store, entry.Path, cancellationToken).ConfigureAwait(false);
            if (current.IsRoot) return null;
        }
    }

    /// <summary>The first PNG directly in the folder, as a data: URI for an attachment; null when there is none (or it is over 8 MiB: SciCat takes 16 MB bodies).</summary>
    public static async Task<string?> ThumbnailAsync(IRemoteStore store, RemotePath folder, CancellationToken cancellationToken)
    {
        RemoteEntry? png = null;
        await foreach (var entry in store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
            if (!entry.IsDirectory && entry.Name.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && entry.Size <= 8 << 20 && (png is null || string.CompareOrdinal(entry.Name, png.Name) < 0))
                png = entry;
        if (png is null) return null;
        await using var content = await store.OpenReadAsync(png.Path, null, null, cancellationToken).ConfigureAwait(false);
        using var bytes = new MemoryStream();
        await content.Stream.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
        return "data:image/png;base64," + Convert.ToBase64String(bytes.GetBuffer(), 0, (int)bytes.Length);
    }

    private static async Task<JsonObject?> JsonFileAsync(IRemoteStore store, RemotePath path, CancellationToken cancellationToken)
    {
        if (await store.TryStatAsync(path, cancellationToken).ConfigureAwait(false) is null) return null;
        await using var content = await store.OpenReadAsync(path, null, null, cancellationToken).ConfigureAwait(false);
        try
        {
            return await JsonNode.ParseAsync(content.Stream, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject
                ?? throw new DatasetIncompleteException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new DatasetIncompleteException($"{path}: not valid JSON ({e.Message})");
        }
    }

    /// <summary>A file's Adler-32: the server's where it offers one, else read once.</summary>
    public static async Task<Checksum> Adler32Async(IRemoteStore store, RemotePath path, CancellationToken cancellationToken) =>
        await store.ServerAdler32Async(path, cancellationToken).ConfigureAwait(false) ?? await ReadAdler32Async(store, path, cancellationToken).ConfigureAwait(false);

    private static async Task<Checksum> ReadAdler32Async(IRemoteStore store, RemotePath path, CancellationToken cancellationToken)
    {
        var adler = new Adler32();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            await using var content = await store.OpenReadAsync(path, null, null, cancellationToken).ConfigureAwait(false);
            int n;
            while ((n = await content.Stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0) adler.Append(buffer.AsSpan(0, n));
            return adler.ToChecksum();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
