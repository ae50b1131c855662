/*
 * analysis.c - what drives the results (see analysis.h and docs/analysis.md).
 *
 * Determinism: the only parallel loops recompute an input's per-trial values or a
 * condition's per-trial truth into their own slots, or form sums that each belong to one
 * thread; every sum is a plain loop in trial order (or roi_stats_sum), so results do not
 * depend on the thread count.
 * Memory, bounded: sensitivity and tails use the first ns = min(n, cap)
 * trials: 4 bytes per such trial per computed output for its ranks, 20 for each of the
 * SENS_GROUP inputs processed together (values, ranks, and the next group's values,
 * drawn while this group is ranked) and 24 per thread (sort buffers). CIs and views
 * sort one output's float keys in a buffer of 8 bytes a trial per thread up to 2^22
 * trials (above, the threads share one output's buffer); views draw their inputs per
 * trial instead of storing them.
 * Outputs are read only through roi_run_value (sim.h), so their storage is sim.c's.
 */
#include "analysis.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "condition.h"
#include "rng.h"

#define Z95 1.959963984540054   /* two-sided 95% normal quantile */

enum { P10 = 2, P50 = 4, P90 = 6 }; /* indices into roi_pct_levels */

/* dst[i] = output o of trial i, i < n. */
static void copy_output(const roi_run *run, int o, size_t n, double *dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = roi_run_value(run, o, i);
}

/* ---- confidence intervals ----------------------------------------------------------------- */

/* The 0-based positions of the 1-based order statistics j and k that bracket the
 * p-quantile of n values with ~95%, clamped to [0, n - 1]; n >= 1. */
static void ci_positions(size_t n, double p, size_t *lo_out, size_t *hi_out)
{
    double dn = (double)n;
    double half = Z95 * sqrt(dn * p * (1.0 - p));
    double j = floor(dn * p - half), u = ceil(dn * p + half);
    size_t lo = j < 1.0 ? 0 : (size_t)j - 1;
    size_t hi = u < 1.0 ? 0 : (size_t)u - 1;
    *lo_out = lo > n - 1 ? n - 1 : lo;
    *hi_out = hi > n - 1 ? n - 1 : hi;
}

/* Fills ci from the order statistics lo[k], hi[k] of each level and the lowest
 * ceil(n / 20) values sorted ascending (tail); n >= 1. */
static void ci_fill(size_t n, const roi_summary *s, const double *lo, const double *hi,
                    const double *tail, roi_summary_ci *ci)
{
    double dn = (double)n;
    for (int k = 0; k < ROI_NPCT; k++) {
        ci->pct_lo[k] = lo[k];
        ci->pct_hi[k] = hi[k];
        ci->pct_se[k] = (hi[k] - lo[k]) / (2.0 * Z95);
    }
    double pp = s->prob_positive;
    ci->prob_positive_se = sqrt(pp * (1.0 - pp) / dn);
    /* CVaR at 5%: [var of the tail + (1 - a)(cvar - var)^2] / (n a) (asymptotic). */
    size_t ntail = (n + 19) / 20;
    double var5 = tail[ntail - 1], ss = 0.0;
    for (size_t i = 0; i < ntail; i++) {
        double d = tail[i] - s->cvar5;
        ss += d * d;
    }
    double tail_var = ntail > 1 ? ss / (double)(ntail - 1) : 0.0;
    double gap = s->cvar5 - var5;
    ci->cvar5_se = sqrt((tail_var + 0.95 * gap * gap) / (double)ntail);
}

static void ci_nan(roi_summary_ci *ci)
{
    for (int k = 0; k < ROI_NPCT; k++)
        ci->pct_lo[k] = ci->pct_hi[k] = ci->pct_se[k] = NAN;
    ci->prob_positive_se = ci->cvar5_se = NAN;
}

void roi_summary_ci_sorted(const double *sorted, size_t n, const roi_summary *s,
                           roi_summary_ci *ci)
{
    ci_nan(ci);
    if (n == 0)
        return;
    double lo[ROI_NPCT], hi[ROI_NPCT];
    for (int k = 0; k < ROI_NPCT; k++) {
        size_t a, b;
        ci_positions(n, roi_pct_levels[k], &a, &b);
        lo[k] = sorted[a];
        hi[k] = sorted[b];
    }
    ci_fill(n, s, lo, hi, sorted, ci);
}

/*
 * A pass that holds a buffer of 8 bytes a trial per output it works on (the CIs, the
 * views) works on outputs in parallel, a buffer per thread, up to 2^22 trials; above,
 * on one output at a time, its threads sharing that output's gathering and sorting, so
 * that a large run's peak stays that of one such buffer (roi_analysis_bytes).
 */
#define ROI_BUFFER_PARALLEL ((size_t)1 << 22)

/* The threads that work on outputs in parallel. */
static int buffer_threads(size_t trials, int threads)
{
    int t = threads < 1 ? 1 : threads;
    if (trials > ROI_BUFFER_PARALLEL)
        t = 1;
    return t > ROI_OUT_COUNT ? ROI_OUT_COUNT : t;
}

/* The threads that share one output's sort: all of them above 2^22 trials. */
static int sort_threads(size_t trials, int threads)
{
    return trials > ROI_BUFFER_PARALLEL && threads > 1 ? threads : 1;
}

/* Whether output o of trial i goes into sort_output's sort (all: o has no NaN). */
static inline int sort_keeps(const roi_run *run, int o, const unsigned char *match, int all,
                             size_t i)
{
    return (!match || match[i]) && (all || !isnan(roi_run_value(run, o, i)));
}

/*
 * Sorts the defined values of output o over the trials where match is nonzero (every
 * trial when match is NULL) into buf (room for run->trials doubles), as float keys
 * sorted in the buffer itself (roi_stats_sort_keys32): the same order as roi_stats_sort
 * on the values. `threads` threads share the work, each gathering its own contiguous
 * share of the trials after counting the shares before it, so the keys are in trial order
 * for any thread count. Returns how many there are.
 */
static size_t sort_output(const roi_run *run, int o, const unsigned char *match, double *buf,
                          int threads)
{
    uint32_t *k = (uint32_t *)(void *)buf;
    const size_t n = run->trials;
    const int all = run->summary[o].n_defined == n; /* no NaN to leave out */
    int nt = threads < 1 ? 1 : threads > ROI_SORT_MAX_THREADS ? ROI_SORT_MAX_THREADS : threads;
    size_t kept[ROI_SORT_MAX_THREADS] = {0}, m = 0;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        const int t = omp_get_thread_num(), tn = omp_get_num_threads();
        const size_t lo = n * (size_t)t / (size_t)tn, hi = n * (size_t)(t + 1) / (size_t)tn;
        size_t at = 0;
        if (tn > 1) {
            size_t c = all && !match ? hi - lo : 0;
            for (size_t i = lo; i < hi && (match || !all); i++)
                c += (size_t)sort_keeps(run, o, match, all, i);
            kept[t] = c;
#pragma omp barrier
            for (int u = 0; u < t; u++)
                at += kept[u];
        }
        for (size_t i = lo; i < hi; i++)
            if (sort_keeps(run, o, match, all, i)) /* a float's value: (float) is exact */
                k[at++] = roi_sort_key32((float)roi_run_value(run, o, i));
        if (t == tn - 1)
            m = at;
    }
    roi_stats_sort_keys32(buf, m, nt);
    return m;
}

/* Summarises x[0..n-1] and its CIs; work holds n doubles. */
static roi_status summarize_ci(const double *x, size_t n, double *work, roi_summary *s,
                               roi_summary_ci *ci)
{
    roi_status st = roi_stats_summarize(x, n, work, s);
    if (st == ROI_OK)
        roi_summary_ci_sorted(work, s->n_defined, s, ci);
    return st;
}

