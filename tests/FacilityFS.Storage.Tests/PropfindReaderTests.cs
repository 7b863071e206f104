using System.Text;
using FacilityFS.Storage.WebDav;

namespace FacilityFS.Storage.Tests;

/// <summary>The multistatus reader against what real servers send: prefixes of their choice, 404 propstats, status after the properties, foreign properties.</summary>
public sealed class PropfindReaderTests
{
    private static async Task<List<PropfindItem>> ReadAsync(string body)
    {
        var items = new List<PropfindItem>();
        await foreach (var item in PropfindReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), new PropfindLimits(1 << 20, 4096), CancellationToken.None))
            items.Add(item);
        return items;
    }

    [Fact]
    public async Task Each_response_yields_only_what_its_2xx_propstats_say()
    {
        var items = await ReadAsync("""
            <?xml version="1.0" encoding="utf-8"?>
            <multistatus xmlns="DAV:" xmlns:lp1="DAV:" xmlns:x="urn:other">
              <response>
                <href>/data/</href>
                <propstat><prop><lp1:getcontentlength/></prop><status>HTTP/1.1 404 Not Found</status></propstat>
                <propstat>
                  <status>HTTP/1.1 200 OK</status>
                  <prop><resourcetype><x:thing/><collection/></resourcetype><lp1:getlastmodified>Mon, 23 Nov 2026 01:00:00 GMT</lp1:getlastmodified></prop>
                </propstat>
                <responsedescription>folder</responsedescription>
              </response>
              <response>
                <href><![CDATA[/data/a&b.h5]]></href>
                <propstat><prop>
                  <resourcetype/><getcontentlength> 1234 </getcontentlength><getetag>  "e-1"  </getetag><x:getcontentlength>99</x:getcontentlength>
                </prop><status>HTTP/1.1 200 OK</status></propstat>
              </response>
              <response><href>/data/gone</href><status>HTTP/1.1 404 Not Found</status></response>
              <response><href>/data/foreign-only</href><propstat><prop><x:owner>me</x:owner></prop><status>HTTP/1.1 200 OK</status></propstat></response>
              <response><href>/data/nothing-found</href><propstat><prop><getetag/></prop><status>HTTP/1.1 404 Not Found</status></propstat></response>
              <response><href>  </href><propstat><prop><resourcetype/></prop></propstat></response>
              <response><href>/data/split<!-- a comment -->name</href><propstat><prop><getcontentlength>7</getcontentlength></prop></propstat></response>
            </multistatus>
            """);
        Assert.Equal(["/data/", "/data/a&b.h5", "/data/foreign-only", "/data/splitname"], items.Select(i => i.Href));
        var folder = items[0];
        Assert.True(folder.IsCollection);
        Assert.Null(folder.Length);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero), folder.LastModified);
        var file = items[1];
        Assert.False(file.IsCollection);
        Assert.Equal(1234, file.Length);
        Assert.Equal("\"e-1\"", file.ETag);
        // A property outside DAV: still says the entry exists; it just tells nothing we use.
        Assert.Equal(new PropfindItem("/data/foreign-only", false, null, null, null), items[2]);
        // No status on a propstat means success, as some servers send it.
        Assert.Equal(7, items[3].Length);
    }

    [Fact]
    public async Task A_document_that_is_not_a_multistatus_is_refused_by_name()
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => ReadAsync("""<?xml version="1.0"?><D:error xmlns:D="DAV:"/>"""));
        Assert.Contains("D:error", error.Message);
    }
}
