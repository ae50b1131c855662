/*
 * decision.h - decisions at a gate and the value of information (MODEL.md 11.2).
 *
 * Responsible for: given the per-trial outputs of two or more options (scenarios of one
 * run, on common random numbers: trial i of every option sees the same inputs) and the
 * per-trial values of the signals (inputs that would be known at the gate), the value
 * of each option, the best option without information (V0), the expected value of
 * perfect information (EVPI), per signal the expected value of partial perfect
 * information (EVPPI, Strong and Oakley's sorted blocks), the best threshold rule
 * ("choose A when x >= t, else B") with its value curve, its in-sample and cross-fitted
 * option values, and the ranking of the signals. Every estimate has a standard error;
 * everything is deterministic (no generator, no thread-dependent order). Works on plain
 * arrays (roi_decision_eval) or on finished runs (roi_decision_run). Not responsible
 * for running the options (results.h does, and calls this) nor for presenting the
 * answer (reports/).
 */
#ifndef ROI_DECISION_H
#define ROI_DECISION_H

#include <stddef.h>

#include "model.h"
#include "roi_error.h"
#include "sim.h"

/* The grid of thresholds a rule is tried at: the signal's distinct values when it has at
 * most this many, else its PERCENTILE.INC at levels 0, 1/(n-1), ..., 1. */
#define ROI_DECISION_GRID 101
/* Disjoint batches of trials (by index) whose spread gives the EVPPI's standard error. */
#define ROI_DECISION_BATCHES 16

/* What one signal is worth, and the best rule on it. */
typedef struct roi_decision_signal {
    char *input;            /* the input's parameter path (owned) */
    int rank;               /* 1: worth most to learn first (by EVPPI, then cross-fitted
                             * option value, then declaration order) */
    double evppi, evppi_se; /* value of learning it alone before choosing; SE by batches */
    int blocks;             /* sorted blocks the EVPPI used (ties never split) */
    /* The best threshold rule between the two options of highest mean: `above` when
     * x >= threshold, else `below` (indices into the options); above == below when no
     * threshold beats always choosing one of them. */
    double threshold;
    double threshold_low, threshold_high; /* thresholds whose value is within 2 paired SE of
                                           * the best: a confidence range for it */
    int above, below;
    double value, value_se;               /* V(t*) and the SE of the per-trial rule values */
    double option_value, option_value_se; /* V(t*) - V0 in sample, paired SE */
    double cross_value, cross_value_se;   /* option value with t* chosen on the other half
                                           * of the trials (even/odd index), paired SE */
    double optimism;                      /* option_value - cross_value */
    int n_curve;
    double *curve_t, *curve_v;            /* V(t) over the grid (owned, n_curve each) with
                                           * curve_above chosen when x >= t, else
                                           * curve_below: the rule's orientation, or with
                                           * no useful threshold the runner-up above */
    int curve_above, curve_below;
} roi_decision_signal;

typedef struct roi_decision_result {
    char *name;             /* the decision's name (owned) */
    char *title;            /* its title, or NULL (owned) */
    char *home;             /* the scenario whose declaration and inputs were used (owned) */
    char *missing;          /* not NULL: not evaluated, this option was not run (owned) */
    roi_output output;
    size_t trials;
    int n_options;
    char **options;         /* scenario names (owned) */
    double *mean, *se;      /* per option: mean output and its SE (owned) */
    double *prob_best;      /* per option: share of trials in which it is best (owned) */
    int best;               /* d0: the option of highest mean */
    double v0;              /* its mean: the value without information */
    double perfect;         /* mean over trials of the best option's output */
    double evpi, evpi_se;   /* perfect - v0, paired SE */
    int n_signals;
    roi_decision_signal *signals; /* in declaration order (owned) */
    int *order;             /* signal indices in rank order (owned) */
    double seconds;         /* wall-clock cost of the evaluation (never part of a result) */
} roi_decision_result;

/* The data of one evaluation (borrowed). */
typedef struct roi_decision_data {
    size_t n;                   /* trials */
    int n_options;              /* >= 2 */
    const char *const *options; /* their names */
    const double *const *y;     /* y[d][i]: the output of option d in trial i (finite) */
    int n_signals;
    const char *const *signals; /* their names */
    const double *const *x;     /* x[s][i]: signal s in trial i (finite) */
} roi_decision_data;

/*
 * Evaluates a decision on plain data into *out (zeroed first; the caller clears it with
 * roi_decision_clear, also after a failure). Errors: ROI_ERR_USAGE (fewer than two
 * options or trials, a value that is not finite: the message names option or signal and
 * trial), ROI_ERR_NOMEM.
 */
roi_status roi_decision_eval(const roi_decision_data *data, roi_decision_result *out,
                             roi_error *err);

/*
 * Evaluates decision spec of runs[home] (which declared it) with runs[0..n_options-1],
 * the runs of its options in spec order (borrowed; same seed and sampling; the first
 * min(trials) trials when their counts differ under plain Monte Carlo). The signals'
 * values are drawn again from runs[home]'s streams, on `threads` threads (<= 0: all).
 * Errors: those of roi_decision_eval; ROI_ERR_USAGE (runs that are not paired: another
 * seed, or Latin hypercube runs of different sizes), ROI_ERR_NOMEM.
 */
roi_status roi_decision_run(const roi_decision_spec *spec, const roi_run *const *runs,
                            int home, int threads, roi_decision_result *out, roi_error *err);

/* Frees what r owns and zeroes it (r itself is not freed). NULL is allowed. */
void roi_decision_clear(roi_decision_result *r);

#endif