/* ---- ranks ----------------------------------------------------------------------------------- */

roi_status roi_ranks(const double *x, size_t n, double *rank)
{
    if (n == 0)
        return ROI_OK;
    roi_status st = ROI_OK;
    uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint32_t *r2 = malloc(n * sizeof *r2);
    if (!a || !b || !r2)
        st = ROI_ERR_NOMEM;
    if (st == ROI_OK && (st = roi_stats_rank(x, n, r2, a, b, NULL)) == ROI_OK)
        for (size_t i = 0; i < n; i++)
            rank[i] = 0.5 * (double)r2[i];
    free(a);
    free(b);
    free(r2);
    return st;
}

double roi_pearson(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return 0.0;
    double mx = roi_stats_sum(x, n) / (double)n, my = roi_stats_sum(y, n) / (double)n;
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (!(sxx > 0.0) || !(syy > 0.0))
        return 0.0;
    double r = sxy / sqrt(sxx * syy);
    return r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
}

double roi_spearman_se(double rho, size_t n)
{
    if (n <= 3)
        return NAN;
    return (1.0 - rho * rho) * sqrt(1.06 / (double)(n - 3));
}

/* ---- per-trial input values -------------------------------------------------------------- */

typedef struct ctx {
    const roi_model *m;
    const roi_run *run;
    size_t n;
    uint64_t *keys;
    gsl_rng **scratch;   /* one per thread */
    double **vals;       /* one per thread: a trial's node values (named expressions) */
    int threads;
    roi_sampling *plan;  /* the run's sampling plan; NULL for plain Monte Carlo */
    size_t sens_cap;     /* sensitivity and tails use the first min(n, sens_cap) trials */
} ctx;

/* The value input `node` took in trial i of the run: drawn again from its own stream,
 * through the run's sampling plan when it had one (Latin hypercube, correlations);
 * r is the calling thread's scratch generator. */
static inline double input_value(const ctx *c, int node, size_t i, gsl_rng *r)
{
    const roi_graph *g = &c->m->graph;
    if (g->nodes[node].kind != ROI_NODE_INPUT) { /* a named expression: the whole trial */
        double *vals = c->vals[omp_get_thread_num()];
        if (c->plan)
            roi_sampling_eval(c->plan, g, c->keys, (uint64_t)i, vals, r);
        else
            roi_graph_eval(g, c->keys, (uint64_t)i, vals, r);
        return vals[node];
    }
    if (c->plan)
        return roi_sampling_input(c->plan, g, c->keys, node, (uint64_t)i, r);
    return roi_dist_sample(&g->nodes[node].dist, c->keys[node], (uint64_t)i, r);
}

/* Whether input `node` can take a chunk of trials' uniforms in one batch
 * (roi_dist_by_uniform), which holds only without a sampling plan. */
static int by_uniform(const ctx *c, int node)
{
    return !c->plan && c->m->graph.nodes[node].kind == ROI_NODE_INPUT &&
           roi_dist_by_uniform(&c->m->graph.nodes[node].dist);
}

/* Trials per batch of a beta's generator words (8 KB on the stack). */
#define WORDS_CHUNK 256

/* x[i - lo] = input_value(node, i) for lo <= i < hi, on the calling thread (scratch r): the
 * uniforms in one batch where by_uniform, then the quantiles; for a beta or PERT the
 * generator's first words in batches: roi_dist_sample's doubles either way. */
static void input_chunk(const ctx *c, int node, size_t lo, size_t hi, double *x, gsl_rng *r)
{
    const roi_dist *d = &c->m->graph.nodes[node].dist;
    if (!c->plan && roi_dist_by_words(d)) { /* the generator's first words in batches */
        uint32_t w[WORDS_CHUNK * ROI_RNG_GSL_WORDS];
        for (size_t i0 = lo; i0 < hi; i0 += WORDS_CHUNK) {
            const size_t m = hi - i0 < WORDS_CHUNK ? hi - i0 : WORDS_CHUNK;
            roi_rng_gsl_words(c->keys[node], (uint64_t)i0, m, w);
            for (size_t k = 0; k < m; k++)
                x[i0 - lo + k] = roi_dist_sample_words(d, c->keys[node], (uint64_t)(i0 + k),
                                                       w + k * ROI_RNG_GSL_WORDS, r);
        }
        return;
    }
    if (!by_uniform(c, node)) {
        for (size_t i = lo; i < hi; i++)
            x[i - lo] = input_value(c, node, i, r);
        return;
    }
    roi_rng_uniforms(c->keys[node], (uint64_t)lo, hi - lo, x);
    roi_dist_quantiles(d, x, hi - lo);
}

/* ---- sensitivity and tails ---------------------------------------------------------------- */

