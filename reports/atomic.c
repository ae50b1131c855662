/* atomic.c - reports written all at once, in batches, cleaned up on signals (atomic.h). */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { MAX_ENTRIES = 16, MAX_TRIES = 100 };

#ifndef S_ISVTX
#define S_ISVTX 01000 /* the sticky bit (XSI; its value everywhere) */
#endif

/* A temporary name is short and fixed in length whatever the target's name, so a
 * target near NAME_MAX still gets one: ".roisim-" and 8 random characters. */
#define TMP_PREFIX ".roisim-"
#define TMP_SIZE 24
/* The file a named writer creates inside its private directory. */
#define NAMED_FILE "report"

/*
 * One report being written. The first block is what roi_atomic_remove_temps reads
 * from a signal handler: it is written before `live` is set and cleared only after
 * `live` is, with signal fences between, so a handler never sees half an entry.
 */
typedef struct entry {
    volatile sig_atomic_t live;   /* tmp (may) exist in dirfd: remove it on a signal */
    volatile sig_atomic_t dirfd;  /* folder holding tmp; -1: none */
    volatile sig_atomic_t privfd; /* is_dir: the private directory itself; -1: not open */
    volatile sig_atomic_t is_dir; /* tmp is a private directory holding NAMED_FILE */
    char tmp[TMP_SIZE];           /* TMP_PREFIX + random: a file, or a directory */

    int used;                     /* the slot is taken */
    int queued;                   /* 0, or its order among the batch's commits */
    roi_atomic_kind kind;
    char *target;                 /* the path as given (owned); "-": standard output */
    char *base;                   /* the target's name in target_dirfd (owned) */
    int target_dirfd;             /* the target's folder, opened once; -1 for streams */
    int out_fd;                   /* stream: where the report goes at commit; -1 */
    int close_out;                /* out_fd is ours to close (not standard output) */
    int staged_fd;                /* stream: the finished report, read at commit; -1 */
    FILE *fp;                     /* the stream handed to the writer; NULL */
    dev_t dev;                    /* the temporary file, to notice a swap before rename */
    ino_t ino;
    char name[48];                /* the name handed to a named writer ... */
    char *name_alloc;             /* ... or, without /proc, a path through the folders */
} entry;

static entry table[MAX_ENTRIES];
static int batch_active, batch_order;

/* ---- small helpers ------------------------------------------------------------------ */

static const char *shown(const entry *e)
{
    return strcmp(e->target, "-") ? e->target : "standard output";
}

static roi_status io_error(roi_error *err, const entry *e, int errnum)
{
    if (!strcmp(e->target, "-"))
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write to standard output: %s",
                             errnum ? strerror(errnum) : "write error");
    return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", e->target,
                         errnum ? strerror(errnum) : "write error");
}

/* Fills out with TMP_PREFIX and 8 characters no other process can predict cheaply.
 * Only O_EXCL makes the name safe; randomness only keeps others from taking it. */
