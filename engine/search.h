/*
 * search.h - questions answered by running a model many times: goal seek, sweeps
 * ("data tables") and runs that grow until a target precision is reached.
 *
 * Responsible for: evaluating a statistic of one output (with its Monte Carlo
 * standard error), finding the value of one input at which that statistic reaches a
 * target (Brent's method on common random numbers: every evaluation uses the run's
 * seed, so the statistic is a deterministic function of the input), tabulating it
 * over a grid of one or two inputs, and the --precision loop. Every evaluation is a
 * plain roi_sim_run with one node overridden (sampling.h), so each number here can be
 * reproduced by a run with --set. Not responsible for reports, for the scenario
 * language (the declarations come from the model: model.h's roi_goal_spec and
 * roi_sweep_spec) or for keeping the results (results.h does).
 */
#ifndef ROI_SEARCH_H
#define ROI_SEARCH_H

#include <stddef.h>

#include "model.h"
#include "sim.h"

/*
 * Parses an output name ("npv", ...) and statistic ("mean", "prob_positive",
 * "median", "p1" .. "p99") into *out. ROI_ERR_PARAM with a message naming `path`
 * when either is unknown.
 */
roi_status roi_stat_parse(const char *output, const char *stat, const char *path,
                          roi_stat *out, roi_error *err);

/*
 * The statistic of a finished run and its standard error: the mean's se; for
 * prob_positive sqrt(p(1-p)/n); for a percentile, half the distance between the order
 * statistics at ranks n p -+ sqrt(n p (1-p)) (a distribution-free 68% interval).
 * NaN when the output has no defined value. Errors: ROI_ERR_NOMEM.
 */
roi_status roi_stat_eval(const roi_run *run, const roi_stat *s, double *value, double *se);

/* ---- goal seek -------------------------------------------------------------------------- */

typedef enum roi_goal_status {
    ROI_GOAL_FOUND,          /* root found */
    ROI_GOAL_NOT_BRACKETED,  /* the target is not between the statistic at low and high */
    ROI_GOAL_NOT_CONVERGED   /* the iteration cap was hit; root is the best estimate */
} roi_goal_status;

typedef struct roi_goal_result {
    const roi_goal_spec *spec;   /* borrowed from the model */
    roi_goal_status status;
    size_t trials;               /* per evaluation */
    double root;                 /* the input value (NaN unless found/not converged) */
    double stat_at_root, stat_se;/* statistic there and its standard error */
    double slope;                /* d stat / d input near the root (central difference) */
    double root_se;              /* Monte Carlo uncertainty of root: stat_se / |slope| */
    double stat_low, stat_high;  /* the statistic at spec->low and spec->high */
    int evaluations;             /* runs of the model, including the slope's two */
    char message[512];           /* the explanation when not found; else empty */
} roi_goal_result;

/*
 * Runs goal seek `g` on model m with the run options `base` (seed, sampling, threads;
 * trials replaced by g->trials when nonzero). Fills *res (status NOT_BRACKETED is not
 * an error: res->message explains it). Errors: those of roi_sim_run.
 */
roi_status roi_search_goal(const roi_model *m, const roi_sim_opts *base,
                           const roi_goal_spec *g, roi_goal_result *res, roi_error *err);

/* ---- sweeps ------------------------------------------------------------------------------ */

typedef struct roi_sweep_result {
    const roi_sweep_spec *spec;  /* borrowed from the model */
    size_t trials;               /* per cell */
    int rows, cols;              /* spec->n_values[0], and n_values[1] (1 for one input) */
    double *stat;                /* rows x cols, row-major: input 0 by row (owned) */
    double *se;                  /* the same shape (owned) */
} roi_sweep_result;

/* Runs sweep `s` into *res, whose stat and se arrays the caller frees with
 * roi_search_sweep_free (also after a failure). Errors: those of roi_sim_run,
 * ROI_ERR_NOMEM. */
roi_status roi_search_sweep(const roi_model *m, const roi_sim_opts *base,
                            const roi_sweep_spec *s, roi_sweep_result *res, roi_error *err);

/* Frees res->stat and res->se and clears them. NULL is allowed. */
void roi_search_sweep_free(roi_sweep_result *res);

/* ---- convergence --------------------------------------------------------------------------- */

typedef struct roi_convergence {
    int used;                    /* nonzero when --precision was given */
    double target;               /* REL: se(mean npv) / |mean npv| wanted */
    size_t max_trials;
    size_t trials;               /* the final run's trials */
    double mean, se, rel;        /* of npv in the final run; rel = se / |mean| */
    int reached;                 /* rel <= target */
    int rounds;                  /* runs made */
} roi_convergence;

/*
 * Runs m with opts, then, while se(mean npv) > rel |mean npv| and trials < max_trials,
 * reruns it at a larger whole number of blocks (ROI_BLOCK) predicted from the se:
 * N' = ceil_blocks(1.1 N (rel_now / rel)^2), at least N + N/4, at most max_trials.
 * Every run is a plain roi_sim_run, so the final result equals a plain run with that
 * many trials. *out receives the final run (caller frees with roi_run_free).
 */
roi_status roi_search_precision(const roi_model *m, const roi_sim_opts *opts, double rel,
                                size_t max_trials, roi_run **out, roi_convergence *conv,
                                roi_error *err);

/* ---- everything a model declares ---------------------------------------------------------- */

typedef struct roi_search {
    roi_goal_result *goals;      /* one per m->goals (owned) */
    int n_goals;
    roi_sweep_result *sweeps;    /* one per m->sweeps (owned) */
    int n_sweeps;
} roi_search;

/*
 * Runs every goal seek and sweep the run's model declares, with the run's seed,
 * sampling and trials (opts: threads, limits and the rest), into *out. The caller owns
 * *out and frees it with roi_search_clear, also after a failure (it then holds what was
 * done). Errors: those of roi_search_goal and roi_search_sweep, ROI_ERR_NOMEM.
 */
roi_status roi_search_run_all(const roi_run *run, const roi_sim_opts *opts, roi_search *out,
                              roi_error *err);

/* Frees what s holds and leaves it empty. NULL is allowed. */
void roi_search_clear(roi_search *s);

/* "value", "shift", "scale". */
const char *roi_override_mode_name(roi_override_mode mode);

#endif