static int cmp_sens(const void *pa, const void *pb)
{
    const roi_sens *a = pa, *b = pb;
    double ca = fabs(a->contribution), cb = fabs(b->contribution);
    if (ca != cb)
        return ca > cb ? -1 : 1;
    double sa = fabs(a->swing), sb = fabs(b->swing);
    if (sa != sb && !isnan(sa) && !isnan(sb))
        return sa > sb ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

static int cmp_tail(const void *pa, const void *pb)
{
    const roi_tail_row *a = pa, *b = pb;
    double ma = fabs(a->median_shift), mb = fabs(b->median_shift);
    if (ma != mb)
        return ma > mb ? -1 : 1;
    double sa = fabs(a->mean_shift), sb = fabs(b->mean_shift);
    if (sa != sb)
        return sa > sb ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

static int cmp_tornado(const void *pa, const void *pb)
{
    const roi_tornado_row *a = pa, *b = pb;
    double ra = isnan(a->range) ? -1.0 : a->range, rb = isnan(b->range) ? -1.0 : b->range;
    if (ra != rb)
        return ra > rb ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

/* What one pass over the trials gathers for one output: roi_pearson's sums of the
 * centred ranks and the decile groups' sums of the output shifted by its mean. */
typedef struct sens_acc {
    double sxy, sl, ql, sh, qh;
} sens_acc;

/* The mean of the mid-ranks 1..n, (n + 1) / 2, formed as roi_pearson forms it
 * (roi_stats_sum of the ranks, exact for n < 9.4e7, divided by n): the same double. */
static double mean_rank(size_t n)
{
    return 0.5 * (double)((uint64_t)n * ((uint64_t)n + 1)) / (double)n;
}

/* roi_pearson's final step from its sums. */
static double pearson_from(double sxy, double sxx, double syy)
{
    if (!(sxx > 0.0) || !(syy > 0.0))
        return 0.0;
    double r = sxy / sqrt(sxx * syy);
    return r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
}

/* The output ranks shared by every input: twice the mid-ranks of each computed output
 * and the sum of squares of its centred ranks. */
typedef struct out_ranks {
    uint32_t *r2[ROI_OUT_COUNT];
    double syy[ROI_OUT_COUNT];
} out_ranks;

/* One input's levels over the first ns trials, from its values and sorted values. */
typedef struct input_levels {
    double q10, q90, med;  /* its sample p10, p90 and median */
    double mean;           /* its mean */
    double mr;             /* the mean mid-rank (mean_rank) */
} input_levels;

/* What the pass over one input's trials gathers: per computed output (by position in
 * the list of computed outputs) its sens_acc; for the input alone its spread (ssx
 * around its mean, sxx of its centred ranks), its decile counts, and how many of its
 * values fell in each npv tail (those values are in its slot's tail arrays). */
typedef struct input_sums {
    sens_acc acc[ROI_OUT_COUNT];
    double ssx, sxx;
    size_t nl, nh, m_tail[2];
} input_sums;

/* Inputs handled by one pass over the trials: each output's ranks are read once for
 * all of them. */
#define SENS_GROUP 4
/* Trials per drawing task. */
#define DRAW_CHUNK 16384

/* One input of a pass: x, its values in trial order; rx2, twice its mid-ranks;
 * tail[t], its values in npv's lower / upper tail (~10% of the trials each); its
 * levels and sums. 12 bytes per trial plus the tails. */
typedef struct sens_slot {
    int k;                 /* the input's index among the graph's inputs */
    double *x;
    uint32_t *rx2;
    double *tail[2];
    input_levels lv;
    input_sums sum;
    roi_status st;         /* of its ranking and its tails */
} sens_slot;

/* A ranking task's scratch, one per thread: roi_stats_rank's two buffers and an
 * output's values to rank. 24 bytes per trial. */
typedef struct rank_scratch {
    uint64_t *a, *b;
    double *y;
} rank_scratch;

/* The sensitivity pass's buffers: SENS_GROUP slots, the next group's values (drawn
 * while this group is ranked) and a rank_scratch per thread. */
typedef struct sens_state {
    sens_slot slot[SENS_GROUP];
    double *next[SENS_GROUP];
    rank_scratch *rs;
    int n_rs;
} sens_state;

static void sens_state_free(sens_state *ss)
{
    for (int q = 0; q < SENS_GROUP; q++) {
        free(ss->slot[q].x);
        free(ss->slot[q].rx2);
        free(ss->slot[q].tail[0]);
        free(ss->slot[q].tail[1]);
        free(ss->next[q]);
    }
    for (int t = 0; ss->rs && t < ss->n_rs; t++) {
        free(ss->rs[t].a);
        free(ss->rs[t].b);
        free(ss->rs[t].y);
    }
    free(ss->rs);
}

static int sens_state_init(sens_state *ss, size_t n, const roi_analysis *an, int threads)
{
    memset(ss, 0, sizeof *ss);
    int ok = 1;
    for (int q = 0; q < SENS_GROUP; q++) {
        sens_slot *sl = &ss->slot[q];
        sl->x = malloc((n + 1) * sizeof *sl->x);
        sl->rx2 = malloc((n + 1) * sizeof *sl->rx2);
        sl->tail[0] = malloc((an->tails[0].count + 1) * sizeof *sl->tail[0]);
        sl->tail[1] = malloc((an->tails[1].count + 1) * sizeof *sl->tail[1]);
        ss->next[q] = malloc((n + 1) * sizeof *ss->next[q]);
        ok &= sl->x && sl->rx2 && sl->tail[0] && sl->tail[1] && ss->next[q];
    }
    ss->rs = calloc((size_t)threads, sizeof *ss->rs);
    if (!ss->rs)
        return 0;
    ss->n_rs = threads;
    for (int t = 0; t < threads; t++) {
        rank_scratch *r = &ss->rs[t];
        r->a = malloc((n + 1) * sizeof *r->a);
        r->b = malloc((n + 1) * sizeof *r->b);
        r->y = malloc((n + 1) * sizeof *r->y);
        ok &= r->a && r->b && r->y;
    }
    return ok;
}

/*
 * Pass gi of `groups` over the first n trials of the inputs in slots sl[0..n_sl): the
 * sums of the computed outputs outs[j], j = gi, gi + groups, ..., for each of them;
 * pass 0 also gathers what each input alone needs. Every sum is the one the
 * straightforward per-input, per-output loops (roi_pearson, then the decile groups)
 * form, in the same trial order, so any grouping gives the same bits; each sum belongs
 * to one pass.
 */
static void group_pass(const ctx *c, const roi_analysis *an, const out_ranks *orank,
                       sens_slot *sl, int n_sl, const int *outs, int n_outs, int gi,
                       int groups)
{
    const roi_run *run = c->run;
    const size_t n = an->sens_trials;
    const double mr = mean_rank(n);
    int mine[ROI_OUT_COUNT], n_mine = 0;
    const uint32_t *ry2[ROI_OUT_COUNT];
    double shift[ROI_OUT_COUNT];
    sens_acc ac[SENS_GROUP][ROI_OUT_COUNT];
    for (int j = gi; j < n_outs; j += groups) {
        ry2[n_mine] = orank->r2[outs[j]];
        shift[n_mine] = run->summary[outs[j]].mean;
        for (int q = 0; q < n_sl; q++)
            ac[q][n_mine] = (sens_acc){0};
        mine[n_mine++] = j;
    }
    const int alone = gi == 0;
    const double thr_lo = an->tails[0].threshold, thr_hi = an->tails[1].threshold;
    double s1[SENS_GROUP] = {0}, s2[SENS_GROUP] = {0};
    size_t cl[SENS_GROUP] = {0}, ch[SENS_GROUP] = {0}, ml[SENS_GROUP] = {0},
           mh[SENS_GROUP] = {0};
    for (size_t i = 0; i < n; i++) {
        double dy[ROI_OUT_COUNT];
        for (int jj = 0; jj < n_mine; jj++)
            dy[jj] = 0.5 * (double)ry2[jj][i] - mr;
        const double y = alone ? roi_run_value(run, ROI_OUT_NPV, i) : 0.0;
        for (int q = 0; q < n_sl; q++) {
            const input_levels *lv = &sl[q].lv;
            const double xi = sl[q].x[i];
            const double dx = 0.5 * (double)sl[q].rx2[i] - lv->mr;
            const int lo = xi <= lv->q10, hi = xi >= lv->q90;
            for (int jj = 0; jj < n_mine; jj++) {
                sens_acc *a = &ac[q][jj];
                a->sxy += dx * dy[jj];
                if (lo | hi) {
                    double d = roi_run_value(run, outs[mine[jj]], i) - shift[jj];
                    if (lo) {
                        a->sl += d;
                        a->ql += d * d;
                    }
                    if (hi) {
                        a->sh += d;
                        a->qh += d * d;
                    }
                }
            }
            if (alone) { /* the input's spread, decile counts and npv tails */
                s1[q] += (xi - lv->mean) * (xi - lv->mean);
                s2[q] += dx * dx;
                cl[q] += (size_t)lo;
                ch[q] += (size_t)hi;
                if (y < thr_lo && ml[q] < an->tails[0].count)
                    sl[q].tail[0][ml[q]++] = xi;
                if (y > thr_hi && mh[q] < an->tails[1].count)
                    sl[q].tail[1][mh[q]++] = xi;
            }
        }
    }
    for (int q = 0; q < n_sl; q++) {
        input_sums *sum = &sl[q].sum;
        for (int jj = 0; jj < n_mine; jj++)
            sum->acc[mine[jj]] = ac[q][jj];
        if (alone) {
            sum->ssx = s1[q];
            sum->sxx = s2[q];
            sum->nl = cl[q];
            sum->nh = ch[q];
            sum->m_tail[0] = ml[q];
            sum->m_tail[1] = mh[q];
        }
    }
}

/* Input k's row of every computed output outs[0..n_outs) from its sums. */
static void sens_rows(const ctx *c, roi_analysis *an, const out_ranks *orank, int k,
                      const input_levels *lv, const int *outs, int n_outs,
                      const input_sums *sum)
{
    const roi_run *run = c->run;
    const size_t n = an->sens_trials, nl = sum->nl, nh = sum->nh;
    const int node = roi_graph_input_node(&c->m->graph, k);
    for (int j = 0; j < n_outs; j++) {
        int o = outs[j];
        const sens_acc *a = &sum->acc[j];
        const double shift = run->summary[o].mean;
        roi_sens *r = &an->sens[o].rows[k];
        r->node = node;
        r->name = c->m->graph.nodes[node].name;
        r->rank_corr = pearson_from(a->sxy, sum->sxx, orank->syy[o]);
        r->rank_corr_se = roi_spearman_se(r->rank_corr, n);
        r->low_share = (double)nl / (double)n;
        r->high_share = (double)nh / (double)n;
        if (lv->q10 == lv->q90 || nl < 2 || nh < 2) { /* a (nearly) constant input */
            r->low_mean = r->high_mean = run->summary[o].mean;
            r->swing = 0.0;
            r->swing_se = 0.0;
            continue;
        }
        double ml = a->sl / (double)nl, mh = a->sh / (double)nh;
        double vl = (a->ql - (double)nl * ml * ml) / (double)(nl - 1);
        double vh = (a->qh - (double)nh * mh * mh) / (double)(nh - 1);
        r->low_mean = shift + ml;
        r->high_mean = shift + mh;
        r->swing = mh - ml;
        r->swing_se = sqrt((vl > 0 ? vl : 0) / (double)nl + (vh > 0 ? vh : 0) / (double)nh);
    }
}

/* The median of x[0..m), m >= 1, as roi_stats_percentile_sorted reads it off the sorted
 * values: the two order statistics it interpolates, found by selection on the values'
 * sort keys (written over x, which is left reordered). */
static roi_status median_by_selection(double *x, size_t m, double *med)
{
    for (size_t i = 0; i < m; i++) {
        uint64_t key = roi_sort_key(x[i]);
        memcpy(&x[i], &key, sizeof key);
    }
    uint64_t *keys = (uint64_t *)(void *)x;
    const double h = (double)(m - 1) * 0.5;
    const size_t lo = (size_t)floor(h);
    if (lo >= m - 1) {
        size_t last = m - 1;
        ROI_TRY(roi_stats_select_keys(keys, m, &last, 1));
        *med = roi_sort_key_value(keys[last]);
        return ROI_OK;
    }
    const size_t pos[2] = {lo, lo + 1};
    ROI_TRY(roi_stats_select_keys(keys, m, pos, 2));
    *med = roi_stats_interpolate(roi_sort_key_value(keys[lo]), roi_sort_key_value(keys[lo + 1]),
                                 h - (double)lo);
    return ROI_OK;
}

/* The input of slot sl's row of both npv tails: its median and mean over the tail
 * trials, as shifts from its overall median in its standard deviations. */
static roi_status tail_rows(const ctx *c, roi_analysis *an, sens_slot *sl)
{
    const size_t n = an->sens_trials;
    const double sdx = n > 1 ? sqrt(sl->sum.ssx / (double)(n - 1)) : 0.0;
    const int node = roi_graph_input_node(&c->m->graph, sl->k);
    for (int t = 0; t < 2; t++) {
        double *tail = sl->tail[t];
        size_t m = sl->sum.m_tail[t];
        roi_tail_row *r = &an->tails[t].rows[sl->k];
        r->node = node;
        r->name = c->m->graph.nodes[node].name;
        r->median_shift = r->mean_shift = 0.0;
        if (m == 0 || !(sdx > 0.0))
            continue;
        double tmean = roi_stats_sum(tail, m) / (double)m, tmed;
        ROI_TRY(median_by_selection(tail, m, &tmed));
        r->median_shift = (tmed - sl->lv.med) / sdx;
        r->mean_shift = (tmean - sl->lv.med) / sdx;
    }
    return ROI_OK;
}

/* The computed outputs' rows and rank buffers, and the npv tails' thresholds, counts
 * and rows, over the first n trials. */
static roi_status sens_setup(const ctx *c, roi_analysis *an, size_t n, out_ranks *orank)
{
    const roi_run *run = c->run;
    const int n_in = roi_graph_input_count(&c->m->graph);
    an->sens_trials = n;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        roi_sens_output *so = &an->sens[o];
        so->computed = run->summary[o].n_defined == c->n && n >= 4;
        if (!so->computed)
            continue;
        so->rows = calloc((size_t)n_in + 1, sizeof *so->rows);
        orank->r2[o] = malloc(n * sizeof *orank->r2[o]);
        if (!so->rows || !orank->r2[o])
            return ROI_ERR_NOMEM;
        so->n = n_in;
    }
    const roi_summary *npv = &run->summary[ROI_OUT_NPV];
    for (int t = 0; t < 2; t++) {
        roi_tail *tl = &an->tails[t];
        tl->upper = t;
        tl->threshold = npv->pct[t ? P90 : P10];
        tl->rows = calloc((size_t)n_in + 1, sizeof *tl->rows);
        if (!tl->rows)
            return ROI_ERR_NOMEM;
        tl->n = n_in;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            double y = roi_run_value(run, ROI_OUT_NPV, i);
            m += t ? y > tl->threshold : y < tl->threshold;
        }
        tl->count = m;
    }
    return ROI_OK;
}

/* Twice the mid-ranks of output o over the first n trials and the sum of squares of
 * its centred ranks, with the calling thread's scratch. */
static roi_status rank_output(const ctx *c, size_t n, int o, out_ranks *orank,
                              rank_scratch *rs)
{
    const double mr = mean_rank(n);
    copy_output(c->run, o, n, rs->y);
    ROI_TRY(roi_stats_rank(rs->y, n, orank->r2[o], rs->a, rs->b, NULL));
    double syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dy = 0.5 * (double)orank->r2[o][i] - mr;
        syy += dy * dy;
    }
    orank->syy[o] = syy;
    return ROI_OK;
}

