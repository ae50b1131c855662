/* roi_error.c - status strings, the error context and the engine's initialisation. */
#include "roi_error.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

const char *roi_strerror(roi_status status)
{
    switch (status) {
    case ROI_OK: return "success";
    case ROI_ERR_PARAM: return "invalid parameter";
    case ROI_ERR_SCENARIO: return "scenario error";
    case ROI_ERR_USAGE: return "usage error";
    case ROI_ERR_NOMEM: return "out of memory or over a limit";
    case ROI_ERR_IO: return "input/output error";
    case ROI_ERR_NUMERIC: return "numerical fault";
    case ROI_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

void roi_error_clear(roi_error *err)
{
    if (!err)
        return;
    err->status = ROI_OK;
    err->path[0] = '\0';
    err->msg[0] = '\0';
}

roi_status roi_error_set(roi_error *err, roi_status status, const char *path,
                         const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    size_t off = 0;
    if (err->path[0]) {
        int w = snprintf(err->msg, sizeof err->msg, "%s: ", err->path);
        off = w > 0 ? (size_t)w : 0;
        if (off >= sizeof err->msg)
            off = sizeof err->msg - 1;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + off, sizeof err->msg - off, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- initialisation -------------------------------------------------------------------- */

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void engine_init_once(void)
{
    /* GSL's default handler calls abort(); the engine checks every GSL status instead. */
    gsl_set_error_handler_off();
}

void roi_engine_init(void)
{
    pthread_once(&engine_once, engine_init_once);
}
