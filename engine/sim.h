/*
 * sim.h - the Monte Carlo runner.
 *
 * Responsible for: running a model for N trials from a seed, in fixed blocks of
 * trials spread over threads, and reducing the results so that the same seed gives
 * the same numbers bit for bit whatever the thread count. Keeps every trial's scalar
 * outputs as floats (for exact percentiles, recovered by recomputing the few trials
 * whose float ties with an order statistic, and for later analysis), streams their
 * moments in double, and streams the per-period
 * series into fixed-size accumulators (mean exact; p10/p50/p90 from histograms whose
 * range comes from a pilot of the first trials; see docs/statistics.md for the error
 * bound). Not responsible for loading scenarios, for what is done with a finished run
 * (search.h, analysis.h, results.h) or for writing reports.
 */
#ifndef ROI_SIM_H
#define ROI_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "part.h"
#include "sampling.h"
#include "stats.h"

#define ROI_DEFAULT_SEED 20260408u  /* fixed: a run is reproducible unless asked */
#define ROI_BLOCK 1024              /* trials per block: the unit of reduction order */

typedef struct roi_sim_opts {
    uint64_t seed;
    size_t trials;      /* >= 1 */
    int threads;        /* <= 0: all cores */
    /* Optional progress callback, called from the calling thread only. */
    void (*progress)(void *ud, size_t done, size_t total);
    void *progress_ud;
    /* How the inputs are drawn (zero-initialised: plain Monte Carlo, nothing changed). */
    roi_sampling_mode sampling;        /* ROI_SAMPLING_MC or ROI_SAMPLING_LHS */
    const roi_override *overrides;     /* nodes set/shifted/scaled (borrowed) */
    int n_overrides;
    const roi_input_band *bands;       /* inputs restricted to percentile bands (borrowed) */
    int n_bands;
    size_t max_bytes;   /* cap on what the run may allocate; 0: ROI_SIM_MAX_BYTES */
    /* Scheduling granularity in trials (0: one block). Rounded up to whole blocks of
     * ROI_BLOCK trials, the fixed reduction unit, so it never changes a result. */
    size_t block_size;
    /* Only the scalar outputs and their summaries (for goal seeks and sweeps, which
     * read nothing else): no pilot, no per-period accumulators; the run's bands,
     * inputs' statistics and milestone_prob are NaN. The outputs are the same bits. */
    int outputs_only;
    /* The run spread over ranks (borrowed; NULL: this process runs every block): this
     * rank runs its blocks (roi_part_blocks) and receives the others', so every rank
     * ends with the run one process makes, the same bits. Every rank must call
     * roi_sim_run with the same model and options. */
    roi_part *part;
} roi_sim_opts;

#define ROI_SIM_MAX_BYTES ((size_t)4 << 30) /* default cap: 4 GiB */

/*
 * Bytes a run of `trials` trials of m keeps after it returns (its per-trial outputs);
 * saturates at SIZE_MAX.
 */
size_t roi_sim_bytes(const roi_model *m, size_t trials);

/*
 * An upper bound of the bytes a run of `trials` trials of m on `threads` threads
 * allocates while it runs and frees before it returns (per-block sums, per-thread
 * histograms and workspaces); saturates at SIZE_MAX.
 */
size_t roi_sim_work_bytes(const roi_model *m, size_t trials, int threads);

/* Mean and band of one series at one period. */
typedef struct roi_band {
    double mean, p10, p50, p90;
} roi_band;

/* Sampled statistics of one uncertain input (an ROI_NODE_INPUT of the graph). */
typedef struct roi_input_stats {
    int node;            /* node index in the model's graph */
    double mean, p5, p95;
} roi_input_stats;

