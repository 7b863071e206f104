using System.Security.Cryptography;
using System.Text;
using FacilityFS.Storage.Checksums;

namespace FacilityFS.Storage.Transfers;

/// <summary>What a verified upload put on the store.</summary>
/// <param name="ServerChecksum">The checksum the store reported for the uploaded bytes, when it offers one.</param>
public sealed record UploadOutcome(RemotePath Path, long BytesWritten, Checksum Adler32, Checksum? ServerChecksum);

/// <summary>Uploads so that the final name only ever holds a complete, verified file: PUT to a hidden temporary sibling, check size and checksum, then MOVE.</summary>
public static class VerifiedUpload
{
    /// <summary>The prefix of temporary upload names; listings may hide names that start with it.</summary>
    public const string TemporaryPrefix = ".ffs-upload-";

    /// <summary>How long every temporary name is: the prefix and 32 hex digits, whatever the length of the final name.</summary>
    public const int TemporaryNameLength = 44;

    /// <summary>A fresh hidden sibling of <paramref name="target"/> of fixed length, so any name the store can hold can also be uploaded.</summary>
    /// <remarks>
    /// 16 hex digits of a hash of the final name (the temporaries of one file share them) and 16 random ones (two uploads never
    /// share a name). Carrying the final name itself would push names near the store's limit past it, and they could never upload.
    /// </remarks>
    public static RemotePath TemporaryNameFor(RemotePath target)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(target.Name), hash);
        Span<byte> nonce = stackalloc byte[8];
        RandomNumberGenerator.Fill(nonce);
        return target.Parent.Child($"{TemporaryPrefix}{Convert.ToHexStringLower(hash[..8])}{Convert.ToHexStringLower(nonce)}");
    }

    /// <param name="length">The number of bytes <paramref name="content"/> holds, or -1 when unknown.</param>
    public static async Task<UploadOutcome> UploadAsync(IRemoteStore store, RemotePath target, Stream content, long length, CancellationToken cancellationToken = default)
    {
        var staged = await StageAsync(store, target, content, length, cancellationToken).ConfigureAwait(false);
        return await staged.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads to the hidden temporary name and verifies it there; nothing carries the final name until <see cref="StagedUpload.CommitAsync"/>.</summary>
    public static Task<StagedUpload> StageAsync(IRemoteStore store, RemotePath target, Stream content, long length, CancellationToken cancellationToken = default) =>
        StageAsync(store, target, TemporaryNameFor(target), content, length, cancellationToken);

    /// <summary>Like the overload without it, to a temporary name the caller chose (and recorded, to clean it after a crash).</summary>
    public static async Task<StagedUpload> StageAsync(IRemoteStore store, RemotePath target, RemotePath temporary, Stream content, long length,
        CancellationToken cancellationToken = default)
    {
        try
        {
            var written = await store.WriteAsync(temporary, content, length, cancellationToken).ConfigureAwait(false);
            var stored = await store.StatAsync(temporary, cancellationToken).ConfigureAwait(false);
            if (stored.Size != written.BytesWritten)
                throw new StorageException(StorageErrorKind.VerificationFailed,
                    $"uploaded {written.BytesWritten} bytes to {target} but the store holds {stored.Size}");
            var serverChecksum = await store.ServerAdler32Async(temporary, cancellationToken).ConfigureAwait(false);
            if (serverChecksum is not null && serverChecksum != written.Adler32)
                throw new StorageException(StorageErrorKind.VerificationFailed,
                    $"the store reports {serverChecksum} for {target} but {written.Adler32} was sent");
            return new StagedUpload(store, temporary, new UploadOutcome(target, written.BytesWritten, written.Adler32, serverChecksum));
        }
        catch
        {
            await TryDeleteAsync(store, temporary).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A verified upload under its temporary name: move it onto the final name, or discard it.</summary>
    public sealed class StagedUpload
    {
        private readonly IRemoteStore _store;
        private readonly RemotePath _temporary;

        internal StagedUpload(IRemoteStore store, RemotePath temporary, UploadOutcome outcome)
        {
            _store = store;
            _temporary = temporary;
            Outcome = outcome;
        }

        public UploadOutcome Outcome { get; }

        public async Task<UploadOutcome> CommitAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                await _store.MoveAsync(_temporary, Outcome.Path, overwrite: true, cancellationToken).ConfigureAwait(false);
                return Outcome;
            }
            catch
            {
                await DiscardAsync().ConfigureAwait(false);
                throw;
            }
        }

        public Task DiscardAsync() => TryDeleteAsync(_store, _temporary);
    }

    private static async Task TryDeleteAsync(IRemoteStore store, RemotePath path)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await store.DeleteAsync(path, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or OperationCanceledException)
        {
            // Nothing was written, or the server is gone; the temporary name is hidden and cleaned by a later run.
        }
    }
}
