/*
 * cli_fit.h - the `roisim fit` command.
 *
 * Responsible for: reading the data file (all of it, once: the bytes that are parsed
 * are the bytes that are hashed), picking the column, running the fits and handing
 * them to the report. Not responsible for option parsing (options.c) or for the fitting
 * itself (fit.h) or its output (fit_report.h).
 */
#ifndef ROI_CLI_FIT_H
#define ROI_CLI_FIT_H

#include <stdint.h>
#include <stdio.h>

#include "roi_error.h"

/* The command's options (strings borrowed). Start from roi_cli_fit_opts_init. */
typedef struct roi_cli_fit_opts {
    const char *column;   /* --column NAME or number; NULL: the first numeric column */
    const char *families; /* --families LIST ("lognormal,gamma", "all"); NULL: all */
    const char *json;     /* --json FILE, "-" for standard output; NULL: none */
    size_t bootstrap;     /* --bootstrap N replicates (default 200); 0: no p-values */
    uint64_t seed;        /* --seed N of the bootstrap (default ROI_FIT_SEED_DEFAULT) */
    int threads;          /* --threads N; 0: all cores (the results do not change) */
    int quiet;            /* --quiet: no table (the JSON is still written) */
} roi_cli_fit_opts;

/* The defaults: every family, 200 replicates, the default seed, all threads. */
void roi_cli_fit_opts_init(roi_cli_fit_opts *o);

/*
 * `roisim fit FILE`: reads FILE (CSV), fits, prints the report to `out` (to stderr
 * instead when the JSON goes to standard output, as `run` does), and writes the JSON
 * when asked. Errors: ROI_ERR_USAGE (a bad --families list, a FILE of "-"),
 * ROI_ERR_IO (the file cannot be read, the report cannot be written), ROI_ERR_PARAM
 * (bad data: the message names the file and the row), ROI_ERR_NOMEM. The message is
 * in err for main to print once.
 */
roi_status roi_cli_fit(const char *file, const roi_cli_fit_opts *o, FILE *out, roi_error *err);

#endif