/* Ranks slot sl's values (twice the mid-ranks) and sets its levels, with the calling
 * thread's scratch. */
static void rank_input(size_t n, sens_slot *sl, rank_scratch *rs)
{
    const double *xs = NULL;
    sl->st = roi_stats_rank(sl->x, n, sl->rx2, rs->a, rs->b, &xs);
    if (sl->st != ROI_OK)
        return;
    sl->lv = (input_levels){roi_stats_percentile_sorted(xs, n, 0.10),
                            roi_stats_percentile_sorted(xs, n, 0.90),
                            roi_stats_percentile_sorted(xs, n, 0.50),
                            roi_stats_sum(sl->x, n) / (double)n, mean_rank(n)};
    sl->sum = (input_sums){{{0}}, 0, 0, 0, 0, {0, 0}};
}

/* Tasks drawing inputs k0 .. k0 + SENS_GROUP - 1 (those that exist) over the first n
 * trials into next[], DRAW_CHUNK trials a task. Called inside a single construct. */
static void draw_group(const ctx *c, int k0, size_t n, double *const *next)
{
    const roi_graph *g = &c->m->graph;
    const int n_in = roi_graph_input_count(g);
    for (int q = 0; q < SENS_GROUP && k0 + q < n_in; q++) {
        const int node = roi_graph_input_node(g, k0 + q);
        double *x = next[q];
        for (size_t lo = 0; lo < n; lo += DRAW_CHUNK) {
#pragma omp task firstprivate(lo)
            input_chunk(c, node, lo, lo + DRAW_CHUNK < n ? lo + DRAW_CHUNK : n, x + lo,
                        c->scratch[omp_get_thread_num()]);
        }
    }
}

/* One group of inputs from k0 (their values already in next[]): ranked while the next
 * group is drawn, then their sums (with several threads a pass per input, split by
 * outputs too when there are more threads than inputs; else `groups` passes split by
 * outputs), then their rows and tails, each step as tasks. Called inside a single
 * construct. */
