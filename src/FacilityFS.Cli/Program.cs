using FacilityFS.Cli;
using FacilityFS.Cli.Output;

return await CliApp.RunAsync(args, CliContext.ForConsole());
