/*
 * stats.c - summary statistics of one scalar output (see stats.h).
 *
 * Percentiles are Excel's PERCENTILE.INC (numpy's default "linear" method): for a
 * sorted sample of n values, rank h = (n - 1) p, and the result interpolates linearly
 * between the order statistics floor(h) and floor(h) + 1. Sums are pairwise, so a
 * mean over a million trials keeps about log2(n) ulps of error instead of n.
 */
#include "stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

const double roi_pct_levels[ROI_NPCT] = {0.01, 0.05, 0.10, 0.25, 0.50,
                                         0.75, 0.90, 0.95, 0.99};
const char *const roi_pct_names[ROI_NPCT] = {"p1",  "p5",  "p10", "p25", "p50",
                                             "p75", "p90", "p95", "p99"};

/* ---- sums ---------------------------------------------------------------------- */

/* Below this length a plain loop is used; above it the range is halved. */
#define PAIRWISE_LEAF 16

double roi_stats_sum(const double *x, size_t n)
{
    if (n <= PAIRWISE_LEAF) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += x[i];
        return s;
    }
    size_t half = n / 2;
    return roi_stats_sum(x, half) + roi_stats_sum(x + half, n - half);
}

/* Pairwise sum of (x[i] - mean)^2: the second pass of the two-pass variance. */
static double sum_sq_dev(const double *x, size_t n, double mean)
{
    if (n <= PAIRWISE_LEAF) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++) {
            double d = x[i] - mean;
            s += d * d;
        }
        return s;
    }
    size_t half = n / 2;
    return sum_sq_dev(x, half, mean) + sum_sq_dev(x + half, n - half, mean);
}

/* ---- the sort kernel -------------------------------------------------------------------- */

/* Word i of an array of 8-byte slots (uint64_t or double: memcpy keeps either legal;
 * compilers turn it into one move). */
static inline uint64_t word_at(const void *w, size_t i)
{
    uint64_t u;
    memcpy(&u, (const unsigned char *)w + 8 * i, sizeof u);
    return u;
}

static inline void word_put(void *w, size_t i, uint64_t u)
{
    memcpy((unsigned char *)w + 8 * i, &u, sizeof u);
}

/* Stable insertion sort of w[0..n) by (word >> shift) & mask. */
static void insertion_words(void *w, size_t n, int shift, uint64_t mask)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t v = word_at(w, i), kv = (v >> shift) & mask;
        size_t j = i;
        while (j > 0 && ((word_at(w, j - 1) >> shift) & mask) > kv) {
            word_put(w, j, word_at(w, j - 1));
            j--;
        }
        word_put(w, j, v);
    }
}

void roi_stats_sort_words(void *w, void *tmp, size_t n, int lo_byte, int hi_byte)
{
    const int nb = hi_byte - lo_byte;
    if (n < 2 || nb < 1)
        return;
    if (n <= ROI_SORT_SMALL) {
        uint64_t mask = nb >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * nb)) - 1;
        insertion_words(w, n, 8 * lo_byte, mask);
        return;
    }
    /* One counting pass builds every byte's histogram. */
    size_t count[8][256];
    memset(count, 0, (size_t)nb * sizeof count[0]);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = word_at(w, i) >> (8 * lo_byte);
        for (int p = 0; p < nb; p++)
            count[p][(k >> (8 * p)) & 0xff]++;
    }
    void *a = w, *b = tmp;
    for (int p = 0; p < nb; p++) {
        const int sh = 8 * (lo_byte + p);
        size_t *c = count[p];
        /* A byte that every word shares leaves the order unchanged: skip the pass. */
        if (c[(word_at(a, 0) >> sh) & 0xff] == n)
            continue;
        size_t pos = 0;
        for (int v = 0; v < 256; v++) {
            size_t cv = c[v];
            c[v] = pos;
            pos += cv;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = word_at(a, i);
            word_put(b, c[(k >> sh) & 0xff]++, k);
        }
        void *t = a;
        a = b;
        b = t;
    }
    if (a != w)
        memcpy(w, a, n * 8);
}

