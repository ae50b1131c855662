/*
 * results.h - a run's results, and the pipeline that makes them.
 *
 * Responsible for: running loaded models through the whole pipeline and owning what it
 * produces. For each scenario in turn: its run (plain, or grown until a target precision
 * of mean npv), the goal seeks and sweeps it declares, and its analysis (with the extra
 * views and stress tests asked for); then the paired comparison of every analysed
 * scenario with the reference one. The extra views and stresses are checked against all
 * the scenarios before anything runs. Also the statistics of a run that only the reports
 * need (npv's histogram and S-curve, the median payback quarter). Sits above sim.h,
 * search.h and analysis.h, which know nothing of it; never changes a model.
 * Not responsible for loading scenarios (lua/) or presenting results (reports/).
 */
#ifndef ROI_RESULTS_H
#define ROI_RESULTS_H

#include <stddef.h>

#include "analysis.h"
#include "decision.h"
#include "search.h"
#include "sim.h"

/* What one scenario produced. Everything is owned by the roi_results holding it. */
typedef struct roi_scenario_results {
    roi_run *run;                  /* the run; run->model is the scenario (borrowed) */
    roi_convergence convergence;   /* of the precision loop (.used == 0 without one) */
    roi_search search;             /* its goal seeks and sweeps (empty when none) */
    roi_analysis *analysis;        /* NULL when not analysed */
    roi_paired paired;             /* npv versus the reference (.done == 0: not compared) */
} roi_scenario_results;

/* Wall-clock seconds of the pipeline's phases over every scenario (for --timings;
 * never part of a result). */
typedef struct roi_timings {
    double simulation;   /* pilots and parallel passes of the runs */
    double statistics;   /* their reductions and summaries */
    double search;       /* goal seeks and sweeps */
    double analysis;     /* analyses and paired comparisons */
    double decisions;    /* the decisions' evaluations */
} roi_timings;

typedef struct roi_results {
    int n;                         /* scenarios, in the order given */
    roi_scenario_results *sc;      /* n of them (owned) */
    int reference;                 /* index of the comparisons' reference; -1: none */
    /* The decisions (decision.h), each evaluated once: from the first scenario in run
     * order that declares it and is one of its options, in the order first met. One whose
     * options were not all run has .missing set and nothing else. */
    int n_decisions;
    roi_decision_result *decisions; /* owned */
    roi_timings seconds;
} roi_results;

/* Progress of the scenario being run: its index in the models given, its name, and the
 * trials done of its current run out of total. Called from the calling thread only. */
typedef void (*roi_results_progress)(void *ud, int scenario, const char *name, size_t done,
                                     size_t total);

/* The phase of the run after a scenario's trials, named for a reader ("goal seeks",
 * "goal seeks, 20000 trials each" when they differ from the run's, "analysis"); scenario -1 and name NULL: of the
 * whole run ("comparisons", "decisions"). Called from the calling thread only, with
 * progress_ud; the progress calls of a phase's own runs (goal seeks) follow it. */
typedef void (*roi_results_phase)(void *ud, int scenario, const char *name, const char *phase);

typedef struct roi_results_opts {
    /* Seed, trials, threads, sampling and limits of every run (its progress fields are
     * not used: see progress below). */
    roi_sim_opts sim;
    /* > 0: each scenario's trials grow until se(mean npv) <= precision |mean npv|, up to
     * max_trials (roi_search_precision); 0: one run of sim.trials. */
    double precision;
    size_t max_trials;
    int no_analysis;               /* nonzero: no analysis, views, stresses, comparisons */
    /* The extra views (--given) and stresses (--stress) for every scenario they apply
     * to, and the sensitivity cap; threads <= 0: sim.threads. */
    roi_analysis_opts analysis;
    const char *compare;           /* its name; NULL: "base" if run, else the first of several */
    roi_results_progress progress; /* NULL: none */
    roi_results_phase phase;       /* NULL: none */
    void *progress_ud;
} roi_results_opts;

/*
 * Checks that every extra condition in extra->given applies to (parses against) at
 * least one of the n models, and every extra stress has its input in at least one.
 * Errors: ROI_ERR_USAGE naming the option as the command line spells it ("--given: ...",
 * the first model's parse error; "--stress: no scenario has an input named ...").
 */
roi_status roi_results_check(const roi_model *const *models, int n,
                             const roi_analysis_opts *extra, roi_error *err);

/*
 * Runs the pipeline (see the top of this file) over models[0..n-1], which must outlive
 * the results, and on success sets *out to new results the caller frees with
 * roi_results_free. The first failure stops it: *out is then NULL, and err says which
 * scenario and what (the errors of roi_results_check, roi_sim_run,
 * roi_search_precision, roi_search_run_all, roi_analysis_run, roi_analysis_paired and
 * roi_decision_run; ROI_ERR_USAGE "--compare: no scenario named ... was run" when
 * opts->compare names no scenario; ROI_ERR_NOMEM).
 */
roi_status roi_results_run(const roi_model *const *models, int n,
                           const roi_results_opts *opts, roi_results **out, roi_error *err);

/* Frees the results and everything they own (runs, searches, analyses). NULL is
 * allowed. The models stay the caller's. */
void roi_results_free(roi_results *r);

/* ---- statistics for the reports ---------------------------------------------------------- */

#define ROI_SCURVE_POINTS 43
/* The S-curve's cumulative probabilities: 0.005, 0.01, 0.025 .. 0.975 by 0.025, 0.99,
 * 0.995. */
extern const double roi_scurve_levels[ROI_SCURVE_POINTS];

/* The distribution of one output over a run's trials, as the charts show it. */
typedef struct roi_distribution {
    size_t n;                          /* trials where it is defined */
    roi_histogram hist;                /* their histogram (hist.bins == 0 when n == 0) */
    double scurve[ROI_SCURVE_POINTS];  /* PERCENTILE.INC at roi_scurve_levels (NaN: n == 0) */
} roi_distribution;

/*
 * The distribution of output k over the trials of run, from its stored values
 * (roi_run_value), into *out. Borrows run. Errors: ROI_ERR_NOMEM (a copy of the values
 * is sorted).
 */
roi_status roi_results_distribution(const roi_run *run, roi_output k, roi_distribution *out);

/*
 * The histogram of output k over the trials of run on grid's bins (one grid for several
 * runs: roi_stats_histogram_span), into *out. Borrows run. Errors: ROI_ERR_NOMEM.
 */
roi_status roi_results_histogram_on(const roi_run *run, roi_output k, const roi_histogram *grid,
                                    roi_histogram *out);

/*
 * The mean of the highest ceil(0.05 n) of the n defined values of output k over the
 * trials of run (the adverse tail of an output where more is worse, such as spend; the
 * low tail is roi_summary.cvar5), into *out; NaN when none is defined. From the stored
 * values (roi_run_value). Borrows run. Errors: ROI_ERR_NOMEM (they are copied and sorted).
 */
roi_status roi_results_upper_tail_mean(const roi_run *run, roi_output k, double *out);

/*
 * The median payback quarter over all trials of run, counting a trial that never pays
 * back as beyond the horizon: *period receives the period index (floor of the
 * PERCENTILE.INC of the defined paybacks at 0.5 / (1 - never_share)), or -1 when at least
 * half the trials never pay back. Borrows run. Errors: ROI_ERR_NOMEM.
 */
roi_status roi_results_median_payback(const roi_run *run, int *period);

#endif