static roi_status one_group(const ctx *c, roi_analysis *an, const out_ranks *orank,
                            sens_state *ss, int k0, const int *outs, int n_outs, int groups)
{
    const size_t n = an->sens_trials;
    const int n_in = roi_graph_input_count(&c->m->graph);
    const int n_sl = n_in - k0 < SENS_GROUP ? n_in - k0 : SENS_GROUP;
    for (int q = 0; q < n_sl; q++) {
        sens_slot *sl = &ss->slot[q];
        double *x = sl->x;
        sl->x = ss->next[q];
        ss->next[q] = x;
        sl->k = k0 + q;
#pragma omp task firstprivate(sl)
        rank_input(n, sl, &ss->rs[omp_get_thread_num()]);
    }
    draw_group(c, k0 + SENS_GROUP, n, ss->next);
#pragma omp taskwait
    for (int q = 0; q < n_sl; q++)
        ROI_TRY(ss->slot[q].st);
    if (groups > 1 && n_sl > 1) {
        /* By inputs first: each input's pass does the same work, so the threads get
         * equal shares (a split by outputs leaves one pass the inputs' own sums). */
        const int per = groups / n_sl > 1 ? groups / n_sl : 1;
        for (int q = 0; q < n_sl; q++)
            for (int gi = 0; gi < per; gi++) {
#pragma omp task firstprivate(q, gi)
                group_pass(c, an, orank, &ss->slot[q], 1, outs, n_outs, gi, per);
            }
    } else {
        for (int gi = 0; gi < groups; gi++) {
#pragma omp task firstprivate(gi)
            group_pass(c, an, orank, ss->slot, n_sl, outs, n_outs, gi, groups);
        }
    }
#pragma omp taskwait
    for (int q = 0; q < n_sl; q++) {
        sens_slot *sl = &ss->slot[q];
#pragma omp task firstprivate(sl)
        {
            sens_rows(c, an, orank, sl->k, &sl->lv, outs, n_outs, &sl->sum);
            sl->st = tail_rows(c, an, sl);
        }
    }
#pragma omp taskwait
    for (int q = 0; q < n_sl; q++)
        ROI_TRY(ss->slot[q].st);
    return ROI_OK;
}

/*
 * The outputs ranked and every input against them, in one task region: the outputs'
 * ranks while the first inputs are drawn, then the inputs SENS_GROUP at a time
 * (one_group), each group drawn while the one before it is ranked.
 */
static roi_status all_inputs(const ctx *c, roi_analysis *an, out_ranks *orank,
                             sens_state *ss)
{
    const size_t n = an->sens_trials;
    const int n_in = roi_graph_input_count(&c->m->graph);
    int outs[ROI_OUT_COUNT], n_outs = 0;
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        if (an->sens[o].computed)
            outs[n_outs++] = o;
    const int groups = c->threads < n_outs + 1 ? c->threads : n_outs + 1;
    roi_status out_st[ROI_OUT_COUNT], st = ROI_OK;
#pragma omp parallel num_threads(c->threads)
#pragma omp single
    {
        for (int j = 0; j < n_outs; j++) {
#pragma omp task firstprivate(j)
            out_st[j] = rank_output(c, n, outs[j], orank, &ss->rs[omp_get_thread_num()]);
        }
        draw_group(c, 0, n, ss->next);
#pragma omp taskwait
        for (int j = 0; j < n_outs && st == ROI_OK; j++)
            st = out_st[j];
        for (int k0 = 0; k0 < n_in && st == ROI_OK; k0 += SENS_GROUP)
            st = one_group(c, an, orank, ss, k0, outs, n_outs, groups);
    }
    return st;
}

/* Contributions (rho^2 normalised over inputs, summed in graph order), then every
 * output's rows and both tails' rows in their reporting order. */
static void sens_finish(roi_analysis *an)
{
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        roi_sens_output *so = &an->sens[o];
        if (!so->computed)
            continue;
        double total = 0.0;
        for (int k = 0; k < so->n; k++)
            total += so->rows[k].rank_corr * so->rows[k].rank_corr;
        for (int k = 0; k < so->n; k++) {
            double r = so->rows[k].rank_corr;
            so->rows[k].contribution = total > 0.0 ? copysign(r * r / total, r) : 0.0;
        }
        qsort(so->rows, (size_t)so->n, sizeof *so->rows, cmp_sens);
    }
    for (int t = 0; t < 2; t++)
        qsort(an->tails[t].rows, (size_t)an->tails[t].n, sizeof *an->tails[t].rows, cmp_tail);
}

/*
 * Sensitivity of every fully defined output to every input, and the tails of npv, over
 * the first ns = min(n, cap) trials. Outputs are ranked, then inputs SENS_GROUP at a
 * time, every thread working on the same group; every result depends only on its input,
 * so not on the thread count. Memory: 4 bytes per such trial per computed output for
 * the output ranks, 20 per input of a group (values, ranks, the next group's values)
 * and 24 per thread (rank_scratch).
 */
static roi_status sensitivity(const ctx *c, roi_analysis *an)
{
    roi_status st = ROI_OK;
    const size_t n = c->n < c->sens_cap ? c->n : c->sens_cap;
    out_ranks orank = {{0}, {0}};
    sens_state ss;
    memset(&ss, 0, sizeof ss);
    ROI_TRY_GOTO(st, sens_setup(c, an, n, &orank), cleanup);
    if (!sens_state_init(&ss, n, an, c->threads)) {
        st = ROI_ERR_NOMEM;
        goto cleanup;
    }
    ROI_TRY_GOTO(st, all_inputs(c, an, &orank, &ss), cleanup);
    sens_finish(an);
cleanup:
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        free(orank.r2[o]);
    sens_state_free(&ss);
    return st;
}

/* ---- tornado --------------------------------------------------------------------------------- */

/* npv of one deterministic trial with every input at the value in fixed[node]. */
static double npv_at(const roi_model *m, const double *fixed, double *vals, roi_trial_ws *ws)
{
    double out[ROI_OUT_COUNT];
    roi_graph_eval_fixed(&m->graph, fixed, vals);
    roi_model_trial(m, vals, ws, out, NULL);
    return out[ROI_OUT_NPV];
}

static roi_status tornado(const ctx *c, roi_analysis *an)
{
    const roi_model *m = c->m;
    const roi_graph *g = &m->graph;
    const int n_in = roi_graph_input_count(g);
    roi_status st = ROI_OK;
    double *fixed = malloc(((size_t)g->n + 1) * sizeof *fixed);
    double *vals = malloc(((size_t)g->n + 1) * sizeof *vals);
    roi_trial_ws *ws = roi_trial_ws_new(m);
    an->tornado = calloc((size_t)n_in + 1, sizeof *an->tornado);
    if (!fixed || !vals || !ws || !an->tornado) {
        st = ROI_ERR_NOMEM;
        goto cleanup;
    }
    for (int i = 0; i < g->n; i++)
        fixed[i] = g->nodes[i].kind == ROI_NODE_INPUT ? roi_dist_quantile(&g->nodes[i].dist, 0.5)
                                                      : 0.0;
    an->tornado_base = npv_at(m, fixed, vals, ws);
    for (int k = 0; k < n_in; k++) {
        /* A named expression moves with the distribution inside it (graph.h): its row
         * is that distribution at its p10 and p90, the expression's values beside. */
        int node = roi_graph_input_node(g, k);
        int leaf = g->nodes[node].kind == ROI_NODE_INPUT ? node
                                                         : roi_graph_find_draw(g, g->nodes[node].name);
        roi_tornado_row *r = &an->tornado[k];
        r->node = node;
        r->name = g->nodes[node].name;
        if (leaf < 0) { /* not reached: a named expression holds its distribution */
            r->q10 = r->q90 = r->at_q10 = r->at_q90 = an->tornado_base;
            continue;
        }
        double med = fixed[leaf];
        fixed[leaf] = roi_dist_quantile(&g->nodes[leaf].dist, 0.10);
        r->at_q10 = npv_at(m, fixed, vals, ws);
        r->q10 = vals[node];
        fixed[leaf] = roi_dist_quantile(&g->nodes[leaf].dist, 0.90);
        r->at_q90 = npv_at(m, fixed, vals, ws);
        r->q90 = vals[node];
        fixed[leaf] = med;
        r->range = fabs(r->at_q90 - r->at_q10);
    }
    an->n_tornado = n_in;
    qsort(an->tornado, (size_t)n_in, sizeof *an->tornado, cmp_tornado);
cleanup:
    free(fixed);
    free(vals);
    if (ws)
        roi_trial_ws_free(ws);
    return st;
}

