using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FacilityFS.WinFsp;
using FacilityFS.WinFsp.Interop;

namespace FacilityFS.Conformance;

/// <summary>The WinFsp declarations against the numbers WinFsp's headers state (their FSP_FSCTL_STATIC_ASSERTs, and offsets that follow from the x64 layout rules).</summary>
public sealed unsafe class WinFspBindingLayoutTests
{
    [Fact]
    public void Structs_have_the_sizes_the_headers_assert()
    {
        Assert.Equal(504, sizeof(FspVolumeParams));
        Assert.Equal(88, sizeof(FspVolumeInfo));
        Assert.Equal(72, sizeof(FspFileInfo));
        Assert.Equal(104, sizeof(FspDirInfo));
        Assert.Equal(64 * 8, sizeof(FspFileSystemInterface));
        Assert.Equal(Marshal.SizeOf<FspVolumeParams>(), sizeof(FspVolumeParams));
        Assert.Equal(Marshal.SizeOf<FspFileInfo>(), sizeof(FspFileInfo));
    }

    [Fact]
    public void Volume_params_fields_lie_where_the_header_puts_them()
    {
        Assert.Equal(0, Offset<FspVolumeParams>(nameof(FspVolumeParams.Version)));
        Assert.Equal(6, Offset<FspVolumeParams>(nameof(FspVolumeParams.MaxComponentLength)));
        Assert.Equal(8, Offset<FspVolumeParams>(nameof(FspVolumeParams.VolumeCreationTime)));
        Assert.Equal(16, Offset<FspVolumeParams>(nameof(FspVolumeParams.VolumeSerialNumber)));
        Assert.Equal(32, Offset<FspVolumeParams>(nameof(FspVolumeParams.FileInfoTimeout)));
        Assert.Equal(36, Offset<FspVolumeParams>(nameof(FspVolumeParams.Flags)));
        Assert.Equal(40, Offset<FspVolumeParams>(nameof(FspVolumeParams.Prefix)));
        Assert.Equal(40 + 192 * 2, Offset<FspVolumeParams>(nameof(FspVolumeParams.FileSystemName)));
        // FSP_FSCTL_VOLUME_PARAMS_V0 ends here (456 bytes); the version-1 fields follow.
        Assert.Equal(456, Offset<FspVolumeParams>(nameof(FspVolumeParams.AdditionalFlags)));
        Assert.Equal(464, Offset<FspVolumeParams>(nameof(FspVolumeParams.DirInfoTimeout)));
        Assert.Equal(488, Offset<FspVolumeParams>(nameof(FspVolumeParams.Reserved64A)));
    }

    [Fact]
    public void File_dir_and_volume_info_fields_lie_where_the_header_puts_them()
    {
        Assert.Equal(8, Offset<FspFileInfo>(nameof(FspFileInfo.AllocationSize)));
        Assert.Equal(16, Offset<FspFileInfo>(nameof(FspFileInfo.FileSize)));
        Assert.Equal(40, Offset<FspFileInfo>(nameof(FspFileInfo.LastWriteTime)));
        Assert.Equal(56, Offset<FspFileInfo>(nameof(FspFileInfo.IndexNumber)));
        Assert.Equal(68, Offset<FspFileInfo>(nameof(FspFileInfo.EaSize)));
        Assert.Equal(8, Offset<FspDirInfo>(nameof(FspDirInfo.FileInfo)));
        Assert.Equal(80, Offset<FspDirInfo>(nameof(FspDirInfo.NextOffset)));
        Assert.Equal(16, Offset<FspVolumeInfo>(nameof(FspVolumeInfo.VolumeLabelLength)));
        Assert.Equal(18, Offset<FspVolumeInfo>(nameof(FspVolumeInfo.VolumeLabel)));
        // FSP_FILE_SYSTEM: UINT16 Version, then the PVOID UserContext the dispatcher is found by.
        Assert.Equal(8, Offset<FspFileSystemHead>(nameof(FspFileSystemHead.UserContext)));
    }

    [Fact]
    public void Interface_slots_follow_the_header_order()
    {
        Assert.Equal(2, (int)FspSlot.GetSecurityByName);
        Assert.Equal(6, (int)FspSlot.Cleanup);
        Assert.Equal(9, (int)FspSlot.Write);
        Assert.Equal(15, (int)FspSlot.Rename);
        Assert.Equal(18, (int)FspSlot.ReadDirectory);
        Assert.Equal(26, (int)FspSlot.SetDelete);
        Assert.Equal(31, (int)FspSlot.Obsolete0);
        // 32 operations, then Reserved[32] to make 64 pointers.
        Assert.Equal(32, Enum.GetValues<FspSlot>().Length);
        Assert.Equal(Enumerable.Range(0, 32), Enum.GetValues<FspSlot>().Select(s => (int)s));
    }

    [Fact]
    public void The_volume_is_case_sensitive_case_preserving_and_one_context_per_handle()
    {
        var parameters = VolumeParameters.For(readOnly: false, maxNameLength: 255);
        var flags = (FspVolumeFlags)parameters.Flags;
        Assert.Equal(504, parameters.Version);
        Assert.True(flags.HasFlag(FspVolumeFlags.CaseSensitiveSearch));
        Assert.True(flags.HasFlag(FspVolumeFlags.CasePreservedNames));
        Assert.True(flags.HasFlag(FspVolumeFlags.UmFileContextIsUserContext2));
        Assert.True(flags.HasFlag(FspVolumeFlags.FlushAndPurgeOnCleanup));
        Assert.False(flags.HasFlag(FspVolumeFlags.ReadOnlyVolume));
        Assert.True(((FspVolumeFlags)VolumeParameters.For(readOnly: true, 255).Flags).HasFlag(FspVolumeFlags.ReadOnlyVolume));
        Assert.Equal(FileInfos.AllocationUnit, parameters.SectorSize * parameters.SectorsPerAllocationUnit);
        Assert.Equal("FacilityFS", new string(parameters.FileSystemName).TrimEnd('\0'));
    }

    private static int Offset<T>(string field) where T : struct => Marshal.OffsetOf<T>(field).ToInt32();
}