roi_status roi_stats_sort(double *x, size_t n)
{
    if (n < 2)
        return ROI_OK;
    /* The keys live in x itself and in one buffer of n (not two), which keeps the peak
     * memory of summarising a large run down. */
    double *tmp = NULL;
    if (n > ROI_SORT_SMALL && !(tmp = malloc(n * sizeof *tmp)))
        return ROI_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        word_put(x, i, roi_sort_key(x[i]));
    roi_stats_sort_words(x, tmp, n, 0, 8);
    for (size_t i = 0; i < n; i++)
        x[i] = roi_sort_key_value(word_at(x, i));
    free(tmp);
    return ROI_OK;
}

/*
 * The float keys k[0..n) (roi_sort_key32) sorted as roi_stats_sort_words sorts words:
 * stable LSD by bytes, a byte every key shares skipped; tmp holds n keys. Each pass is
 * shared by `threads` threads, each counting and then placing its own contiguous share of
 * the keys after those of lower digits and, within a digit, after the shares before its
 * own: the order of a stable sort, so the result does not depend on the thread count.
 * Returns the buffer the sorted keys end in (k or tmp).
 */
static uint32_t *sort_keys32(uint32_t *k, uint32_t *tmp, size_t n, int threads)
{
    if (n <= ROI_SORT_SMALL) {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = k[i];
            size_t j = i;
            for (; j > 0 && k[j - 1] > v; j--)
                k[j] = k[j - 1];
            k[j] = v;
        }
        return k;
    }
    int nt = threads < 1 ? 1 : threads > ROI_SORT_MAX_THREADS ? ROI_SORT_MAX_THREADS : threads;
    if (n < ((size_t)1 << 16))
        nt = 1; /* the threads' start-up outweighs the keys' passes */
    size_t count[ROI_SORT_MAX_THREADS][256];
    uint32_t *result = k;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        uint32_t *a = k, *b = tmp; /* each thread's own, swapped alike */
        const int t = omp_get_thread_num(), tn = omp_get_num_threads();
        const size_t lo = n * (size_t)t / (size_t)tn, hi = n * (size_t)(t + 1) / (size_t)tn;
        for (int p = 0; p < 4; p++) {
            const int sh = 8 * p;
            size_t *c = count[t];
            memset(c, 0, sizeof count[0]);
            for (size_t i = lo; i < hi; i++)
                c[(a[i] >> sh) & 0xff]++;
#pragma omp barrier
            /* Every thread finds the same totals, so every thread takes the same branch. */
            size_t total = 0;
            for (int u = 0; u < tn; u++)
                total += count[u][(a[0] >> sh) & 0xff];
            if (total == n) {
#pragma omp barrier
                continue; /* a byte every key shares leaves the order unchanged */
            }
            size_t start[256], pos = 0;
            for (int v = 0; v < 256; v++) {
                for (int u = 0; u < tn; u++) {
                    if (u == t)
                        start[v] = pos;
                    pos += count[u][v];
                }
            }
            for (size_t i = lo; i < hi; i++) {
                uint32_t v = a[i];
                b[start[(v >> sh) & 0xff]++] = v;
            }
#pragma omp barrier
            uint32_t *x = a;
            a = b;
            b = x;
        }
        if (t == 0)
            result = a;
    }
    return result;
}