/* ---- views --------------------------------------------------------------------------------- */

static char *dupstr(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

/* Trials per chunk of a view's inputs drawn again. */
#define VIEW_CHUNK 1024

/* match[i] = whether cond holds in trial i, the inputs it names drawn again, a chunk of
 * trials at a time (input_chunk: batches, the same doubles; trial by trial if the
 * chunk's buffer cannot be had); every thread fills its own slots. cond names at most
 * 64 values. */
static void view_matches(const ctx *c, const roi_cond *cond, unsigned char *match)
{
    const int nr = roi_cond_ref_count(cond);
    const roi_cond_ref *refs = roi_cond_refs(cond);
    const long long n_chunks = (long long)((c->n + VIEW_CHUNK - 1) / VIEW_CHUNK);
#pragma omp parallel num_threads(c->threads)
    {
        gsl_rng *r = c->scratch[omp_get_thread_num()];
        double *in = malloc(((size_t)nr * VIEW_CHUNK + 1) * sizeof *in);
#pragma omp for schedule(static)
        for (long long ch = 0; ch < n_chunks; ch++) {
            const size_t lo = (size_t)ch * VIEW_CHUNK;
            const size_t hi = lo + VIEW_CHUNK < c->n ? lo + VIEW_CHUNK : c->n;
            for (int k = 0; in && k < nr; k++)
                if (refs[k].kind != ROI_COND_OUTPUT)
                    input_chunk(c, refs[k].index, lo, hi, in + (size_t)k * VIEW_CHUNK, r);
            for (size_t i = lo; i < hi; i++) {
                double vals[64];
                for (int k = 0; k < nr; k++)
                    vals[k] = refs[k].kind == ROI_COND_OUTPUT
                                  ? roi_run_value(c->run, refs[k].index, i)
                              : in ? in[(size_t)k * VIEW_CHUNK + (i - lo)]
                                   : input_value(c, refs[k].index, i, r);
                match[i] = (unsigned char)roi_cond_eval(cond, vals);
            }
        }
        free(in);
    }
}

/* The outputs' summaries over the `count` matching trials, as parallel tasks, each
 * sorting the matching values in a buffer of its thread (sub, room for the run's trials,
 * is thread 0's; the others allocate theirs: buffer_threads); each summary depends only
 * on its output's values. ROI_ERR_NOMEM when a buffer is lacking. */
static roi_status view_summaries(const ctx *c, const unsigned char *match, size_t count,
                                 double *sub, roi_view_result *v)
{
    const size_t n = c->n;
    int vt = buffer_threads(n, c->threads);
    int nomem = 0;
#pragma omp parallel num_threads(vt)
    {
        double *w = omp_get_thread_num() == 0 ? sub : malloc((count + 1) * sizeof *w);
#pragma omp for schedule(dynamic)
        for (int o = 0; o < ROI_OUT_COUNT; o++) {
            if (!w) {
#pragma omp atomic write
                nomem = 1;
                continue;
            }
            size_t m = sort_output(c->run, o, match, w, sort_threads(n, c->threads));
            if (roi_stats_summarize_sorted(w, m, count, &v->summary[o]) == ROI_OK)
                roi_summary_ci_sorted(w, m, &v->summary[o], &v->ci[o]);
        }
        if (w != sub)
            free(w);
    }
    return nomem ? ROI_ERR_NOMEM : ROI_OK;
}

/* Statistics of every output over the trials where `where` holds. The condition is
 * evaluated trial by trial with the inputs it names drawn again on the spot, so only a
 * byte per trial and one output's matching values are held at a time. */
static roi_status view(const ctx *c, const char *name, const char *where, const roi_cond *cond,
                       roi_view_result *v, roi_error *err)
{
    roi_status st = ROI_OK;
    const size_t n = c->n;
    double *sub = NULL;
    unsigned char *match = NULL;
    char path[300];
    snprintf(path, sizeof path, "view %s", name);

    v->name = dupstr(name);
    v->where = dupstr(where);
    if (!v->name || !v->where)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    int nr = roi_cond_ref_count(cond);
    if (nr > 64) {
        st = roi_error_set(err, ROI_ERR_USAGE, path, "a condition may name at most 64 values");
        goto cleanup;
    }
    match = malloc(n + 1);
    sub = malloc((n + 1) * sizeof *sub);
    if (!match || !sub) {
        st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory computing view %s", name);
        goto cleanup;
    }
    view_matches(c, cond, match);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += match[i];
    v->count = count;
    v->share = (double)count / (double)n;
    v->share_se = sqrt(v->share * (1.0 - v->share) / (double)n);
    if (view_summaries(c, match, count, sub, v) != ROI_OK)
        st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory computing view %s", name);
cleanup:
    free(match);
    free(sub);
    return st;
}

/* ---- stress ---------------------------------------------------------------------------------- */

/* Which way named expression `node` moves with the distribution `leaf` inside it: +1
 * when it never falls as the leaf rises, -1 when it never rises, 0 otherwise, probed
 * over a grid of the leaf's quantiles with the other inputs at the draws of the first
 * trials (so a sign that another input sets is seen). vals and fixed: g->n values. */
static int expr_direction(const ctx *c, int node, int leaf, double *vals, double *fixed)
{
    const roi_graph *g = &c->m->graph;
    enum { PROBES = 64, CONTEXTS = 16 };
    int up = 1, down = 1;
    for (int t = 0; t < CONTEXTS && (up || down); t++) {
        roi_graph_eval(g, c->keys, (uint64_t)t, fixed, c->scratch[0]);
        double prev = NAN;
        for (int q = 0; q <= PROBES && (up || down); q++) {
            fixed[leaf] = roi_dist_quantile(&g->nodes[leaf].dist, (q + 0.5) / (PROBES + 1.0));
            roi_graph_eval_fixed(g, fixed, vals);
            if (q > 0) {
                up &= vals[node] >= prev;
                down &= vals[node] <= prev;
            }
            prev = vals[node];
        }
    }
    return up ? 1 : down ? -1 : 0;
}

/* Named expression `node` with the distribution `leaf` inside it at its quantile level
 * p (the other inputs at fixed[]). At a level of 0 or 1 an unbounded distribution is
 * infinite and the expression may be undefined (inf - inf): then the level nearest
 * inside where it is defined. */
static double expr_at(const roi_graph *g, int node, int leaf, double p, double *fixed,
                      double *vals)
{
    static const double inward[] = {0.0, 1e-12, 1e-9, 1e-6};
    double v = NAN;
    for (size_t k = 0; k < sizeof inward / sizeof inward[0] && isnan(v); k++) {
        fixed[leaf] = roi_dist_quantile(&g->nodes[leaf].dist, p < 0.5 ? p + inward[k]
                                                                      : p - inward[k]);
        roi_graph_eval_fixed(g, fixed, vals);
        v = vals[node];
    }
    return v;
}

/* The band of stress s: on the input it names, or (a named expression) on the
 * distribution inside it, turned round when the expression falls as it rises. The
 * expression's values at the band's levels into *q_low, *q_high. */
static roi_status stress_band(const ctx *c, const roi_stress *s, int node, const char *path,
                              roi_input_band *band, double *q_low, double *q_high,
                              roi_error *err)
{
    const roi_graph *g = &c->m->graph;
    *band = (roi_input_band){node, s->low, s->high, path};
    if (g->nodes[node].kind == ROI_NODE_INPUT) {
        *q_low = roi_dist_quantile(&g->nodes[node].dist, s->low);
        *q_high = roi_dist_quantile(&g->nodes[node].dist, s->high);
        return ROI_OK;
    }
    int leaf = roi_graph_find_draw(g, g->nodes[node].name);
    double *vals = malloc(((size_t)g->n + 1) * sizeof *vals);
    double *fixed = malloc(((size_t)g->n + 1) * sizeof *fixed);
    int dir = 0;
    if (vals && fixed && leaf >= 0)
        dir = expr_direction(c, node, leaf, vals, fixed);
    if (dir != 0) {
        band->node = leaf;
        band->low = dir > 0 ? s->low : 1.0 - s->high;
        band->high = dir > 0 ? s->high : 1.0 - s->low;
        for (int i = 0; i < g->n; i++)
            fixed[i] = g->nodes[i].kind == ROI_NODE_INPUT
                           ? roi_dist_quantile(&g->nodes[i].dist, 0.5) : 0.0;
        *q_low = expr_at(g, node, leaf, dir > 0 ? s->low : 1.0 - s->low, fixed, vals);
        *q_high = expr_at(g, node, leaf, dir > 0 ? s->high : 1.0 - s->high, fixed, vals);
    }
    free(vals);
    free(fixed);
    if (!vals || !fixed)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    if (dir == 0)
        return roi_error_set(err, ROI_ERR_USAGE, path, "'%s' is an expression that neither only "
                             "rises nor only falls with the distribution inside it, so no band "
                             "of that distribution is a band of its values; stress the "
                             "distribution itself (name it with :named(\"...\"))", s->input);
    return ROI_OK;
}

static roi_status stress(const ctx *c, const roi_stress *s, roi_stress_result *r,
                         roi_error *err)
{
    roi_status st = ROI_OK;
    roi_run *srun = NULL;
    double *work = NULL;
    char path[300];
    snprintf(path, sizeof path, "stress %s", s->name ? s->name : s->input);
    r->name = dupstr(s->name ? s->name : s->input);
    r->input = dupstr(s->input);
    if (!r->name || !r->input)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    r->low = s->low;
    r->high = s->high;
    int node = roi_graph_find_input(&c->m->graph, s->input);
    if (node < 0)
        return roi_error_set(err, ROI_ERR_USAGE, path, "scenario %s has no input '%s'",
                             c->m->name ? c->m->name : "?", s->input);
    /* The same seed and trials with the input drawn from its band (sampling.h): every
     * other input draws what it drew in the run, so the difference is paired. */
    roi_input_band band;
    ROI_TRY(stress_band(c, s, node, path, &band, &r->q_low, &r->q_high, err));
    roi_sim_opts so = {.seed = c->run->seed, .trials = c->n, .threads = c->threads,
                       .sampling = c->run->sampling, .bands = &band, .n_bands = 1,
                       .part = c->run->part};
    st = roi_sim_run(c->m, &so, &srun, err);
    if (st != ROI_OK)
        goto cleanup;
    work = malloc((c->n + 1) * sizeof *work);
    if (!work) {
        st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        goto cleanup;
    }
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        size_t m = sort_output(srun, o, NULL, work, sort_threads(c->n, c->threads));
        if ((st = roi_stats_summarize_sorted(work, m, c->n, &r->summary[o])) != ROI_OK) {
            st = roi_error_set(err, st, "", "summary of stress %s failed", r->name);
            goto cleanup;
        }
        roi_summary_ci_sorted(work, m, &r->summary[o], &r->ci[o]);
        r->summary[o] = srun->summary[o]; /* exact (sim.c); the CIs from the floats */
    }
    for (size_t i = 0; i < c->n; i++)
        work[i] = roi_run_value(srun, ROI_OUT_NPV, i) - roi_run_value(c->run, ROI_OUT_NPV, i);
    {
        double mean = roi_stats_sum(work, c->n) / (double)c->n, ss = 0.0;
        for (size_t i = 0; i < c->n; i++)
            ss += (work[i] - mean) * (work[i] - mean);
        r->npv_diff_mean = mean;
        r->npv_diff_se = c->n > 1 ? sqrt(ss / (double)(c->n - 1) / (double)c->n) : NAN;
    }
cleanup:
    roi_run_free(srun);
    free(work);
    return st;
}

