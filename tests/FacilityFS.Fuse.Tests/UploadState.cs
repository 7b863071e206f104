using System.Text.Json;

namespace FacilityFS.Fuse.Tests;

/// <summary>A file's upload state as `facilityfs status PATH --json` tells it (mounts answer no extended attributes without --xattr).</summary>
internal static class UploadState
{
    public static async Task<string> OfAsync(string path)
    {
        var run = await ProcessRun.FacilityFsAsync("status", path, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var answer = JsonDocument.Parse(run.Out);
        Assert.Equal(path, answer.RootElement.GetProperty("path").GetString());
        return answer.RootElement.GetProperty("state").GetString()!;
    }

    /// <summary>Polls until the state of <paramref name="path"/> is no longer <paramref name="passing"/> (the kernel sends the release a moment after close returns), or a minute passes; returns the last state seen.</summary>
    public static async Task<string> AfterAsync(string path, string passing)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        var state = await OfAsync(path);
        while (state == passing && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            state = await OfAsync(path);
        }
        return state;
    }
}
