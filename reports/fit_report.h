/*
 * fit_report.h - what `roisim fit` prints and writes.
 *
 * Responsible for: the ranked table of fits (family, parameters, AIC, dAIC, BIC, KS,
 * AD, bootstrap p-value), the skipped families with their reasons, the scenario-
 * language text of the best fits with a provenance comment (file, SHA-256, n, family,
 * runner-up and AIC difference), and the JSON document
 * {file, sha256, n, column, ..., fits: [{family, params, se, loglik, aic, daic, bic,
 * ks, ad, p_value, replicates, lua}], skipped: [{family, reason}], best}
 * with every number written so that it reads back as the same double.
 * Not responsible for fitting (fit.h) or for reading the data file (cli/fit.c).
 */
#ifndef ROI_FIT_REPORT_H
#define ROI_FIT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "fit.h"
#include "roi_error.h"

/* Where the data came from (strings borrowed). */
typedef struct roi_fit_source {
    const char *file;   /* the data file as the user named it */
    const char *column; /* the column fitted (its header, or "column N") */
    size_t n_empty;     /* empty cells skipped */
    char sha256[65];    /* lowercase hex digest of the bytes read */
} roi_fit_source;

/* Fills src: borrows file and column, hashes bytes[0..len-1]. */
void roi_report_fit_source(roi_fit_source *src, const char *file, const char *column,
                           size_t n_empty, const void *bytes, size_t len);

/* How many of the best fits get their scenario text printed: the best, and those
 * within this AIC difference of it, at most ROI_FIT_REPORT_LUA_MAX. */
#define ROI_FIT_REPORT_LUA_DAIC 10.0
#define ROI_FIT_REPORT_LUA_MAX 3

/*
 * Prints the report to out: a header line, the ranked table, the skipped families,
 * then the scenario text of the best fits, each under its provenance comment.
 * Numbers in the C locale. Borrows everything. Errors: ROI_ERR_IO when writing fails.
 */
roi_status roi_report_fit_text(FILE *out, const roi_fit_source *src, const roi_fit_result *res,
                               roi_error *err);

/*
 * Writes the JSON document to path ("-": standard output), replacing an earlier file
 * only once the new one is complete. Borrows everything. Errors: ROI_ERR_IO (the
 * message names the path), ROI_ERR_NOMEM.
 */
roi_status roi_report_fit_json(const char *path, const roi_fit_source *src,
                               const roi_fit_result *res, roi_error *err);

/*
 * The scenario-language line for fit f: "<name> = <expression>", name being the column
 * made a Lua identifier ("cost, k$" -> "cost_k"; "value" when nothing is left).
 * Writes at most size bytes; returns what snprintf returns.
 */
int roi_report_fit_lua_line(const roi_fit_source *src, const roi_fit *f, char *buf, size_t size);

#endif
