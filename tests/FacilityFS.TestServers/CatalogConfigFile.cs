namespace FacilityFS.TestServers;

/// <summary>The facilityfs configuration the mount and watch tests share: remote `st`, and the SciCat stand-in as a catalog with the defaults a dataset needs.</summary>
public static class CatalogConfigFile
{
    /// <summary>Writes config.yaml (and the catalog's password file beside it) into <paramref name="folder"/>; returns the configuration's path.</summary>
    public static async Task<string> WriteAsync(string folder, string remoteUrl, string catalog, SciCatStandIn scicat)
    {
        var password = Path.Combine(folder, "scicat.password");
        await File.WriteAllTextAsync(password, SciCatStandIn.Password);
        var config = Path.Combine(folder, "config.yaml");
        await File.WriteAllTextAsync(config, $"""
            remotes:
              st:
                url: {remoteUrl}
            catalogs:
              {catalog}:
                url: {scicat.ApiBase}
                username: {SciCatStandIn.Username}
                password_file: {password}
                defaults:
                  ownerGroup: {SciCatStandIn.Group}
                  owner: Doe
                  contactEmail: doe@example.org
                  principalInvestigator: pi@example.org
                  creationLocation: /TESTLIGHT/p01
            """);
        return config;
    }
}
