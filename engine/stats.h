/*
 * stats.h - summary statistics of a sample of one scalar output.
 *
 * Responsible for: mean, sd, standard error of the mean, extremes, percentiles with
 * Excel's PERCENTILE.INC definition (numpy's default linear interpolation),
 * prob_positive, cvar5, and the share of undefined (NaN) values, plus a fast sort for
 * doubles. Deterministic: results depend only on the values and their order.
 * Not responsible for streaming or per-period bands (sim.h).
 */
#ifndef ROI_STATS_H
#define ROI_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "roi_error.h"

#define ROI_NPCT 9
/* The percentile levels reported: 0.01 0.05 0.10 0.25 0.50 0.75 0.90 0.95 0.99. */
extern const double roi_pct_levels[ROI_NPCT];
/* Their JSON names: "p1" "p5" "p10" "p25" "p50" "p75" "p90" "p95" "p99". */
extern const char *const roi_pct_names[ROI_NPCT];

typedef struct roi_summary {
    size_t n;               /* values given, including undefined ones */
    size_t n_defined;       /* values that are not NaN */
    double undefined_share; /* (n - n_defined) / n */
    /* Over the defined values only (all 0 when n_defined == 0): */
    double mean, sd, se;    /* sd with n - 1; se = sd / sqrt(n_defined) */
    double min, max;
    double pct[ROI_NPCT];   /* PERCENTILE.INC at roi_pct_levels */
    double prob_positive;   /* share of defined values > 0 */
    double cvar5;           /* mean of the lowest ceil(0.05 n_defined) values */
} roi_summary;

/*
 * Summarises x[0..n-1]; NaN marks an undefined value. work must hold n doubles (it
 * receives the defined values, sorted ascending, and their count is s->n_defined).
 * Returns ROI_ERR_NUMERIC if a value is infinite.
 */
roi_status roi_stats_summarize(const double *x, size_t n, double *work, roi_summary *s);

/* PERCENTILE.INC of sorted[0..n-1] at level p in [0, 1]; n >= 1. */
double roi_stats_percentile_sorted(const double *sorted, size_t n, double p);

/* Sorts n finite doubles ascending (LSD radix sort; -0.0 before +0.0). Allocates a
 * temporary buffer of n doubles; returns ROI_ERR_NOMEM if that fails. */
roi_status roi_stats_sort(double *x, size_t n);

/*
 * A double's bits, mapped so that unsigned order is numeric order: negative numbers
 * have all bits flipped (larger magnitude sorts first), non-negative ones only the
 * sign bit; -0.0 maps just below +0.0. roi_sort_key_value inverts it. Used by the
 * radix sorts here and in analysis.c.
 */
static inline uint64_t roi_sort_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u & UINT64_C(0x8000000000000000)) ? ~u : u ^ UINT64_C(0x8000000000000000);
}

static inline double roi_sort_key_value(uint64_t k)
{
    uint64_t u = (k & UINT64_C(0x8000000000000000)) ? k ^ UINT64_C(0x8000000000000000) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Sum of x[0..n-1] by pairwise summation (fixed order, so deterministic). */
double roi_stats_sum(const double *x, size_t n);

#endif
