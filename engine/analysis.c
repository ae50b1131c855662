/*
 * analysis.c - what drives the results (see analysis.h and docs/analysis.md).
 *
 * Determinism: the only parallel loops recompute an input's per-trial values or a
 * condition's per-trial truth into their own slots; every sum is a plain loop in
 * trial order (or roi_stats_sum), so results do not depend on the thread count.
 * Memory: 4 bytes per trial per computed output for its ranks (twice the mid-rank as
 * uint32), plus 28 bytes per trial per thread for the input being processed (values,
 * ranks, two sort buffers) and its npv tails; each thread processes one input at a time.
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

/* ---- confidence intervals ----------------------------------------------------------------- */

void roi_summary_ci_sorted(const double *sorted, size_t n, const roi_summary *s,
                           roi_summary_ci *ci)
{
    for (int k = 0; k < ROI_NPCT; k++)
        ci->pct_lo[k] = ci->pct_hi[k] = ci->pct_se[k] = NAN;
    ci->prob_positive_se = ci->cvar5_se = NAN;
    if (n == 0)
        return;
    double dn = (double)n;
    for (int k = 0; k < ROI_NPCT; k++) {
        double p = roi_pct_levels[k];
        double half = Z95 * sqrt(dn * p * (1.0 - p));
        /* 1-based order statistics j and k bracket the p-quantile with ~95%. */
        double j = floor(dn * p - half), u = ceil(dn * p + half);
        size_t lo = j < 1.0 ? 0 : (size_t)j - 1;
        size_t hi = u < 1.0 ? 0 : (size_t)u - 1;
        if (lo > n - 1)
            lo = n - 1;
        if (hi > n - 1)
            hi = n - 1;
        ci->pct_lo[k] = sorted[lo];
        ci->pct_hi[k] = sorted[hi];
        ci->pct_se[k] = (sorted[hi] - sorted[lo]) / (2.0 * Z95);
    }
    double pp = s->prob_positive;
    ci->prob_positive_se = sqrt(pp * (1.0 - pp) / dn);
    /* CVaR at 5%: [var of the tail + (1 - a)(cvar - var)^2] / (n a) (asymptotic). */
    size_t ntail = (n + 19) / 20;
    double var5 = sorted[ntail - 1], ss = 0.0;
    for (size_t i = 0; i < ntail; i++) {
        double d = sorted[i] - s->cvar5;
        ss += d * d;
    }
    double tail_var = ntail > 1 ? ss / (double)(ntail - 1) : 0.0;
    double gap = s->cvar5 - var5;
    ci->cvar5_se = sqrt((tail_var + 0.95 * gap * gap) / (double)ntail);
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

/* The run's outputs are floats (sim.h): x[0..n-1] as doubles into w. */
static void widen(const float *x, size_t n, double *w)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (double)x[i];
}

/* summarize_ci of a run's float outputs (widened in work, summarised in place). */
static roi_status summarize_ci_float(const float *x, size_t n, double *work, roi_summary *s,
                                     roi_summary_ci *ci)
{
    widen(x, n, work);
    return summarize_ci(work, n, work, s, ci);
}

/* ---- ranks ----------------------------------------------------------------------------------- */

typedef struct keyed {
    uint64_t key;
    uint64_t idx;
} keyed;


static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Ranks are held as twice the 1-based mid-rank (a whole number, exact in 32 bits), so
 * rank_sort works for n < 2^31 trials; 0.5 * rank2 is the mid-rank as a double. */
#define RANK_MAX_N ((size_t)INT32_MAX)

/*
 * Twice the mid-ranks of x[0..n-1] into rank2 (may be NULL); the values sorted
 * ascending end in ws_a or ws_b, as doubles: *sorted_out (may be NULL) says which.
 * ws_a and ws_b are scratch of n words each, reused across calls (no allocation per call but for rare
 * long runs of values agreeing to ~6 digits). Two stages, for speed: an LSD radix sort
 * of (upper 32 bits of the key, trial index) packed in one word, which orders the values
 * to about 6 significant digits and keeps trial order within equal prefixes; then each
 * run of equal prefixes is finished by the full key (skipped when already in order,
 * insertion sort when short, qsort otherwise). The result is the exact order by (value,
 * trial), so it never depends on threads. n <= RANK_MAX_N.
 */
