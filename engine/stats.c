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

/* ---- sort ------------------------------------------------------------------------ */


/* Key i of an array of keys stored in double-sized slots (memcpy keeps the types legal;
 * compilers turn it into one move). */
static inline uint64_t key_at(const double *k, size_t i)
{
    uint64_t u;
    memcpy(&u, &k[i], sizeof u);
    return u;
}

static inline void key_put(double *k, size_t i, uint64_t u)
{
    memcpy(&k[i], &u, sizeof u);
}

/*
 * LSD radix sort by bytes. The keys live in x itself and in one buffer of n (not two),
 * which keeps the peak memory of summarising a large run down.
 */
roi_status roi_stats_sort(double *x, size_t n)
{
    if (n < 2)
        return ROI_OK;
    roi_status st = ROI_OK;
    double *buf = malloc(n * sizeof *buf);
    /* One counting pass builds all eight byte histograms. */
    size_t (*count)[256] = calloc(8, sizeof *count);
    if (!buf || !count) {
        st = ROI_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = roi_sort_key(x[i]);
        key_put(x, i, k);
        for (int p = 0; p < 8; p++)
            count[p][(k >> (8 * p)) & 0xff]++;
    }
    double *a = x, *b = buf;
    for (int p = 0; p < 8; p++) {
        size_t *c = count[p];
        /* A byte that every key shares leaves the order unchanged: skip the pass. */
        if (c[(key_at(a, 0) >> (8 * p)) & 0xff] == n)
            continue;
        size_t pos = 0;
        for (int v = 0; v < 256; v++) {
            size_t cv = c[v];
            c[v] = pos;
            pos += cv;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = key_at(a, i);
            key_put(b, c[(k >> (8 * p)) & 0xff]++, k);
        }
        double *t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < n; i++)
        x[i] = roi_sort_key_value(key_at(a, i));
cleanup:
    free(buf);
    free(count);
    return st;
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
    double frac = h - (double)lo;
    double a = sorted[lo], b = sorted[lo + 1];
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
    memset(s, 0, sizeof *s);
    s->n = n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (isnan(v))
            continue;
        if (isinf(v))
            return ROI_ERR_NUMERIC;
        work[m++] = v;
    }
    s->n_defined = m;
    s->undefined_share = n > 0 ? (double)(n - m) / (double)n : 0.0;
    if (m == 0)
        return ROI_OK;

    roi_status st = roi_stats_sort(work, m);
    if (st != ROI_OK)
        return st;

    s->mean = roi_stats_sum(work, m) / (double)m;
    if (m > 1) {
        s->sd = sqrt(sum_sq_dev(work, m, s->mean) / (double)(m - 1));
        s->se = s->sd / sqrt((double)m);
    }
    s->min = work[0];
    s->max = work[m - 1];
    for (int k = 0; k < ROI_NPCT; k++)
        s->pct[k] = roi_stats_percentile_sorted(work, m, roi_pct_levels[k]);

    /* Sorted ascending, so the positives are the tail after the last value <= 0. */
    size_t npos = 0;
    for (size_t i = m; i > 0 && work[i - 1] > 0.0; i--)
        npos++;
    s->prob_positive = (double)npos / (double)m;

    size_t ntail = (m + 19) / 20; /* ceil(0.05 m), in integers to avoid 0.05's rounding */
    s->cvar5 = roi_stats_sum(work, ntail) / (double)ntail;
    return ROI_OK;
}