typedef struct roi_run {
    const roi_model *model;    /* borrowed: must outlive the run */
    uint64_t seed;
    size_t trials;
    /* Per-trial outputs, trial order (owned), as roi_stats_to_float rounds them: the
     * float's order and sign are the double's. exact[i] has bit k set when out[k][i]
     * is output k of trial i exactly. Their storage type is sim.c's: read them through
     * roi_run_value and roi_run_defined. The summaries are exact all the same; for
     * exact per-trial values rerun the trial (roi_rerun_*). */
    float *out[ROI_OUT_COUNT];
    uint16_t *exact;           /* one bit per output: ROI_OUT_COUNT <= 16 */
    roi_summary summary[ROI_OUT_COUNT];
    int n_series, periods;
    roi_band *bands;                   /* n_series x periods, series-major (owned) */
    double *milestone_prob;            /* one per model milestone (owned) */
    int n_inputs;
    roi_input_stats *inputs;           /* one per graph input, graph order (owned) */
    roi_sampling_mode sampling;        /* how the inputs were sampled */
    /* Wall-clock seconds of the phases (for --timings; never part of a result). */
    double seconds_simulation;         /* pilot and the parallel pass */
    double seconds_statistics;         /* reduction, bands and output summaries */
    /* What recomputing a trial needs (owned; NULL for a run not made by roi_sim_run):
     * the graph's stream keys and the sampling plan (NULL: plain Monte Carlo). */
    uint64_t *keys;
    roi_sampling *plan;
    /* The partition the run was spread over (borrowed from its options; NULL: none):
     * the runs made from this one (an analysis' stress tests) spread over it too. */
    roi_part *part;
} roi_run;

/*
 * Runs the model. On success *out is a new run the caller frees with roi_run_free; m is
 * borrowed and never changed. Errors: ROI_ERR_USAGE (trials == 0, or a run larger than
 * opts->max_bytes), ROI_ERR_NOMEM, ROI_ERR_NUMERIC (a trial gave a non-finite output
 * that must be finite: the message names scenario, trial and seed), and the errors of
 * roi_sampling_new (a correlation matrix that is not positive definite, a bad band).
 */
roi_status roi_sim_run(const roi_model *m, const roi_sim_opts *opts, roi_run **out,
                       roi_error *err);

/* Frees a run and everything it owns. NULL is allowed. */
void roi_run_free(roi_run *run);

/* Output k of trial i as the run stores it (NaN: undefined); i < run->trials. Rounded
 * to a float by roi_stats_to_float: its order and sign are the exact value's. */
static inline double roi_run_value(const roi_run *run, roi_output k, size_t i)
{
    return (double)run->out[k][i];
}

/* The number of trials in which output k is defined. */
size_t roi_run_defined(const roi_run *run, roi_output k);

/*
 * Recomputing trials of a finished run. A trial's draws depend only on the seed, the
 * inputs' names, its index and the run's sampling plan, which the run keeps, so a
 * rerun gives the same doubles as the run did (the engine never changes a loaded model).
 */
typedef struct roi_rerun roi_rerun;

/* A context for rerunning trials of run (borrowed: must outlive it), one per thread.
 * Errors: ROI_ERR_USAGE (a run that cannot be rerun), ROI_ERR_NOMEM. */
roi_status roi_rerun_new(const roi_run *run, roi_rerun **out);

/* Recomputes trial i: its scalar outputs into out (as the run computed them). */
void roi_rerun_trial(roi_rerun *r, size_t i, double out[ROI_OUT_COUNT]);

/* The graph's node values of the trial last rerun (borrowed from r). */
const double *roi_rerun_values(const roi_rerun *r);

void roi_rerun_free(roi_rerun *r);

/*
 * The exact ranks[j]-th smallest defined values of output k (0-based, each below
 * the number of defined values) into values[j], n_ranks <= ROI_MAX_ORDER_STATS; and
 * PERCENTILE.INC of its defined values at level p in [0, 1]. Both read the floats and
 * rerun only the trials tied with the wanted order statistics (stats.h).
 */
roi_status roi_run_order_stats(const roi_run *run, roi_output k, const size_t *ranks,
                               int n_ranks, double *values);
roi_status roi_run_percentile(const roi_run *run, roi_output k, double p, double *value);

#endif