static roi_status rank_sort(const double *x, size_t n, uint32_t *rank2, uint64_t *ws_a,
                            uint64_t *ws_b, const double **sorted_out)
{
    if (n == 0)
        return ROI_OK;
    if (n > RANK_MAX_N)
        return ROI_ERR_NOMEM;
    const uint64_t lo_mask = UINT64_C(0xffffffff);
    uint64_t *a = ws_a, *b = ws_b;
    size_t count[4][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = roi_sort_key(x[i] == 0.0 ? 0.0 : x[i]); /* -0.0 ties with +0.0 */
        a[i] = (k & ~lo_mask) | (uint64_t)i;
        for (int p = 0; p < 4; p++)
            count[p][(a[i] >> (32 + 8 * p)) & 0xff]++;
    }
    for (int p = 0; p < 4; p++) {
        size_t *c = count[p];
        int shift = 32 + 8 * p;
        if (c[(a[0] >> shift) & 0xff] == n)
            continue;
        size_t pos = 0;
        for (int v = 0; v < 256; v++) {
            size_t cv = c[v];
            c[v] = pos;
            pos += cv;
        }
        for (size_t i = 0; i < n; i++)
            b[c[(a[i] >> shift) & 0xff]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    /* a: (prefix | trial) in prefix order; key: the full keys in the same order. */
    uint64_t *key = b;
    for (size_t i = 0; i < n; i++) {
#if defined(__GNUC__)
        if (i + 16 < n) /* the gather is random access: fetch ahead */
            __builtin_prefetch(&x[a[i + 16] & lo_mask]);
#endif
        double v = x[a[i] & lo_mask];
        key[i] = roi_sort_key(v == 0.0 ? 0.0 : v);
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        int ordered = 1;
        while (j < n && (a[j] >> 32) == (a[i] >> 32)) {
            ordered &= key[j - 1] <= key[j]; /* equal keys are in trial order already */
            j++;
        }
        if (ordered) {
            i = j;
            continue;
        }
        if (j - i > 64) {
            keyed *kv = malloc((j - i) * sizeof *kv);
            if (!kv)
                return ROI_ERR_NOMEM;
            for (size_t k = i; k < j; k++)
                kv[k - i] = (keyed){key[k], a[k] & lo_mask};
            qsort(kv, j - i, sizeof *kv, cmp_keyed);
            for (size_t k = i; k < j; k++) {
                key[k] = kv[k - i].key;
                a[k] = kv[k - i].idx;
            }
            free(kv);
        } else {
            for (size_t k = i + 1; k < j; k++) {
                keyed v = {key[k], a[k] & lo_mask};
                size_t m = k;
                while (m > i && (key[m - 1] > v.key ||
                                 (key[m - 1] == v.key && (a[m - 1] & lo_mask) > v.idx))) {
                    key[m] = key[m - 1];
                    a[m] = a[m - 1];
                    m--;
                }
                key[m] = v.key;
                a[m] = v.idx;
            }
        }
        i = j;
    }
    double *sorted = (double *)(void *)key; /* same storage, one word per value */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && key[j] == key[i])
            j++;
        /* 0-based positions i..j-1 share the 1-based mid-rank (i + 1 + j) / 2. */
        uint32_t mid2 = (uint32_t)(i + 1 + j);
        double v = roi_sort_key_value(key[i]);
        for (size_t k = i; k < j; k++) {
            if (rank2)
                rank2[a[k] & lo_mask] = mid2;
            memcpy(&sorted[k], &v, sizeof v);
        }
        i = j;
    }
    if (sorted_out)
        *sorted_out = sorted;
    return ROI_OK;
}

