using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using FacilityFS.Cli.Commands;
using FacilityFS.Cli.Control;
using FacilityFS.Cli.Transfers;

namespace FacilityFS.Cli.Output;

/// <summary>Every type the CLI writes as JSON (command output, control socket), generated at build time so the native binary needs no reflection: snake_case names, nulls left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ListCommand.Listed))]
[JsonSerializable(typeof(StatCommand.Stat))]
[JsonSerializable(typeof(LoginCommands.SessionIdentity))]
[JsonSerializable(typeof(TransferRecord))]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlError))]
[JsonSerializable(typeof(MountReport))]
[JsonSerializable(typeof(SyncReport))]
[JsonSerializable(typeof(RecoverReport))]
[JsonSerializable(typeof(FileStatesReport))]
[JsonSerializable(typeof(Watching.WatchStatusReport))]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>The generated contract of T; a type missing from the list above is a programming error, named.</summary>
    public static JsonTypeInfo<T> Of<T>() =>
        Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T> ?? throw new InvalidOperationException($"{typeof(T)} is not in {nameof(CliJson)}'s list of JSON types");

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Of<T>());

    /// <summary>Writes a value by its runtime type (a control server's report is a mount's or a watch's); that type must be in the list above too.</summary>
    public static string WriteAsItIs(object value) =>
        JsonSerializer.Serialize(value, Default.GetTypeInfo(value.GetType()) ?? throw new InvalidOperationException($"{value.GetType()} is not in {nameof(CliJson)}'s list of JSON types"));

    public static T? Read<T>(string json) => JsonSerializer.Deserialize(json, Of<T>());
}
