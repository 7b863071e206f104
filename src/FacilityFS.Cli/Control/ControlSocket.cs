using System.Security.Cryptography;
using System.Text;

namespace FacilityFS.Cli.Control;

/// <summary>Where the control socket (and pid file) of the mount at a mountpoint live: one name per mountpoint, under the user's run folder.</summary>
public static class ControlSocket
{
    public static string RunFolder => Path.Combine(UserFolders.Cache, "run");

    public static string PathOf(string mountpoint) => Path.Combine(RunFolder, $"mount-{Hash(mountpoint)}.sock");

    public static string PidFileOf(string mountpoint) => Path.Combine(RunFolder, $"mount-{Hash(mountpoint)}.pid");

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
