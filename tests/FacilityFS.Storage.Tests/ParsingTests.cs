using System.Net;
using System.Text;
using FacilityFS.Storage.Checksums;
using FacilityFS.Storage.WebDav;

namespace FacilityFS.Storage.Tests;

/// <summary>The edge parsers: paths, hrefs, digests, Adler-32 and the HTTP status vocabulary.</summary>
public sealed class ParsingTests
{
    private static readonly Uri Base = new("https://dcache.example.org:2880/pnfs/cta/");

    [Theory]
    [InlineData("/pnfs/cta/a%20b/c.txt", "/a b/c.txt")]
    [InlineData("https://dcache.example.org:2880/pnfs/cta/x/", "/x")]
    [InlineData("/pnfs/cta/", "/")]
    [InlineData("/pnfs/cta", "/")]
    [InlineData("/pnfs/cta/h%23sh/p%25c/plus+", "/h#sh/p%c/plus+")]
    [InlineData("/pnfs/cta/caf%C3%A9", "/café")]
    [InlineData("/pnfs/cta/cafe%CC%81", "/cafe\u0301")]
    [InlineData("/pnfs/cta/a?query=1", "/a")]
    public void Hrefs_map_to_store_paths(string href, string expected)
    {
        Assert.Equal(RemotePath.Parse(expected), WebDavUrls.HrefToPath(Base, href));
    }

    [Theory]
    [InlineData("/other/x")]
    [InlineData("/pnfs/ct/x")]
    [InlineData("/pnfs/cta/../etc")]
    public void Hrefs_outside_the_base_are_dropped(string href) => Assert.Null(WebDavUrls.HrefToPath(Base, href));

    [Fact]
    public void Paths_become_percent_encoded_urls()
    {
        var uri = WebDavUrls.ToUri(Base, RemotePath.Parse("/a b/#x/50%/é"), asCollection: true);
        Assert.Equal("https://dcache.example.org:2880/pnfs/cta/a%20b/%23x/50%25/%C3%A9/", uri.AbsoluteUri);
    }

    [Fact]
    public void Urls_with_credentials_are_refused_and_queries_never_printed()
    {
        var error = Assert.Throws<ArgumentException>(() => WebDavUrls.NormalizeBase(new Uri("https://user:pw@host/")));
        Assert.DoesNotContain("pw", error.Message);
        Assert.Equal("https://pool.example.org/x", WebDavUrls.Redact(new Uri("https://pool.example.org/x?sig=abc")));
    }

    [Theory]
    [InlineData("a/b/c", "/a/b/c")]
    [InlineData("//a///b/", "/a/b")]
    [InlineData("", "/")]
    public void Remote_paths_are_normalised(string input, string expected) => Assert.Equal(expected, RemotePath.Parse(input).Value);

    [Theory]
    [InlineData("/a/../b")]
    [InlineData("/a/./b")]
    [InlineData("/a\0b")]
    public void Remote_paths_with_dot_segments_or_nul_are_refused(string input) =>
        Assert.Throws<ArgumentException>(() => RemotePath.Parse(input));