void roi_stats_sort_keys32(double *buf, size_t n, int threads)
{
    /* buf's 2n 32-bit words: the keys in the first n, the sort's scratch in the rest. */
    uint32_t *k = (uint32_t *)(void *)buf, *tmp = k + n;
    const uint32_t *sorted = sort_keys32(k, tmp, n, threads);
    /* Widened in place. From the first half, back to front: double i covers words 2i
     * and 2i + 1, never a key not yet read (those are below i). From the second half,
     * front to back: the keys not yet read lie at n + j > 2i + 1 for every j > i. */
    if (sorted == k) {
        for (size_t i = n; i-- > 0;)
            buf[i] = (double)roi_sort_key32_value(sorted[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            buf[i] = (double)roi_sort_key32_value(sorted[i]);
    }
}

/* ---- selection ------------------------------------------------------------------------------ */

/*
 * Quickselect of the positions pos[0..npos) within a[lo..hi): median-of-3 pivot,
 * three-way partition (ties, common in discrete outputs, end in the middle and are
 * done), recursion on the left side, loop on the right; a short range, or one that keeps
 * splitting badly, is sorted instead. The keys are a total order, so the selected keys
 * are exactly the sorted ones, whatever the path.
 */
static roi_status select_range(uint64_t *a, size_t lo, size_t hi, const size_t *pos,
                               size_t npos, int depth)
{
    while (npos > 0 && hi - lo > 1) {
        size_t n = hi - lo;
        if (n <= 16 || depth > 80) {
            uint64_t *tmp = NULL;
            if (n > ROI_SORT_SMALL && !(tmp = malloc(n * sizeof *tmp)))
                return ROI_ERR_NOMEM;
            roi_stats_sort_words(a + lo, tmp, n, 0, 8);
            free(tmp);
            return ROI_OK;
        }
        depth++;
        uint64_t x = a[lo], y = a[lo + n / 2], z = a[hi - 1];
        uint64_t p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            uint64_t v = a[i];
            if (v < p) {
                a[i++] = a[lt];
                a[lt++] = v;
            } else if (v > p) {
                a[i] = a[--gt];
                a[gt] = v;
            } else {
                i++;
            }
        }
        size_t nl = 0, ne;
        while (nl < npos && pos[nl] < lt)
            nl++;
        for (ne = nl; ne < npos && pos[ne] < gt; ne++)
            ;
        ROI_TRY(select_range(a, lo, lt, pos, nl, depth));
        lo = gt;
        pos += ne;
        npos -= ne;
    }
    return ROI_OK;
}

roi_status roi_stats_select_keys(uint64_t *a, size_t n, const size_t *pos, size_t npos)
{
    if (npos > ROI_MAX_SELECT)
        return ROI_ERR_INTERNAL;
    uint64_t sorted[ROI_MAX_SELECT];
    size_t distinct[ROI_MAX_SELECT], nd = 0;
    for (size_t i = 0; i < npos; i++)
        sorted[i] = pos[i];
    roi_stats_sort_words(sorted, NULL, npos, 0, 8); /* npos <= ROI_SORT_SMALL */
    for (size_t i = 0; i < npos; i++)
        if (nd == 0 || sorted[i] != distinct[nd - 1])
            distinct[nd++] = (size_t)sorted[i];
    return select_range(a, 0, n, distinct, nd, 0);
}

/* ---- ranks ---------------------------------------------------------------------------------- */

#define LO32 UINT64_C(0xffffffff)
#define KEY_NEG_ZERO UINT64_C(0x7fffffffffffffff) /* roi_sort_key(-0.0) */

/* Whether the keys a <= b (adjacent in the order) are the same number: equal keys, or
 * -0.0 and +0.0. */
static inline int same_number(uint64_t a, uint64_t b)
{
    return a == b || (a == KEY_NEG_ZERO && b == KEY_NEG_ZERO + 1);
}

/* Orders a run of m words sharing the upper 32 bits of their keys by the lower 32, index
 * order within: a[k] = upper bits | index, key[k] the full keys (scratch meanwhile). */
static void finish_run(uint64_t *a, uint64_t *key, size_t m)
{
    const uint64_t upper = key[0] & ~LO32;
    for (size_t k = 0; k < m; k++)
        a[k] = (key[k] << 32) | (a[k] & LO32);
    roi_stats_sort_words(a, key, m, 4, 8); /* stable: index order within equal keys */
    for (size_t k = 0; k < m; k++) {
        key[k] = upper | (a[k] >> 32);
        a[k] = upper | (a[k] & LO32);
    }
}

/* Twice the mid-ranks from the sorted keys and their indices (a), and the sorted values
 * into the keys' storage. */
static void mid_ranks(const uint64_t *a, uint64_t *key, size_t n, uint32_t *rank2)
{
    double *sorted = (double *)(void *)key; /* same storage, one word per value */
    for (size_t i = 0; i < n;) {
        uint64_t last = key[i]; /* key[i..] are still keys; sorted[..i) values already */
        size_t j = i + 1;
        while (j < n && same_number(last, key[j]))
            last = key[j++];
        /* 0-based positions i..j-1 share the 1-based mid-rank (i + 1 + j) / 2. */
        uint32_t mid2 = (uint32_t)(i + 1 + j);
        for (size_t k = i; k < j; k++) {
            if (rank2)
                rank2[a[k] & LO32] = mid2;
            double v = roi_sort_key_value(key[k]);
            memcpy(&sorted[k], &v, sizeof v);
        }
        i = j;
    }
}

roi_status roi_stats_rank(const double *x, size_t n, uint32_t *rank2, uint64_t *ws_a,
                          uint64_t *ws_b, const double **sorted_out)
{
    if (n == 0)
        return ROI_OK;
    if (n > ROI_RANK_MAX_N)
        return ROI_ERR_NOMEM;
    uint64_t *a = ws_a, *key = ws_b;
    for (size_t i = 0; i < n; i++)
        a[i] = (roi_sort_key(x[i]) & ~LO32) | (uint64_t)i;
    roi_stats_sort_words(a, key, n, 4, 8);
    for (size_t i = 0; i < n; i++) {
#if defined(__GNUC__)
        if (i + 16 < n) /* the gather is random access: fetch ahead */
            __builtin_prefetch(&x[a[i + 16] & LO32]);
#endif
        key[i] = roi_sort_key(x[a[i] & LO32]);
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        int ordered = 1;
        while (j < n && (a[j] >> 32) == (a[i] >> 32)) {
            ordered &= key[j - 1] <= key[j]; /* equal keys are in index order already */
            j++;
        }
        if (!ordered)
            finish_run(a + i, key + i, j - i);
        i = j;
    }
    mid_ranks(a, key, n, rank2);
    if (sorted_out)
        *sorted_out = (const double *)(void *)key;
    return ROI_OK;
}

/* ---- percentiles and summary -------------------------------------------------------- */

double roi_stats_percentile_sorted(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    if (!(p > 0.0))
        return sorted[0];
    if (p >= 1.0)
        return sorted[n - 1];
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        return sorted[n - 1];
    return roi_stats_interpolate(sorted[lo], sorted[lo + 1], h - (double)lo);
}

double roi_stats_interpolate(double a, double b, double frac)
{
    double r = a + frac * (b - a);
    if (!isfinite(r)) /* b - a overflowed: weigh the ends separately */
        r = a * (1.0 - frac) + b * frac;
    /* Rounding must not step outside the bracketing order statistics. */
    if (r < a)
        r = a;
    if (r > b)
        r = b;
    return r;
}

roi_status roi_stats_summarize(const double *x, size_t n, double *work, roi_summary *s)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            work[m++] = x[i];
    roi_status st = roi_stats_sort(work, m);
    if (st != ROI_OK) {
        memset(s, 0, sizeof *s);
        return st;
    }
    return roi_stats_summarize_sorted(work, m, n, s);
}

