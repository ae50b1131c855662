/*
 * stats.h - summary statistics of a sample of one scalar output.
 *
 * Responsible for: mean, sd, standard error of the mean, extremes, percentiles with
 * Excel's PERCENTILE.INC definition (numpy's default linear interpolation),
 * prob_positive, cvar5, and the share of undefined (NaN) values; the engine's one order
 * on doubles and the one sort, select and rank kernel built on it. Deterministic:
 * results depend only on the values and their order.
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

/*
 * roi_stats_summarize's summary of a sample of n values whose m defined ones are
 * sorted[0..m-1], ascending (m <= n; the other n - m are undefined).
 */
roi_status roi_stats_summarize_sorted(const double *sorted, size_t m, size_t n, roi_summary *s);

/* PERCENTILE.INC of sorted[0..n-1] at level p in [0, 1]; n >= 1. */
double roi_stats_percentile_sorted(const double *sorted, size_t n, double p);

/* ---- the order on doubles, and its sort, select and rank ----------------------------
 *
 * Every sort, selection and ranking in the engine (and every statistic the reports take
 * from it) orders values by roi_sort_key: numeric order, with -0.0 just below +0.0 (IEEE
 * 754's totalOrder on the non-NaN values; NaN is never ordered: callers drop undefined
 * values first). roi_sort_key32 is the same order on floats, and converting a float to
 * double keeps it. Mid-ranks tie equal numbers, so -0.0 and +0.0 share theirs.
 * One kernel does the sorting: roi_stats_sort_words, a stable LSD radix sort of 64-bit
 * words by a range of their bytes; roi_stats_sort, roi_stats_select_keys and
 * roi_stats_rank are built on it.
 */

/*
 * A double's bits, mapped so that unsigned order is the engine's order: negative
 * numbers have all bits flipped (larger magnitude sorts first), non-negative ones only
 * the sign bit; -0.0 maps just below +0.0. roi_sort_key_value inverts it.
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

/* Below this many words roi_stats_sort_words sorts by insertion (and needs no scratch). */
#define ROI_SORT_SMALL 64

/*
 * Sorts the n 64-bit words in w ascending by their bytes lo_byte .. hi_byte - 1 (byte 0
 * is the least significant; 0 <= lo_byte < hi_byte <= 8), stably: words equal in those
 * bytes keep their order. The words live in 8-byte slots read and written by memcpy, so
 * w and tmp may be arrays of uint64_t or of double. tmp is scratch of n slots (may be
 * NULL when n <= ROI_SORT_SMALL). The result is in w. LSD radix sort by byte, skipping
 * bytes every word shares; allocates nothing.
 */
void roi_stats_sort_words(void *w, void *tmp, size_t n, int lo_byte, int hi_byte);

/* Sorts n non-NaN doubles ascending in the engine's order. Allocates a temporary
 * buffer of n doubles; returns ROI_ERR_NOMEM if that fails. */
roi_status roi_stats_sort(double *x, size_t n);

/* roi_stats_select_keys takes at most this many positions. */
#define ROI_MAX_SELECT 64

/*
 * Rearranges the keys a[0..n) so that each position pos[0..npos) (any order, repeats
 * allowed, each < n, npos <= ROI_MAX_SELECT) holds the key a full ascending sort would
 * put there, with no larger key before it and no smaller one after it (quickselect on
 * several positions at once). Errors: ROI_ERR_INTERNAL (too many positions),
 * ROI_ERR_NOMEM (a range that keeps splitting badly has no scratch to be sorted in).
 */
roi_status roi_stats_select_keys(uint64_t *a, size_t n, const size_t *pos, size_t npos);

/* roi_stats_rank works for n below this (ranks are twice the mid-rank in 32 bits). */
#define ROI_RANK_MAX_N ((size_t)INT32_MAX)

