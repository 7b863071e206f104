namespace FacilityFS.Storage.WebDav;

/// <summary>How large one &lt;response&gt; of a PROPFIND answer, and one value in it, may be.</summary>
internal readonly record struct PropfindLimits(int MaxResponseBytes, int MaxValueLength);

/// <summary>A PROPFIND answer broke one of the <see cref="PropfindLimits"/>; the message says which.</summary>
internal sealed class PropfindTooLargeException(string message) : Exception(message);