static void random_name(char out[TMP_SIZE])
{
    static uint64_t state;
    static const char digits[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    if (!state) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (read(fd, &state, sizeof state) != (ssize_t)sizeof state)
                state = 0;
            close(fd);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        state ^= (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^ (uint64_t)getpid() << 40;
        state |= 1;
    }
    /* splitmix64 */
    uint64_t z = (state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    size_t k = strlen(TMP_PREFIX);
    memcpy(out, TMP_PREFIX, k);
    for (int i = 0; i < 8; i++, z /= 62)
        out[k++] = digits[z % 62];
    out[k] = '\0';
}

static const char *kind_name(mode_t mode)
{
    return S_ISDIR(mode) ? "a directory" : S_ISBLK(mode) ? "a block device"
           : S_ISSOCK(mode) ? "a socket" : S_ISREG(mode) ? "a regular file"
           : S_ISLNK(mode) ? "a symbolic link" : "a special file";
}

/* ---- what a path is ------------------------------------------------------------------ */

typedef struct resolved {
    roi_atomic_kind kind;
    int dirfd;        /* the target's folder; -1 for "-" */
    const char *base; /* into path */
    char *dir;        /* the folder as written (owned), for messages and fallbacks */
    int out_fd;       /* stream, when asked to open it: its descriptor; else -1 */
    int own;          /* out_fd is standard output or error: never closed */
} resolved;

static void resolved_free(resolved *r)
{
    if (r->dirfd >= 0)
        close(r->dirfd);
    if (r->out_fd >= 0 && !r->own)
        close(r->out_fd);
    free(r->dir);
    r->dirfd = r->out_fd = -1;
    r->dir = NULL;
}

/* Opens the folder of path once (symbolic links among the folders are followed here,
 * and nowhere else) and sets r->base to the last component. */
static roi_status open_folder(const char *path, resolved *r, roi_error *err)
{
    const char *slash = strrchr(path, '/');
    r->base = slash ? slash + 1 : path;
    if (!r->base[0] || !strcmp(r->base, ".") || !strcmp(r->base, ".."))
        return roi_error_set(err, ROI_ERR_USAGE, NULL, "cannot write '%s': it names a directory",
                             path);
    r->dir = !slash ? strdup(".") : slash == path ? strdup("/")
                                                  : strndup(path, (size_t)(slash - path));
    if (!r->dir)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);
    r->dirfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dirfd < 0)
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s '%s'", path,
                             errno == ENOENT ? "there is no folder"
                             : errno == ENOTDIR ? "not a folder:" : strerror(errno),
                             r->dir);
    return ROI_OK;
}

/* What the last component is, looked at without following it: *ts the target's status
 * (through a link to a device or FIFO, the only links roisim writes through), *link
 * whether it is a link; *missing when there is nothing there. */
static roi_status look_at_target(const char *path, const resolved *r, struct stat *ts,
                                 int *link, int *missing, roi_error *err)
{
    struct stat ls;
    *link = *missing = 0;
    if (fstatat(r->dirfd, r->base, &ls, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) {
            *missing = 1;
            return ROI_OK;
        }
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", path,
                             strerror(errno));
    }
    *link = S_ISLNK(ls.st_mode);
    if (!*link) {
        *ts = ls;
        return ROI_OK;
    }
    if (fstatat(r->dirfd, r->base, ts, 0) != 0)
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "cannot write '%s': it is a symbolic link to a missing file; "
                             "roisim never writes through links to files: name the file "
                             "itself", path);
    if (!S_ISCHR(ts->st_mode) && !S_ISFIFO(ts->st_mode))
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "cannot write '%s': it is a symbolic link to %s; roisim never "
                             "writes through links to files (it would replace a file you "
                             "did not name): name the file itself", path,
                             kind_name(ts->st_mode));
    return ROI_OK;
}

/* A regular file to replace: in a sticky folder (/tmp) only the owner may replace it,
 * found out now, not after other reports were put in place. */
static roi_status check_replace(const char *path, const resolved *r, const struct stat *ts,
                                roi_error *err)
{
    struct stat ds;
    uid_t me = geteuid();
    if (fstat(r->dirfd, &ds) == 0 && (ds.st_mode & S_ISVTX) && me != 0 && ts->st_uid != me &&
        ds.st_uid != me)
        return roi_error_set(err, ROI_ERR_IO, NULL,
                             "cannot replace '%s': it belongs to another user and its folder "
                             "'%s' is sticky", path, r->dir);
    return ROI_OK;
}

/* Opens a stream target (a character device or FIFO) without blocking on a FIFO that
 * nobody reads, and checks that it still is one. */
