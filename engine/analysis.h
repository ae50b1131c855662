/*
 * analysis.h - what drives the results: analysis of a finished run.
 *
 * Responsible for: after roi_sim_run, from the per-trial outputs and the inputs'
 * per-trial values (recomputed from their counter-based streams, so nothing extra is
 * stored during the run): confidence intervals of every reported percentile and
 * probability; sensitivity of each scalar output to each uncertain input (Spearman
 * rank correlation, contribution to variance, decile swing); a one-at-a-time
 * tornado; tail analysis; conditional views; stress tests (reruns with one input
 * restricted to a percentile band); and the paired comparison of two runs on common
 * random numbers. Every number is the same for any thread count: sums run in trial
 * order, parallel loops only fill per-trial slots. Not responsible for running the
 * model (sim.h), for choosing which runs to compare or keeping the results (results.h),
 * or for presenting them (reports/). Never changes a model.
 *
 * Method notes (docs/analysis.md has the details):
 *  - Percentile CI: the distribution-free 95% interval between order statistics
 *    x(l) and x(u), l, u = n p -/+ 1.96 sqrt(n p (1 - p)); se = (x(u) - x(l)) / 3.92.
 *  - Probability se: sqrt(p (1 - p) / n).
 *  - Spearman: Pearson correlation of mid-ranks (ties share their mean rank).
 *  - Contribution to variance: rho^2 / sum of rho^2 over inputs, signed as rho.
 *  - Decile swing: mean output where the input is <= its sample p10 versus >= its
 *    p90; for a two-valued input the groups are its two values.
 */
#ifndef ROI_ANALYSIS_H
#define ROI_ANALYSIS_H

#include <stddef.h>

#include "model.h"
#include "sim.h"
#include "stats.h"

/* ---- uncertainty of a summary ------------------------------------------------------- */

typedef struct roi_summary_ci {
    double pct_lo[ROI_NPCT], pct_hi[ROI_NPCT]; /* 95% CI of each percentile */
    double pct_se[ROI_NPCT];                   /* (hi - lo) / 3.92 */
    double prob_positive_se;                   /* binomial */
    double cvar5_se;                           /* sd of the tail values / sqrt(count) */
} roi_summary_ci;

/*
 * Fills ci from the defined values sorted ascending (sorted[0..n-1], as
 * roi_stats_summarize leaves them in its work buffer) and their summary s.
 * n == 0 gives NaN everywhere.
 */
void roi_summary_ci_sorted(const double *sorted, size_t n, const roi_summary *s,
                           roi_summary_ci *ci);

/* ---- building blocks (exposed for tests) --------------------------------------------- */

/*
 * Mid-ranks of x[0..n-1] (1-based; ties get the mean of their ranks) into rank.
 * x must be finite. Allocates two temporary arrays of n pairs: ROI_ERR_NOMEM.
 */
roi_status roi_ranks(const double *x, size_t n, double *rank);

/* Pearson correlation of x and y (0 when either is constant); fixed-order sums. */
double roi_pearson(const double *x, const double *y, size_t n);

/* Approximate se of a Spearman correlation rho from n pairs: (1 - rho^2) sqrt(1.06/(n-3)). */
double roi_spearman_se(double rho, size_t n);

/* ---- results ---------------------------------------------------------------------------- */

/* Sensitivity of one output to one input. */
typedef struct roi_sens {
    int node;                 /* input node in the model's graph */
    const char *name;         /* borrowed from the graph */
    double rank_corr, rank_corr_se;
    double contribution;      /* share of variance in [-1, 1], signed as rank_corr */
    double low_mean, high_mean;       /* output mean in the input's low / high group */
    double low_share, high_share;     /* share of trials in each group */
    double swing, swing_se;   /* high_mean - low_mean, with its standard error */
} roi_sens;

/* Sensitivity of one output to every input, most important first (|contribution|,
 * then |swing|, then graph order). */
typedef struct roi_sens_output {
    int computed;   /* 0 when the output is undefined in some trial (irr, payback) */
    int n;
    roi_sens *rows; /* owned */
} roi_sens_output;

/* One bar of the tornado: npv with this input alone at its p10 and at its p90,
 * every other input at its median. */
typedef struct roi_tornado_row {
    int node;
    const char *name;          /* borrowed */
    double q10, q90;           /* the input's quantiles (from its distribution); a named
                                * expression's values with the distribution inside it
                                * at its p10 and p90 (graph.h) */
    double at_q10, at_q90;     /* npv */
    double range;              /* |at_q90 - at_q10| */
} roi_tornado_row;

/* For trials in an output's tail: how far each input's values sit from its overall
 * median, in the input's standard deviations. */
typedef struct roi_tail_row {
    int node;
    const char *name;          /* borrowed */
    double median_shift;       /* (tail median - overall median) / sd */
    double mean_shift;         /* (tail mean - overall median) / sd */
} roi_tail_row;

typedef struct roi_tail {
    int upper;                 /* 1: npv > its p90; 0: npv < its p10 */
    double threshold;          /* that percentile */
    size_t count;              /* trials in the tail */
    int n;
    roi_tail_row *rows;        /* owned; largest |median_shift| first, then |mean_shift| */
} roi_tail;

