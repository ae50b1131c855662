/*
 * report.h - results as JSON (cJSON), Excel (libxlsxwriter) and terminal text.
 *
 * Responsible for: turning finished runs into files and text. Files are written to a
 * temporary name in the target directory and renamed into place on success, so a
 * failure never leaves a partial report or damages an earlier one. Numbers are
 * formatted in the C locale; nothing time-dependent goes into the JSON.
 * Not responsible for running anything.
 */
#ifndef ROI_REPORT_H
#define ROI_REPORT_H

#include <stdio.h>

#include "sim.h"

/* What describes the run as a whole (borrowed strings). */
typedef struct roi_report_meta {
    const char *version;   /* roisim version */
    uint64_t seed;
    size_t trials;
    int threads;
    const char *command;   /* the command line as typed, for the workbook */
} roi_report_meta;

/* Writes the JSON contract of README/docs to `path` ("-" for standard output). */
roi_status roi_report_json_write(const roi_run *const *runs, int n,
                                 const roi_report_meta *meta, const char *path,
                                 roi_error *err);

/* Writes the Excel workbook to `path`. */
roi_status roi_report_xlsx_write(const roi_run *const *runs, int n,
                                 const roi_report_meta *meta, const char *path,
                                 roi_error *err);

/*
 * The median payback quarter over all trials of `run`, counting a trial that never
 * pays back as beyond the horizon: *period receives the period index (floor of the
 * PERCENTILE.INC of the defined paybacks at 0.5 / (1 - never_share)), or -1 when at
 * least half the trials never pay back. Borrows run. Errors: ROI_ERR_NOMEM.
 */
roi_status roi_report_median_payback(const roi_run *run, int *period);

/* Prints the summary table (one row per scenario, under 100 columns). */
void roi_report_terminal(FILE *fp, const roi_run *const *runs, int n,
                         const roi_report_meta *meta);

/* The goal seeks, sweeps and convergence notes of the runs (nothing when none);
 * called by roi_report_terminal after the table (issue 4). */
void roi_report_terminal_search(FILE *fp, const roi_run *const *runs, int n);

#endif
