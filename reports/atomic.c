/* atomic.c - temporary file next to the target, then rename (see atomic.h). */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- temporary names ---------------------------------------------------------------- */

/* "<dir>/.<base>.XXXXXX" for path; dir is "." when path has no slash. */
static char *tmp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    size_t size = dirlen + strlen(base) + 16;
    char *t = malloc(size);
    if (!t)
        return NULL;
    if (!slash)
        snprintf(t, size, ".%s.XXXXXX", base);
    else if (dirlen == 0)
        snprintf(t, size, "/.%s.XXXXXX", base);
    else
        snprintf(t, size, "%.*s/.%s.XXXXXX", (int)dirlen, path, base);
    return t;
}

/* The directory part of path, for messages. */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, size, ".");
    else if (slash == path)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

/* Creates the temporary file: its descriptor in *fd and name in *tmp (caller frees).
 * On failure nothing is left on disk. */
static roi_status tmp_create(const char *path, int *fd, char **tmp, roi_error *err)
{
    *tmp = NULL;
    *fd = -1;
    if (!path || !path[0])
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write a report: empty file name");
    const char *slash = strrchr(path, '/');
    if (!(slash ? slash[1] : path[0]))
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': it names a directory",
                             path);
    char *t = tmp_template(path);
    if (!t)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);
    *fd = mkstemp(t);
    if (*fd < 0) {
        char dir[512];
        int saved = errno;
        dir_of(path, dir, sizeof dir);
        free(t);
        return roi_error_set(err, ROI_ERR_IO, NULL,
                             "cannot write '%s': cannot create a file in directory '%s': %s",
                             path, dir, strerror(saved));
    }
    /* mkstemp creates 0600; a report should get the usual mode, as fopen would give. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(*fd, (mode_t)(0666 & ~mask));
    *tmp = t;
    return ROI_OK;
}

/* ---- streams ---------------------------------------------------------------------------- */

roi_status roi_atomic_open(roi_atomic_file *af, const char *path, roi_error *err)
{
    af->fp = NULL;
    af->tmp = NULL;
    af->target = NULL;
    char *tmp = NULL;
    int fd = -1;
    roi_status st = tmp_create(path, &fd, &tmp, err);
    if (st != ROI_OK)
        return st;
    af->target = strdup(path);
    if (!af->target) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);
        goto fail;
    }
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", path,
                           strerror(errno));
        goto fail;
    }
    af->tmp = tmp;
    return ROI_OK;

fail:
    close(fd);
    unlink(tmp);
    free(tmp);
    free(af->target);
    af->target = NULL;
    return st;
}

roi_status roi_atomic_commit(roi_atomic_file *af, roi_error *err)
{
    roi_status st = ROI_OK;
    const char *target = af->target ? af->target : "(report)";
    if (!af->fp) {
        st = roi_error_set(err, ROI_ERR_INTERNAL, NULL, "'%s' is not open", target);
        goto done;
    }
    int failed = fflush(af->fp) != 0 || ferror(af->fp);
    int saved = errno;
    if (!failed && fsync(fileno(af->fp)) != 0) {
        failed = 1;
        saved = errno;
    }
    if (fclose(af->fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    af->fp = NULL;
    if (failed) {
        unlink(af->tmp);
        st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", target,
                           strerror(saved));
        goto done;
    }
    if (rename(af->tmp, af->target) != 0) {
        saved = errno;
        unlink(af->tmp);
        st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", target,
                           strerror(saved));
    }

done:
    free(af->tmp);
    free(af->target);
    af->tmp = NULL;
    af->target = NULL;
    return st;
}

void roi_atomic_abort(roi_atomic_file *af)
{
    if (!af)
        return;
    if (af->fp)
        fclose(af->fp);
    if (af->tmp)
        unlink(af->tmp);
    free(af->tmp);
    free(af->target);
    af->fp = NULL;
    af->tmp = NULL;
    af->target = NULL;
}

/* ---- named files (libxlsxwriter opens the file itself) ------------------------------ */

roi_status roi_atomic_tmpname(const char *path, char **tmp, roi_error *err)
{
    int fd = -1;
    roi_status st = tmp_create(path, &fd, tmp, err);
    if (st == ROI_OK)
        close(fd);
    return st;
}

roi_status roi_atomic_rename(const char *tmp, const char *path, roi_error *err)
{
    int fd = open(tmp, O_RDONLY);
    int saved = 0;
    if (fd < 0 || fsync(fd) != 0)
        saved = errno;
    if (fd >= 0)
        close(fd);
    if (!saved && rename(tmp, path) != 0)
        saved = errno;
    if (saved) {
        unlink(tmp);
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s': %s", path,
                             strerror(saved));
    }
    return ROI_OK;
}
