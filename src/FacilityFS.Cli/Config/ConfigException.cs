namespace FacilityFS.Cli.Config;

/// <summary>A configuration file that cannot be used: names the file, the key and the line.</summary>
public sealed class ConfigException(string file, int line, string key, string problem)
    : Exception($"{file}:{line}: {(key.Length > 0 ? $"'{key}': " : "")}{problem}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public string Key { get; } = key;
}
