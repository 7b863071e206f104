namespace FacilityFS.TestServers;

/// <summary>Waits for a condition by polling it until a deadline, so that a test waits exactly as long as the system needs, on a busy machine too.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds (true) or <paramref name="within"/> has passed (false); exceptions count as "not yet".</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false)) return true;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>The synchronous form of <see cref="HoldsAsync(Func{Task{bool}}, TimeSpan)"/>.</summary>
    public static Task<bool> HoldsAsync(Func<bool> condition, TimeSpan within) => HoldsAsync(() => Task.FromResult(condition()), within);
}
