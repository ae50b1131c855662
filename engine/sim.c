/*
 * sim.c - the Monte Carlo runner (see sim.h and docs/statistics.md).
 *
 * Determinism: every trial draws from counter-based streams indexed by its trial
 * number, so its values do not depend on the thread that ran it. Each per-trial
 * output goes to its own slot. Sums are formed per block of ROI_BLOCK trials (a
 * plain loop in trial order) and the block sums are added in block order after the
 * parallel region; histogram counts, milestone counts, minima and maxima are
 * order-independent. So every reported double is the same for any thread count.
 *
 * Scalar outputs: each block's outputs are held as doubles in a per-thread buffer
 * while the block runs; then their moments (roi_moments) are formed in trial order and
 * they are stored as floats. Summaries merge the moments in block order and select
 * order statistics on the floats, rerunning the trials tied with them (stats.h).
 *
 * Cells: the per-period series (series-major, n_series x periods) followed by the
 * graph's inputs. Each cell has a streaming histogram whose range comes from a pilot
 * of the first trials: their extremes, which do not depend on the threads that ran them.
 */
#include "sim.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "rng.h"

#define NBINS 2048          /* histogram bins per cell */
#define PILOT_TRIALS 4096   /* trials whose range sets the histograms */
#define HIST_SLOTS (NBINS + 2) /* [0] underflow, [1..NBINS] bins, [NBINS+1] overflow */
/* Per-thread histograms are HIST_STRIDE slots apart: 33 cache lines of 8-bit
 * counters, an odd number, so the same slot of successive cells falls in different
 * cache sets (a stride near a power of two would crowd every cell's busy middle bins
 * into a few sets of L1, where they evict one another). */
#define HIST_STRIDE 2112
#define CACHE_LINE 64
#define CARRY_BATCH 1024    /* wrapped counters noted before their carries are applied */

/* The vector kernel is built for several instruction sets and picked at load time
 * (the results are the same bits on each: it only adds, compares and converts). */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef VECTOR_CLONES
#define VECTOR_CLONES
#endif

/* ---- per-thread state ---------------------------------------------------------- */

typedef struct thread_state {
    _Alignas(CACHE_LINE) double *vals; /* graph.n node values */
    double *series;         /* n_series x periods, then the inputs: one row of cells */
    roi_trial_ws *ws;
    gsl_rng *scratch;
    /* The inputs' draws of the trials [drawn_lo, drawn_hi) of the current block, input
     * j's at draws[j * ROI_BLOCK + (i - drawn_lo)], drawn input by input (draw_block),
     * and one trial's of them by node (fixed) for the graph's evaluation. */
    double *draws;
    double *fixed;
    size_t drawn_lo, drawn_hi;
    uint32_t *words;        /* a block's gsl_rng words of one input (roi_rng_gsl_words) */
    /* Histogram counts, cells x HIST_STRIDE slots. The hot loop is bound by cache
     * misses on them, so it counts in 8 bits (a quarter of the footprint of 32-bit
     * counts) and an increment that wraps a counter to 0 adds 256 to the slot's
     * 32-bit total: a slot's count is hits_hi + hits, with no periodic flush. The
     * totals are rarely touched, so each carry would wait on a cache miss in the middle
     * of the hot loop; instead the wrapped slots are noted in `carry` and their carries
     * applied together (independent misses overlap) once CARRY_BATCH have gathered. */
    uint8_t *hits;
    uint32_t *hits_hi;
    size_t *carry;          /* slots whose counter wrapped, carries not yet applied */
    size_t n_carry;
    uint8_t *wrapped;       /* per cell: has any of its counters wrapped? */
    int32_t *slot;          /* the current trial's slot in each cell's histogram */
    double *bsum;           /* the current block's sums, per cell */
    double *cmin, *cmax;    /* exact extremes per cell */
    uint64_t *milestones;   /* trials meeting each milestone */
    /* The first failing trial this thread saw (fail_trial == SIZE_MAX: none). */
    size_t fail_trial;
    char fail_what[160];
    double fail_value;
} thread_state;

/* Histogram ranges, shared read-only during the run. */
typedef struct cell_range {
    double lo, inv_width, width;
    int integer; /* whole-number cell with bins narrower than 0.5: one integer per bin */
} cell_range;

/* What the hot loop reads of the ranges, one array per field so it vectorises. */
typedef struct bin_map {
    double *lo, *inv_width;
} bin_map;

/* Zeroed memory aligned to a cache line (so are the histograms in it: HIST_STRIDE is a
 * whole number of lines); free with free(). */