roi_status roi_stats_summarize_sorted(const double *sorted, size_t m, size_t n, roi_summary *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    if (m > 0 && (isinf(sorted[0]) || isinf(sorted[m - 1])))
        return ROI_ERR_NUMERIC;
    s->n_defined = m;
    s->undefined_share = n > 0 ? (double)(n - m) / (double)n : 0.0;
    if (m == 0)
        return ROI_OK;

    s->mean = roi_stats_sum(sorted, m) / (double)m;
    if (m > 1) {
        s->sd = sqrt(sum_sq_dev(sorted, m, s->mean) / (double)(m - 1));
        s->se = s->sd / sqrt((double)m);
    }
    s->min = sorted[0];
    s->max = sorted[m - 1];
    for (int k = 0; k < ROI_NPCT; k++)
        s->pct[k] = roi_stats_percentile_sorted(sorted, m, roi_pct_levels[k]);

    /* Sorted ascending, so the positives are the tail after the last value <= 0. */
    size_t npos = 0;
    for (size_t i = m; i > 0 && sorted[i - 1] > 0.0; i--)
        npos++;
    s->prob_positive = (double)npos / (double)m;

    size_t ntail = (m + 19) / 20; /* ceil(0.05 m), in integers to avoid 0.05's rounding */
    s->cvar5 = roi_stats_sum(sorted, ntail) / (double)ntail;
    return ROI_OK;
}

/* ---- histogram ------------------------------------------------------------------------------- */

/* The smallest of 1, 2, 2.5, 5 x 10^k at least h (to rounding). */
static double nice_width(double h)
{
    double p = pow(10.0, floor(log10(h)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] * p >= h * (1 - 1e-12))
            return steps[i] * p;
    return 10 * p;
}

/* Counts sorted[0..n-1] into h's bins (start, width, bins set), the values beyond them
 * into the end bins. */
static void count_bins(const double *sorted, size_t n, roi_histogram *h)
{
    const double w = h->width;
    for (size_t i = 0; i < n; i++) {
        double b = floor((sorted[i] - h->start) / w);
        int j = b < 0 ? 0 : b >= h->bins ? h->bins - 1 : (int)b;
        if (sorted[i] < h->start)
            h->tail_lo = 1;
        if (sorted[i] >= h->start + w * h->bins)
            h->tail_hi = 1;
        h->count[j]++;
    }
}