static roi_status open_stream_target(const char *path, resolved *r, int link, roi_error *err)
{
    struct stat ts;
    r->out_fd = openat(r->dirfd, r->base,
                       O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (link ? 0 : O_NOFOLLOW));
    if (r->out_fd < 0)
        return errno == ENXIO
                   ? roi_error_set(err, ROI_ERR_IO, NULL,
                                   "cannot write '%s': it is a FIFO that no program is reading "
                                   "(start the reader first)", path)
                   : roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", path,
                                   strerror(errno));
    if (fstat(r->out_fd, &ts) != 0 || (!S_ISCHR(ts.st_mode) && !S_ISFIFO(ts.st_mode)))
        return roi_error_set(err, ROI_ERR_IO, NULL,
                             "cannot write '%s': it changed while roisim opened it", path);
    int fl = fcntl(r->out_fd, F_GETFL);
    if (fl == -1 || fcntl(r->out_fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", path,
                             strerror(errno));
    return ROI_OK;
}

/* Where a report named path goes: a new file, a file to replace, or a stream (standard
 * output, a character device, a FIFO). With open_stream, a stream target is opened.
 * On failure r needs no cleanup. */
static roi_status resolve_target(const char *path, int open_stream, resolved *r, roi_error *err)
{
    struct stat ts;
    int link, missing;
    ROI_TRY(open_folder(path, r, err));
    ROI_TRY(look_at_target(path, r, &ts, &link, &missing, err));
    if (missing)
        return ROI_OK; /* NEW */
    if (S_ISREG(ts.st_mode)) {
        r->kind = ROI_ATOMIC_REPLACE;
        return check_replace(path, r, &ts, err);
    }
    if (!S_ISCHR(ts.st_mode) && !S_ISFIFO(ts.st_mode))
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "cannot write '%s': it is %s; roisim writes reports to files, "
                             "character devices and FIFOs only", path, kind_name(ts.st_mode));
    r->kind = ROI_ATOMIC_STREAM;
    return open_stream ? open_stream_target(path, r, link, err) : ROI_OK;
}

static roi_status resolve(const char *path, int open_stream, resolved *r, roi_error *err)
{
    r->kind = ROI_ATOMIC_NEW;
    r->dirfd = r->out_fd = -1;
    r->base = NULL;
    r->dir = NULL;
    r->own = 0;
    if (!path || !path[0])
        return roi_error_set(err, ROI_ERR_USAGE, NULL, "cannot write a report: empty file name");
    /* The process's own outputs are written through whatever the shell connected them
     * to (--trials-csv /dev/stdout > out.csv), as "-" is. */
    int own = !strcmp(path, "-") || !strcmp(path, "/dev/stdout") ? STDOUT_FILENO
              : !strcmp(path, "/dev/stderr") ? STDERR_FILENO : -1;
    if (own >= 0) {
        r->kind = ROI_ATOMIC_STREAM;
        r->out_fd = open_stream ? own : -1;
        r->own = 1;
        r->base = path;
        return ROI_OK;
    }
    roi_status st = resolve_target(path, open_stream, r, err);
    if (st != ROI_OK)
        resolved_free(r);
    return st;
}

roi_status roi_atomic_check(const char *path, roi_atomic_kind *kind, roi_error *err)
{
    resolved r;
    roi_status st = resolve(path, 0, &r, err);
    if (st == ROI_OK && kind)
        *kind = r.kind;
    if (st == ROI_OK)
        resolved_free(&r);
    return st;
}

/* ---- the table ------------------------------------------------------------------------ */

static entry *entry_of(const roi_atomic_file *af)
{
    if (!af || af->id < 1 || af->id > MAX_ENTRIES || !table[af->id - 1].used)
        return NULL;
    return &table[af->id - 1];
}

static entry *take(const char *path, roi_error *err)
{
    for (int i = 0; i < MAX_ENTRIES; i++) {
        entry *e = &table[i];
        if (e->used)
            continue;
        memset(e, 0, sizeof *e);
        e->dirfd = e->privfd = -1;
        e->target_dirfd = e->out_fd = e->staged_fd = -1;
        e->target = strdup(path);
        if (!e->target) {
            roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);
            return NULL;
        }
        e->used = 1;
        return e;
    }
    roi_error_set(err, ROI_ERR_INTERNAL, NULL, "cannot write '%s': more than %d reports open",
                  path, MAX_ENTRIES);
    return NULL;
}

