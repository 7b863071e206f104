/*
 * memfs_ll: the ceiling of a FUSE read on this machine, for `make bench`.
 *
 * A low-level libfuse3 file system with one file, big.bin, whose bytes sit in memory: a read is
 * answered straight from that memory (one copy, into /dev/fuse), so what it reaches is the cost of
 * the kernel's FUSE round trips and copies alone. FacilityFS's cold read is printed as a ratio to it.
 * It takes the same mount settings as FacilityFS (async reads, 64 background requests, 16 MiB
 * read-ahead in 1 MiB requests), so the comparison is of the user-space side only.
 *
 * Usage: memfs_ll MOUNTPOINT SIZE_MIB   (runs in the foreground until unmounted or SIGTERM)
 */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char file_name[] = "big.bin";
static const fuse_ino_t file_ino = 2;
static unsigned char *file_data;
static size_t file_size;

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    st->st_uid = getuid();
    st->st_gid = getgid();
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = (off_t)file_size;
    }
}

static void on_init(void *userdata, struct fuse_conn_info *conn)
{
    (void)userdata;
    conn->want |= conn->capable & FUSE_CAP_ASYNC_READ;
    conn->max_background = 64;
    conn->congestion_threshold = 48;
}

static void on_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    if (parent != FUSE_ROOT_ID || strcmp(name, file_name) != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct fuse_entry_param entry;
    memset(&entry, 0, sizeof(entry));
    entry.ino = file_ino;
    entry.attr_timeout = 3600;
    entry.entry_timeout = 3600;
    fill_attr(file_ino, &entry.attr);
    fuse_reply_entry(req, &entry);
}

static void on_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    if (ino != FUSE_ROOT_ID && ino != file_ino) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct stat st;
    fill_attr(ino, &st);
    fuse_reply_attr(req, &st, 3600);
}

static void on_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)fi;
    if (ino != FUSE_ROOT_ID) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    char buffer[512];
    size_t used = 0;
    const char *names[] = {".", "..", file_name};
    const fuse_ino_t inos[] = {FUSE_ROOT_ID, FUSE_ROOT_ID, file_ino};
    for (off_t i = off; i < 3; i++) {
        struct stat st;
        fill_attr(inos[i], &st);
        size_t need = fuse_add_direntry(req, buffer + used, sizeof(buffer) - used, names[i], &st, i + 1);
        if (used + need > sizeof(buffer) || used + need > size)
            break;
        used += need;
    }
    fuse_reply_buf(req, buffer, used);
}

static void on_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    if (ino != file_ino) {
        fuse_reply_err(req, EISDIR);
        return;
    }
    if ((fi->flags & O_ACCMODE) != O_RDONLY) {
        fuse_reply_err(req, EACCES);
        return;
    }
    fuse_reply_open(req, fi);
}

static void on_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    (void)fi;
    if ((size_t)off >= file_size) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    size_t n = file_size - (size_t)off < size ? file_size - (size_t)off : size;
    fuse_reply_buf(req, (const char *)file_data + off, n);
}

static const struct fuse_lowlevel_ops ops = {
    .init = on_init,
    .lookup = on_lookup,
    .getattr = on_getattr,
    .readdir = on_readdir,
    .open = on_open,
    .read = on_read,
};

/* The same read-ahead FacilityFS sets for its mounts (as root): 16 MiB, so the kernel asks in 1 MiB requests.
 * The kernel sets read-ahead from the INIT reply, so this runs in its own thread once the mount answers a stat
 * (the session loop is serving by then); the device comes from /proc/self/mountinfo. */
static void *raise_read_ahead(void *argument)
{
    const char *mountpoint = argument;
    struct stat st;
    if (stat(mountpoint, &st) != 0)
        return NULL;
    char full[4096];
    if (realpath(mountpoint, full) == NULL)
        return NULL;
    FILE *mounts = fopen("/proc/self/mountinfo", "r");
    if (mounts == NULL)
        return NULL;
    char line[8192], device[64] = "", point[4096];
    while (fgets(line, sizeof(line), mounts) != NULL) {
        char dev[64];
        if (sscanf(line, "%*s %*s %63s %*s %4095s", dev, point) == 2 && strcmp(point, full) == 0)
            snprintf(device, sizeof(device), "%s", dev);
    }
    fclose(mounts);
    if (device[0] == '\0')
        return NULL;
    char path[128];
    snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", device);
    FILE *setting = fopen(path, "w");
    if (setting == NULL)
        return NULL;
    fputs("16384", setting);
    fclose(setting);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MOUNTPOINT SIZE_MIB\n", argv[0]);
        return 2;
    }
    file_size = (size_t)strtoull(argv[2], NULL, 10) << 20;
    file_data = malloc(file_size);
    if (file_data == NULL) {
        fprintf(stderr, "memfs_ll: cannot allocate %zu bytes\n", file_size);
        return 1;
    }
    /* Incompressible bytes, touched once, so every page is really there before the clock starts. */
    uint64_t x = 0x9E3779B97F4A7C15ull ^ (uint64_t)time(NULL);
    for (size_t i = 0; i + 8 <= file_size; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(file_data + i, &x, 8);
    }

    char *fuse_argv[] = {argv[0], "-o", "fsname=memfs_ll,subtype=memfs_ll,noatime", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
    struct fuse_session *session = fuse_session_new(&args, &ops, sizeof(ops), NULL);
    if (session == NULL)
        return 1;
    int status = 1;
    if (fuse_set_signal_handlers(session) == 0) {
        if (fuse_session_mount(session, argv[1]) == 0) {
            pthread_t raiser;
            int raising = pthread_create(&raiser, NULL, raise_read_ahead, argv[1]) == 0;
            struct fuse_loop_config *config = fuse_loop_cfg_create();
            fuse_loop_cfg_set_max_threads(config, 16);
            status = fuse_session_loop_mt(session, config) != 0;
            fuse_loop_cfg_destroy(config);
            if (raising)
                pthread_join(raiser, NULL);
            fuse_session_unmount(session);
        }
        fuse_remove_signal_handlers(session);
    }
    fuse_session_destroy(session);
    fuse_opt_free_args(&args);
    free(file_data);
    return status;
}
