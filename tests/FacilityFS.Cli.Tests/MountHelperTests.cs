using FacilityFS.Cli.Mounting;
using FacilityFS.Cli.Output;

namespace FacilityFS.Cli.Tests;

/// <summary>mount(8)'s helper call: fstab options become the mount command's flags by the command's own option names; mount(8)'s options are left to it.</summary>
public sealed class MountHelperTests
{
    private static readonly System.CommandLine.RootCommand Root = CliApp.Build(new CliContext(TextWriter.Null, TextWriter.Null, interactive: false));

    [Fact]
    public void Fstab_options_map_to_mount_flags_and_mounts_own_options_are_left_alone()
    {
        var words = MountHelper.Translate(
            ["cta:/data", "/mnt/cta", "-o", "rw,_netdev,noauto,x-systemd.automount,allow_other,cache_dir=/var/cache/ffs,config=/etc/ffs.yaml,transfers=4,ro", "-t", "fuse.facilityfs"], Root);
        Assert.Equal(
            ["mount", "cta:/data", "/mnt/cta", "-o", "allow_other", "--cache-dir", "/var/cache/ffs", "--config", "/etc/ffs.yaml", "--transfers", "4", "--read-only"],
            words!);
    }

    [Fact]
    public void The_xattr_option_maps_to_the_flag_that_answers_extended_attributes() =>
        Assert.Equal(["mount", "cta:/data", "/mnt/cta", "--xattr"], MountHelper.Translate(["cta:/data", "/mnt/cta", "-o", "rw,xattr"], Root)!);

    [Fact]
    public void Mount_minus_f_fakes_and_does_nothing() => Assert.Null(MountHelper.Translate(["cta:/", "/mnt/cta", "-f", "-o", "ro"], Root));

    [Fact]
    public void An_unknown_option_is_refused_naming_it_and_the_known_ones()
    {
        var error = Assert.Throws<UsageException>(() => MountHelper.Translate(["cta:/", "/mnt/cta", "-o", "cache_size=1G"], Root));
        Assert.Contains("cache_size", error.Message);
        Assert.Contains("cache_max_size", error.Message);
    }

    [Fact]
    public void A_value_option_without_value_and_a_switch_with_one_are_refused()
    {
        Assert.Contains("needs a value", Assert.Throws<UsageException>(() => MountHelper.Translate(["a:/", "/m", "-o", "cache_dir"], Root)).Message);
        Assert.Contains("takes no value", Assert.Throws<UsageException>(() => MountHelper.Translate(["a:/", "/m", "-o", "read_only=yes"], Root)).Message);
    }

    [Fact]
    public void The_helper_answers_to_its_mount_names_only()
    {
        Assert.True(MountHelper.IsHelperName("/sbin/mount.facilityfs"));
        Assert.True(MountHelper.IsHelperName("/usr/sbin/mount.fuse.facilityfs"));
        Assert.False(MountHelper.IsHelperName("/usr/bin/facilityfs"));
    }

    [Fact]
    public void Unit_instances_are_the_mountpoint_escaped_as_systemd_escape_path_does()
    {
        Assert.Equal("mnt-cta", Systemd.UnitInstaller.EscapePath("/mnt/cta"));
        Assert.Equal(@"mnt-a\x20b-.x\x2dy-\xc3\xbc", Systemd.UnitInstaller.EscapePath("/mnt/a b/.x-y/ü"));
        Assert.Equal(@"\x2ehidden", Systemd.UnitInstaller.EscapePath("/.hidden"));
    }

    [Fact]
    public async Task The_man_page_and_completions_name_every_command_and_the_mount_options()
    {
        var man = await CliRun.RunAsync("docs", "man");
        var bash = await CliRun.RunAsync("docs", "bash");
        var zsh = await CliRun.RunAsync("docs", "zsh");
        Assert.Equal(0, man.ExitCode);
        foreach (var command in Root.Subcommands.Where(c => !c.Hidden))
        {
            Assert.Contains($".SS {command.Name}", man.Out);
            Assert.Contains(command.Name, bash.Out);
            Assert.Contains($"'{command.Name}:", zsh.Out);
        }
        Assert.Contains(@"\-\-cache\-max\-size", man.Out);
        Assert.Contains("--install-unit", bash.Out);
        Assert.DoesNotContain(".SS docs", man.Out);
    }
}
