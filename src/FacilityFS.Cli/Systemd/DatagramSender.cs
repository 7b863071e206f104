using System.Net.Sockets;
using System.Text;

namespace FacilityFS.Cli.Systemd;

/// <summary>Sends one datagram to a Unix socket (systemd's notify socket, syslog's /dev/log); a name starting with '@' is in the abstract namespace.</summary>
internal static class DatagramSender
{
    /// <summary>False when the socket is not there or refuses: telling the service manager or syslog is never worth failing a mount for.</summary>
    public static bool TrySend(string socketPath, string message)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            var address = socketPath.StartsWith('@') ? "\0" + socketPath[1..] : socketPath;
            socket.Connect(new UnixDomainSocketEndPoint(address));
            socket.Send(Encoding.UTF8.GetBytes(message));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