void roi_stats_histogram(const double *sorted, size_t n, roi_histogram *h)
{
    memset(h, 0, sizeof *h);
    if (n == 0)
        return;
    double lo = roi_stats_percentile_sorted(sorted, n, 0.005);
    double hi = roi_stats_percentile_sorted(sorted, n, 0.995);
    double iqr = roi_stats_percentile_sorted(sorted, n, 0.75) -
                 roi_stats_percentile_sorted(sorted, n, 0.25);
    double w = 2 * iqr / cbrt((double)n);
    if (!(hi > lo)) {
        h->bins = 1;
        h->start = lo;
        h->width = 0;
        h->count[0] = n;
        return;
    }
    roi_stats_histogram_span(lo, hi, w, h); /* w not > 0: a tenth of the range */
    count_bins(sorted, n, h);
}

void roi_stats_histogram_span(double lo, double hi, double width, roi_histogram *grid)
{
    memset(grid, 0, sizeof *grid);
    if (!isfinite(lo) || !isfinite(hi) || !(hi > lo))
        return;
    double w = width > 0 && isfinite(width) ? nice_width(width) : nice_width((hi - lo) / 10);
    while (ceil(hi / w) - floor(lo / w) > ROI_HIST_MAX_BINS)
        w = nice_width(w * 1.01);
    grid->width = w;
    grid->start = floor(lo / w) * w;
    grid->bins = (int)(ceil(hi / w) - floor(lo / w));
    if (grid->bins < 1)
        grid->bins = 1;
}

void roi_stats_histogram_on(const double *sorted, size_t n, const roi_histogram *grid,
                            roi_histogram *h)
{
    memset(h, 0, sizeof *h);
    if (n == 0 || grid->bins < 1 || !(grid->width > 0))
        return;
    h->start = grid->start;
    h->width = grid->width;
    h->bins = grid->bins;
    count_bins(sorted, n, h);
}

/* ---- moments ------------------------------------------------------------------------------ */

void roi_moments_of(const double *x, size_t n, roi_moments *m)
{
    memset(m, 0, sizeof *m);
    m->min = INFINITY;
    m->max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (isnan(v))
            continue;
        m->n++;
        m->n_positive += v > 0.0;
        m->sum += v;
        m->min = v < m->min ? v : m->min;
        m->max = v > m->max ? v : m->max;
    }
    if (m->n == 0)
        return;
    double mean = m->sum / (double)m->n;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            m->m2 += (x[i] - mean) * (x[i] - mean);
}

void roi_moments_merge(roi_moments *acc, const roi_moments *b)
{
    if (b->n == 0)
        return;
    if (acc->n == 0) {
        *acc = *b;
        return;
    }
    double na = (double)acc->n, nb = (double)b->n;
    double delta = b->sum / nb - acc->sum / na;
    acc->m2 += b->m2 + delta * delta * (na * nb / (na + nb));
    acc->n += b->n;
    acc->n_positive += b->n_positive;
    acc->sum += b->sum;
    acc->min = b->min < acc->min ? b->min : acc->min;
    acc->max = b->max > acc->max ? b->max : acc->max;
}

roi_moments roi_moments_merge_pairwise(const roi_moments *m, size_t n, size_t stride)
{
    if (n == 1)
        return m[0];
    size_t half = n / 2;
    roi_moments a = roi_moments_merge_pairwise(m, half, stride);
    roi_moments b = roi_moments_merge_pairwise(m + half * stride, n - half, stride);
    roi_moments_merge(&a, &b);
    return a;
}

/* ---- order statistics of a float sample ------------------------------------------------------
 *
 * A radix select in two rounds over the floats' 32-bit sort keys, with no per-value
 * buffer: a histogram of the upper 16 bits finds each wanted rank's bucket, a histogram
 * of the lower 16 bits within those buckets finds its float; a third pass gathers the
 * values whose float is one of those (the ties), counting the exact ones and listing
 * the others, whose exact doubles s->values supplies. The exact r-th smallest value is
 * then element r - (values below the float) of the sorted tie group. */