roi_status roi_ranks(const double *x, size_t n, double *rank)
{
    if (n == 0)
        return ROI_OK;
    roi_status st = ROI_OK;
    uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint32_t *r2 = malloc(n * sizeof *r2);
    if (!a || !b || !r2)
        st = ROI_ERR_NOMEM;
    if (st == ROI_OK && (st = rank_sort(x, n, r2, a, b, NULL)) == ROI_OK)
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
    roi_model *m;
    const roi_run *run;
    size_t n;
    uint64_t *keys;
    gsl_rng **scratch;   /* one per thread */
    int threads;
} ctx;

/* x[i] = the value input `node` drew in trial i of the run (its own stream). */
static void input_values(const ctx *c, int node, double *x)
{
    const roi_node *nd = &c->m->graph.nodes[node];
    const uint64_t key = c->keys[node];
    const long long n = (long long)c->n;
#pragma omp parallel num_threads(c->threads)
    {
        gsl_rng *r = c->scratch[omp_get_thread_num()];
#pragma omp for schedule(static)
        for (long long i = 0; i < n; i++)
            x[i] = roi_dist_sample(&nd->dist, key, (uint64_t)i, r);
    }
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

/* Per-thread buffers of the sensitivity pass: x, the input's values in trial order;
 * rx2, twice its mid-ranks; a and b, rank_sort's scratch (b ends holding the sorted
 * values); tail[t], the input's values in npv's lower / upper tail. 28 bytes per trial
 * plus the tails (~10% of the trials each). */
typedef struct sens_buf {
    double *x;
    uint32_t *rx2;
    uint64_t *a, *b;
    double *tail[2];
} sens_buf;

static void sens_buf_free(sens_buf *b)
{
    free(b->x);
    free(b->rx2);
    free(b->a);
    free(b->b);
    free(b->tail[0]);
    free(b->tail[1]);
}

static int sens_buf_init(sens_buf *b, size_t n, const roi_analysis *an)
{
    b->x = malloc((n + 1) * sizeof *b->x);
    b->rx2 = malloc((n + 1) * sizeof *b->rx2);
    b->a = malloc((n + 1) * sizeof *b->a);
    b->b = malloc((n + 1) * sizeof *b->b);
    b->tail[0] = malloc((an->tails[0].count + 1) * sizeof *b->tail[0]);
    b->tail[1] = malloc((an->tails[1].count + 1) * sizeof *b->tail[1]);
    return b->x && b->rx2 && b->a && b->b && b->tail[0] && b->tail[1];
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

/* Input k of the graph: its values (drawn again from its stream with rng), ranks and
 * sorted values, then its row of every computed output and of both npv tails. Writes
 * only row k, so inputs can be processed in any order, on any thread. Every sum is the
 * one the straightforward per-output loops (roi_pearson, then the decile groups) form,
 * in the same trial order, so the results are the same to the bit; one pass over the
 * trials serves every output and both tails, to read each array once per input. */
static roi_status one_input(const ctx *c, roi_analysis *an, const out_ranks *orank, int k,
                            const sens_buf *b, gsl_rng *rng)
{
    const roi_run *run = c->run;
    const roi_graph *g = &c->m->graph;
    const size_t n = c->n;
    double *x = b->x;
    uint32_t *rx2 = b->rx2;
    int node = roi_graph_input_node(g, k);
    const roi_node *nd = &g->nodes[node];
    for (size_t i = 0; i < n; i++)
        x[i] = roi_dist_sample(&nd->dist, c->keys[node], (uint64_t)i, rng);
    const double *xs = NULL;
    roi_status st = rank_sort(x, n, rx2, b->a, b->b, &xs);
    if (st != ROI_OK)
        return st;
    double q10 = roi_stats_percentile_sorted(xs, n, 0.10);
    double q90 = roi_stats_percentile_sorted(xs, n, 0.90);
    double med = roi_stats_percentile_sorted(xs, n, 0.50);
    double mean = roi_stats_sum(x, n) / (double)n;

    int outs[ROI_OUT_COUNT], n_outs = 0;
    const uint32_t *ry2[ROI_OUT_COUNT];
    const float *y[ROI_OUT_COUNT];
    double shift[ROI_OUT_COUNT];
    sens_acc acc[ROI_OUT_COUNT];
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        if (!an->sens[o].computed)
            continue;
        ry2[n_outs] = orank->r2[o];
        y[n_outs] = run->out[o];
        shift[n_outs] = run->summary[o].mean;
        acc[n_outs] = (sens_acc){0};
        outs[n_outs++] = o;
    }
    const float *y_npv = run->out[ROI_OUT_NPV];
    const double thr_lo = an->tails[0].threshold, thr_hi = an->tails[1].threshold;
    double *tail_lo = b->tail[0], *tail_hi = b->tail[1];
    size_t m_lo = 0, m_hi = 0, nl = 0, nh = 0;
    const double mr = mean_rank(n);
    double ssx = 0.0, sxx = 0.0;
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        ssx += (xi - mean) * (xi - mean);
        double dx = 0.5 * (double)rx2[i] - mr;
        sxx += dx * dx;
        int lo = xi <= q10, hi = xi >= q90;
        nl += (size_t)lo;
        nh += (size_t)hi;
        for (int j = 0; j < n_outs; j++) {
            sens_acc *a = &acc[j];
            a->sxy += dx * (0.5 * (double)ry2[j][i] - mr);
            if (lo | hi) {
                double d = y[j][i] - shift[j];
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
        /* Tails of npv: the input's values over the tail trials (counted before). */
        if (y_npv[i] < thr_lo && m_lo < an->tails[0].count)
            tail_lo[m_lo++] = xi;
        if (y_npv[i] > thr_hi && m_hi < an->tails[1].count)
            tail_hi[m_hi++] = xi;
    }
    double sdx = n > 1 ? sqrt(ssx / (double)(n - 1)) : 0.0;

    for (int j = 0; j < n_outs; j++) {
        int o = outs[j];
        const sens_acc *a = &acc[j];
        roi_sens *r = &an->sens[o].rows[k];
        r->node = node;
        r->name = nd->name;
        r->rank_corr = pearson_from(a->sxy, sxx, orank->syy[o]);
        r->rank_corr_se = roi_spearman_se(r->rank_corr, n);
        r->low_share = (double)nl / (double)n;
        r->high_share = (double)nh / (double)n;
        if (q10 == q90 || nl < 2 || nh < 2) { /* a (nearly) constant input */
            r->low_mean = r->high_mean = run->summary[o].mean;
            r->swing = 0.0;
            r->swing_se = 0.0;
            continue;
        }
        double ml = a->sl / (double)nl, mh = a->sh / (double)nh;
        double vl = (a->ql - (double)nl * ml * ml) / (double)(nl - 1);
        double vh = (a->qh - (double)nh * mh * mh) / (double)(nh - 1);
        r->low_mean = shift[j] + ml;
        r->high_mean = shift[j] + mh;
        r->swing = mh - ml;
        r->swing_se = sqrt((vl > 0 ? vl : 0) / (double)nl + (vh > 0 ? vh : 0) / (double)nh);
    }

    /* Tails of npv: the input's median and mean over the tail trials. */
    for (int t = 0; t < 2; t++) {
        roi_tail *tl = &an->tails[t];
        double *tail = b->tail[t];
        size_t m = t ? m_hi : m_lo;
        roi_tail_row *r = &tl->rows[k];
        r->node = node;
        r->name = nd->name;
        r->median_shift = r->mean_shift = 0.0;
        if (m == 0 || !(sdx > 0.0))
            continue;
        double tmean = roi_stats_sum(tail, m) / (double)m;
        if ((st = roi_stats_sort(tail, m)) != ROI_OK)
            return st;
        double tmed = roi_stats_percentile_sorted(tail, m, 0.5);
        r->median_shift = (tmed - med) / sdx;
        r->mean_shift = (tmean - med) / sdx;
    }
    return ROI_OK;
}

/*
 * Sensitivity of every fully defined output to every input, and the tails of npv.
 * Outputs are ranked, then inputs are spread over the threads, one at a time per thread
 * (each with its own buffers, allocated once); every result depends only on its input,
 * so not on the thread count. Memory: 4 bytes per trial per computed output for the
 * output ranks, plus 28 bytes per trial per thread (sens_buf).
 */
static roi_status sensitivity(const ctx *c, roi_analysis *an)
{
    roi_status st = ROI_OK;
    const roi_run *run = c->run;
    const roi_graph *g = &c->m->graph;
    const size_t n = c->n;
    const int n_in = roi_graph_input_count(g);
    out_ranks orank = {{0}, {0}};
    int threads = c->threads < n_in ? c->threads : (n_in > 0 ? n_in : 1);
    sens_buf *bufs = calloc((size_t)threads, sizeof *bufs);
    if (!bufs)
        return ROI_ERR_NOMEM;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        roi_sens_output *so = &an->sens[o];
        so->computed = run->summary[o].n_defined == n && n >= 4;
        if (!so->computed)
            continue;
        so->rows = calloc((size_t)n_in + 1, sizeof *so->rows);
        orank.r2[o] = malloc(n * sizeof *orank.r2[o]);
        if (!so->rows || !orank.r2[o]) {
            st = ROI_ERR_NOMEM;
            goto cleanup;
        }
        so->n = n_in;
    }
    const roi_summary *npv = &run->summary[ROI_OUT_NPV];
    for (int t = 0; t < 2; t++) {
        roi_tail *tl = &an->tails[t];
        tl->upper = t;
        tl->threshold = npv->pct[t ? P90 : P10];
        tl->rows = calloc((size_t)n_in + 1, sizeof *tl->rows);
        if (!tl->rows) {
            st = ROI_ERR_NOMEM;
            goto cleanup;
        }
        tl->n = n_in;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            m += t ? run->out[ROI_OUT_NPV][i] > tl->threshold
                   : run->out[ROI_OUT_NPV][i] < tl->threshold;
        tl->count = m;
    }
    for (int t = 0; t < threads; t++)
        if (!sens_buf_init(&bufs[t], n, an)) {
            st = ROI_ERR_NOMEM;
            goto cleanup;
        }

#pragma omp parallel num_threads(threads)
    {
        const sens_buf *b = &bufs[omp_get_thread_num()];
        gsl_rng *rng = c->scratch[omp_get_thread_num()];
        roi_status mine = ROI_OK;
        /* The outputs' ranks first (one output per thread at a time) ... */
#pragma omp for schedule(dynamic)
        for (int o = 0; o < ROI_OUT_COUNT; o++) {
            if (!an->sens[o].computed || mine != ROI_OK)
                continue;
            widen(run->out[o], n, b->x);
            mine = rank_sort(b->x, n, orank.r2[o], b->a, b->b, NULL);
            const double mr = mean_rank(n);
            double syy = 0.0;
            for (size_t i = 0; i < n; i++) {
                double dy = 0.5 * (double)orank.r2[o][i] - mr;
                syy += dy * dy;
            }
            orank.syy[o] = syy;
        }
        /* ... then every input against all of them (the loop's barrier between). */
#pragma omp for schedule(dynamic)
        for (int k = 0; k < n_in; k++)
            if (mine == ROI_OK)
                mine = one_input(c, an, &orank, k, b, rng);
        if (mine != ROI_OK) {
#pragma omp critical(roi_analysis_fail)
            st = mine;
        }
    }
    if (st != ROI_OK)
        goto cleanup;

/* Contributions: rho^2 normalised over inputs, summed in graph order. */
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

cleanup:
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        free(orank.r2[o]);
    for (int t = 0; t < threads; t++)
        sens_buf_free(&bufs[t]);
    free(bufs);
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
        int node = roi_graph_input_node(g, k);
        roi_tornado_row *r = &an->tornado[k];
        double med = fixed[node];
        r->node = node;
        r->name = g->nodes[node].name;
        r->q10 = roi_dist_quantile(&g->nodes[node].dist, 0.10);
        r->q90 = roi_dist_quantile(&g->nodes[node].dist, 0.90);
        fixed[node] = r->q10;
        r->at_q10 = npv_at(m, fixed, vals, ws);
        fixed[node] = r->q90;
        r->at_q90 = npv_at(m, fixed, vals, ws);
        fixed[node] = med;
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

static roi_status view(const ctx *c, const char *name, const char *where, roi_view_result *v,
                       roi_error *err)
{
    roi_status st = ROI_OK;
    roi_cond *cond = NULL;
    const size_t n = c->n;
    double **cols = NULL;
    double *owned = NULL, *sub = NULL, *work = NULL;
    unsigned char *match = NULL;
    char path[300];
    snprintf(path, sizeof path, "view %s", name);

    v->name = dupstr(name);
    v->where = dupstr(where);
    if (!v->name || !v->where)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    if ((st = roi_cond_parse(where, c->m, path, &cond, err)) != ROI_OK)
        return st;
    int nr = roi_cond_ref_count(cond);
    const roi_cond_ref *refs = roi_cond_refs(cond);
    cols = calloc((size_t)nr + 1, sizeof *cols);
    owned = malloc(((size_t)nr + 1) * n * sizeof *owned);
    match = malloc(n + 1);
    sub = malloc((n + 1) * sizeof *sub);
    work = malloc((n + 1) * sizeof *work);
    if (!cols || !owned || !match || !sub || !work) {
        st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory computing view %s", name);
        goto cleanup;
    }
    for (int k = 0; k < nr; k++) {
        if (refs[k].kind == ROI_COND_OUTPUT) {
            cols[k] = owned + (size_t)k * n;
            widen(c->run->out[refs[k].index], n, cols[k]);
        } else {
            cols[k] = owned + (size_t)k * n;
            input_values(c, refs[k].index, cols[k]);
        }
    }
    {
        const long long nn = (long long)n;
#pragma omp parallel for num_threads(c->threads) schedule(static)
        for (long long i = 0; i < nn; i++) {
            double vals[64];
            for (int k = 0; k < nr && k < 64; k++)
                vals[k] = cols[k][i];
            match[i] = (unsigned char)roi_cond_eval(cond, vals);
        }
    }
    if (nr > 64) {
        st = roi_error_set(err, ROI_ERR_USAGE, path, "a condition may name at most 64 values");
        goto cleanup;
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += match[i];
    v->count = count;
    v->share = (double)count / (double)n;
    v->share_se = sqrt(v->share * (1.0 - v->share) / (double)n);
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        const float *y = c->run->out[o];
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (match[i])
                sub[m++] = y[i];
        if (summarize_ci(sub, m, work, &v->summary[o], &v->ci[o]) == ROI_ERR_NOMEM) {
            st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory computing view %s", name);
            goto cleanup;
        }
    }
cleanup:
    roi_cond_free(cond);
    free(cols);
    free(owned);
    free(match);
    free(sub);
    free(work);
    return st;
}

/* ---- stress ---------------------------------------------------------------------------------- */

/* The distribution d restricted to the values in [qlo, qhi] (d's own quantiles), into
 * *out (caller frees with roi_dist_free). */
static roi_status restrict_dist(const roi_dist *d, double lo, double hi, double qlo, double qhi,
                                const char *path, roi_dist *out, roi_error *err)
{
    memset(out, 0, sizeof *out);
    if (d->family == ROI_DIST_FIXED)
        return roi_error_set(err, ROI_ERR_USAGE, path, "the input is fixed; nothing to stress");
    if (d->family == ROI_DIST_BERNOULLI || d->family == ROI_DIST_DISCRETE) {
        /* Keep the outcomes inside the band, with their relative probabilities. */
        double bv[2] = {0.0, 1.0}, bp[2] = {1.0 - d->p[0], d->p[0]};
        const double *values = d->family == ROI_DIST_BERNOULLI ? bv : d->values;
        const double *probs = d->family == ROI_DIST_BERNOULLI ? bp : d->probs;
        size_t nv = d->family == ROI_DIST_BERNOULLI ? 2 : d->n;
        double *v = malloc((nv + 1) * sizeof *v), *p = malloc((nv + 1) * sizeof *p);
        size_t k = 0;
        double total = 0.0;
        if (!v || !p) {
            free(v);
            free(p);
            return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        }
        for (size_t i = 0; i < nv; i++)
            if (values[i] >= qlo && values[i] <= qhi && probs[i] > 0.0) {
                v[k] = values[i];
                p[k++] = probs[i];
                total += probs[i];
            }
        for (size_t i = 0; i < k; i++)
            p[i] /= total;
        roi_status st = k ? roi_dist_discrete(out, v, p, k, path, err)
                          : roi_error_set(err, ROI_ERR_USAGE, path, "the band holds no outcome");
        free(v);
        free(p);
        return st;
    }
    roi_status st = roi_dist_copy(out, d);
    if (st != ROI_OK)
        return roi_error_set(err, st, "", "out of memory");
    st = roi_dist_truncate(out, lo > 0.0 ? qlo : -INFINITY, hi < 1.0 ? qhi : INFINITY, path, err);
    if (st != ROI_OK)
        roi_dist_free(out);
    return st;
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
    if (!(s->low >= 0.0 && s->high <= 1.0 && s->low < s->high))
        return roi_error_set(err, ROI_ERR_USAGE, path,
                             "the band must satisfy 0 <= low < high <= 1, got %g:%g", s->low,
                             s->high);
    int node = roi_graph_find_input(&c->m->graph, s->input);
    if (node < 0)
        return roi_error_set(err, ROI_ERR_USAGE, path, "scenario %s has no input '%s'",
                             c->m->name ? c->m->name : "?", s->input);
    roi_node *nd = &c->m->graph.nodes[node];
    r->q_low = roi_dist_quantile(&nd->dist, s->low);
    r->q_high = roi_dist_quantile(&nd->dist, s->high);
    roi_dist band;
    if ((st = restrict_dist(&nd->dist, s->low, s->high, r->q_low, r->q_high, path, &band, err)) !=
        ROI_OK)
        return st;
    /* Swap the band in, rerun with the same seed, and restore the model. */
    roi_dist saved = nd->dist;
    nd->dist = band;
    roi_sim_opts so = {.seed = c->run->seed, .trials = c->n, .threads = c->threads};
    st = roi_sim_run(c->m, &so, &srun, err);
    nd->dist = saved;
    roi_dist_free(&band);
    if (st != ROI_OK)
        goto cleanup;
    work = malloc((c->n + 1) * sizeof *work);
    if (!work) {
        st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        goto cleanup;
    }
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        if ((st = summarize_ci_float(srun->out[o], c->n, work, &r->summary[o], &r->ci[o])) !=
            ROI_OK) {
            st = roi_error_set(err, st, "", "summary of stress %s failed", r->name);
            goto cleanup;
        }
    for (int o = 0; o < ROI_OUT_COUNT; o++) /* the exact summary; the CIs from the floats */
        r->summary[o] = srun->summary[o];
    for (size_t i = 0; i < c->n; i++)
        work[i] = (double)srun->out[ROI_OUT_NPV][i] - (double)c->run->out[ROI_OUT_NPV][i];
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
    double *d = malloc((n + 1) * sizeof *d), *work = malloc((n + 1) * sizeof *work);
    if (!d || !work) {
        free(d);
        free(work);
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    }
    size_t m = 0, ties = 0;
    for (size_t i = 0; i < n; i++) {
        double x = a->out[o][i], y = b->out[o][i];
        if (isnan(x) || isnan(y))
            continue;
        d[m++] = x - y;
        ties += x == y;
    }
    roi_summary s;
    roi_summary_ci ci;
    roi_status st = summarize_ci(d, m, work, &s, &ci);
    free(d);
    free(work);
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

roi_status roi_analysis_run(roi_model *m, roi_run *run, const roi_analysis_opts *opts,
                            roi_error *err)
{
    static const roi_analysis_opts none = {0};
    roi_status st = ROI_OK;
    roi_analysis *an = NULL;
    double *work = NULL;
    ctx c = {0};
    if (!m || !run || run->model != m)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "roi_analysis_run: not a run of this model");
    if (!opts)
        opts = &none;
    const char *scen = m->name ? m->name : "(unnamed)";
    c.m = m;
    c.run = run;
    c.n = run->trials;
    c.threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
    if (c.threads < 1)
        c.threads = 1;
    an = calloc(1, sizeof *an);
    c.keys = malloc(((size_t)m->graph.n + 1) * sizeof *c.keys);
    c.scratch = calloc((size_t)c.threads, sizeof *c.scratch);
    work = malloc((c.n + 1) * sizeof *work);
    if (!an || !c.keys || !c.scratch || !work)
        goto nomem;
    for (int t = 0; t < c.threads; t++)
        if (!(c.scratch[t] = gsl_rng_alloc(roi_rng_philox)))
            goto nomem;
    roi_graph_keys(&m->graph, run->seed, c.keys);

    /* The outputs' CIs as parallel tasks (a sort each), one work buffer per thread. */
    {
        roi_status ci_st = ROI_OK;
#pragma omp parallel num_threads(c.threads < ROI_OUT_COUNT ? c.threads : ROI_OUT_COUNT)
        {
            double *w = omp_get_thread_num() == 0 ? work : malloc((c.n + 1) * sizeof *w);
#pragma omp for schedule(dynamic)
            for (int o = 0; o < ROI_OUT_COUNT; o++) {
                roi_summary s;
                if (!w || summarize_ci_float(run->out[o], c.n, w, &s, &an->ci[o]) ==
                              ROI_ERR_NOMEM) {
#pragma omp critical(roi_analysis_fail)
                    ci_st = ROI_ERR_NOMEM;
                }
            }
            if (w != work)
                free(w);
        }
        if (ci_st == ROI_ERR_NOMEM)
            goto nomem;
    }
    free(work); /* not needed by what follows: lowers the peak */
    work = NULL;
    if ((st = sensitivity(&c, an)) != ROI_OK)
        goto nomem;
    if ((st = tornado(&c, an)) != ROI_OK)
        goto nomem;

    int nv = m->n_views + opts->n_given;
    an->views = calloc((size_t)nv + 1, sizeof *an->views);
    if (!an->views)
        goto nomem;
    for (int i = 0, k = 0; i < nv; i++) {
        const char *name = i < m->n_views ? m->views[i].name : opts->given[i - m->n_views];
        const char *where = i < m->n_views ? m->views[i].where : opts->given[i - m->n_views];
        if (i >= m->n_views) { /* a --given naming what this scenario lacks: skip it */
            roi_cond *probe = NULL;
            roi_error perr;
            if (roi_cond_parse(where, m, NULL, &probe, &perr) == ROI_ERR_USAGE)
                continue;
            roi_cond_free(probe);
        }
        an->n_views = k + 1;
        if ((st = view(&c, name, where, &an->views[k++], err)) != ROI_OK)
            goto cleanup;
    }

    int ns = m->n_stresses;
    for (int i = 0; i < opts->n_stress; i++)
        ns += roi_graph_find_input(&m->graph, opts->stress[i].input) >= 0;
    an->stress = calloc((size_t)ns + 1, sizeof *an->stress);
    if (!an->stress)
        goto nomem;
    for (int i = 0, k = 0; i < m->n_stresses + opts->n_stress; i++) {
        const roi_stress *s = i < m->n_stresses ? &m->stresses[i] : &opts->stress[i - m->n_stresses];
        if (i >= m->n_stresses && roi_graph_find_input(&m->graph, s->input) < 0)
            continue;
        an->n_stress = k + 1;
        if ((st = stress(&c, s, &an->stress[k++], err)) != ROI_OK)
            goto cleanup;
    }
    roi_analysis_free(run->analysis);
    run->analysis = an;
    an = NULL;
    goto cleanup;

nomem:
    st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory analysing scenario %s", scen);
cleanup:
    if (c.scratch)
        for (int t = 0; t < c.threads; t++)
            if (c.scratch[t])
                gsl_rng_free(c.scratch[t]);
    free(c.scratch);
    free(c.keys);
    free(work);
    roi_analysis_free(an);
    return st;
}
