using System.Net;
using System.Net.Sockets;

namespace PyAirtable.Gateway.Tests.Infrastructure;

internal static class Ports
{
    /// <summary>A loopback URL on which nothing listens (bound once to get a free port, then released).</summary>
    public static string RefusingUrl()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        socket.Close();
        return $"http://127.0.0.1:{port}";
    }
}
