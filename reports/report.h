/*
 * report.h - results as JSON (cJSON), Excel (libxlsxwriter) and terminal text.
 *
 * Responsible for: turning results (results.h: every scenario's run, goal seeks,
 * sweeps, analysis and comparison) into files and text. Files are written to a
 * temporary name in the target directory and renamed into place on success, so a
 * failure never leaves a partial report or damages an earlier one. Numbers are
 * formatted in the C locale; nothing time-dependent goes into the JSON. Every number
 * comes from the engine: a run's summaries and accessors, or results.h's statistics.
 * Not responsible for running or computing anything. Every function borrows the
 * results.
 */
#ifndef ROI_REPORT_H
#define ROI_REPORT_H

#include <stdio.h>

#include "results.h"

/* What describes the run as a whole (borrowed strings). */
typedef struct roi_report_meta {
    const char *version;   /* roisim version */
    uint64_t seed;
    size_t trials;
    int threads;
    const char *command;   /* the command line as typed, for the workbook */
    /* When the report was made, in seconds since 1970-01-01 UTC (the CLI takes the
     * clock, or --date); 0: not recorded, so the workbook is byte-identical run to
     * run (--reproducible, and every zero-initialised meta). */
    int64_t created;
} roi_report_meta;

/* Writes the JSON contract of README/docs to `path` ("-" for standard output). */
roi_status roi_report_json_write(const roi_results *res, const roi_report_meta *meta,
                                 const char *path, roi_error *err);

/*
 * Writes the Excel workbook to `path` (sheets Summary, Drivers, Compare, Goals, one
 * per scenario, Inputs, Series, Run; docs/report.md). Borrows everything. Errors: ROI_ERR_IO (the message
 * names the path; an earlier file at `path` is left untouched), ROI_ERR_NOMEM.
 */
roi_status roi_report_xlsx_write(const roi_results *res, const roi_report_meta *meta,
                                 const char *path, roi_error *err);

/*
 * The Excel sheet name for a scenario named `scenario`: forbidden characters
 * ([]:*?/\, apostrophes, control characters) become '_', at most 31 characters
 * (UTF-8 aware), and different (case-insensitively) from the n_taken names in
 * `taken` by a "~2", "~3", ... suffix. Writes out (32 bytes). Returns 0, or -1 when
 * no unique name was found. Borrows everything.
 */
int roi_report_sheet_name(const char *scenario, const char *const *taken, int n_taken,
                          char out[32]);

/*
 * Writes every trial's scalar outputs and sampled inputs as CSV to `path`: one row per
 * (scenario, trial), columns scenario, trial, the outputs (roi_output_name order),
 * then the union of the scenarios' input names in order of first appearance (empty
 * where a scenario has no such input, or an output is undefined). Inputs are
 * recomputed from the runs' seed trial by trial, so nothing is held in memory twice.
 * Numbers use %.17g (they read back as the same doubles). Borrows everything.
 * Errors: ROI_ERR_IO (path named; an earlier file is left untouched), ROI_ERR_NOMEM.
 */
roi_status roi_report_trials_csv_write(const roi_results *res, const char *path,
                                       roi_error *err);

/* Prints the summary table (one row per scenario), then what drives npv, the
 * comparisons, views and stress tests, then roi_report_terminal_search; every line
 * within 80 columns, every number shown as numfmt.h shows it. */
void roi_report_terminal(FILE *fp, const roi_results *res, const roi_report_meta *meta);

/* The goal seeks, sweeps and convergence notes of the results (nothing when none). */
void roi_report_terminal_search(FILE *fp, const roi_results *res);

/* The decisions (engine/decision.h): per decision its options, EVPI, signals in rank order
 * with their rules, and the answer in words (reports/terminal_decisions.c). */
void roi_report_terminal_decisions(FILE *fp, const roi_results *res);

#endif