static void *calloc_lines(size_t n, size_t size)
{
    if (size && n > (SIZE_MAX - CACHE_LINE) / size)
        return NULL;
    size_t bytes = (n * size + CACHE_LINE) / CACHE_LINE * CACHE_LINE;
    void *p = aligned_alloc(CACHE_LINE, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

static void thread_state_free(thread_state *t)
{
    if (!t)
        return;
    free(t->vals);
    free(t->series);
    if (t->ws)
        roi_trial_ws_free(t->ws);
    if (t->scratch)
        gsl_rng_free(t->scratch);
    free(t->draws);
    free(t->fixed);
    free(t->words);
    free(t->hits);
    free(t->hits_hi);
    free(t->carry);
    free(t->wrapped);
    free(t->slot);
    free(t->bsum);
    free(t->cmin);
    free(t->cmax);
    free(t->milestones);
}

/*
 * Builds t; on failure frees what it built and leaves t zeroed (vals == NULL). The arrays
 * written in every trial are whole cache lines of their own, and the runner calls this
 * from the thread that will use t, so glibc's malloc takes the rest (the model's
 * workspace, the scratch generator) from that thread's arena: no cache line is written
 * by two threads, which would move it between the cores at every write.
 */
static roi_status thread_state_init(thread_state *t, const roi_model *m, size_t n_cells)
{
    memset(t, 0, sizeof *t);
    t->fail_trial = SIZE_MAX;
    t->vals = calloc_lines((size_t)(m->graph.n > 0 ? m->graph.n : 1), sizeof *t->vals);
    t->series = calloc_lines(n_cells + 1, sizeof *t->series); /* series, then inputs */
    t->ws = roi_trial_ws_new(m);
    t->scratch = gsl_rng_alloc(roi_rng_philox);
    t->draws = calloc_lines((size_t)roi_graph_draw_count(&m->graph) * ROI_BLOCK + 1,
                            sizeof *t->draws);
    t->fixed = calloc_lines((size_t)(m->graph.n > 0 ? m->graph.n : 1), sizeof *t->fixed);
    t->words = calloc_lines((size_t)ROI_BLOCK * ROI_RNG_GSL_WORDS, sizeof *t->words);
    t->hits = calloc_lines(n_cells * HIST_STRIDE, sizeof *t->hits);
    t->hits_hi = calloc(n_cells * HIST_STRIDE + 1, sizeof *t->hits_hi);
    t->carry = calloc_lines(CARRY_BATCH + n_cells, sizeof *t->carry); /* see accumulate */
    t->wrapped = calloc_lines(n_cells, sizeof *t->wrapped);
    t->slot = calloc_lines(n_cells, sizeof *t->slot);
    t->bsum = calloc_lines(n_cells, sizeof *t->bsum);
    t->cmin = calloc_lines(n_cells + 1, sizeof *t->cmin);
    t->cmax = calloc_lines(n_cells + 1, sizeof *t->cmax);
    t->milestones = calloc_lines((size_t)m->n_milestones + 1, sizeof *t->milestones);
    if (!t->vals || !t->series || !t->ws || !t->scratch || !t->draws || !t->fixed ||
        !t->words || !t->hits || !t->hits_hi ||
        !t->carry || !t->wrapped || !t->slot || !t->bsum || !t->cmin || !t->cmax ||
        !t->milestones) {
        thread_state_free(t);
        memset(t, 0, sizeof *t);
        return ROI_ERR_NOMEM;
    }
    for (size_t c = 0; c < n_cells; c++) {
        t->cmin[c] = INFINITY;
        t->cmax[c] = -INFINITY;
    }
    return ROI_OK;
}

/* ---- one trial ------------------------------------------------------------------- */

/* The node values of trial i: through the sampling plan when the run has one (LHS,
 * correlations, overrides), else plain Monte Carlo. The main pass and reruns both
 * draw here, so a rerun trial is the trial that ran. */
static void draw_trial(const roi_model *m, const roi_sampling *plan, const uint64_t *keys,
                       size_t i, double *vals, gsl_rng *scratch)
{
    if (plan)
        roi_sampling_eval(plan, &m->graph, keys, (uint64_t)i, vals, scratch);
    else
        roi_graph_eval(&m->graph, keys, (uint64_t)i, vals, scratch);
}

/* The run's shape, shared read-only by every thread. */
typedef struct shape {
    const roi_model *m;
    const roi_sampling *plan;   /* NULL: plain Monte Carlo through roi_graph_eval */
    const uint64_t *keys;
    int n_series, periods, n_inputs;
    const int *input_nodes;
    size_t n_series_vals, n_cells;
    int outputs_only;           /* roi_sim_opts.outputs_only: no series, no cells */
    int batch;                  /* inputs drawn a block at a time (draw_block): no plan,
                                 * or one with plain draws (overrides only) */
    int n_draws;                /* the inputs a trial draws (hidden ones too); input_nodes
                                 * are the values reported (graph.h, named values) */
    const int *draw_nodes;
} shape;

/*
 * The inputs' draws of trials [lo, hi) into t->draws, one input at a time: the uniforms
 * of a whole block in one vectorised batch and then the quantiles where the family
 * takes its quantile at the stream's first uniform; for a beta or PERT the first words
 * of every trial's generator in one vectorised batch, then GSL's sampler trial by trial;
 * else roi_dist_sample trial by trial; either way the doubles roi_dist_sample gives, so a trial's values do not
 * depend on the path (reruns and the pilot draw trial by trial).
 */
static void draw_block(const shape *sh, thread_state *t, size_t lo, size_t hi)
{
    const roi_graph *g = &sh->m->graph;
    const size_t n = hi - lo;
    for (int j = 0; j < sh->n_draws; j++) {
        const int node = sh->draw_nodes[j];
        const roi_dist *d = &g->nodes[node].dist;
        double *row = t->draws + (size_t)j * ROI_BLOCK;
        if (roi_dist_by_uniform(d)) {
            roi_rng_uniforms(sh->keys[node], (uint64_t)lo, n, row);
            roi_dist_quantiles(d, row, n);
        } else if (roi_dist_by_words(d)) {
            roi_rng_gsl_words(sh->keys[node], (uint64_t)lo, n, t->words);
            for (size_t k = 0; k < n; k++)
                row[k] = roi_dist_sample_words(d, sh->keys[node], (uint64_t)(lo + k),
                                               t->words + k * ROI_RNG_GSL_WORDS, t->scratch);
        } else {
            for (size_t k = 0; k < n; k++)
                row[k] = roi_dist_sample(d, sh->keys[node], (uint64_t)(lo + k), t->scratch);
        }
    }
    t->drawn_lo = lo;
    t->drawn_hi = hi;
}

/* The node values of trial i into t->vals: from the block's draws when they hold it,
 * else drawn here (draw_trial). */
static void trial_values(const shape *sh, thread_state *t, size_t i)
{
    const roi_graph *g = &sh->m->graph;
    if (!sh->batch || i < t->drawn_lo || i >= t->drawn_hi) {
        draw_trial(sh->m, sh->plan, sh->keys, i, t->vals, t->scratch);
        return;
    }
    const double *col = t->draws + (i - t->drawn_lo);
    for (int j = 0; j < sh->n_draws; j++)
        t->fixed[sh->draw_nodes[j]] = col[(size_t)j * ROI_BLOCK];
    if (sh->plan)
        roi_sampling_eval_drawn(sh->plan, g, t->fixed, t->vals);
    else
        roi_graph_eval_fixed(g, t->fixed, t->vals);
}

/*
 * Evaluates trial i into t->vals / t->series / out. Returns 0 when every value that
 * must be finite is; otherwise records the first offending one in t (if this is the
 * earliest trial the thread has seen fail) and returns -1. Without check_series only
 * the scalar outputs are checked: the main pass checks the series through its block
 * sums instead and reruns a block with every check when they are not finite.
 */
static int run_trial(const shape *sh, thread_state *t, size_t i, double *out,
                     int check_series)
{
    const roi_model *m = sh->m;
    trial_values(sh, t, i);
    roi_model_trial(m, t->vals, t->ws, out, sh->outputs_only ? NULL : t->series);
    if (sh->outputs_only)
        check_series = 0;
    for (int k = 0; k < ROI_OUT_COUNT; k++) {
        double v = out[k];
        /* undefined: irr (no sign change), payback (never), roi_multiple (no spend) */
        if (isfinite(v) || (isnan(v) && (k == ROI_OUT_IRR || k == ROI_OUT_PAYBACK ||
                                          k == ROI_OUT_ROI_MULTIPLE)))
            continue;
        if (i < t->fail_trial) {
            t->fail_trial = i;
            t->fail_value = v;
            snprintf(t->fail_what, sizeof t->fail_what, "%s", roi_output_name((roi_output)k));
        }
        return -1;
    }
    for (size_t c = 0; check_series && c < sh->n_series_vals; c++) {
        double v = t->series[c];
        if (isfinite(v))
            continue;
        if (i < t->fail_trial) {
            char name[96], label[16];
            roi_model_series_name(m, (int)(c / (size_t)sh->periods), name, sizeof name);
            roi_model_period_label(m, (roi_period)(c % (size_t)sh->periods), label,
                                   sizeof label);
            t->fail_trial = i;
            t->fail_value = v;
            snprintf(t->fail_what, sizeof t->fail_what, "%s[%s]", name, label);
        }
        return -1;
    }
    return 0;
}

/* Completes t's row of cell values for the trial it just evaluated: the series are
 * already there, the inputs follow them. Returns the row. */
static double *gather_cells(const shape *sh, thread_state *t)
{
    double *row = t->series;
    for (size_t j = 0; j < (size_t)sh->n_inputs; j++)
        row[sh->n_series_vals + j] = t->vals[sh->input_nodes[j]];
    return row;
}

/* The pilot's update of each cell's extremes from a row of n values. */
VECTOR_CLONES
static void extremes_pass(size_t n, const double *restrict row, double *restrict cmin,
                          double *restrict cmax)
{
    for (size_t c = 0; c < n; c++) {
        double v = row[c];
        cmin[c] = v < cmin[c] ? v : cmin[c];
        cmax[c] = v > cmax[c] ? v : cmax[c];
    }
}

/*
 * The arithmetic half of accumulate(), over a row of n cell values: adds each to its
 * block sum, updates its extremes and computes its histogram slot (0 underflow,
 * 1..NBINS the bins, NBINS + 1 overflow). No branches and no loads that depend on a
 * value, so it vectorises. The bin index is clamped in floating point to [-1, NBINS]
 * before the conversion, which puts f < 0 (and a NaN, which must never reach the int
 * conversion) in the underflow slot and f >= NBINS in the overflow slot exactly as a
 * compare-and-branch would. A NaN leaves the extremes alone and makes the block sum
 * NaN, which reruns the block with every check.
 */
VECTOR_CLONES
static void cell_pass(size_t n, const double *restrict row, const double *restrict lo,
                      const double *restrict inv_width, double *restrict bsum,
                      double *restrict cmin, double *restrict cmax, int32_t *restrict slot)
{
    for (size_t c = 0; c < n; c++) {
        double v = row[c];
        bsum[c] += v;
        cmin[c] = v < cmin[c] ? v : cmin[c];
        cmax[c] = v > cmax[c] ? v : cmax[c];
        double f = (v - lo[c]) * inv_width[c];
        f = f >= 0.0 ? f : -1.0;
        f = f < (double)NBINS ? f : (double)NBINS;
        slot[c] = (int32_t)f + 1;
    }
}

/* Applies t's pending carries to its 32-bit totals. */
static void apply_carries(thread_state *t)
{
    for (size_t k = 0; k < t->n_carry; k++)
        t->hits_hi[t->carry[k]] += 256;
    t->n_carry = 0;
}

/*
 * Adds the trial just evaluated to t's accumulators and its block sums (t->bsum). This
 * is the hottest loop of a run (every series x period cell, every trial), in two
 * passes over the row of cell values: cell_pass(), then one histogram increment per
 * cell, the part that waits on memory.
 */
static void accumulate(const shape *sh, const bin_map *bins, thread_state *t)
{
    const double *row = gather_cells(sh, t);
    const size_t n = sh->n_cells;
    cell_pass(n, row, bins->lo, bins->inv_width, t->bsum, t->cmin, t->cmax, t->slot);
    const int32_t *slot = t->slot;
    uint8_t *hits = t->hits;
    size_t base = 0;
    for (size_t c = 0; c < n; c++, base += HIST_STRIDE) {
        size_t s = base + (size_t)slot[c];
        if (++hits[s] == 0) { /* wrapped: its 256 counts are to move to the total */
            t->carry[t->n_carry++] = s;
            t->wrapped[c] = 1;
        }
    }
    /* Fewer than CARRY_BATCH were pending before this trial, which added at most one
     * per cell: the log holds CARRY_BATCH + n_cells. */
    if (t->n_carry >= CARRY_BATCH)
        apply_carries(t);
    const roi_model *m = sh->m;
    for (int k = 0; k < m->n_milestones; k++) {
        const roi_milestone *ms = &m->milestones[k];
        if (ms->series < 0 || ms->series >= sh->n_series || ms->period < 0 ||
            ms->period >= sh->periods)
            continue;
        if (row[(size_t)ms->series * (size_t)sh->periods + (size_t)ms->period] >=
            ms->threshold)
            t->milestones[k]++;
    }
}

/* ---- histogram quantiles ----------------------------------------------------------- */

/*
 * Estimate of the r-th order statistic (0-based) of a cell from its merged counts h
 * (HIST_SLOTS of them) and below[j] = the values below bin j, underflow included
 * (j = 0..NBINS). Inside a bin the bin's values are taken as evenly spread over it, so
 * the estimate stays inside the bin that holds the true value: error < one bin width.
 * In the underflow/overflow regions values are spread between the exact extreme and the
 * histogram's edge; rank 0 and rank n-1 are the exact extremes.
 */
static double order_stat(const uint64_t *h, const uint64_t *below, const cell_range *cr,
                         double mn, double mx, uint64_t n, uint64_t r)
{
    if (r == 0)
        return mn;
    if (r >= n - 1)
        return mx;
    uint64_t under = h[0], over = h[NBINS + 1];
    double x = mx;
    if (r < under) {
        x = mn + ((double)r / (double)under) * (cr->lo - mn);
    } else if (r >= n - over) {
        double hi = cr->lo + NBINS * cr->width;
        x = hi + ((double)(r - (n - over) + 1) / (double)over) * (mx - hi);
    } else if (r < below[NBINS]) { /* else x stays mx: the counts do not add up to n */
        /* The first bin j with r < below[j + 1], by bisection (below never decreases). */
        size_t j = 0, last = NBINS - 1;
        while (j < last) {
            size_t mid = j + (last - j) / 2;
            if (r < below[mid + 1])
                last = mid;
            else
                j = mid + 1;
        }
        double within = ((double)(r - below[j]) + 0.5) / (double)h[1 + j];
        x = cr->lo + ((double)j + within) * cr->width;
        if (cr->integer) /* the bin's only whole number: exact */
            x = round(x);
    }
    if (x < mn)
        x = mn;
    if (x > mx)
        x = mx;
    return x;
}

/* PERCENTILE.INC from a histogram: rank h = (n-1)p between two estimated order stats. */
static double hist_quantile(const uint64_t *h, const uint64_t *below, const cell_range *cr,
                            double mn, double mx, uint64_t n, double p)
{
    if (mn == mx)
        return mn;
    double rank = (double)(n - 1) * p;
    uint64_t r0 = (uint64_t)floor(rank);
    double frac = rank - (double)r0;
    double a = order_stat(h, below, cr, mn, mx, n, r0);
    if (frac == 0.0 || r0 + 1 >= n)
        return a;
    double b = order_stat(h, below, cr, mn, mx, n, r0 + 1);
    return a + frac * (b - a);
}

/* Histogram range of a cell from its pilot extremes (see docs/statistics.md). */
static void set_range(cell_range *cr, double mn, double mx)
{
    double lo, hi;
    if (!(mn <= mx)) { /* no finite pilot value: the run will fail anyway */
        lo = -1.0;
        hi = 1.0;
    } else if (mx > mn) {
        double span = mx - mn;
        lo = mn - 0.25 * span;
        hi = mx + 0.25 * span;
    } else {
        /* Constant in the pilot: a range around the value, in case later trials
         * differ (rare events); an exactly constant cell is reported exactly. */
        double half = mn != 0.0 ? 0.25 * fabs(mn) : 1.0;
        lo = mn - half;
        hi = mn + half;
    }
    if (!isfinite(hi - lo) || !(hi > lo)) {
        lo = -1.0;
        hi = 1.0;
    }
    cr->lo = lo;
    cr->width = (hi - lo) / NBINS;
    cr->inv_width = NBINS / (hi - lo);
    cr->integer = 0;
}

/*
 * Merges the threads' accumulators (after applying their pending carries) into the
 * bands (series cells) and the input statistics (input cells). Each cell's numbers
 * depend only on its own counts, extremes and block sums, so the cells are spread over
 * n_threads threads in any split; its sum is formed in block order. Returns ROI_OK or
 * ROI_ERR_NOMEM.
 */
static roi_status reduce_cells(const shape *sh, const cell_range *ranges,
                               thread_state *ts, int n_threads,
                               const double *block_sums, size_t n_blocks, size_t trials,
                               roi_run *run)
{
    const size_t n_cells = sh->n_cells, n_series_vals = sh->n_series_vals;
    double *sum = calloc(n_cells + 1, sizeof *sum);
    if (!sum)
        return ROI_ERR_NOMEM;
    for (int t = 0; t < n_threads; t++)
        apply_carries(&ts[t]);
    for (size_t b = 0; b < n_blocks; b++) { /* row by row: each sum still in block order */
        const double *row = block_sums + b * n_cells;
        for (size_t c = 0; c < n_cells; c++)
            sum[c] += row[c];
    }
    int nomem = 0;
#pragma omp parallel num_threads(n_threads)
    {
        uint64_t *hist = malloc((HIST_SLOTS + NBINS + 1) * sizeof *hist);
        uint64_t *below = hist ? hist + HIST_SLOTS : NULL; /* NBINS + 1 of them */
        if (!hist) {
#pragma omp atomic write
            nomem = 1;
        }
#pragma omp for schedule(dynamic, 8)
        for (size_t c = 0; c < n_cells; c++) {
            if (!hist)
                continue;
            double mn = INFINITY, mx = -INFINITY;
            for (int t = 0; t < n_threads; t++) {
                const uint8_t *lo8 = ts[t].hits + c * HIST_STRIDE;
                const uint32_t *hi = ts[t].hits_hi + c * HIST_STRIDE;
                /* A row of totals that no counter wrapped into is all zeros; not reading
                 * it leaves its pages unmapped (a first touch is a page fault). */
                if (ts[t].wrapped[c])
                    for (size_t j = 0; j < HIST_SLOTS; j++)
                        hist[j] = (t ? hist[j] : 0) + hi[j] + lo8[j];
                else
                    for (size_t j = 0; j < HIST_SLOTS; j++)
                        hist[j] = (t ? hist[j] : 0) + lo8[j];
                if (ts[t].cmin[c] < mn)
                    mn = ts[t].cmin[c];
                if (ts[t].cmax[c] > mx)
                    mx = ts[t].cmax[c];
            }
            below[0] = hist[0];
            for (size_t j = 0; j < NBINS; j++)
                below[j + 1] = below[j] + hist[1 + j];
            double mean = sum[c] / (double)trials;
            if (mn == mx)
                mean = mn; /* a constant cell is reported exactly */
            if (mean < mn)
                mean = mn;
            if (mean > mx)
                mean = mx;
            const cell_range *cr = &ranges[c];
            if (c < n_series_vals) {
                roi_band *bd = &run->bands[c];
                bd->mean = mean;
                bd->p10 = hist_quantile(hist, below, cr, mn, mx, trials, 0.10);
                bd->p50 = hist_quantile(hist, below, cr, mn, mx, trials, 0.50);
                bd->p90 = hist_quantile(hist, below, cr, mn, mx, trials, 0.90);
            } else {
                roi_input_stats *is = &run->inputs[c - n_series_vals];
                is->mean = mean;
                is->p5 = hist_quantile(hist, below, cr, mn, mx, trials, 0.05);
                is->p95 = hist_quantile(hist, below, cr, mn, mx, trials, 0.95);
            }
        }
        free(hist);
    }
    free(sum);
    return nomem ? ROI_ERR_NOMEM : ROI_OK;
}

/* Stores the outputs of trial i in run->out[.][i] and run->exact[i]. */
static void run_store(roi_run *run, size_t i, const double out[ROI_OUT_COUNT])
{
    _Static_assert(ROI_OUT_COUNT <= 16, "exact holds one bit per output");
    uint16_t e = 0;
    for (int k = 0; k < ROI_OUT_COUNT; k++) {
        int exact;
        run->out[k][i] = roi_stats_to_float(out[k], &exact);
        e |= (uint16_t)(exact << k);
    }
    run->exact[i] = e;
}

/* After block [lo, hi) ran into blk (output-major): its moments, then the floats. */
static void store_block(roi_run *run, const double *blk, size_t lo, size_t hi,
                        roi_moments *moments)
{
    for (int k = 0; k < ROI_OUT_COUNT; k++)
        roi_moments_of(blk + k * ROI_BLOCK, hi - lo, &moments[k]);
    for (size_t i = lo; i < hi; i++) {
        double o[ROI_OUT_COUNT];
        for (int k = 0; k < ROI_OUT_COUNT; k++)
            o[k] = blk[k * ROI_BLOCK + (i - lo)];
        run_store(run, i, o);
    }
}

/* ---- rerunning trials ------------------------------------------------------------------- */

struct roi_rerun {
    const roi_run *run;
    double *vals;      /* graph.n node values */
    roi_trial_ws *ws;
    gsl_rng *scratch;
};

void roi_rerun_free(roi_rerun *r)
{
    if (!r)
        return;
    free(r->vals);
    if (r->ws)
        roi_trial_ws_free(r->ws);
    if (r->scratch)
        gsl_rng_free(r->scratch);
    free(r);
}

roi_status roi_rerun_new(const roi_run *run, roi_rerun **out)
{
    *out = NULL;
    if (!run || !run->model || !run->keys)
        return ROI_ERR_USAGE;
    const roi_model *m = run->model;
    roi_rerun *r = calloc(1, sizeof *r);
    if (!r)
        return ROI_ERR_NOMEM;
    r->run = run;
    r->vals = malloc((size_t)(m->graph.n > 0 ? m->graph.n : 1) * sizeof *r->vals);
    r->ws = roi_trial_ws_new(m);
    r->scratch = gsl_rng_alloc(roi_rng_philox);
    if (!r->vals || !r->ws || !r->scratch) {
        roi_rerun_free(r);
        return ROI_ERR_NOMEM;
    }
    *out = r;
    return ROI_OK;
}

void roi_rerun_trial(roi_rerun *r, size_t i, double out[ROI_OUT_COUNT])
{
    const roi_run *run = r->run;
    const roi_model *m = run->model;
    draw_trial(m, run->plan, run->keys, i, r->vals, r->scratch);
    roi_model_trial(m, r->vals, r->ws, out, NULL); /* reruns read outputs and inputs only */
}

const double *roi_rerun_values(const roi_rerun *r)
{
    return r->vals;
}

/* The exact values of output k in the trials named (rerunning the inexact ones). */
static roi_status run_values(const roi_run *run, roi_output k, const size_t *trials, size_t n,
                             double *values)
{
    roi_rerun *r = NULL;
    for (size_t j = 0; j < n; j++) {
        size_t i = trials[j];
        if (run->exact[i] >> k & 1u) {
            values[j] = (double)run->out[k][i];
            continue;
        }
        if (!r) {
            roi_status st = roi_rerun_new(run, &r);
            if (st != ROI_OK)
                return st;
        }
        double o[ROI_OUT_COUNT];
        roi_rerun_trial(r, i, o);
        values[j] = o[k];
    }
    roi_rerun_free(r);
    return ROI_OK;
}

typedef struct values_ud {
    const roi_run *run;
    roi_output k;
} values_ud;

static roi_status values_cb(void *ud, const size_t *trials, size_t n, double *values)
{
    const values_ud *u = ud;
    return run_values(u->run, u->k, trials, n, values);
}

size_t roi_run_defined(const roi_run *run, roi_output k)
{
    size_t nd = 0;
    for (size_t i = 0; i < run->trials; i++)
        nd += !isnan(run->out[k][i]);
    return nd;
}

roi_status roi_run_order_stats(const roi_run *run, roi_output k, const size_t *ranks,
                               int n_ranks, double *values)
{
    values_ud u = {run, k};
    roi_float_sample s = {run->out[k], run->exact, (unsigned)k, run->trials, values_cb, &u};
    return roi_stats_order_stats_float(&s, roi_run_defined(run, k), ranks, n_ranks, values, 0,
                                       NULL);
}

roi_status roi_run_percentile(const roi_run *run, roi_output k, double p, double *value)
{
    const size_t nd = roi_run_defined(run, k);
    *value = NAN;
    if (nd == 0)
        return ROI_OK;
    double h = (double)(nd - 1) * p;
    size_t lo = !(p > 0.0) ? 0 : p >= 1.0 ? nd - 1 : (size_t)floor(h);
    if (lo >= nd - 1 || !(p > 0.0))
        return roi_run_order_stats(run, k, &lo, 1, value);
    size_t r[2] = {lo, lo + 1};
    double v[2];
    roi_status st = roi_run_order_stats(run, k, r, 2, v);
    if (st == ROI_OK)
        *value = roi_stats_interpolate(v[0], v[1], h - (double)lo);
    return st;
}

/* run->summary[k] from its merged moments and its floats. */
static roi_status summarize_output(roi_run *run, roi_output k, const roi_moments *mo)
{
    values_ud u = {run, k};
    roi_float_sample s = {run->out[k], run->exact, (unsigned)k, run->trials, values_cb, &u};
    return roi_stats_summarize_float(&s, mo, &run->summary[k]);
}

/* ---- the run ----------------------------------------------------------------------- */

void roi_run_free(roi_run *run)
{
    if (!run)
        return;
    for (int k = 0; k < ROI_OUT_COUNT; k++)
        free(run->out[k]);
    free(run->exact);
    free(run->keys);
    roi_sampling_free(run->plan);
    free(run->bands);
    free(run->milestone_prob);
    free(run->inputs);
    free(run);
}

/*
 * A run in the making: the request, the result being built, and what the phases share
 * (the threads' states, the histograms' ranges, the per-block sums and moments). Set up
 * by sim_setup, each phase a function of its own, freed by sim_free.
 */
typedef struct sim {
    const roi_model *m;
    const roi_sim_opts *opts;
    const char *scen;              /* the scenario's name, for messages */
    size_t trials, n_blocks;
    size_t block_lo, block_hi;     /* the blocks this rank runs (all without a partition) */
    roi_run *run;                  /* owned until roi_sim_run hands it out */
    int *input_nodes;
    int *draw_nodes;
    thread_state *ts;              /* n_threads of them */
    int n_threads;
    cell_range *ranges;            /* per cell */
    bin_map bins;
    double *block_sums;            /* n_blocks x n_cells, in block order */
    double *pmin, *pmax;           /* the pilot's extremes per cell */
    roi_moments *block_moments;    /* n_blocks x ROI_OUT_COUNT */
    shape sh;
} sim;

static roi_status nomem(const sim *s, roi_error *err)
{
    return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory running scenario %s", s->scen);
}

/* What may not be run at all: bad arguments, and a run larger than the memory cap (a
 * clear message instead of the OOM killer). */
static roi_status check_request(const roi_model *m, const roi_sim_opts *opts, roi_error *err)
{
    if (opts->trials < 1)
        return roi_error_set(err, ROI_ERR_USAGE, "", "trials must be >= 1, got %zu",
                             opts->trials);
    if (opts->trials > UINT32_MAX) /* histogram counts are 32-bit per thread */
        return roi_error_set(err, ROI_ERR_USAGE, "", "trials must be <= %" PRIu32
                             ", got %zu", UINT32_MAX, opts->trials);
    if (m->periods < 1)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "model has no periods");
    size_t cap = opts->max_bytes ? opts->max_bytes : ROI_SIM_MAX_BYTES;
    size_t need = roi_sim_bytes(m, opts->trials);
    if (need > cap)
        return roi_error_set(err, ROI_ERR_USAGE, "",
                             "%s: %zu trials x %d quarters need about %.0f MB, above the "
                             "cap of %.0f MB; use fewer trials (-n) or raise --max-memory MB",
                             m->name ? m->name : "(unnamed)", opts->trials, m->periods,
                             ceil((double)need / 1048576.0), (double)cap / 1048576.0);
    return ROI_OK;
}

/* The run and the shared buffers, the stream keys and the inputs' nodes. */
static roi_status sim_alloc(sim *s, roi_error *err)
{
    const roi_model *m = s->m;
    const int n_series = roi_model_series_count(m);
    const int n_inputs = roi_graph_input_count(&m->graph);
    const int n_draws = roi_graph_draw_count(&m->graph);
    const size_t n_series_vals = (size_t)n_series * (size_t)m->periods;
    const size_t n_cells = n_series_vals + (size_t)n_inputs;
    roi_run *run = s->run = calloc(1, sizeof *run);
    if (!run)
        return nomem(s, err);
    run->model = m;
    run->seed = s->opts->seed;
    run->trials = s->trials;
    run->n_series = n_series;
    run->periods = m->periods;
    run->n_inputs = n_inputs;
    run->sampling = s->opts->sampling;
    run->part = s->opts->part;
    for (int k = 0; k < ROI_OUT_COUNT; k++)
        if (!(run->out[k] = malloc(s->trials * sizeof *run->out[k])))
            return nomem(s, err);
    run->exact = malloc(s->trials * sizeof *run->exact);
    run->bands = calloc(n_series_vals + 1, sizeof *run->bands);
    run->milestone_prob = calloc((size_t)m->n_milestones + 1, sizeof *run->milestone_prob);
    run->inputs = calloc((size_t)n_inputs + 1, sizeof *run->inputs);
    run->keys = malloc((size_t)(m->graph.n > 0 ? m->graph.n : 1) * sizeof *run->keys);
    s->input_nodes = malloc((size_t)(n_inputs + 1) * sizeof *s->input_nodes);
    s->draw_nodes = malloc((size_t)(n_draws + 1) * sizeof *s->draw_nodes);
    s->ranges = malloc((n_cells + 1) * sizeof *s->ranges);
    s->bins.lo = calloc_lines(n_cells, sizeof *s->bins.lo);
    s->bins.inv_width = calloc_lines(n_cells, sizeof *s->bins.inv_width);
    s->block_sums = calloc(s->n_blocks * n_cells + 1, sizeof *s->block_sums);
    s->pmin = malloc((n_cells + 1) * sizeof *s->pmin);
    s->pmax = malloc((n_cells + 1) * sizeof *s->pmax);
    s->block_moments = malloc(s->n_blocks * ROI_OUT_COUNT * sizeof *s->block_moments);
    if (!run->exact || !run->bands || !run->milestone_prob || !run->inputs || !run->keys ||
        !s->input_nodes || !s->draw_nodes || !s->ranges || !s->bins.lo || !s->bins.inv_width ||
        !s->block_sums || !s->pmin || !s->pmax || !s->block_moments)
        return nomem(s, err);
    roi_graph_keys(&m->graph, run->seed, run->keys);
    for (int i = 0; i < n_inputs; i++) {
        s->input_nodes[i] = roi_graph_input_node(&m->graph, i);
        run->inputs[i].node = s->input_nodes[i];
    }
    for (int i = 0; i < n_draws; i++)
        s->draw_nodes[i] = roi_graph_draw_node(&m->graph, i);
    s->sh = (shape){m, NULL, run->keys, n_series, m->periods, n_inputs, s->input_nodes,
                    n_series_vals, n_cells, s->opts->outputs_only, 1, n_draws, s->draw_nodes};
    return ROI_OK;
}

/* One state per thread, each built by the thread that uses it (see thread_state_init). */
static roi_status sim_threads(sim *s, roi_error *err)
{
    int n = s->opts->threads > 0 ? s->opts->threads : omp_get_max_threads();
    if (n < 1)
        n = 1;
    if ((size_t)n > s->n_blocks)
        n = (int)s->n_blocks;
    s->ts = calloc_lines((size_t)n, sizeof *s->ts);
    if (!s->ts)
        return nomem(s, err);
    s->n_threads = n;
    thread_state *ts = s->ts;
    const roi_model *m = s->m;
    const size_t n_cells = s->sh.n_cells;
#pragma omp parallel num_threads(n)
    thread_state_init(&ts[omp_get_thread_num()], m, n_cells);
    for (int t = 0; t < n; t++) /* one that failed, or a thread that never came */
        if (!ts[t].vals && thread_state_init(&ts[t], m, n_cells) != ROI_OK)
            return nomem(s, err);
    return ROI_OK;
}

/* A sampling plan only when something differs from plain Monte Carlo: the default path
 * stays exactly roi_graph_eval. */
static roi_status sim_plan(sim *s, roi_error *err)
{
    const roi_sim_opts *o = s->opts;
    if (o->sampling == ROI_SAMPLING_MC && s->m->n_correlations == 0 && o->n_overrides == 0 &&
        o->n_bands == 0)
        return ROI_OK;
    roi_sampling_spec spec = {o->sampling, s->trials, o->overrides, o->n_overrides, o->bands,
                              o->n_bands};
    ROI_TRY(roi_sampling_new(s->m, &s->m->graph, &spec, &s->run->plan, err));
    s->sh.plan = s->run->plan;
    s->sh.batch = roi_sampling_plain_draws(s->sh.plan);
    return ROI_OK;
}

/*
 * The pilot: the same first trials for every thread count, so the histograms' ranges
 * are fixed. They are spread over the threads (a pilot of 4096 trials is ~40% of a
 * 10^4-trial goal-seek run); each thread keeps its extremes in its cmin/cmax, merged
 * here in any order (a minimum does not depend on it). A failing trial is skipped: the
 * run then fails in the main pass, which reports the first failing trial, so the
 * ranges are only used when every pilot trial succeeded.
 */
static void pilot_pass(sim *s)
{
    const shape *sh = &s->sh;
    thread_state *ts = s->ts;
    const size_t n_cells = sh->n_cells;
    const long long n_pilot =
        sh->outputs_only ? 0 : (long long)(s->trials < PILOT_TRIALS ? s->trials : PILOT_TRIALS);
#pragma omp parallel num_threads(s->n_threads)
    {
        thread_state *t = &ts[omp_get_thread_num()];
        double o[ROI_OUT_COUNT];
#pragma omp for schedule(static)
        for (long long i = 0; i < n_pilot; i++) {
            if (run_trial(sh, t, (size_t)i, o, 1) != 0)
                continue;
            extremes_pass(n_cells, gather_cells(sh, t), t->cmin, t->cmax);
        }
    }
    for (size_t c = 0; c < n_cells; c++) {
        s->pmin[c] = INFINITY;
        s->pmax[c] = -INFINITY;
        for (int t = 0; t < s->n_threads; t++) {
            if (ts[t].cmin[c] < s->pmin[c])
                s->pmin[c] = ts[t].cmin[c];
            if (ts[t].cmax[c] > s->pmax[c])
                s->pmax[c] = ts[t].cmax[c];
            ts[t].cmin[c] = INFINITY; /* the main pass's exact extremes start afresh */
            ts[t].cmax[c] = -INFINITY;
        }
    }
    for (int t = 0; t < s->n_threads; t++)
        ts[t].fail_trial = SIZE_MAX;
    for (size_t c = 0; c < n_cells; c++) {
        set_range(&s->ranges[c], s->pmin[c], s->pmax[c]);
        s->bins.lo[c] = s->ranges[c].lo;
        s->bins.inv_width[c] = s->ranges[c].inv_width;
        /* Whole-number inputs (slips, delays, events) get exact quantiles. */
        if (c >= sh->n_series_vals && s->ranges[c].width < 0.5 &&
            roi_graph_is_integer(&s->m->graph, sh->input_nodes[c - sh->n_series_vals]))
            s->ranges[c].integer = 1;
    }
}

/*
 * Block b of the main pass on thread state t: its trials into blk (output-major), their
 * moments and floats into the run, its cells into the accumulators and its sums into
 * block_sums. A failing trial (or a non-finite series value, seen in the block's sums)
 * stops the block; its first failing trial, found again with every check, lowers
 * *first_fail. An overflow of a finite sum finds none, and the block stands.
 */
static void run_block(sim *s, thread_state *t, size_t b, double *blk, size_t *first_fail)
{
    const shape *sh = &s->sh;
    const size_t lo = b * ROI_BLOCK;
    const size_t hi = lo + ROI_BLOCK < s->trials ? lo + ROI_BLOCK : s->trials;
    double o[ROI_OUT_COUNT];
    double *bsum = t->bsum; /* copied to block_sums when the block is done */
    memset(bsum, 0, sh->n_cells * sizeof *bsum);
    if (sh->batch)
        draw_block(sh, t, lo, hi);
    int failed = 0;
    for (size_t i = lo; i < hi && !failed; i++) {
        failed = run_trial(sh, t, i, o, 0) != 0;
        if (failed)
            break;
        for (int k = 0; k < ROI_OUT_COUNT; k++)
            blk[k * ROI_BLOCK + (i - lo)] = o[k];
        if (!sh->outputs_only)
            accumulate(sh, &s->bins, t);
    }
    if (!failed)
        store_block(s->run, blk, lo, hi, s->block_moments + b * ROI_OUT_COUNT);
    for (size_t c = 0; c < sh->n_series_vals && !failed; c++)
        failed = !isfinite(bsum[c]);
    for (size_t i = lo; failed && i < hi; i++) {
        if (run_trial(sh, t, i, o, 1) != 0) {
#pragma omp critical(roi_sim_fail)
            if (i < *first_fail)
                *first_fail = i;
            break;
        }
    }
    memcpy(s->block_sums + b * sh->n_cells, bsum, sh->n_cells * sizeof *bsum);
}

/*
 * The main pass. Blocks are handed out `chunk` at a time; a block's trials, and so its
 * sums, are the same whichever thread runs it. A block after a known failure is
 * skipped: any failure there comes after one already found.
 */
static roi_status main_pass(sim *s, roi_error *err)
{
    const roi_sim_opts *opts = s->opts;
    const size_t n_blocks = s->n_blocks, trials = s->trials;
    size_t chunk = opts->block_size ? (opts->block_size + ROI_BLOCK - 1) / ROI_BLOCK : 1;
    if (chunk > n_blocks)
        chunk = n_blocks;
    size_t first_fail = SIZE_MAX; /* earliest failing trial any thread has seen */
    size_t done = 0;
    int blk_nomem = 0;
#pragma omp parallel num_threads(s->n_threads)
    {
        thread_state *t = &s->ts[omp_get_thread_num()];
        /* The block's outputs, output-major, until they are summed and stored. */
        double *blk = malloc(ROI_OUT_COUNT * ROI_BLOCK * sizeof *blk);
        if (!blk) {
#pragma omp atomic write
            blk_nomem = 1;
        }
#pragma omp for schedule(dynamic, chunk)
        for (size_t b = s->block_lo; b < s->block_hi; b++) {
            size_t known_fail;
#pragma omp atomic read
            known_fail = first_fail;
            if (b * ROI_BLOCK > known_fail || !blk)
                continue;
            run_block(s, t, b, blk, &first_fail);
            size_t lo = b * ROI_BLOCK, hi = lo + ROI_BLOCK < trials ? lo + ROI_BLOCK : trials;
            size_t now;
#pragma omp atomic capture
            now = done += hi - lo;
            if (omp_get_thread_num() == 0 && opts->progress)
                opts->progress(opts->progress_ud, now, trials);
        }
        free(blk);
    }
    return blk_nomem ? nomem(s, err) : ROI_OK;
}

/* The earliest failing trial over all threads (the same whatever the split), as the
 * run's error; ROI_OK when none failed. */
static roi_status first_failure(const sim *s, roi_error *err)
{
    const thread_state *worst = NULL;
    for (int t = 0; t < s->n_threads; t++)
        if (s->ts[t].fail_trial != SIZE_MAX &&
            (!worst || s->ts[t].fail_trial < worst->fail_trial))
            worst = &s->ts[t];
    if (!worst)
        return ROI_OK;
    const uint64_t seed = s->opts->seed;
    return roi_error_set(err, ROI_ERR_NUMERIC, "",
                         "scenario %s: trial %zu (seed %" PRIu64 ") gave %s = %g; "
                         "rerun with --seed %" PRIu64 " to reproduce",
                         s->scen, worst->fail_trial, seed, worst->fail_what,
                         worst->fail_value, seed);
}

/*
 * The reduction: bands, input statistics and milestones from the cells (counts and
 * extremes in any order, sums in block order; NaN when only the outputs were asked
 * for), then the output summaries as parallel tasks, each depending only on its
 * output: its block moments merged pairwise in block order, and order statistics
 * selected on its floats (three passes over them, no per-trial buffer) with the tied
 * trials rerun.
 */
static roi_status reduce(sim *s, roi_error *err)
{
    roi_run *run = s->run;
    const roi_model *m = s->m;
    if (s->sh.outputs_only) {
        for (size_t c = 0; c < s->sh.n_series_vals; c++)
            run->bands[c] = (roi_band){NAN, NAN, NAN, NAN};
        for (int i = 0; i < run->n_inputs; i++)
            run->inputs[i].mean = run->inputs[i].p5 = run->inputs[i].p95 = NAN;
        for (int k = 0; k < m->n_milestones; k++)
            run->milestone_prob[k] = NAN;
    } else {
        if (reduce_cells(&s->sh, s->ranges, s->ts, s->n_threads, s->block_sums, s->n_blocks,
                         s->trials, run) != ROI_OK)
            return nomem(s, err);
        for (int k = 0; k < m->n_milestones; k++) {
            uint64_t hits = 0;
            for (int t = 0; t < s->n_threads; t++)
                hits += s->ts[t].milestones[k];
            run->milestone_prob[k] = (double)hits / (double)s->trials;
        }
    }
    roi_status sum_st[ROI_OUT_COUNT];
#pragma omp parallel for num_threads(s->n_threads) schedule(dynamic)
    for (int k = 0; k < ROI_OUT_COUNT; k++) {
        roi_moments mo = roi_moments_merge_pairwise(s->block_moments + k, s->n_blocks,
                                                    ROI_OUT_COUNT);
        sum_st[k] = summarize_output(run, (roi_output)k, &mo);
    }
    for (int k = 0; k < ROI_OUT_COUNT; k++) {
        if (sum_st[k] == ROI_ERR_NOMEM)
            return nomem(s, err);
        if (sum_st[k] != ROI_OK) /* finiteness was checked per trial */
            return roi_error_set(err, ROI_ERR_INTERNAL, "", "summary of %s failed",
                                 roi_output_name((roi_output)k));
    }
    return ROI_OK;
}

static void sim_free(sim *s)
{
    if (s->ts)
        for (int t = 0; t < s->n_threads; t++)
            thread_state_free(&s->ts[t]);
    free(s->ts);
    free(s->input_nodes);
    free(s->draw_nodes);
    free(s->ranges);
    free(s->bins.lo);
    free(s->bins.inv_width);
    free(s->block_sums);
    free(s->pmin);
    free(s->pmax);
    free(s->block_moments);
    roi_run_free(s->run);
}

/* ---- a run over several ranks (part.h) ---------------------------------------------- */

/* What identifies a run's draws across ranks: its stream keys (FNV-1a of their bytes). */
static uint64_t keys_hash(const sim *s)
{
    const unsigned char *b = (const unsigned char *)s->run->keys;
    const size_t n = (size_t)(s->m->graph.n > 0 ? s->m->graph.n : 0) * sizeof *s->run->keys;
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211u;
    return h;
}

/* Trials [*tl, *th) of blocks [bl, bh) (empty for a rank without blocks). */
static void block_trials(const sim *s, size_t bl, size_t bh, size_t *tl, size_t *th)
{
    *tl = bl * ROI_BLOCK < s->trials ? bl * ROI_BLOCK : s->trials;
    *th = bh * ROI_BLOCK < s->trials ? bh * ROI_BLOCK : s->trials;
}

/* The earliest failing trial of this rank's threads (NULL: none). */
static const thread_state *local_failure(const sim *s)
{
    const thread_state *worst = NULL;
    for (int t = 0; t < s->n_threads; t++)
        if (s->ts[t].fail_trial != SIZE_MAX &&
            (!worst || s->ts[t].fail_trial < worst->fail_trial))
            worst = &s->ts[t];
    return worst;
}

/* The shape every rank's run must have, then its failure or its blocks' partials:
 * outputs and exact bits of its trials, its blocks' moments and sums, and its cells'
 * histogram counts (its threads' merged; into counts instead when the transport sums
 * them), extremes and milestone counts. */
static void pack_blocks(sim *s, roi_wire *w, uint32_t *counts)
{
    const shape *sh = &s->sh;
    const size_t n_cells = sh->outputs_only ? 0 : sh->n_cells;
    const size_t bl = s->block_lo, bh = s->block_hi, nb = bh - bl;
    size_t tl, th;
    block_trials(s, bl, bh, &tl, &th);
    const uint64_t head[] = {s->trials, s->n_blocks, bl, bh, n_cells,
                             (uint64_t)s->m->n_milestones, keys_hash(s)};
    roi_wire_put(w, head, sizeof head);
    const thread_state *f = local_failure(s);
    roi_wire_u64(w, f ? f->fail_trial : SIZE_MAX);
    if (f) { /* the run fails: its partials are not needed */
        roi_wire_put(w, &f->fail_value, sizeof f->fail_value);
        roi_wire_put(w, f->fail_what, sizeof f->fail_what);
        return;
    }
    for (int k = 0; k < ROI_OUT_COUNT; k++)
        roi_wire_put(w, s->run->out[k] + tl, (th - tl) * sizeof *s->run->out[k]);
    roi_wire_put(w, s->run->exact + tl, (th - tl) * sizeof *s->run->exact);
    roi_wire_put(w, s->block_moments + bl * ROI_OUT_COUNT,
                 nb * ROI_OUT_COUNT * sizeof *s->block_moments);
    if (!n_cells)
        return;
    roi_wire_put(w, s->block_sums + bl * n_cells, nb * n_cells * sizeof *s->block_sums);
    uint32_t row[HIST_SLOTS];
    for (size_t c = 0; c < n_cells; c++) {
        double mn = INFINITY, mx = -INFINITY;
        uint32_t *h = counts ? counts + c * HIST_SLOTS : row;
        memset(h, 0, sizeof row);
        for (int t = 0; t < s->n_threads; t++) {
            thread_state *ts = &s->ts[t];
            apply_carries(ts);
            for (size_t j = 0; j < HIST_SLOTS; j++)
                h[j] += ts->hits_hi[c * HIST_STRIDE + j] + ts->hits[c * HIST_STRIDE + j];
            mn = ts->cmin[c] < mn ? ts->cmin[c] : mn;
            mx = ts->cmax[c] > mx ? ts->cmax[c] : mx;
        }
        if (!counts)
            roi_wire_put(w, row, sizeof row);
        roi_wire_put(w, &mn, sizeof mn);
        roi_wire_put(w, &mx, sizeof mx);
    }
    for (int k = 0; k < s->m->n_milestones; k++) {
        uint64_t hits = 0;
        for (int t = 0; t < s->n_threads; t++)
            hits += s->ts[t].milestones[k];
        roi_wire_u64(w, hits);
    }
}

/* Adds rank r's cells to thread 0's accumulators (which the reduction merges); its
 * counts when they came with them. */
static void take_cells(sim *s, roi_wire_reader *rd)
{
    thread_state *t0 = &s->ts[0];
    const int with_counts = !roi_part_sums(s->opts->part);
    for (size_t c = 0; c < s->sh.n_cells && !rd->bad; c++) {
        const unsigned char *counts =
            with_counts ? roi_wire_view(rd, HIST_SLOTS * sizeof(uint32_t)) : NULL;
        double mn, mx;
        roi_wire_get(rd, &mn, sizeof mn);
        roi_wire_get(rd, &mx, sizeof mx);
        if (rd->bad)
            return;
        for (size_t j = 0; counts && j < HIST_SLOTS; j++) {
            uint32_t v;
            memcpy(&v, counts + j * sizeof v, sizeof v);
            t0->hits_hi[c * HIST_STRIDE + j] += v;
        }
        t0->wrapped[c] = 1; /* its row of totals is now read */
        t0->cmin[c] = mn < t0->cmin[c] ? mn : t0->cmin[c];
        t0->cmax[c] = mx > t0->cmax[c] ? mx : t0->cmax[c];
    }
    for (int k = 0; k < s->m->n_milestones; k++)
        t0->milestones[k] += roi_wire_get_u64(rd);
}

/* roi_part_take: rank r's partials into this rank's run, where its blocks belong. */
static roi_status take_blocks(void *ud, int r, const void *bytes, size_t n, roi_error *err)
{
    sim *s = ud;
    const roi_part *p = s->opts->part;
    if (r == roi_part_rank(p))
        return ROI_OK;
    roi_wire_reader rd = {bytes, n, 0};
    const size_t n_cells = s->sh.outputs_only ? 0 : s->sh.n_cells;
    size_t bl, bh;
    roi_part_range(r, roi_part_size(p), s->n_blocks, &bl, &bh);
    const uint64_t want[] = {s->trials, s->n_blocks, bl, bh, n_cells,
                             (uint64_t)s->m->n_milestones, keys_hash(s)};
    uint64_t head[sizeof want / sizeof want[0]];
    roi_wire_get(&rd, head, sizeof head);
    if (rd.bad || memcmp(head, want, sizeof want))
        return roi_error_set(err, ROI_ERR_USAGE, "", "rank %d ran scenario %s with another "
                             "model, seed or trial count than rank %d: every rank must run "
                             "the same command on the same files", r, s->scen, roi_part_rank(p));
    size_t tl, th;
    block_trials(s, bl, bh, &tl, &th);
    thread_state *t0 = &s->ts[0];
    uint64_t fail = roi_wire_get_u64(&rd);
    if (fail != SIZE_MAX) {
        double value;
        char what[sizeof t0->fail_what];
        roi_wire_get(&rd, &value, sizeof value);
        roi_wire_get(&rd, what, sizeof what);
        if (fail < t0->fail_trial) {
            t0->fail_trial = (size_t)fail;
            t0->fail_value = value;
            memcpy(t0->fail_what, what, sizeof what);
            t0->fail_what[sizeof what - 1] = '\0';
        }
    } else {
        for (int k = 0; k < ROI_OUT_COUNT; k++)
            roi_wire_get(&rd, s->run->out[k] + tl, (th - tl) * sizeof *s->run->out[k]);
        roi_wire_get(&rd, s->run->exact + tl, (th - tl) * sizeof *s->run->exact);
        roi_wire_get(&rd, s->block_moments + bl * ROI_OUT_COUNT,
                     (bh - bl) * ROI_OUT_COUNT * sizeof *s->block_moments);
        if (n_cells) {
            roi_wire_get(&rd, s->block_sums + bl * n_cells,
                         (bh - bl) * n_cells * sizeof *s->block_sums);
            take_cells(s, &rd);
        }
    }
    if (rd.bad || rd.left)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "rank %d sent %zu bytes that do not "
                             "match scenario %s's run", r, n, s->scen);
    return ROI_OK;
}

