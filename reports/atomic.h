/*
 * atomic.h - writing a report all at once, and every report of a run or none
 * (private to reports/, and to the command line that batches them).
 *
 * Responsible for: deciding what a report path may be (a new or regular file is
 * replaced atomically; standard output, a character device or a FIFO is written
 * through; anything else is refused, docs/safety.md), a temporary file beside the
 * target that no other user can redirect (created O_EXCL | O_NOFOLLOW in the target's
 * folder, opened once and then used by descriptor; for writers that open files by
 * name, a private 0700 directory), committing it (flush, fsync, close, rename) or
 * abandoning it (unlink), batches that commit several reports only when all of them
 * succeeded, and removing every temporary file when the process is interrupted.
 * Not responsible for what is written, nor for installing signal handlers (the CLI
 * does, and calls roi_atomic_remove_temps from them).
 *
 * Not thread-safe: reports are written one at a time, from one thread.
 */
#ifndef ROI_ATOMIC_H
#define ROI_ATOMIC_H

#include <stdio.h>

#include "roi_error.h"

typedef struct roi_atomic_file {
    FILE *fp;          /* roi_atomic_open: the stream to write; NULL once finished */
    const char *name;  /* roi_atomic_open_named: the file name to give the writer (owned
                        * by atomic.c, valid until commit or abort); NULL otherwise */
    int id;            /* private: 1 + its entry in atomic.c's table; 0: none */
} roi_atomic_file;

/* How a report path is written (roi_atomic_check). */
typedef enum roi_atomic_kind {
    ROI_ATOMIC_NEW,     /* nothing there yet: created by a rename */
    ROI_ATOMIC_REPLACE, /* a regular file: replaced by a rename, never written in place */
    ROI_ATOMIC_STREAM   /* "-" or /dev/stdout (standard output), /dev/stderr, a
                         * character device or a FIFO (also through a symbolic link):
                         * staged, then written through at commit, not atomically */
} roi_atomic_kind;

/*
 * Says how `path` would be written ("-": standard output), or refuses it: a
 * directory, a block device, a socket, a symbolic link to anything but a character
 * device or FIFO (roisim replaces only the file a path names, never a link's target),
 * a folder that does not exist. Errors: ROI_ERR_USAGE for a path roisim never writes,
 * ROI_ERR_IO when the folder cannot be used; the message names the path. kind may be
 * NULL. Borrows path.
 */
roi_status roi_atomic_check(const char *path, roi_atomic_kind *kind, roi_error *err);

/*
 * Creates the temporary file for `path` and opens it for writing: af->fp is ready;
 * finish with roi_atomic_commit or roi_atomic_abort. The temporary file is
 * "<folder>/.roisim-XXXXXXXX" (mode 0666 minus the umask, like fopen), whatever the
 * length of the target's name; for a stream target it is an anonymous file.
 * Errors: those of roi_atomic_check, ROI_ERR_IO (the message names the target and
 * says why: a FIFO is opened without waiting, and one that nobody reads is an error),
 * ROI_ERR_NOMEM, ROI_ERR_INTERNAL (more than 16 reports open at once). On failure nothing is left on disk and af
 * needs no cleanup.
 */
roi_status roi_atomic_open(roi_atomic_file *af, const char *path, roi_error *err);

/*
 * For writers that create the file themselves by name (libxlsxwriter): makes a
 * private directory (mode 0700) in the target's folder and sets af->name to a file
 * name inside it, reached through the directory's descriptor (/proc/self/fd/N/...)
 * where the system allows, so that neither the folder's nor the directory's name is
 * looked up again. The writer must create af->name; commit checks that it is a
 * regular file of this user with one link. Errors and cleanup as roi_atomic_open.
 */
roi_status roi_atomic_open_named(roi_atomic_file *af, const char *path, roi_error *err);

/*
 * Finishes a report: flushes, fsyncs and closes the temporary file (reporting the
 * real reason of a failure: "No space left on device"), then renames it over the
 * target (or, for a stream, writes it through). Inside a batch the last step waits
 * for roi_atomic_batch_commit. On failure the temporary file is removed and the target
 * is untouched. Always finishes af. Errors: ROI_ERR_IO.
 */
roi_status roi_atomic_commit(roi_atomic_file *af, roi_error *err);

/* A whole report held in memory: text and a newline written to path through
 * roi_atomic_open and roi_atomic_commit (in a batch, put in place with the others). */
roi_status roi_atomic_write_text(const char *path, const char *text, roi_error *err);

/*
 * Abandons a report after a failed write: closes and removes the temporary file and
 * records ROI_ERR_IO with "cannot write '<target>': <strerror(errnum)>" (errnum 0: "write
 * error"). Returns ROI_ERR_IO. Finishes af.
 */
roi_status roi_atomic_fail(roi_atomic_file *af, int errnum, roi_error *err);

/* Closes and removes the temporary file. Safe on a zeroed or finished af. */
void roi_atomic_abort(roi_atomic_file *af);

/* ---- batches: every report of a run, or none ------------------------------------------ */

/*
 * Starts a batch: until roi_atomic_batch_commit or _abort, roi_atomic_commit fsyncs
 * and queues each report instead of putting it in place. One batch at a time.
 */
void roi_atomic_batch_begin(void);

/*
 * Puts every queued report in place: first the streams are written through (a failure
 * there leaves every file untouched), then the files are renamed over their targets
 * in the order they were committed, and their folders fsynced. A rename that fails
 * after others succeeded cannot be undone: the message says which reports were
 * already replaced, and the remaining temporary files are removed (docs/safety.md).
 * Ends the batch. Errors: ROI_ERR_IO.
 */
roi_status roi_atomic_batch_commit(roi_error *err);

/* Removes every temporary file of the batch (queued or still open) and ends it. Call
 * when no report is being written. Safe without a batch. */
void roi_atomic_batch_abort(void);

/*
 * Removes every temporary file and private directory that exists right now.
 * Async-signal-safe (only unlinkat on a static table): for signal handlers, which
 * then let the signal's default action end the process.
 */
void roi_atomic_remove_temps(void);

#endif