/* Publishes tmp in dirfd to the signal handler (before it is created). */
static void publish(entry *e, int dirfd, int is_dir)
{
    e->dirfd = dirfd;
    e->is_dir = is_dir;
    atomic_signal_fence(memory_order_seq_cst);
    e->live = 1;
    atomic_signal_fence(memory_order_seq_cst);
}

static void unpublish(entry *e)
{
    atomic_signal_fence(memory_order_seq_cst);
    e->live = 0;
    atomic_signal_fence(memory_order_seq_cst);
}

/* Removes what exists of e's temporary file or directory. */
static void remove_tmp(entry *e)
{
    if (!e->live)
        return;
    if (e->is_dir) {
        if (e->privfd >= 0)
            unlinkat(e->privfd, NAMED_FILE, 0);
        unlinkat(e->dirfd, e->tmp, AT_REMOVEDIR);
    } else {
        unlinkat(e->dirfd, e->tmp, 0);
    }
    unpublish(e);
}

/* Releases the slot: removes the temporary file unless it was put in place. */
static void release(entry *e)
{
    if (!e || !e->used)
        return;
    if (e->fp) {
        fclose(e->fp);
        e->fp = NULL;
        if (e->staged_fd >= 0 && !e->is_dir)
            e->staged_fd = -1; /* it was the stream's own descriptor */
    }
    remove_tmp(e);
    int privfd = e->privfd, dirfd = e->dirfd;
    e->privfd = -1;
    e->dirfd = -1;
    if (privfd >= 0)
        close(privfd);
    if (dirfd >= 0 && dirfd != e->target_dirfd)
        close(dirfd);
    if (e->target_dirfd >= 0)
        close(e->target_dirfd);
    if (e->staged_fd >= 0)
        close(e->staged_fd);
    if (e->close_out && e->out_fd >= 0)
        close(e->out_fd);
    free(e->target);
    free(e->base);
    free(e->name_alloc);
    memset(e, 0, sizeof *e);
    e->dirfd = e->privfd = -1;
}

static void finish(roi_atomic_file *af)
{
    af->fp = NULL;
    af->name = NULL;
    af->id = 0;
}

/* ---- opening ----------------------------------------------------------------------------- */

/* Takes a slot for path, resolved and (for streams) opened. */
static entry *begin(roi_atomic_file *af, const char *path, resolved *r, roi_status *st,
                    roi_error *err)
{
    af->fp = NULL;
    af->name = NULL;
    af->id = 0;
    *st = resolve(path, 1, r, err);
    if (*st != ROI_OK)
        return NULL;
    entry *e = take(path, err);
    if (!e) {
        *st = err ? err->status : ROI_ERR_NOMEM;
        resolved_free(r);
        return NULL;
    }
    e->kind = r->kind;
    e->base = strdup(r->base);
    if (!e->base) {
        *st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);
        release(e);
        resolved_free(r);
        return NULL;
    }
    if (r->kind == ROI_ATOMIC_STREAM) {
        e->out_fd = r->out_fd;
        e->close_out = !r->own;
        r->out_fd = -1;
    } else {
        e->target_dirfd = r->dirfd;
        r->dirfd = -1;
    }
    return e;
}