/* ---- paired comparison -------------------------------------------------------------------- */

roi_status roi_analysis_paired(const roi_run *a, const roi_run *b, roi_output o,
                               roi_paired *out, roi_error *err)
{
    memset(out, 0, sizeof *out);
    if (a->seed != b->seed || a->trials != b->trials)
        return roi_error_set(err, ROI_ERR_USAGE, "",
                             "paired comparison needs runs with the same seed and trials");
    const size_t n = a->trials;
    double *d = malloc((n + 1) * sizeof *d);
    if (!d)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    size_t m = 0, ties = 0;
    for (size_t i = 0; i < n; i++) {
        double x = roi_run_value(a, o, i), y = roi_run_value(b, o, i);
        if (isnan(x) || isnan(y))
            continue;
        d[m++] = x - y;
        ties += x == y;
    }
    roi_summary s;
    roi_summary_ci ci;
    roi_status st = summarize_ci(d, m, d, &s, &ci); /* sorted in place */
    free(d);
    if (st != ROI_OK)
        return roi_error_set(err, st, "", "summary of the paired difference failed");
    out->done = 1;
    out->other = b->model && b->model->name ? b->model->name : "";
    out->output = o;
    out->n = m;
    out->mean = m ? s.mean : NAN;
    out->se = m > 1 ? s.se : NAN;
    out->p10 = m ? s.pct[P10] : NAN;
    out->p50 = m ? s.pct[P50] : NAN;
    out->p90 = m ? s.pct[P90] : NAN;
    out->p10_se = ci.pct_se[P10];
    out->p50_se = ci.pct_se[P50];
    out->p90_se = ci.pct_se[P90];
    out->prob_beats = m ? s.prob_positive : NAN;
    out->prob_beats_se = ci.prob_positive_se;
    out->prob_ties = m ? (double)ties / (double)m : NAN;
    return ROI_OK;
}

/* ---- the whole analysis --------------------------------------------------------------------- */

void roi_analysis_free(roi_analysis *a)
{
    if (!a)
        return;
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        free(a->sens[o].rows);
    free(a->tornado);
    for (int t = 0; t < 2; t++)
        free(a->tails[t].rows);
    for (int i = 0; i < a->n_views; i++) {
        free(a->views[i].name);
        free(a->views[i].where);
    }
    free(a->views);
    for (int i = 0; i < a->n_stress; i++) {
        free(a->stress[i].name);
        free(a->stress[i].input);
    }
    free(a->stress);
    free(a);
}

/* The context every part of an analysis reads: the run's stream keys, a scratch
 * generator per thread, and the run's sampling plan as roi_sim_run built it (the
 * analysis itself never overrides or restricts a node). */
static roi_status ctx_init(ctx *c, const roi_run *run, const roi_analysis_opts *opts,
                           roi_error *err)
{
    const roi_model *m = run->model;
    memset(c, 0, sizeof *c);
    c->m = m;
    c->run = run;
    c->n = run->trials;
    c->sens_cap = opts->sens_trials >= 4 ? opts->sens_trials : ROI_SENS_MAX_TRIALS;
    c->threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
    if (c->threads < 1)
        c->threads = 1;
    c->keys = malloc(((size_t)m->graph.n + 1) * sizeof *c->keys);
    c->scratch = calloc((size_t)c->threads, sizeof *c->scratch);
    c->vals = calloc((size_t)c->threads, sizeof *c->vals);
    ROI_CHECK_MEM(c->keys && c->scratch && c->vals, err);
    for (int t = 0; t < c->threads; t++) {
        ROI_CHECK_MEM(c->scratch[t] = gsl_rng_alloc(roi_rng_philox), err);
        ROI_CHECK_MEM(c->vals[t] = malloc(((size_t)m->graph.n + 1) * sizeof *c->vals[t]), err);
    }
    roi_graph_keys(&m->graph, run->seed, c->keys);
    if (run->sampling != ROI_SAMPLING_MC || m->n_correlations > 0) {
        roi_sampling_spec spec = {.mode = run->sampling, .trials = run->trials};
        ROI_TRY(roi_sampling_new(m, &m->graph, &spec, &c->plan, err));
    }
    return ROI_OK;
}