    [Theory]
    [InlineData("a", 255)]
    [InlineData("é", 127)]
    [InlineData("é", 128)]
    [InlineData("€", 85)]
    [InlineData("😀", 63)]
    [InlineData("e\u0301", 85)]
    public void A_suffixed_sibling_of_a_long_name_is_cut_on_a_character_boundary_keeping_the_suffix(string unit, int count)
    {
        var name = string.Concat(Enumerable.Repeat(unit, count));
        const string suffix = ".conflict-host-20261202T120000Z";
        var sibling = RemotePath.Parse("/run/" + name).WithSuffix(suffix, 255);
        Assert.Equal("/run", sibling.Parent.Value);
        Assert.EndsWith(suffix, sibling.Name, StringComparison.Ordinal);
        var kept = sibling.Name[..^suffix.Length];
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(sibling.Name) <= 255, $"{System.Text.Encoding.UTF8.GetByteCount(sibling.Name)} bytes");
        // Whole characters of the name, as many as fit: never a broken UTF-8 sequence, never a letter torn from its accent.
        Assert.StartsWith(kept, name, StringComparison.Ordinal);
        Assert.Equal(0, kept.Length % unit.Length);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(kept + unit + suffix) > 255 || kept == name);
        // A name with room to spare is not touched.
        Assert.Equal("/run/short" + suffix, RemotePath.Parse("/run/short").WithSuffix(suffix, 255).Value);
    }

    [Fact]
    public void Adler32_matches_the_rfc_example_and_a_plain_implementation_at_every_length()
    {
        Assert.Equal(0x11E60398u, Adler32.Compute("Wikipedia"u8));
        Assert.Equal(1u, Adler32.Compute([]));
        var data = new byte[300_000];
        new Random(7).NextBytes(data);
        foreach (var length in new[] { 1, 31, 32, 33, 64, 5551, 5552, 5553, 6000, 173 * 32 + 5, 100_000, 300_000 })
            Assert.Equal(Plain(data.AsSpan(0, length)), Adler32.Compute(data.AsSpan(0, length)));
        var all255 = Enumerable.Repeat((byte)255, 1 << 20).ToArray();
        Assert.Equal(Plain(all255), Adler32.Compute(all255));
        // The native binary has only the SSE2 path (NativeAOT targets baseline x64); the JIT here takes AVX2 when it can, so both run.
        foreach (var length in new[] { 16, 17, 47, 5551, 5552, 5553, 5568, 347 * 16 + 3, 100_000, 300_000 })
            Assert.Equal(Plain(data.AsSpan(0, length)), Adler32.Update(1, data.AsSpan(0, length), avx2: false));
        Assert.Equal(Plain(all255), Adler32.Update(1, all255, avx2: false));
        Assert.Equal(Plain(data), Adler32.Update(Adler32.Update(1, data.AsSpan(0, 7), avx2: false), data.AsSpan(7), avx2: false));
        var split = new Adler32();
        split.Append(data.AsSpan(0, 12345));
        split.Append(data.AsSpan(12345));
        Assert.Equal(Plain(data), split.Value);
    }

    [Fact]
    public void Adler32_of_pieces_combines_into_the_whole()
    {
        var data = new byte[1_000_003];
        new Random(5).NextBytes(data);
        foreach (var cut in new[] { 0, 1, 65520, 65521, 65522, 500_000, data.Length })
        {
            var combined = Adler32.Combine(Adler32.Compute(data.AsSpan(0, cut)), Adler32.Compute(data.AsSpan(cut)), data.Length - cut);
            Assert.Equal(Adler32.Compute(data), combined);
        }
        var all255 = Enumerable.Repeat((byte)255, 200_000).ToArray();
        Assert.Equal(Adler32.Compute(all255), Adler32.Combine(Adler32.Compute(all255.AsSpan(0, 99_999)), Adler32.Compute(all255.AsSpan(99_999)), 100_001));
    }

    private static uint Plain(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        foreach (var x in data)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }
        return (b << 16) | a;
    }

    [Fact]
    public void Digest_headers_yield_every_known_algorithm_and_skip_the_rest()
    {
        var parsed = DigestHeader.Parse(["ADLER32=3da0195, md5=1B2M2Y8AsgTpgAmY7PhCfg==", "sha=xyz, adler32=nothex"]);
        Assert.Equal(["adler32:03da0195", "md5:d41d8cd98f00b204e9800998ecf8427e"], parsed.Select(c => c.ToString()));
    }

    [Fact]
    public void Every_storage_error_kind_is_reachable_from_a_status_or_named_by_the_store()
    {
        var fromStatus = Enumerable.Range(100, 500).Select(s => HttpErrors.KindOf((HttpStatusCode)s)).ToHashSet();
        Assert.Contains(StorageErrorKind.Unavailable, fromStatus);
        Assert.Contains(StorageErrorKind.InsufficientStorage, fromStatus);
        Assert.True(HttpErrors.IsTransient((HttpStatusCode)503));
        Assert.False(HttpErrors.IsTransient(HttpStatusCode.Forbidden));
    }

    [Fact]
    public void A_weak_etag_names_the_same_version_as_its_strong_form()
    {
        var path = RemotePath.Parse("/f");
        var weak = new RemoteEntry(path, false, 10, DateTimeOffset.UnixEpoch, "W/\"abc\"");
        var strong = weak with { ETag = "\"abc\"" };
        Assert.Equal(strong.VersionKey, weak.VersionKey);
        Assert.NotEqual(strong.VersionKey, (strong with { ETag = "\"abd\"" }).VersionKey);
        Assert.NotEqual((weak with { ETag = null }).VersionKey, (weak with { ETag = null, Size = 11 }).VersionKey);
    }

    [Fact]
    public void Error_pages_are_summarised_to_their_message()
    {
        Assert.Equal("Collection /d/ has been created.", HttpErrors.Summarize("<html><h1>Created</h1><p>Collection /d/ has been\n created.</p></html>"));
        Assert.Null(HttpErrors.Summarize("  "));
        Assert.Equal(301, HttpErrors.Summarize(new string('x', 500))!.Length);
        Assert.Equal("a & b", HttpErrors.Summarize(Encoding.UTF8.GetString("a &amp; b"u8)));
    }
}