roi_status roi_atomic_open(roi_atomic_file *af, const char *path, roi_error *err)
{
    resolved r;
    roi_status st;
    entry *e = begin(af, path, &r, &st, err);
    if (!e)
        return st;
    if (e->kind == ROI_ATOMIC_STREAM) {
        /* Staged in an anonymous file (nothing to clean up, whatever happens) and
         * written through at commit, so a failed run sends nothing. */
        e->fp = tmpfile();
        if (!e->fp) {
            st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': no temporary file: %s",
                               shown(e), strerror(errno));
            goto fail;
        }
        e->staged_fd = fileno(e->fp);
    } else {
        int fd = -1, saved = 0;
        for (int i = 0; i < MAX_TRIES && fd < 0; i++) {
            random_name(e->tmp);
            publish(e, e->target_dirfd, 0);
            fd = openat(e->target_dirfd, e->tmp,
                        O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
            saved = errno;
            if (fd < 0)
                unpublish(e);
            if (fd < 0 && saved != EEXIST)
                break;
        }
        if (fd < 0) {
            st = roi_error_set(err, ROI_ERR_IO, NULL,
                               "cannot write '%s': cannot create a file in folder '%s': %s",
                               path, r.dir, strerror(saved));
            goto fail;
        }
        struct stat sb;
        if (fstat(fd, &sb) != 0 || !(e->fp = fdopen(fd, "wb"))) {
            st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", path,
                               strerror(errno));
            close(fd);
            goto fail;
        }
        e->dev = sb.st_dev;
        e->ino = sb.st_ino;
    }
    resolved_free(&r);
    af->fp = e->fp;
    af->id = (int)(e - table) + 1;
    return ROI_OK;

fail:
    release(e);
    resolved_free(&r);
    return st;
}

roi_status roi_atomic_open_named(roi_atomic_file *af, const char *path, roi_error *err)
{
    resolved r;
    roi_status st;
    entry *e = begin(af, path, &r, &st, err);
    if (!e)
        return st;
    /* The private directory goes beside the target; for a stream, in $TMPDIR. */
    const char *dir = r.dir;
    int dirfd = e->target_dirfd;
    if (e->kind == ROI_ATOMIC_STREAM) {
        dir = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
            st = roi_error_set(err, ROI_ERR_IO, NULL,
                               "cannot write '%s': cannot use the temporary folder '%s': %s",
                               shown(e), dir, strerror(errno));
            goto fail;
        }
    }
    int made = -1, saved = 0;
    for (int i = 0; i < MAX_TRIES && made < 0; i++) {
        random_name(e->tmp);
        publish(e, dirfd, 1);
        made = mkdirat(dirfd, e->tmp, 0700);
        saved = errno;
        if (made < 0)
            unpublish(e);
        if (made < 0 && saved != EEXIST)
            break;
    }
    if (made < 0) {
        st = roi_error_set(err, ROI_ERR_IO, NULL,
                           "cannot write '%s': cannot create a folder in '%s': %s", shown(e),
                           dir, strerror(saved));
        goto fail;
    }
    /* From here (and in the failure above, as e->dirfd holds it) release() closes dirfd
     * and removes the directory. */
    int privfd = openat(dirfd, e->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat ps;
    if (privfd < 0 || fstat(privfd, &ps) != 0 || ps.st_uid != geteuid() ||
        fchmod(privfd, 0700) != 0) {
        /* Someone replaced the new directory at once: use nothing of it. */
        saved = errno;
        if (privfd >= 0)
            close(privfd);
        st = roi_error_set(err, ROI_ERR_IO, NULL,
                           "cannot write '%s': its private folder in '%s' was tampered with%s%s",
                           shown(e), dir, saved ? ": " : "", saved ? strerror(saved) : "");
        goto fail;
    }
    e->privfd = privfd;
    /* The writer reaches the directory through its descriptor: no name on the way can
     * be swapped. Without /proc, through the folders' names (docs/safety.md). */
    char proc[32];
    struct stat vs;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", privfd);
    if (stat(proc, &vs) == 0 && vs.st_dev == ps.st_dev && vs.st_ino == ps.st_ino) {
        snprintf(e->name, sizeof e->name, "%s/%s", proc, NAMED_FILE);
        af->name = e->name;
    } else {
        size_t size = strlen(dir) + strlen(e->tmp) + strlen(NAMED_FILE) + 3;
        e->name_alloc = malloc(size);
        if (!e->name_alloc) {
            st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);
            goto fail;
        }
        snprintf(e->name_alloc, size, "%s/%s/%s", dir, e->tmp, NAMED_FILE);
        af->name = e->name_alloc;
    }
    resolved_free(&r);
    af->id = (int)(e - table) + 1;
    return ROI_OK;

fail:
    release(e);
    resolved_free(&r);
    return st;
}

/* ---- committing ----------------------------------------------------------------------------- */

