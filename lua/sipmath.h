/*
 * sipmath.h - reading one SIP of a SIPmath 3.0 library, for a scenario input.
 *
 * Responsible for: resolving the library a scenario names (a file in the scenario's
 * own folder, as `extends` resolves: no absolute paths, no "..", no symbolic link
 * leading out), reading it (read only, at most ROI_SIPMATH_MAX_BYTES), and checking
 * what it says about the SIP asked for as hostile input: a "Metalog_1_0" SIP with 2
 * to 16 finite aCoefficients, finite bounds in order, a feasible quantile function,
 * and a `ref` to a "HDR_2_0" entry of U01.rng with counter "PM_Index" and whole
 * arguments from 0 to 2^53. Every message names the library and the SIP.
 * A SIP drawn through a Gaussian copula (ref {source = "copula", name, copulaLayer})
 * gets its layer's row of the Cholesky factor of the copula's correlation matrix (a
 * globalVariables entry {columns, rows, matrix: [{row, col, value}]}, its i-th row
 * and column the copula's i-th layer and rng stream), which must be symmetric with a
 * unit diagonal and positive definite.
 * Not responsible for sampling (dist.h: ROI_DIST_METALOG).
 */
#ifndef ROI_LUA_SIPMATH_H
#define ROI_LUA_SIPMATH_H

#include "hdr.h"
#include "metalog.h"
#include "roi_error.h"

#define ROI_SIPMATH_MAX_BYTES (64u << 20)

/* What a SIP says: its metalog and the HDR streams behind its uniform. */
typedef struct roi_sipmath_sip {
    roi_metalog metalog;
    int n;        /* streams: 1 without a copula */
    roi_hdr *hdr; /* n streams (owned) */
    double *w;    /* with a copula: the n weights of its Cholesky row (owned); else NULL */
} roi_sipmath_sip;

/* Releases what roi_sipmath_read allocated in s (not s); NULL allowed. */
void roi_sipmath_sip_free(roi_sipmath_sip *s);

/* The most streams a copula may join. */
#define ROI_SIPMATH_MAX_COPULA 1000

/*
 * The SIP named `sip` of the library `library`, named by the scenario file `from`
 * (the library is looked up beside it). Fills *out (free with roi_sipmath_sip_free,
 * also on failure), and *path (caller frees)
 * with the library's path as opened, for the model's list of files read. Errors:
 * ROI_ERR_SCENARIO with "library 'x': ..." (not found, outside the folder, not JSON,
 * no such SIP (the message lists a few), a field missing or of the wrong type),
 * ROI_ERR_NOMEM.
 */
roi_status roi_sipmath_read(const char *from, const char *library, const char *sip,
                            roi_sipmath_sip *out, char **path, roi_error *err);

#endif