typedef struct tie_group {
    uint32_t key;        /* the float's sort key */
    size_t below;        /* defined values with a smaller key */
    size_t n_exact;      /* values in the group whose float is exact (= the float) */
    size_t n_inexact, cap;
    size_t *trials;      /* the others: their indices, then their sorted exact values */
    double *vals;
    size_t n_lower;      /* inexact values below the float */
} tie_group;

#define HALF 65536u
/* Up to this many defined values the keys are sorted instead (8 bytes per value): the
 * select's fixed cost, ~10^6 steps over its 65536-slot histograms, would dominate. */
#define SMALL_SAMPLE ((size_t)1 << 16)

/* Finds the group of key (creating it with `below` values under it); its index. */
static int group_for(tie_group *groups, int *n_groups, uint32_t key, size_t below)
{
    int g = 0;
    while (g < *n_groups && groups[g].key != key)
        g++;
    if (g == *n_groups) {
        groups[g].key = key;
        groups[g].below = below;
        (*n_groups)++;
    }
    return g;
}

/* Element j (0-based, ascending) of the tie group g. */
static double group_at(const tie_group *g, size_t j)
{
    if (j < g->n_lower)
        return g->vals[j];
    if (j < g->n_lower + g->n_exact)
        return (double)roi_sort_key32_value(g->key);
    return g->vals[j - g->n_exact];
}

/* A selection in progress: the wanted ranks, the tie group each falls in, and which
 * upper halves of the float keys hold a group (slot[upper half] >= 0). */
typedef struct selection {
    const roi_float_sample *s;
    size_t n_defined;
    size_t want[ROI_MAX_ORDER_STATS + 1];
    int group_of[ROI_MAX_ORDER_STATS + 1];
    int n_want;
    tie_group groups[ROI_MAX_ORDER_STATS + 1];
    int n_groups;
    signed char *slot;     /* HALF of them */
} selection;

/* Small samples: the defined values' float keys sorted (8 bytes per value), each wanted
 * rank's group read off them; slot[] only marks the groups' upper halves. */
static roi_status groups_by_sort(selection *sel)
{
    const float *x = sel->s->x;
    const size_t nd = sel->n_defined;
    roi_status st = ROI_OK;
    uint64_t *keys = malloc(nd * sizeof *keys), *tmp = malloc(nd * sizeof *tmp);
    if (!keys || !tmp) {
        st = ROI_ERR_NOMEM;
        goto cleanup;
    }
    size_t m = 0;
    for (size_t i = 0; i < sel->s->n && m < nd; i++)
        if (!isnan(x[i]))
            keys[m++] = roi_sort_key32(x[i]);
    if (m != nd) {
        st = ROI_ERR_INTERNAL;
        goto cleanup;
    }
    roi_stats_sort_words(keys, tmp, m, 0, 4);
    for (int j = 0; j < sel->n_want; j++) {
        uint32_t key = (uint32_t)keys[sel->want[j]];
        size_t lo = 0, hi = sel->want[j]; /* the first position holding key */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (keys[mid] < key)
                lo = mid + 1;
            else
                hi = mid;
        }
        sel->group_of[j] = group_for(sel->groups, &sel->n_groups, key, lo);
        sel->slot[key >> 16] = 0;
    }
cleanup:
    free(keys);
    free(tmp);
    return st;
}

/* Large samples, with no per-value buffer: a histogram of the keys' upper 16 bits finds
 * each wanted rank's bucket, a histogram of the lower 16 bits within those buckets its
 * float. */
static roi_status groups_by_radix(selection *sel)
{
    const float *x = sel->s->x;
    const size_t n = sel->s->n;
    roi_status st = ROI_OK;
    uint32_t *low = NULL, bucket[ROI_MAX_ORDER_STATS + 1];
    uint32_t *start = calloc(HALF + 1, sizeof *start);
    int n_slots = 0;
    if (!start)
        return ROI_ERR_NOMEM;
    /* Round 1: upper halves. start[b] = defined values in buckets below b. */
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            start[(roi_sort_key32(x[i]) >> 16) + 1]++;
    for (uint32_t b = 0; b < HALF; b++)
        start[b + 1] += start[b];
    for (int j = 0; j < sel->n_want; j++) {
        uint32_t lo = 0, hi = HALF; /* the bucket b with start[b] <= r < start[b + 1] */
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (start[mid] <= sel->want[j])
                lo = mid;
            else
                hi = mid;
        }
        bucket[j] = lo;
        if (sel->slot[lo] < 0)
            sel->slot[lo] = (signed char)n_slots++;
    }
    /* Round 2: lower halves within the wanted buckets. */
    if (!(low = calloc((size_t)n_slots * HALF, sizeof *low))) {
        st = ROI_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            continue;
        uint32_t k = roi_sort_key32(x[i]);
        int sl = sel->slot[k >> 16];
        if (sl >= 0)
            low[(size_t)sl * HALF + (k & 0xffffu)]++;
    }
    for (int j = 0; j < sel->n_want; j++) {
        const uint32_t *h = low + (size_t)sel->slot[bucket[j]] * HALF;
        size_t below = start[bucket[j]];
        uint32_t v = 0;
        while (below + h[v] <= sel->want[j]) /* stops: the bucket holds rank want[j] */
            below += h[v++];
        sel->group_of[j] = group_for(sel->groups, &sel->n_groups, (bucket[j] << 16) | v, below);
    }