/* Writes all of fd `from` (from its start) to `to`. Returns 0 or an errno. */
static int copy_fd(int from, int to)
{
    char buf[65536];
    off_t off = 0;
    for (;;) {
        ssize_t got = pread(from, buf, sizeof buf, off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno;
        if (got == 0)
            return 0;
        off += got;
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(to, buf + done, (size_t)(got - done));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0)
                return errno;
            done += put;
        }
    }
}

/* The temporary file is still the one roisim made (nobody swapped it). */
static int still_ours(const entry *e, int dirfd, const char *name)
{
    struct stat sb;
    return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
           sb.st_dev == e->dev && sb.st_ino == e->ino;
}

/* Puts a prepared report in place: writes a stream through, or renames a file over
 * its target. The slot stays taken (release() follows). */
static roi_status place(entry *e, roi_error *err)
{
    if (e->kind == ROI_ATOMIC_STREAM) {
        if (!e->close_out) {
            fflush(stdout); /* after whatever stdio already holds for them */
            fflush(stderr);
        }
        int rc = copy_fd(e->staged_fd, e->out_fd);
        if (!rc && e->close_out) {
            rc = close(e->out_fd) != 0 ? errno : 0;
            e->out_fd = -1;
        }
        return rc ? io_error(err, e, rc) : ROI_OK;
    }
    int from = e->is_dir ? e->privfd : e->dirfd;
    const char *name = e->is_dir ? NAMED_FILE : e->tmp;
    if (!still_ours(e, from, name))
        return roi_error_set(err, ROI_ERR_IO, NULL,
                             "cannot write '%s': its temporary file was replaced by someone "
                             "else while it was written; '%s' is left as it was",
                             e->target, e->target);
    if (renameat(from, name, e->target_dirfd, e->base) != 0)
        return io_error(err, e, errno);
    if (e->is_dir) {
        unlinkat(e->dirfd, e->tmp, AT_REMOVEDIR);
    }
    unpublish(e);
    /* Best effort: the rename is durable once the folder is synced; an error here
     * cannot be undone and the report is in place. */
    (void)fsync(e->target_dirfd);
    return ROI_OK;
}

/* Makes the temporary file final: flushed, synced, closed, checked. */
static roi_status seal(entry *e, roi_error *err)
{
    if (e->fp) {
        int rc = fflush(e->fp) != 0 || ferror(e->fp) ? (errno ? errno : EIO) : 0;
        if (e->kind == ROI_ATOMIC_STREAM)
            return rc ? io_error(err, e, rc) : ROI_OK; /* staged_fd reads it back */
        if (!rc && fsync(fileno(e->fp)) != 0)
            rc = errno;
        if (fclose(e->fp) != 0 && !rc)
            rc = errno ? errno : EIO;
        e->fp = NULL;
        return rc ? io_error(err, e, rc) : ROI_OK;
    }
    if (!e->is_dir)
        return roi_error_set(err, ROI_ERR_INTERNAL, NULL, "'%s' is not open", shown(e));
    /* A named writer's file: it must be a regular file of ours, with no other name. */
    int fd = openat(e->privfd, NAMED_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", shown(e),
                             errno == ENOENT ? "the writer created no file" : strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
        sb.st_nlink != 1) {
        close(fd);
        return roi_error_set(err, ROI_ERR_IO, NULL,
                             "cannot write '%s': its temporary file was tampered with", shown(e));
    }
    if (fsync(fd) != 0) {
        int rc = errno;
        close(fd);
        return io_error(err, e, rc);
    }
    e->dev = sb.st_dev;
    e->ino = sb.st_ino;
    if (e->kind == ROI_ATOMIC_STREAM)
        e->staged_fd = fd;
    else
        close(fd);
    return ROI_OK;
}