/* Statistics of every output over the trials where a condition holds. */
typedef struct roi_view_result {
    char *name, *where;        /* owned */
    size_t count;              /* trials that satisfy it */
    double share, share_se;
    roi_summary summary[ROI_OUT_COUNT];
    roi_summary_ci ci[ROI_OUT_COUNT];
} roi_view_result;

/* Paired comparison of output `output` between two runs of the same seed and trials:
 * d_i = a_i - b_i. Trials where either is undefined are left out. */
typedef struct roi_paired {
    int done;                  /* 0: not computed */
    const char *other;         /* the reference scenario's name (borrowed) */
    roi_output output;
    size_t n;
    double mean, se;           /* of d */
    double p10, p50, p90;      /* of d */
    double p10_se, p50_se, p90_se;
    double prob_beats, prob_beats_se;   /* P(d > 0) */
    double prob_ties;                   /* P(d == 0) */
} roi_paired;

/* A rerun with one input restricted to a percentile band. */
typedef struct roi_stress_result {
    char *name, *input;        /* owned */
    double low, high;          /* percentile levels */
    double q_low, q_high;      /* the band in the input's units (a named expression: its
                                * distribution's band, turned round when the expression
                                * falls as it rises, and the expression's values there) */
    roi_summary summary[ROI_OUT_COUNT];
    roi_summary_ci ci[ROI_OUT_COUNT];
    double npv_diff_mean, npv_diff_se;  /* paired with the unstressed run */
} roi_stress_result;

/*
 * Sensitivity and tails use the first min(trials, cap) trials, cap =
 * roi_analysis_opts.sens_trials or by default ROI_SENS_MAX_TRIALS, so their memory and
 * time stop growing with the run: at 2^18 trials a rank correlation's se is below
 * 2.1e-3 (roi_spearman_se), finer than any ranking or bar they report, and the JSON
 * gives each se. Everything else (CIs, views, stress, paired) uses every trial.
 */
#define ROI_SENS_MAX_TRIALS ((size_t)1 << 18)

typedef struct roi_analysis {
    roi_summary_ci ci[ROI_OUT_COUNT];        /* of run->summary */
    size_t sens_trials;                      /* trials used by sens and tails */
    roi_sens_output sens[ROI_OUT_COUNT];
    double tornado_base;                     /* npv with every input at its median */
    int n_tornado;
    roi_tornado_row *tornado;                /* owned; largest range first */
    roi_tail tails[2];                       /* [0] npv below p10, [1] above p90 (run's
                                              * percentiles; trials among sens_trials) */
    int n_views;
    roi_view_result *views;                  /* owned */
    int n_stress;
    roi_stress_result *stress;               /* owned */
} roi_analysis;

/* Extra views and stresses for every scenario (from the command line). */
typedef struct roi_analysis_opts {
    const char *const *given;   /* conditions, each a view named by its text */
    int n_given;
    const roi_stress *stress;   /* applied to scenarios that have the input */
    int n_stress;
    int threads;                /* <= 0: all cores */
    size_t sens_trials;         /* cap on the trials of sensitivity and tails (>= 4);
                                 * 0: ROI_SENS_MAX_TRIALS */
} roi_analysis_opts;

/*
 * Whether the extra condition `where` (a --given) applies to m: ROI_OK when it parses
 * against m; else the parse's error in err, with `path` naming it (ROI_ERR_USAGE: it
 * names a value m lacks or fixed, or does not parse). roi_analysis_run skips the
 * extra conditions that do not apply; roi_results_check requires each to apply to
 * some scenario. The one place that decides it.
 */
roi_status roi_analysis_given_check(const roi_model *m, const char *where, const char *path,
                                    roi_error *err);

/* Nonzero when the extra stress s applies to m (m has an uncertain input s->input). */
int roi_analysis_stress_applies(const roi_model *m, const roi_stress *s);

/*
 * Analyses run (of the model run->model, borrowed from the run) into *out, a new
 * analysis the caller frees with roi_analysis_free. Views: the model's, then those of
 * opts->given that apply (roi_analysis_given_check). Stresses: the model's, then those
 * of opts->stress that apply (roi_analysis_stress_applies); each reruns the model with
 * the same seed and trials, the input drawn from its band (sampling.h). opts may be
 * NULL. Errors: ROI_ERR_USAGE (a condition that does not parse, a stress on an unknown
 * input or with a bad band), ROI_ERR_NOMEM, and roi_sim_run's errors; *out is then NULL.
 */
roi_status roi_analysis_run(const roi_run *run, const roi_analysis_opts *opts,
                            roi_analysis **out, roi_error *err);

/*
 * Paired comparison of output o of run a against run b (same seed and trials; the
 * shared inputs then drew the same numbers). Writes *out (other = b's name).
 * Errors: ROI_ERR_USAGE when seeds or trials differ; ROI_ERR_NOMEM.
 */
roi_status roi_analysis_paired(const roi_run *a, const roi_run *b, roi_output o,
                               roi_paired *out, roi_error *err);

/* Frees an analysis and everything it owns. NULL is allowed. */
void roi_analysis_free(roi_analysis *a);

#endif
