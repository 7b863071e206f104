using System.Runtime.InteropServices;
using FacilityFS.TestServers;

// `serve KIND ROOT PORT`: runs a private server in the foreground until SIGTERM or SIGINT, for the demo and benchmarks.
// PORT 0 picks a free one; the first line printed is the base URL.
if (args.Length != 4 || args[0] != "serve" || !Enum.TryParse<ServerKind>(args[1], ignoreCase: true, out var kind)
    || !int.TryParse(args[3], out var port))
{
    Console.Error.WriteLine("usage: FacilityFS.TestServers serve apache|nginx ROOT PORT");
    return 1;
}
await using var server = await WebDavServer.StartAsync(kind, Path.GetFullPath(args[2]), port == 0 ? null : port);
Console.WriteLine(server.BaseUri);
Console.WriteLine($"{server.Kind} serves {server.DataDirectory}");
var stop = new TaskCompletionSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
await stop.Task;
return 0;
