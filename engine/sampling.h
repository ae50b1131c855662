/*
 * sampling.h - sampling plans: Latin hypercube strata, correlated inputs (Gaussian
 * copula) and per-node overrides, applied while a trial's node values are computed.
 *
 * Responsible for: deciding, for each uncertain input of a graph, the uniform u its
 * value is drawn from (by inverse CDF), when that u is not the plain stream draw
 * roi_rng_uniform(key, trial, 0):
 *   - Latin hypercube (ROI_SAMPLING_LHS): for a run of N trials, input j in trial i
 *     uses u = (pi_j(i) + v) / N, where v = roi_rng_uniform(key_j, i, 0) and pi_j is a
 *     permutation of [0, N) keyed by the input's stream key (a cycle-walking Feistel
 *     network: a bijection computed on the fly, no table). So each of the N strata of
 *     every input holds exactly one trial, deterministically, whatever the threads.
 *   - Correlation: the inputs named in the model's correlations get
 *     u' = Phi((L z)_j) with z_j = Phi^-1(u_j) and L the Cholesky factor of the normal
 *     correlation matrix rho = 2 sin(pi r / 6) derived from the requested rank
 *     correlations r. Each marginal is unchanged; the ranks are correlated.
 *   - Overrides: one node's value is replaced by x, shifted by x or scaled by x (goal
 *     seeks and sweeps, search.h).
 *   - Bands: one input restricted to a percentile band [low, high] of its distribution
 *     (stress tests, analysis.h): drawn by inverse CDF of the same uniform from its
 *     distribution conditioned on lying between its quantiles at low and high. The plan
 *     holds that conditioned distribution itself, so the model is never changed.
 * The default path (plain Monte Carlo, no correlations, no overrides) does not use
 * this module at all: roi_graph_eval is bit-identical to what it always was.
 * Not responsible for running trials (sim.h) or for the search itself (search.h).
 */
#ifndef ROI_SAMPLING_H
#define ROI_SAMPLING_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "graph.h"
#include "model.h"
#include "roi_error.h"

typedef enum roi_sampling_mode {
    ROI_SAMPLING_MC = 0,  /* independent draws per trial (the default) */
    ROI_SAMPLING_LHS = 1  /* Latin hypercube over the run's trials */
} roi_sampling_mode;

/* At most this many inputs may take part in correlations. */
#define ROI_MAX_CORRELATED 64

/* One node whose value is set, shifted or scaled. */
typedef struct roi_override {
    int node;             /* graph node index */
    roi_override_mode mode;
    double x;
} roi_override;

/*
 * One uncertain input restricted to the percentile band [low, high] of its
 * distribution D: its value in trial i is the quantile at its usual uniform of D
 * conditioned on [Q(low), Q(high)]. A continuous D is truncated there
 * (roi_dist_truncate; a level of 0 or 1 sets no bound, so the far tail stays exact);
 * a discrete or Bernoulli D keeps the outcomes inside the band, with their relative
 * probabilities. A fixed input cannot be restricted.
 */
typedef struct roi_input_band {
    int node;             /* graph node index of an uncertain input */
    double low, high;     /* percentile levels, 0 <= low < high <= 1 */
    const char *path;     /* names the band in error messages (borrowed; may be NULL) */
} roi_input_band;

/* What a plan does besides plain Monte Carlo (zero-initialised: nothing). */
typedef struct roi_sampling_spec {
    roi_sampling_mode mode;
    size_t trials;                    /* the run's N (LHS strata) */
    const roi_override *overrides;    /* copied into the plan */
    int n_overrides;
    const roi_input_band *bands;      /* copied into the plan, one per input at most */
    int n_bands;
} roi_sampling_spec;

typedef struct roi_sampling roi_sampling;

/*
 * Builds a plan for graph `g` of model `m` (m supplies the correlations; may be NULL
 * for none) as `spec` says. On success *out is a plan the caller frees with
 * roi_sampling_free; it borrows nothing (a band's conditioned distribution is the
 * plan's own). Errors: ROI_ERR_PARAM (a correlation names an unknown input, or the
 * matrix is not positive definite: the message names the inputs; a band's truncation
 * leaves no probability), ROI_ERR_USAGE (a band on a fixed input, or holding no
 * outcome of a discrete one), ROI_ERR_INTERNAL (an override or band on a node that
 * cannot take it), ROI_ERR_NOMEM.
 */
roi_status roi_sampling_new(const roi_model *m, const roi_graph *g,
                            const roi_sampling_spec *spec, roi_sampling **out,
                            roi_error *err);

void roi_sampling_free(roi_sampling *s);

/*
 * Checks the model's correlations (names, range, positive definiteness) without
 * keeping a plan. Used at load time so `roisim check` reports a bad matrix.
 */
roi_status roi_sampling_check(const roi_model *m, roi_error *err);

/*
 * roi_graph_eval under plan s: same contract (vals receives every node's value for
 * trial `trial`); with nothing but plain Monte Carlo in the plan, the same doubles.
 * Allocates nothing; thread-safe with a per-thread scratch.
 */
void roi_sampling_eval(const roi_sampling *s, const roi_graph *g, const uint64_t *keys,
                       uint64_t trial, double *vals, gsl_rng *scratch);

/*
 * Whether plan s draws every input as plain Monte Carlo does (no Latin hypercube, no
 * correlations, no bands): then its inputs are roi_dist_sample's draws and only its
 * overrides differ, so a caller may draw them itself (in batches) and evaluate with
 * roi_sampling_eval_drawn.
 */
int roi_sampling_plain_draws(const roi_sampling *s);

/*
 * roi_sampling_eval for a plan with plain draws (roi_sampling_plain_draws), with each
 * input node i's draw given in drawn[i] (indexed by node, like vals): the same doubles
 * as roi_sampling_eval. Allocates nothing.
 */
void roi_sampling_eval_drawn(const roi_sampling *s, const roi_graph *g, const double *drawn,
                             double *vals);

/*
 * The value input `node` takes in trial `trial` under plan s: the same number
 * roi_sampling_eval puts in vals[node], without evaluating the rest of the graph (for
 * the post-run analysis, analysis.h). Thread-safe with a per-thread scratch.
 */
double roi_sampling_input(const roi_sampling *s, const roi_graph *g, const uint64_t *keys,
                          int node, uint64_t trial, gsl_rng *scratch);

/*
 * The LHS permutation: pi(i) for i in [0, n), a bijection of [0, n) keyed by `key`.
 * Exposed for tests. n >= 1.
 */
uint64_t roi_sampling_permute(uint64_t key, uint64_t n, uint64_t i);

/* "mc" / "lhs". */
const char *roi_sampling_name(roi_sampling_mode mode);

#endif