/* The counts summed over the ranks become thread 0's, the other threads' are dropped
 * (they are in the sums). */
static void install_counts(sim *s, const uint32_t *counts)
{
    const size_t n_cells = s->sh.n_cells;
    for (int t = 0; t < s->n_threads; t++) {
        thread_state *ts = &s->ts[t];
        memset(ts->hits, 0, n_cells * HIST_STRIDE * sizeof *ts->hits);
        memset(ts->wrapped, 0, n_cells * sizeof *ts->wrapped);
    }
    thread_state *t0 = &s->ts[0];
    for (size_t c = 0; c < n_cells; c++) {
        memcpy(t0->hits_hi + c * HIST_STRIDE, counts + c * HIST_SLOTS,
               HIST_SLOTS * sizeof *counts);
        t0->wrapped[c] = 1; /* its row of totals is read */
    }
}

/*
 * This rank's blocks to every rank and theirs into this run, so the reduction sees
 * every block, as one process would. st: this rank's status so far (its failure goes
 * to the others instead). Returns the agreed status (part.h).
 */
static roi_status share_blocks(sim *s, roi_status st, roi_error *err)
{
    roi_wire w = {0};
    uint32_t *counts = NULL; /* when the transport sums them: every cell's, summed here */
    const size_t n_counts = s->sh.outputs_only ? 0 : s->sh.n_cells * HIST_SLOTS;
    if (st == ROI_OK && n_counts && roi_part_sums(s->opts->part) &&
        !(counts = malloc(n_counts * sizeof *counts)))
        st = nomem(s, err);
    if (st == ROI_OK) {
        pack_blocks(s, &w, counts);
        if (w.failed)
            st = nomem(s, err);
    }
    st = roi_part_exchange(s->opts->part, st, w.buf, w.len, take_blocks, s, err);
    free(w.buf);
    if (st == ROI_OK && counts) /* every rank is here: the exchange agreed */
        st = roi_part_sum_counts(s->opts->part, counts, n_counts, err);
    if (st == ROI_OK && counts)
        install_counts(s, counts);
    free(counts);
    return st;
}