/*
 * Twice the 1-based mid-ranks of the non-NaN x[0..n-1] into rank2 (may be NULL): equal
 * numbers share the mean of their ranks, so 0.5 * rank2[i] is x[i]'s mid-rank (exact in
 * 32 bits). The values sorted ascending end in ws_a or ws_b, as doubles: *sorted_out
 * (may be NULL) points at them. ws_a and ws_b are scratch of n words each, reused
 * across calls. The order is exact by (value, index), so it never depends on threads.
 * Two stages of roi_stats_sort_words: by the upper 32 bits of the key with the index
 * packed below them (the values to about 6 significant digits, index order within),
 * then each run of equal upper halves by the lower 32 bits (skipped when already in
 * order). Errors: ROI_ERR_NOMEM when n >= ROI_RANK_MAX_N.
 */
roi_status roi_stats_rank(const double *x, size_t n, uint32_t *rank2, uint64_t *ws_a,
                          uint64_t *ws_b, const double **sorted_out);

/* ---- a histogram for charts ------------------------------------------------------------ */

#define ROI_HIST_MAX_BINS 40

/*
 * Bins of one width w on multiples of w: Freedman-Diaconis' 2 IQR / cbrt(n) rounded up
 * to 1, 2, 2.5 or 5 x 10^k (a tenth of the range when the IQR is 0), widened until at
 * most ROI_HIST_MAX_BINS bins cover p0.5 .. p99.5; values beyond fall in the edge bins.
 * When p0.5 == p99.5: one bin of width 0 holding every value.
 */
typedef struct roi_histogram {
    int bins;                         /* 0: no values */
    double start, width;              /* bin j: [start + j width, start + (j + 1) width) */
    size_t count[ROI_HIST_MAX_BINS];
    int tail_lo, tail_hi;             /* some values lie below / above the bins */
} roi_histogram;

/* The histogram of sorted[0..n-1] (ascending, finite) into *h. */
void roi_stats_histogram(const double *sorted, size_t n, roi_histogram *h);

/*
 * The bins (start, width, bins; no counts) of a grid that covers [lo, hi] in bins of a
 * round width (1, 2, 2.5 or 5 x 10^k) of at least `width`, at most ROI_HIST_MAX_BINS of
 * them: one grid for several samples, so their histograms compare bin by bin. bins 0
 * when hi <= lo or either is not finite.
 */
void roi_stats_histogram_span(double lo, double hi, double width, roi_histogram *grid);

/* The histogram of sorted[0..n-1] (ascending, finite) on grid's bins into *h: values
 * beyond them count in the end bins, whose tail flags say so. */
void roi_stats_histogram_on(const double *sorted, size_t n, const roi_histogram *grid,
                            roi_histogram *h);

/* Sum of x[0..n-1] by pairwise summation (fixed order, so deterministic). */
double roi_stats_sum(const double *x, size_t n);

/* ---- samples stored as floats ------------------------------------------------------
 *
 * A run keeps each trial's scalar outputs as floats (half the memory of doubles) and
 * summarises them exactly all the same:
 *   - mean, sd, se, extremes and prob_positive come from roi_moments formed over each
 *     block of exact doubles as the trials run, merged in block order;
 *   - an order statistic is selected on the floats: rounding to nearest is monotone,
 *     so the k-th smallest double is among the values whose float equals the k-th
 *     smallest float, and only those ("ties") are fetched exactly (a run recomputes
 *     them; sim.h) unless their float is flagged exact;
 *   - cvar5 sums the floats of the tail below the tied values (each within a relative
 *     2^-24 of its double) plus the tied values' exact doubles: relative error below
 *     2^-24, in practice ~1e-10 (errors of both signs cancel; docs/statistics.md).
 */

/* roi_sort_key for floats. */
static inline uint32_t roi_sort_key32(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return (u & UINT32_C(0x80000000)) ? ~u : u ^ UINT32_C(0x80000000);
}

