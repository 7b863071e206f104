using System.Text.Json.Nodes;
using FacilityFS.Storage.Checksums;
using FacilityFS.TestServers;

namespace FacilityFS.Watch.Tests;

/// <summary>An acquisition program writing into a plain folder: files appear, grow while open, are closed; a marker or a list-file line at the end.</summary>
internal static class Instrument
{
    /// <summary>Writes <paramref name="files"/> frames into a scan folder, each in chunks flushed while it stays open; returns the bytes by relative path.</summary>
    public static async Task<Dictionary<string, byte[]>> WriteScanAsync(string folder, int files, int chunk = 4096)
    {
        var written = new Dictionary<string, byte[]>();
        for (var i = 0; i < files; i++)
        {
            var relative = i % 2 == 0 ? $"frame{i:D3}.raw" : $"sub/frame{i:D3}.raw";
            var full = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 * chunk + i * 511);
            await using (var stream = new FileStream(full, FileMode.CreateNew, FileAccess.Write))
            {
                for (var offset = 0; offset < bytes.Length; offset += chunk)
                {
                    await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)));
                    await stream.FlushAsync();
                }
            }
            written[relative] = bytes;
        }
        return written;
    }

    /// <summary>The dataset registered with <paramref name="sourceFolder"/>, once it has its files.</summary>
    public static async Task<JsonObject> RegisteredAsync(SciCatStandIn scicat, string sourceFolder, TimeSpan? within = null)
    {
        JsonObject? found = null;
        var registered = await Eventually.HoldsAsync(() =>
        {
            lock (scicat.Datablocks)
            {
                found = scicat.Datasets.Values.FirstOrDefault(d => d["sourceFolder"]?.ToString() == sourceFolder);
                return found is not null && scicat.Datablocks.Any(b => b["datasetId"]!.ToString() == found["pid"]!.ToString());
            }
        }, within ?? TimeSpan.FromSeconds(60));
        lock (scicat.Datablocks)
            Assert.True(registered, $"{sourceFolder} was not registered; datasets: {string.Join(", ", scicat.Datasets.Values.Select(d => d["sourceFolder"]))}\n{WatchSession.Log}");
        return found!;
    }

    /// <summary>The dataset lists exactly the files written, with their Adler-32.</summary>
    public static void AssertFilesListed(SciCatStandIn scicat, JsonObject dataset, Dictionary<string, byte[]> written)
    {
        lock (scicat.Datablocks)
        {
            var block = Assert.Single(scicat.Datablocks, b => b["datasetId"]!.ToString() == dataset["pid"]!.ToString());
            var listed = ((JsonArray)block["dataFileList"]!).ToDictionary(f => f!["path"]!.ToString(), f => f!["chk"]!.ToString());
            Assert.Equal(written.Keys.Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));
            foreach (var (path, bytes) in written) Assert.Equal(Adler32.ChecksumOf(Adler32.Compute(bytes)).Value, listed[path]);
        }
    }

    /// <summary>Each source folder is registered once, and nothing else is.</summary>
    public static void AssertRegisteredOnce(SciCatStandIn scicat, params string[] sourceFolders)
    {
        lock (scicat.Datablocks)
        {
            Assert.Equal(sourceFolders.Order(StringComparer.Ordinal), scicat.Datasets.Values.Select(d => d["sourceFolder"]!.ToString()).Order(StringComparer.Ordinal));
            foreach (var dataset in scicat.Datasets.Values) Assert.Single(scicat.Datablocks, b => b["datasetId"]!.ToString() == dataset["pid"]!.ToString());
        }
    }

    /// <summary>The files are on the storage byte for byte, and no hidden upload temporary is left beside them.</summary>
    public static void AssertStored(string storedFolder, Dictionary<string, byte[]> written)
    {
        foreach (var (relative, bytes) in written) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(storedFolder, relative)));
        Assert.Empty(Directory.EnumerateFiles(storedFolder, Storage.Transfers.VerifiedUpload.TemporaryPrefix + "*", SearchOption.AllDirectories));
    }
}
