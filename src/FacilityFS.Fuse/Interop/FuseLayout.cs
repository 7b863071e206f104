namespace FacilityFS.Fuse.Interop;

/// <summary>The hand-written layouts in the same "name value" lines that native/fuse-layout.c prints from the real headers, so a test can compare them.</summary>
internal static unsafe class FuseLayout
{
    public static IReadOnlyDictionary<string, long> Table()
    {
        var table = new Dictionary<string, long>(StringComparer.Ordinal);
        void Off<T>(string name, ref T owner, void* field) where T : unmanaged
        {
            fixed (T* start = &owner) table[name] = (byte*)field - (byte*)start;
        }

        table["sizeof.fuse_lowlevel_ops"] = sizeof(FuseLowlevelOps);
        var ops = default(FuseLowlevelOps);
        Off("fuse_lowlevel_ops.init", ref ops, &ops.Init);
        Off("fuse_lowlevel_ops.lookup", ref ops, &ops.Lookup);
        Off("fuse_lowlevel_ops.forget", ref ops, &ops.Forget);
        Off("fuse_lowlevel_ops.getattr", ref ops, &ops.GetAttr);
        Off("fuse_lowlevel_ops.setattr", ref ops, &ops.SetAttr);
        Off("fuse_lowlevel_ops.mkdir", ref ops, &ops.MkDir);
        Off("fuse_lowlevel_ops.unlink", ref ops, &ops.Unlink);
        Off("fuse_lowlevel_ops.rmdir", ref ops, &ops.RmDir);
        Off("fuse_lowlevel_ops.rename", ref ops, &ops.Rename);
        Off("fuse_lowlevel_ops.open", ref ops, &ops.Open);
        Off("fuse_lowlevel_ops.read", ref ops, &ops.Read);
        Off("fuse_lowlevel_ops.write", ref ops, &ops.Write);
        Off("fuse_lowlevel_ops.release", ref ops, &ops.Release);
        Off("fuse_lowlevel_ops.opendir", ref ops, &ops.OpenDir);
        Off("fuse_lowlevel_ops.readdir", ref ops, &ops.ReadDir);
        Off("fuse_lowlevel_ops.releasedir", ref ops, &ops.ReleaseDir);
        Off("fuse_lowlevel_ops.statfs", ref ops, &ops.StatFs);
        Off("fuse_lowlevel_ops.create", ref ops, &ops.Create);
        Off("fuse_lowlevel_ops.forget_multi", ref ops, &ops.ForgetMulti);
        Off("fuse_lowlevel_ops.readdirplus", ref ops, &ops.ReadDirPlus);
        Off("fuse_lowlevel_ops.lseek", ref ops, &ops.Lseek);

        table["sizeof.fuse_file_info"] = sizeof(FuseFileInfo);
        var fi = default(FuseFileInfo);
        Off("fuse_file_info.flags", ref fi, &fi.Flags);
        Off("fuse_file_info.fh", ref fi, &fi.Handle);
        Off("fuse_file_info.lock_owner", ref fi, &fi.LockOwner);
        Off("fuse_file_info.poll_events", ref fi, &fi.PollEvents);
        table["fuse_file_info.keep_cache_bits"] = FuseFileInfo.KeepCache;
        table["fuse_file_info.direct_io_bits"] = FuseFileInfo.DirectIo;

        table["sizeof.fuse_entry_param"] = sizeof(FuseEntryParam);
        var entry = default(FuseEntryParam);
        Off("fuse_entry_param.ino", ref entry, &entry.Ino);
        Off("fuse_entry_param.attr", ref entry, &entry.Attr);
        Off("fuse_entry_param.attr_timeout", ref entry, &entry.AttrTimeout);
        Off("fuse_entry_param.entry_timeout", ref entry, &entry.EntryTimeout);

        table["sizeof.stat"] = sizeof(NativeStat);
        var st = default(NativeStat);
        Off("stat.st_ino", ref st, &st.Ino);
        Off("stat.st_nlink", ref st, &st.Nlink);
        Off("stat.st_mode", ref st, &st.Mode);
        Off("stat.st_uid", ref st, &st.Uid);
        Off("stat.st_gid", ref st, &st.Gid);
        Off("stat.st_size", ref st, &st.Size);
        Off("stat.st_blksize", ref st, &st.BlockSize);
        Off("stat.st_blocks", ref st, &st.Blocks);
        Off("stat.st_atim", ref st, &st.AtimeSec);
        Off("stat.st_mtim", ref st, &st.MtimeSec);
        Off("stat.st_ctim", ref st, &st.CtimeSec);

        table["sizeof.statvfs"] = sizeof(NativeStatVfs);
        var vfs = default(NativeStatVfs);
        Off("statvfs.f_bsize", ref vfs, &vfs.BlockSize);
        Off("statvfs.f_blocks", ref vfs, &vfs.Blocks);
        Off("statvfs.f_bavail", ref vfs, &vfs.BlocksAvailable);
        Off("statvfs.f_files", ref vfs, &vfs.Files);
        Off("statvfs.f_namemax", ref vfs, &vfs.NameMax);

        table["sizeof.fuse_conn_info"] = sizeof(FuseConnInfo);
        var conn = default(FuseConnInfo);
        Off("fuse_conn_info.max_write", ref conn, &conn.MaxWrite);
        Off("fuse_conn_info.max_read", ref conn, &conn.MaxRead);
        Off("fuse_conn_info.capable", ref conn, &conn.Capable);
        Off("fuse_conn_info.want", ref conn, &conn.Want);
        Off("fuse_conn_info.max_background", ref conn, &conn.MaxBackground);
        Off("fuse_conn_info.congestion_threshold", ref conn, &conn.CongestionThreshold);
        Off("fuse_conn_info.time_gran", ref conn, &conn.TimeGranularity);

        table["sizeof.fuse_args"] = sizeof(FuseArgs);
        var args = default(FuseArgs);
        Off("fuse_args.argv", ref args, &args.Argv);
        Off("fuse_args.allocated", ref args, &args.Allocated);

        table["sizeof.fuse_forget_data"] = sizeof(FuseForgetData);
        var forget = default(FuseForgetData);
        Off("fuse_forget_data.nlookup", ref forget, &forget.Nlookup);
        return table;
    }
}
