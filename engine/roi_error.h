/*
 * roi_error.h - status codes and the error context every fallible engine call fills.
 *
 * Responsible for: one status enum for the whole program, its strerror, and a small
 * error record that carries the parameter path and a message. Not responsible for
 * printing: callers decide where a message goes (the CLI prints it once, in main).
 */
#ifndef ROI_ERROR_H
#define ROI_ERROR_H

#include <stddef.h>

typedef enum roi_status {
    ROI_OK = 0,        /* success */
    ROI_ERR_PARAM,     /* a model parameter is invalid (path and value in the message) */
    ROI_ERR_SCENARIO,  /* a scenario file failed to load or is inconsistent */
    ROI_ERR_USAGE,     /* a command-line usage error */
    ROI_ERR_NOMEM,     /* an allocation failed or a configured limit was exceeded */
    ROI_ERR_IO,        /* a file could not be read or written */
    ROI_ERR_NUMERIC,   /* a trial produced a non-finite value where none is allowed */
    ROI_ERR_INTERNAL   /* a broken invariant: a bug in roisim */
} roi_status;

/* Error context: the caller owns it (usually on its stack) and passes it down. */
typedef struct roi_error {
    roi_status status;
    char path[256];  /* parameter path, e.g. "facebook.adoption.p"; may be empty */
    char msg[768];   /* full message, already prefixed with the path when there is one */
} roi_error;

/* Returns a static, human-readable description of a status. */
const char *roi_strerror(roi_status status);

/* Clears an error context (status ROI_OK, empty strings). NULL is allowed. */
void roi_error_clear(roi_error *err);

/*
 * Records an error and returns `status`, so callers can write
 * `return roi_error_set(err, ROI_ERR_PARAM, path, "must be > 0, got %g", v);`.
 * The message becomes "path: <formatted>" when path is non-empty. err may be NULL.
 */
roi_status roi_error_set(roi_error *err, roi_status status, const char *path,
                         const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
