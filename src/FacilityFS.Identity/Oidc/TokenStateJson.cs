using System.Text.Json.Serialization;

namespace FacilityFS.Identity.Oidc;

/// <summary>The token file's JSON contract, generated at build time (no reflection, so the native binary reads what the JIT build wrote): snake_case, indented.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(TokenState))]
internal sealed partial class TokenStateJson : JsonSerializerContext;