roi_status roi_sim_run(const roi_model *m, const roi_sim_opts *opts, roi_run **out,
                       roi_error *err)
{
    roi_engine_init(); /* the distributions' GSL functions report by status */
    if (out)
        *out = NULL;
    if (!m || !opts || !out)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "roi_sim_run: NULL argument");
    ROI_TRY(check_request(m, opts, err));
    roi_status st = ROI_OK;
    sim s = {.m = m, .opts = opts, .scen = m->name ? m->name : "(unnamed)",
             .trials = opts->trials, .n_blocks = (opts->trials + ROI_BLOCK - 1) / ROI_BLOCK};
    roi_part_blocks(opts->part, s.n_blocks, &s.block_lo, &s.block_hi);
    double t_start = omp_get_wtime();
    st = sim_alloc(&s, err);
    if (st == ROI_OK)
        st = sim_threads(&s, err);
    if (st == ROI_OK)
        st = sim_plan(&s, err);
    if (st == ROI_OK) {
        pilot_pass(&s);
        st = main_pass(&s, err);
    }
    /* Every rank comes here, failed or not, so none waits for one that has left (a
     * job of one rank has nothing to share). */
    if (roi_part_size(opts->part) > 1)
        st = share_blocks(&s, st, err);
    if (st != ROI_OK)
        goto cleanup;
    s.run->seconds_simulation = omp_get_wtime() - t_start;
    t_start = omp_get_wtime();
    ROI_TRY_GOTO(st, first_failure(&s, err), cleanup);
    ROI_TRY_GOTO(st, reduce(&s, err), cleanup);
    if (opts->progress)
        opts->progress(opts->progress_ud, s.trials, s.trials);
    s.run->seconds_statistics = omp_get_wtime() - t_start;
    *out = s.run;
    s.run = NULL;
cleanup:
    sim_free(&s);
    return st;
}

size_t roi_sim_bytes(const roi_model *m, size_t trials)
{
    const size_t n_blocks = trials / ROI_BLOCK + 1;
    const size_t n_cells = (size_t)roi_model_series_count(m) * (size_t)m->periods +
                           (size_t)roi_graph_input_count(&m->graph);
    const size_t per_trial = ROI_OUT_COUNT * sizeof(float) + sizeof(uint16_t); /* out, exact */
    if (trials > SIZE_MAX / per_trial || n_cells > SIZE_MAX / sizeof(double) / n_blocks)
        return SIZE_MAX;
    size_t a = trials * per_trial, b = n_blocks * n_cells * sizeof(double);
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}