static void ctx_free(ctx *c)
{
    if (c->scratch)
        for (int t = 0; t < c->threads; t++)
            if (c->scratch[t])
                gsl_rng_free(c->scratch[t]);
    free(c->scratch);
    for (int t = 0; c->vals && t < c->threads; t++)
        free(c->vals[t]);
    free(c->vals);
    free(c->keys);
    roi_sampling_free(c->plan);
}

/* The outputs' CIs from their sorted values, as parallel tasks with a buffer of 8 bytes
 * a trial per thread (buffer_threads). */
static roi_status all_cis(const ctx *c, roi_analysis *an)
{
    roi_status st = ROI_OK;
#pragma omp parallel num_threads(buffer_threads(c->n, c->threads))
    {
        double *w = malloc((c->n + 1) * sizeof *w);
#pragma omp for schedule(dynamic)
        for (int o = 0; o < ROI_OUT_COUNT; o++) {
            if (!w) {
#pragma omp critical(roi_analysis_fail)
                st = ROI_ERR_NOMEM;
                continue;
            }
            size_t m = sort_output(c->run, o, NULL, w, sort_threads(c->n, c->threads));
            roi_summary_ci_sorted(w, m, &c->run->summary[o], &an->ci[o]);
        }
        free(w);
    }
    return st;
}

roi_status roi_analysis_given_check(const roi_model *m, const char *where, const char *path,
                                    roi_error *err)
{
    roi_cond *cond = NULL;
    roi_status st = roi_cond_parse(where, m, path, &cond, err);
    roi_cond_free(cond);
    return st;
}

int roi_analysis_stress_applies(const roi_model *m, const roi_stress *s)
{
    return roi_graph_find_input(&m->graph, s->input) >= 0;
}

/* The model's views, then the extra conditions that apply to it. */
static roi_status all_views(const ctx *c, const roi_analysis_opts *opts, roi_analysis *an,
                            roi_error *err)
{
    const roi_model *m = c->m;
    int nv = m->n_views + opts->n_given;
    an->views = calloc((size_t)nv + 1, sizeof *an->views);
    ROI_CHECK_MEM(an->views, err);
    for (int i = 0, k = 0; i < nv; i++) {
        const char *name = i < m->n_views ? m->views[i].name : opts->given[i - m->n_views];
        const char *where = i < m->n_views ? m->views[i].where : opts->given[i - m->n_views];
        roi_cond *given = NULL;
        if (i >= m->n_views) { /* a --given naming what this scenario lacks: skip it */
            roi_error probe;
            roi_status gst = roi_cond_parse(where, m, NULL, &given, &probe);
            if (gst == ROI_ERR_USAGE)
                continue;
            if (gst != ROI_OK) {
                *err = probe;
                return gst;
            }
        }
        an->n_views = k + 1;
        roi_status st = view(c, name, where, given ? given : &m->views[i].cond, &an->views[k++],
                             err);
        roi_cond_free(given);
        ROI_TRY(st);
    }
    return ROI_OK;
}

/* The model's stresses, then the extra ones that apply to it. */
static roi_status all_stresses(const ctx *c, const roi_analysis_opts *opts, roi_analysis *an,
                               roi_error *err)
{
    const roi_model *m = c->m;
    int ns = m->n_stresses;
    for (int i = 0; i < opts->n_stress; i++)
        ns += roi_analysis_stress_applies(m, &opts->stress[i]);
    an->stress = calloc((size_t)ns + 1, sizeof *an->stress);
    ROI_CHECK_MEM(an->stress, err);
    for (int i = 0, k = 0; i < m->n_stresses + opts->n_stress; i++) {
        const roi_stress *s = i < m->n_stresses ? &m->stresses[i] : &opts->stress[i - m->n_stresses];
        if (i >= m->n_stresses && !roi_analysis_stress_applies(m, s))
            continue;
        an->n_stress = k + 1;
        ROI_TRY(stress(c, s, &an->stress[k++], err));
    }
    return ROI_OK;
}

/* a + b and a * b, or SIZE_MAX when they overflow. */
static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t mul_sat(size_t a, size_t b)
{
    return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

size_t roi_analysis_bytes(const roi_model *m, size_t trials, const roi_analysis_opts *opts,
                          int threads)
{
    size_t cap = opts && opts->sens_trials ? opts->sens_trials : ROI_SENS_MAX_TRIALS;
    size_t ns = trials < cap ? trials : cap;
    size_t t = (size_t)(threads < 1 ? 1 : threads);
    /* Sensitivity: the outputs' ranks, SENS_GROUP inputs' values and ranks and the next
     * group's values, roi_ranks' keys and each thread's sort buffers. */
    size_t sens = mul_sat(ns, ROI_OUT_COUNT * sizeof(uint32_t) +
                                  SENS_GROUP * (2 * sizeof(double) + sizeof(uint32_t)) +
                                  2 * sizeof(uint64_t) + sizeof(uint32_t));
    sens = add_sat(sens, mul_sat(mul_sat(ns, t), 3 * sizeof(double)));
    /* CIs and views: a buffer of 8 bytes a trial per thread working on outputs in
     * parallel (buffer_threads) and a byte per trial for a view's matches; the paired
     * differences: their values and a sort buffer, 16 bytes a trial. */
    size_t ct = (size_t)buffer_threads(trials, threads);
    size_t every = mul_sat(trials, 1 + ct * sizeof(double));
    size_t paired = mul_sat(trials, 2 * sizeof(double));
    if (paired > every)
        every = paired;
    size_t peak = sens > every ? sens : every;
    /* A stress reruns the model over every trial and keeps one output's values. */
    int stresses = (m ? m->n_stresses : 0) + (opts ? opts->n_stress : 0);
    if (stresses > 0 && m) {
        size_t rerun = add_sat(roi_sim_bytes(m, trials), roi_sim_work_bytes(m, trials, threads));
        rerun = add_sat(rerun, mul_sat(trials, 2 * sizeof(double)));
        if (rerun > peak)
            peak = rerun;
    }
    return peak;
}

roi_status roi_analysis_run(const roi_run *run, const roi_analysis_opts *opts,
                            roi_analysis **out, roi_error *err)
{
    static const roi_analysis_opts none = {0};
    roi_engine_init(); /* the distributions' GSL functions report by status */
    roi_status st = ROI_OK;
    roi_analysis *an = NULL;
    ctx c = {0};
    *out = NULL;
    if (!run || !run->model)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "roi_analysis_run: no run");
    if (!opts)
        opts = &none;
    const char *scen = run->model->name ? run->model->name : "(unnamed)";
    ROI_TRY_GOTO(st, ctx_init(&c, run, opts, err), cleanup);
    an = calloc(1, sizeof *an);
    /* What runs out of memory in the statistics says so for the whole scenario. */
    if (!an || all_cis(&c, an) != ROI_OK || sensitivity(&c, an) != ROI_OK ||
        tornado(&c, an) != ROI_OK) {
        st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory analysing scenario %s", scen);
        goto cleanup;
    }
    ROI_TRY_GOTO(st, all_views(&c, opts, an, err), cleanup);
    ROI_TRY_GOTO(st, all_stresses(&c, opts, an, err), cleanup);
    *out = an;
    an = NULL;
cleanup:
    ctx_free(&c);
    roi_analysis_free(an);
    return st;
}