cleanup:
    free(start);
    free(low);
    return st;
}

/* Notes trial i (its float's key k) in the group of that key: counted when its float is
 * exact, listed for its exact value otherwise. */
static roi_status note_tie(selection *sel, uint32_t k, size_t i, uint16_t bit)
{
    for (int g = 0; g < sel->n_groups; g++) {
        tie_group *gr = &sel->groups[g];
        if (gr->key != k)
            continue;
        if (sel->s->exact[i] & bit) {
            gr->n_exact++;
            return ROI_OK;
        }
        if (gr->n_inexact == gr->cap) {
            size_t cap = gr->cap ? 2 * gr->cap : 16;
            size_t *t = realloc(gr->trials, cap * sizeof *t);
            if (!t)
                return ROI_ERR_NOMEM;
            gr->trials = t;
            gr->cap = cap;
        }
        gr->trials[gr->n_inexact++] = i;
        return ROI_OK;
    }
    return ROI_OK;
}

/* Round 3: the ties of every group, and (tail_key > 0) the sum of the floats below
 * tail_key in index order; then each group's inexact ties by their exact values,
 * sorted, and how many of them lie below the group's float. */
static roi_status gather_ties(selection *sel, int with_tail, uint32_t tail_key,
                              double *below_sum)
{
    const roi_float_sample *s = sel->s;
    const uint16_t bit = (uint16_t)(1u << s->bit);
    double sum = 0.0;
    for (size_t i = 0; i < s->n; i++) {
        if (isnan(s->x[i]))
            continue;
        uint32_t k = roi_sort_key32(s->x[i]);
        if (with_tail && k < tail_key)
            sum += (double)s->x[i];
        if (sel->slot[k >> 16] >= 0)
            ROI_TRY(note_tie(sel, k, i, bit));
    }
    *below_sum = sum;
    for (int g = 0; g < sel->n_groups; g++) {
        tie_group *gr = &sel->groups[g];
        if (gr->n_inexact == 0)
            continue;
        if (!(gr->vals = malloc(gr->n_inexact * sizeof *gr->vals)))
            return ROI_ERR_NOMEM;
        ROI_TRY(s->values(s->ud, gr->trials, gr->n_inexact, gr->vals));
        ROI_TRY(roi_stats_sort(gr->vals, gr->n_inexact));
        double f = (double)roi_sort_key32_value(gr->key);
        while (gr->n_lower < gr->n_inexact && gr->vals[gr->n_lower] < f)
            gr->n_lower++;
    }
    return ROI_OK;
}

