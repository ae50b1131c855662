/*
 * atomic.h - replacing a file all at once (private to reports/).
 *
 * Responsible for: creating a temporary file next to the target (same directory, so
 * the final rename cannot cross file systems), and either committing it (flush,
 * fsync, close, rename over the target) or abandoning it (close, unlink). A failed
 * write therefore never leaves a partial report and never damages an earlier one.
 * Not responsible for what is written.
 */
#ifndef ROI_ATOMIC_H
#define ROI_ATOMIC_H

#include <stdio.h>

#include "roi_error.h"

typedef struct roi_atomic_file {
    FILE *fp;      /* open for writing ("wb"), or NULL once committed or aborted */
    char *tmp;     /* "<dir>/.<base>.XXXXXX" (owned) */
    char *target;  /* copy of the target path (owned) */
} roi_atomic_file;

/*
 * Creates and opens a temporary file for `path` (mkstemp "<dir>/.<base>.XXXXXX",
 * mode 0666 minus the umask). On success af->fp is ready; finish with
 * roi_atomic_commit or roi_atomic_abort. Errors: ROI_ERR_IO (message names the
 * directory and the target), ROI_ERR_NOMEM. On failure nothing is left on disk and af
 * needs no cleanup.
 */
roi_status roi_atomic_open(roi_atomic_file *af, const char *path, roi_error *err);

/*
 * Flushes, fsyncs and closes the temporary file, then renames it to the target.
 * On any failure the temporary file is removed and ROI_ERR_IO is returned (the target
 * is untouched). Always releases af's memory.
 */
roi_status roi_atomic_commit(roi_atomic_file *af, roi_error *err);

/* Closes and removes the temporary file and releases af's memory. Safe to call on a
 * zeroed or already finished af. */
void roi_atomic_abort(roi_atomic_file *af);

/*
 * For writers that open the file themselves (libxlsxwriter): creates an empty
 * temporary file for `path` as roi_atomic_open does, closes it and returns its name
 * in *tmp (caller frees; caller renames it with roi_atomic_rename or unlinks it).
 */
roi_status roi_atomic_tmpname(const char *path, char **tmp, roi_error *err);

/* fsyncs `tmp` and renames it to `path`; on failure unlinks tmp, returns ROI_ERR_IO. */
roi_status roi_atomic_rename(const char *tmp, const char *path, roi_error *err);

#endif
