using FacilityFS.Cli;
using FacilityFS.Cli.Mounting;
using FacilityFS.Cli.Output;

// Linked as /usr/sbin/mount.facilityfs, the binary is mount(8)'s helper for fstab lines.
if (OperatingSystem.IsLinux() && MountHelper.IsHelperName(Environment.GetCommandLineArgs()[0])) return await MountHelper.RunAsync(args, CliContext.ForConsole());
return await CliApp.RunAsync(args, CliContext.ForConsole());
