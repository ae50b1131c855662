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

typedef struct roi_sampling roi_sampling;

/*
 * Builds a plan for graph `g` of model `m` (m supplies the correlations; may be NULL
 * for none): `mode`, `trials` (the run's N; used by LHS), the overrides (copied).
 * On success *out is a plan the caller frees with roi_sampling_free; it borrows
 * nothing. Errors: ROI_ERR_PARAM (a correlation names an unknown input, or the
 * matrix is not positive definite: the message names the inputs), ROI_ERR_NOMEM.
 */
roi_status roi_sampling_new(const roi_model *m, const roi_graph *g, roi_sampling_mode mode,
                            size_t trials, const roi_override *overrides, int n_overrides,
                            roi_sampling **out, roi_error *err);

void roi_sampling_free(roi_sampling *s);

/*
 * Checks the model's correlations (names, range, positive definiteness) without
 * keeping a plan. Used at load time so `roisim check` reports a bad matrix.
 */
roi_status roi_sampling_check(const roi_model *m, roi_error *err);

/*
 * roi_graph_eval under plan s: same contract (vals receives every node's value for
 * trial `trial`). Allocates nothing; thread-safe with a per-thread scratch.
 */
void roi_sampling_eval(const roi_sampling *s, const roi_graph *g, const uint64_t *keys,
                       uint64_t trial, double *vals, gsl_rng *scratch);

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
