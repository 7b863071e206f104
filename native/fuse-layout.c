/* Prints the sizes and field offsets of the libfuse 3.14 and glibc structs that src/FacilityFS.Fuse/Interop lays
 * out by hand, one "name value" per line; the Fuse tests compile this with gcc and compare every line. */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define SIZE(t) printf("sizeof.%s %zu\n", #t, sizeof(struct t))
#define OFF(t, f) printf("%s.%s %zu\n", #t, #f, offsetof(struct t, f))

int main(void)
{
    SIZE(fuse_lowlevel_ops);
    OFF(fuse_lowlevel_ops, init);
    OFF(fuse_lowlevel_ops, lookup);
    OFF(fuse_lowlevel_ops, forget);
    OFF(fuse_lowlevel_ops, getattr);
    OFF(fuse_lowlevel_ops, setattr);
    OFF(fuse_lowlevel_ops, mkdir);
    OFF(fuse_lowlevel_ops, unlink);
    OFF(fuse_lowlevel_ops, rmdir);
    OFF(fuse_lowlevel_ops, rename);
    OFF(fuse_lowlevel_ops, open);
    OFF(fuse_lowlevel_ops, read);
    OFF(fuse_lowlevel_ops, write);
    OFF(fuse_lowlevel_ops, release);
    OFF(fuse_lowlevel_ops, opendir);
    OFF(fuse_lowlevel_ops, readdir);
    OFF(fuse_lowlevel_ops, releasedir);
    OFF(fuse_lowlevel_ops, statfs);
    OFF(fuse_lowlevel_ops, create);
    OFF(fuse_lowlevel_ops, forget_multi);
    OFF(fuse_lowlevel_ops, readdirplus);
    OFF(fuse_lowlevel_ops, lseek);

    SIZE(fuse_file_info);
    OFF(fuse_file_info, flags);
    OFF(fuse_file_info, fh);
    OFF(fuse_file_info, lock_owner);
    OFF(fuse_file_info, poll_events);
    {
        /* The bit-fields have no offsetof: set each and report which bit of the word at offset 4 moved. */
        struct fuse_file_info fi = {0};
        fi.keep_cache = 1;
        printf("fuse_file_info.keep_cache_bits %u\n", *(unsigned *)((char *)&fi + 4));
        fi.keep_cache = 0;
        fi.direct_io = 1;
        printf("fuse_file_info.direct_io_bits %u\n", *(unsigned *)((char *)&fi + 4));
    }

    SIZE(fuse_entry_param);
    OFF(fuse_entry_param, ino);
    OFF(fuse_entry_param, attr);
    OFF(fuse_entry_param, attr_timeout);
    OFF(fuse_entry_param, entry_timeout);

    SIZE(stat);
    OFF(stat, st_ino);
    OFF(stat, st_nlink);
    OFF(stat, st_mode);
    OFF(stat, st_uid);
    OFF(stat, st_gid);
    OFF(stat, st_size);
    OFF(stat, st_blksize);
    OFF(stat, st_blocks);
    OFF(stat, st_atim);
    OFF(stat, st_mtim);
    OFF(stat, st_ctim);

    SIZE(statvfs);
    OFF(statvfs, f_bsize);
    OFF(statvfs, f_blocks);
    OFF(statvfs, f_bavail);
    OFF(statvfs, f_files);
    OFF(statvfs, f_namemax);

    SIZE(fuse_conn_info);
    OFF(fuse_conn_info, max_write);
    OFF(fuse_conn_info, max_read);
    OFF(fuse_conn_info, capable);
    OFF(fuse_conn_info, want);
    OFF(fuse_conn_info, max_background);
    OFF(fuse_conn_info, congestion_threshold);
    OFF(fuse_conn_info, time_gran);

    SIZE(fuse_args);
    OFF(fuse_args, argv);
    OFF(fuse_args, allocated);

    SIZE(fuse_forget_data);
    OFF(fuse_forget_data, nlookup);
    return 0;
}
