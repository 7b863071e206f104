using FacilityFS.Cli.Config;
using FacilityFS.Identity;
using FacilityFS.Storage;

namespace FacilityFS.Cli;

/// <summary>The exit codes scripts can rely on, and the one place that decides which failure gets which.</summary>
public static class ExitCode
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int Remote = 2;
    public const int Authentication = 3;
    public const int Verification = 4;

    public static int For(Exception error) => error switch
    {
        UsageException or ConfigException or Fuse.FuseMountException => Usage,
        Commands.MountFailedException failed => failed.DaemonExitCode,
        CredentialException => Authentication,
        StorageException { Kind: StorageErrorKind.Unauthenticated } => Authentication,
        StorageException { Kind: StorageErrorKind.VerificationFailed } => Verification,
        StorageException => Remote,
        Catalog.CatalogException => Remote,
        _ => Remote,
    };
}

/// <summary>The command line asks for something that cannot be done as given (missing local file, unknown remote…).</summary>
public sealed class UsageException(string message) : Exception(message);