roi_status roi_atomic_commit(roi_atomic_file *af, roi_error *err)
{
    entry *e = entry_of(af);
    finish(af);
    if (!e)
        return roi_error_set(err, ROI_ERR_INTERNAL, NULL, "commit of a report that is not open");
    roi_status st = seal(e, err);
    if (st == ROI_OK && batch_active) {
        e->queued = ++batch_order;
        return ROI_OK;
    }
    if (st == ROI_OK)
        st = place(e, err);
    release(e);
    return st;
}

roi_status roi_atomic_fail(roi_atomic_file *af, int errnum, roi_error *err)
{
    entry *e = entry_of(af);
    roi_status st = e ? io_error(err, e, errnum)
                      : roi_error_set(err, ROI_ERR_IO, NULL, "cannot write a report: %s",
                                      errnum ? strerror(errnum) : "write error");
    release(e);
    finish(af);
    return st;
}

void roi_atomic_abort(roi_atomic_file *af)
{
    if (!af)
        return;
    release(entry_of(af));
    finish(af);
}

/* ---- batches ---------------------------------------------------------------------------------- */

void roi_atomic_batch_begin(void)
{
    batch_active = 1;
    batch_order = 0;
}

/* The queued entry committed n-th, or NULL. */
static entry *queued(int n)
{
    for (int i = 0; i < MAX_ENTRIES; i++)
        if (table[i].used && table[i].queued == n)
            return &table[i];
    return NULL;
}

roi_status roi_atomic_batch_commit(roi_error *err)
{
    roi_status st = ROI_OK;
    int n = batch_order;
    batch_active = 0;
    /* A report opened in the batch and never committed failed: nothing goes in place. */
    for (int i = 0; i < MAX_ENTRIES; i++)
        if (table[i].used && !table[i].queued)
            st = roi_error_set(err, ROI_ERR_INTERNAL, NULL,
                               "'%s' was not finished; no report was written", shown(&table[i]));
    /* Streams first: they are the likeliest to fail (a full device, a closed pipe),
     * and until the first rename a failure leaves every file as it was. */
    for (int k = 1; k <= n && st == ROI_OK; k++) {
        entry *e = queued(k);
        if (e && e->kind == ROI_ATOMIC_STREAM)
            st = place(e, err);
    }
    char done[512] = "";
    size_t used = 0;
    for (int k = 1; k <= n && st == ROI_OK; k++) {
        entry *e = queued(k);
        if (!e || e->kind == ROI_ATOMIC_STREAM)
            continue;
        st = place(e, err);
        if (st == ROI_OK && used < sizeof done)
            used += (size_t)snprintf(done + used, sizeof done - used, "%s'%s'",
                                     used ? ", " : "", e->target);
    }
    if (st != ROI_OK && used > 0 && err) {
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len,
                 " (already replaced: %s; the other reports were not written)", done);
    }
    for (int i = 0; i < MAX_ENTRIES; i++)
        release(&table[i]);
    batch_order = 0;
    return st;
}

void roi_atomic_batch_abort(void)
{
    batch_active = 0;
    batch_order = 0;
    for (int i = 0; i < MAX_ENTRIES; i++)
        release(&table[i]);
}

void roi_atomic_remove_temps(void)
{
    /* Async-signal-safe: reads the table's published fields, calls unlinkat only. */
    for (int i = 0; i < MAX_ENTRIES; i++) {
        entry *e = &table[i];
        if (!e->live)
            continue;
        atomic_signal_fence(memory_order_seq_cst);
        if (e->is_dir) {
            if (e->privfd >= 0)
                unlinkat(e->privfd, NAMED_FILE, 0);
            unlinkat(e->dirfd, e->tmp, AT_REMOVEDIR);
        } else {
            unlinkat(e->dirfd, e->tmp, 0);
        }
    }
}

roi_status roi_atomic_write_text(const char *path, const char *text, roi_error *err)
{
    roi_atomic_file af = {0};
    size_t len = strlen(text);
    ROI_TRY(roi_atomic_open(&af, path, err));
    if (fwrite(text, 1, len, af.fp) != len || fputc('\n', af.fp) == EOF)
        return roi_atomic_fail(&af, errno, err);
    return roi_atomic_commit(&af, err);
}