roi_status roi_stats_order_stats_float(const roi_float_sample *s, size_t n_defined,
                                       const size_t *ranks, int n_ranks, double *out,
                                       size_t tail, double *tail_sum)
{
    roi_status st = ROI_OK;
    selection *sel = calloc(1, sizeof *sel);
    if (!sel)
        return ROI_ERR_NOMEM;
    sel->s = s;
    sel->n_defined = n_defined;
    if (n_ranks < 0 || n_ranks > ROI_MAX_ORDER_STATS || n_defined == 0) {
        st = ROI_ERR_INTERNAL;
        goto cleanup;
    }
    for (int j = 0; j < n_ranks; j++) {
        if (ranks[j] >= n_defined) {
            st = ROI_ERR_INTERNAL;
            goto cleanup;
        }
        sel->want[sel->n_want++] = ranks[j];
    }
    if (tail_sum) {
        if (tail < 1 || tail > n_defined) {
            st = ROI_ERR_INTERNAL;
            goto cleanup;
        }
        sel->want[sel->n_want++] = tail - 1;
    }
    if (!(sel->slot = malloc(HALF))) {
        st = ROI_ERR_NOMEM;
        goto cleanup;
    }
    memset(sel->slot, -1, HALF);
    ROI_TRY_GOTO(st, n_defined <= SMALL_SAMPLE ? groups_by_sort(sel) : groups_by_radix(sel),
                 cleanup);
    const uint32_t tail_key = tail_sum ? sel->groups[sel->group_of[sel->n_want - 1]].key : 0;
    double below_sum = 0.0;
    ROI_TRY_GOTO(st, gather_ties(sel, tail_sum != NULL, tail_key, &below_sum), cleanup);
    for (int j = 0; j < n_ranks; j++) {
        const tie_group *gr = &sel->groups[sel->group_of[j]];
        out[j] = group_at(gr, sel->want[j] - gr->below);
    }
    if (tail_sum) {
        const tie_group *gr = &sel->groups[sel->group_of[sel->n_want - 1]];
        for (size_t j = 0; j < tail - gr->below; j++)
            below_sum += group_at(gr, j);
        *tail_sum = below_sum;
    }
cleanup:
    for (int g = 0; g < sel->n_groups; g++) {
        free(sel->groups[g].trials);
        free(sel->groups[g].vals);
    }
    free(sel->slot);
    free(sel);
    return st;
}

roi_status roi_stats_summarize_float(const roi_float_sample *s, const roi_moments *m,
                                     roi_summary *out)
{
    memset(out, 0, sizeof *out);
    out->n = s->n;
    out->n_defined = m->n;
    out->undefined_share = s->n > 0 ? (double)(s->n - m->n) / (double)s->n : 0.0;
    const size_t nd = m->n;
    if (nd == 0)
        return ROI_OK;
    out->mean = m->sum / (double)nd;
    if (nd > 1) {
        out->sd = sqrt(m->m2 / (double)(nd - 1));
        out->se = out->sd / sqrt((double)nd);
    }
    out->min = m->min;
    out->max = m->max;
    out->prob_positive = (double)m->n_positive / (double)nd;
    size_t ntail = (nd + 19) / 20; /* ceil(0.05 n), in integers to avoid 0.05's rounding */
    if (m->min == m->max) { /* a constant: every statistic is that value */
        out->mean = m->min;
        out->sd = out->se = 0.0;
        for (int k = 0; k < ROI_NPCT; k++)
            out->pct[k] = m->min;
        out->cvar5 = m->min;
        return ROI_OK;
    }

    /* The order statistics roi_stats_percentile_sorted would read: rank floor(h) and
     * the next one; the extremes are known exactly already. */
    size_t ranks[2 * ROI_NPCT], lo[ROI_NPCT];
    double frac[ROI_NPCT], val[2 * ROI_NPCT];
    int n_ranks = 0, slot_a[ROI_NPCT], slot_b[ROI_NPCT];
    for (int k = 0; k < ROI_NPCT; k++) {
        double h = (double)(nd - 1) * roi_pct_levels[k];
        lo[k] = (size_t)floor(h);
        frac[k] = h - (double)lo[k];
        slot_a[k] = slot_b[k] = -1;
        if (lo[k] >= nd - 1)
            continue; /* the maximum */
        if (lo[k] > 0) {
            slot_a[k] = n_ranks;
            ranks[n_ranks++] = lo[k];
        }
        if (lo[k] + 1 < nd - 1) {
            slot_b[k] = n_ranks;
            ranks[n_ranks++] = lo[k] + 1;
        }
    }
    double tail_sum = 0.0;
    roi_status st = roi_stats_order_stats_float(s, nd, ranks, n_ranks, val, ntail, &tail_sum);
    if (st != ROI_OK)
        return st;
    for (int k = 0; k < ROI_NPCT; k++) {
        if (lo[k] >= nd - 1) {
            out->pct[k] = m->max;
            continue;
        }
        double a = slot_a[k] >= 0 ? val[slot_a[k]] : m->min;
        double b = slot_b[k] >= 0 ? val[slot_b[k]] : m->max;
        out->pct[k] = roi_stats_interpolate(a, b, frac[k]);
    }
    out->cvar5 = tail_sum / (double)ntail;
    return ROI_OK;
}
