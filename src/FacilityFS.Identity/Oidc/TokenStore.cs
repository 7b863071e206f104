using System.Text.Json;

namespace FacilityFS.Identity.Oidc;

/// <summary>Token state on disk, one JSON file per remote in a private folder (0700, files 0600), replaced atomically; a lock file serialises refreshes across processes.</summary>
/// <remarks>With rotating refresh tokens a second use of an old one revokes the whole session, so only the holder of the lock may refresh, and it re-reads the file first.</remarks>
public sealed class TokenStore(string folder)
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public string Folder { get; } = folder;

    public string PathOf(string profile) => Path.Combine(Folder, profile + ".json");

    /// <summary>The stored state, or null when there is none; a damaged or readable-by-others file is an error naming it, and is left as it is.</summary>
    public TokenState? Read(string profile)
    {
        var path = PathOf(profile);
        if (!File.Exists(path)) return null;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~PrivateFile) != 0)
            throw new CredentialException($"token file {path} can be read by others (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}); run chmod 600 {path}, or log in again");
        try
        {
            var state = JsonSerializer.Deserialize(File.ReadAllText(path), TokenStateJson.Default.TokenState);
            if (state is null || string.IsNullOrEmpty(state.AccessToken)) throw new JsonException("no access token in it");
            return state;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new CredentialException($"token file {path} is damaged ({e.Message}); log in again (facilityfs login {profile}) to replace it");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialException($"token file {path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Replaces the state: written to a private temporary file, flushed to disk, then renamed over the old one.</summary>
    public void Write(string profile, TokenState state)
    {
        EnsureFolder();
        var path = PathOf(profile);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
            using (var stream = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(stream, state, TokenStateJson.Default.TokenState);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new CredentialException($"cannot store tokens in {path}: {e.Message}", e);
        }
    }

    /// <summary>Forgets a remote's tokens; false when there were none.</summary>
    public bool Delete(string profile)
    {
        var path = PathOf(profile);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }

    /// <summary>Takes the remote's refresh lock (an exclusive lock on a file, released by the kernel even if the process dies), waiting for another holder.</summary>
    public async Task<IDisposable> LockAsync(string profile, CancellationToken cancellationToken)
    {
        EnsureFolder();
        var path = Path.Combine(Folder, profile + ".lock");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new CredentialException($"another process has held the token lock {path} for a minute; is a refresh stuck?", e);
            }
        }
    }

    private void EnsureFolder()
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Folder);
        else
        {
            Directory.CreateDirectory(Folder, PrivateFolder);
            File.SetUnixFileMode(Folder, PrivateFolder);
        }
    }
}