static inline float roi_sort_key32_value(uint32_t k)
{
    uint32_t u = (k & UINT32_C(0x80000000)) ? k ^ UINT32_C(0x80000000) : ~k;
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/*
 * Sorts n floats given as their roi_sort_key32 keys in the first n 32-bit words of buf
 * (room for n doubles): on return buf[0..n) holds the values as doubles, ascending,
 * exactly as roi_stats_sort would leave them. Allocates nothing: the sort's scratch is
 * buf's second half, so a float sample is sorted in 8 bytes a value instead of 16.
 * `threads` threads share the sort (OpenMP); the result is the same for any number.
 */
void roi_stats_sort_keys32(double *buf, size_t n, int threads);

/* The threads that share one sort at most (more are not used). */
#define ROI_SORT_MAX_THREADS 16

/*
 * v as stored in a float: rounded to nearest, except that a nonzero v never becomes
 * zero (it goes to the smallest float of its sign, so the float's sign is v's and
 * prob_positive stays exact) and |v| > FLT_MAX becomes +-FLT_MAX. Still monotone (the
 * order of the floats never contradicts the order of the doubles). *exact receives 1
 * when the float is v exactly (NaN: 1), else 0.
 */
static inline float roi_stats_to_float(double v, int *exact)
{
    float f;
    if (v > 3.40282346638528859812e+38) /* FLT_MAX, without <float.h> in a header */
        f = 3.40282346638528859812e+38f;
    else if (v < -3.40282346638528859812e+38)
        f = -3.40282346638528859812e+38f;
    else
        f = (float)v;
    if (f == 0.0f && v != 0.0)
        f = v > 0.0 ? 0x1p-149f : -0x1p-149f;
    *exact = (double)f == v || v != v;
    return f;
}

/* Moments of a set of values, in the order they were added. */
typedef struct roi_moments {
    size_t n;            /* defined (non-NaN) values */
    size_t n_positive;   /* values > 0 */
    double sum;          /* their sum, in order */
    double m2;           /* sum of squared deviations from sum / n */
    double min, max;     /* +inf / -inf when n == 0 */
} roi_moments;

/* The moments of x[0..n-1] (NaN skipped): sum in index order, m2 by two passes. */
void roi_moments_of(const double *x, size_t n, roi_moments *m);

/* acc becomes the moments of acc's values followed by b's (sum: acc->sum + b->sum;
 * m2 by Chan et al.'s update). Merging blocks in a fixed order gives fixed bits. */
void roi_moments_merge(roi_moments *acc, const roi_moments *b);

/* The moments of m[0], m[stride], ..., m[(n - 1) stride] merged pairwise (halving the
 * range, like roi_stats_sum): rounding grows like log2 n, the order is fixed. n >= 1. */
roi_moments roi_moments_merge_pairwise(const roi_moments *m, size_t n, size_t stride);

/* Writes the exact values of the trials named into values[0..n-1]. */
typedef roi_status (*roi_exact_fn)(void *ud, const size_t *trials, size_t n, double *values);

/* A sample stored as floats (see roi_stats_to_float). Everything is borrowed. */
typedef struct roi_float_sample {
    const float *x;             /* n values; NaN marks an undefined one */
    const uint16_t *exact;      /* per value: bit `bit` set when x[i] is exact */
    unsigned bit;
    size_t n;
    roi_exact_fn values;        /* fetches exact values of inexact ties */
    void *ud;
} roi_float_sample;

#define ROI_MAX_ORDER_STATS 30

/*
 * The exact ranks[j]-th smallest defined values (0-based, each < n_defined, the count
 * of non-NaN values) into out[j], j < n_ranks <= ROI_MAX_ORDER_STATS. With tail_sum,
 * also the sum of the `tail` smallest values (1 <= tail <= n_defined): the floats
 * below the tail's largest float, in index order, then the exact tied values in
 * ascending order. Memory: ~0.3 MB plus a few KB per distinct rank, plus 16 bytes per
 * inexact tie. Errors: ROI_ERR_NOMEM, or what s->values returns.
 */
roi_status roi_stats_order_stats_float(const roi_float_sample *s, size_t n_defined,
                                       const size_t *ranks, int n_ranks, double *out,
                                       size_t tail, double *tail_sum);

/*
 * The summary of a float sample whose exact moments are m (roi_stats_summarize's
 * fields: mean = m->sum / n; sd from m->m2; extremes and prob_positive from m;
 * percentiles exact; cvar5 as roi_stats_order_stats_float's tail sum).
 */
roi_status roi_stats_summarize_float(const roi_float_sample *s, const roi_moments *m,
                                     roi_summary *out);

/* PERCENTILE.INC's interpolation between the order statistics a <= b bracketing rank
 * h = (n - 1) p at fraction frac = h - floor(h) (what roi_stats_percentile_sorted does). */
double roi_stats_interpolate(double a, double b, double frac);

#endif
