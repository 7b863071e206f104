using FacilityFS.Vfs;

namespace FacilityFS.Cli.Mounting;

/// <summary>Watches one mount's life from outside its composition: told when it serves and when its unmount's flush begins.</summary>
public interface IMountObserver
{
    void Serving(VirtualFileSystem vfs);

    void Stopping(VirtualFileSystem vfs);
}
