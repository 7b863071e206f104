namespace FacilityFS.Identity;

/// <summary>Reads a one-line secret (token, password) from a file, remembering its timestamp so a rewritten file is picked up.</summary>
public sealed class SecretFile(string path)
{
    private readonly Lock _gate = new();
    private DateTime _seenWriteTime;
    private long _seenLength = -1;
    private string? _value;

    public string Path { get; } = path;

    /// <summary>The secret, re-read when the file changed since the last call.</summary>
    /// <exception cref="CredentialException">The file is missing, unreadable or empty.</exception>
    public string Read()
    {
        lock (_gate)
        {
            FileInfo info;
            try
            {
                info = new FileInfo(Path);
                if (!info.Exists) throw new CredentialException($"secret file {Path} does not exist");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CredentialException($"secret file {Path} cannot be read: {e.Message}", e);
            }
            if (_value is not null && info.LastWriteTimeUtc == _seenWriteTime && info.Length == _seenLength)
                return _value;
            string text;
            try
            {
                text = File.ReadAllText(Path).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CredentialException($"secret file {Path} cannot be read: {e.Message}", e);
            }
            if (text.Length == 0) throw new CredentialException($"secret file {Path} is empty");
            if (text.Contains('\n')) text = text[..text.IndexOf('\n')].Trim();
            _value = text;
            _seenWriteTime = info.LastWriteTimeUtc;
            _seenLength = info.Length;
            return text;
        }
    }
}
