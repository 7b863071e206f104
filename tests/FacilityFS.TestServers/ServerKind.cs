namespace FacilityFS.TestServers;

/// <summary>The WebDAV servers the fixture can run; Apache mod_dav is the reference.</summary>
public enum ServerKind
{
    Apache,
    Nginx,
}
