/*
 * roi_error.h - status codes, the error context every fallible engine call fills, the
 * macros that propagate them, and the engine's one-time initialisation.
 *
 * Responsible for: one status enum for the whole program, its strerror, a small error
 * record that carries the parameter path and a message, the ROI_TRY / ROI_CHECK
 * propagation macros, and roi_engine_init (GSL reports errors by status, never by
 * aborting the process). Not responsible for printing: callers decide where a message
 * goes (the CLI prints it once, in main).
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

/* ---- propagation -------------------------------------------------------------------
 *
 * Small macros in the manner of libxlsxwriter's common.h, so a fallible call reads as
 * one line and every function keeps its single cleanup label:
 *   ROI_TRY(roi_x(...));                         return the status when not ROI_OK
 *   ROI_TRY_GOTO(st, roi_x(...), cleanup);       st = the status; jump when not ROI_OK
 *   ROI_CHECK_MEM(p, err);                       p == NULL: return ROI_ERR_NOMEM
 *   ROI_CHECK_MEM_GOTO(p, st, err, cleanup);     p == NULL: st = ROI_ERR_NOMEM; jump
 * The _MEM forms record "out of memory" in err (which may be NULL). The status a call
 * returns has already been recorded in err by the callee, so ROI_TRY adds nothing.
 */

#define ROI_TRY(call)                                                                   \
    do {                                                                                \
        roi_status roi_try_st_ = (call);                                                \
        if (roi_try_st_ != ROI_OK)                                                      \
            return roi_try_st_;                                                         \
    } while (0)

#define ROI_TRY_GOTO(st, call, label)                                                   \
    do {                                                                                \
        if (((st) = (call)) != ROI_OK)                                                  \
            goto label;                                                                 \
    } while (0)

#define ROI_CHECK_MEM(ptr, err)                                                         \
    do {                                                                                \
        if (!(ptr))                                                                     \
            return roi_error_set((err), ROI_ERR_NOMEM, "", "out of memory");            \
    } while (0)

#define ROI_CHECK_MEM_GOTO(ptr, st, err, label)                                         \
    do {                                                                                \
        if (!(ptr)) {                                                                   \
            (st) = roi_error_set((err), ROI_ERR_NOMEM, "", "out of memory");            \
            goto label;                                                                 \
        }                                                                               \
    } while (0)

/* ---- initialisation -------------------------------------------------------------------- */

/*
 * The engine's process-wide set-up, done once however often and from however many
 * threads it is called: switches GSL's default error handler (which aborts the process)
 * off, so every GSL failure comes back as a status the engine checks. Every engine
 * entry that can reach GSL calls it first (roi_model_new, roi_sampling_new and
 * roi_sampling_check, roi_sim_run, roi_search_goal, roi_analysis_run, roi_results_run),
 * so no caller can forget; a caller that uses roi_dist_* on its own, without a model,
 * calls it itself. It replaces any GSL error handler installed before the first call.
 */
void roi_engine_init(void);

/* ---- initialisation -------------------------------------------------------------------- */

/*
 * The engine's process-wide set-up, done once however often and from however many
 * threads it is called: switches GSL's default error handler (which aborts the process)
 * off, so every GSL failure comes back as a status the engine checks. Every engine
 * entry that can reach GSL calls it first (roi_model_new, roi_sampling_new and
 * roi_sampling_check, roi_sim_run, roi_search_goal, roi_analysis_run, roi_results_run),
 * so no caller can forget; a caller that uses roi_dist_* on its own, without a model,
 * calls it itself. It replaces any GSL error handler installed before the first call.
 */
void roi_engine_init(void);

#endif
