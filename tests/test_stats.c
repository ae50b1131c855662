/* test_stats.c - summary statistics, PERCENTILE.INC, pairwise sums, radix sort. */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* splitmix64: a fixed, portable generator for test data only. */
static uint64_t mix_state;
static uint64_t next_u64(void)
{
    uint64_t z = (mix_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}
static double next_unit(void) { return (double)(next_u64() >> 11) * 0x1.0p-53; }

/* ---- percentiles ------------------------------------------------------------------- */

static void test_percentile_four(void **state)
{
    (void)state;
    const double x[4] = {1, 2, 3, 4};
    /* numpy: np.percentile([1,2,3,4], [0,1,25,50,90,99,100]) ->
     *        [1.0, 1.03, 1.75, 2.5, 3.7, 3.97, 4.0] */
    assert_near(roi_stats_percentile_sorted(x, 4, 0.0), 1.0, 0);
    assert_near(roi_stats_percentile_sorted(x, 4, 0.01), 1.03, 1e-15);
    assert_near(roi_stats_percentile_sorted(x, 4, 0.25), 1.75, 0);
    assert_near(roi_stats_percentile_sorted(x, 4, 0.50), 2.5, 0);
    assert_near(roi_stats_percentile_sorted(x, 4, 0.90), 3.7, 1e-15);
    assert_near(roi_stats_percentile_sorted(x, 4, 0.99), 3.97, 1e-15);
    assert_near(roi_stats_percentile_sorted(x, 4, 1.0), 4.0, 0);
}

static void test_percentile_single(void **state)
{
    (void)state;
    const double x[1] = {-7.25};
    for (int k = 0; k < ROI_NPCT; k++)
        assert_true(roi_stats_percentile_sorted(x, 1, roi_pct_levels[k]) == -7.25);
}

static void test_percentile_ties(void **state)
{
    (void)state;
    /* Interpolating between equal neighbours returns that value exactly. */
    const double x[5] = {0.1, 0.3, 0.3, 0.3, 0.9};
    assert_true(roi_stats_percentile_sorted(x, 5, 0.3) == 0.3);
    assert_true(roi_stats_percentile_sorted(x, 5, 0.5) == 0.3);
    /* numpy: np.percentile([0.1,0.3,0.3,0.3,0.9], 90) -> 0.66 (h = 3.6) */
    assert_near(roi_stats_percentile_sorted(x, 5, 0.9), 0.66, 1e-15);
}

/* ---- summaries ----------------------------------------------------------------------- */

static void test_summary_five(void **state)
{
    (void)state;
    const double x[5] = {30, 10, 50, 20, 40};
    double work[5];
    roi_summary s;
    assert_int_equal(roi_stats_summarize(x, 5, work, &s), ROI_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.n_defined, 5);
    assert_true(s.undefined_share == 0.0);
    assert_near(s.mean, 30.0, 0);
    /* sd with n-1: sqrt((400+100+0+100+400)/4) = sqrt(250); se = sqrt(250/5) = sqrt(50) */
    assert_near(s.sd, sqrt(250.0), 1e-13);
    assert_near(s.se, sqrt(50.0), 1e-13);
    assert_true(s.min == 10 && s.max == 50);
    /* numpy: np.percentile([10,20,30,40,50], [1,5,10,25,50,75,90,95,99])
     *        -> [10.4, 12, 14, 20, 30, 40, 46, 48, 49.6] */
    const double want[ROI_NPCT] = {10.4, 12, 14, 20, 30, 40, 46, 48, 49.6};
    for (int k = 0; k < ROI_NPCT; k++)
        assert_near(s.pct[k], want[k], 1e-12);
    assert_true(s.prob_positive == 1.0);
    assert_true(s.cvar5 == 10.0); /* ceil(0.25) = 1 value: the minimum */
    for (int i = 0; i < 5; i++)   /* work holds the sorted defined values */
        assert_true(work[i] == 10.0 * (i + 1));
}

static void test_summary_cvar5(void **state)
{
    (void)state;
    double x[41], work[41];
    roi_summary s;
    for (int i = 0; i < 41; i++)
        x[i] = 41 - i; /* 41, 40, ..., 1 */
    /* n = 40 -> ceil(2.0) = 2 lowest values {1, 2}: mean 1.5 */
    assert_int_equal(roi_stats_summarize(x + 1, 40, work, &s), ROI_OK);
    assert_true(s.cvar5 == 1.5);
    /* n = 41 -> ceil(2.05) = 3 lowest values {1, 2, 3}: mean 2 */
    assert_int_equal(roi_stats_summarize(x, 41, work, &s), ROI_OK);
    assert_true(s.cvar5 == 2.0);
    /* n = 20 -> ceil(1.0) = 1 (not 2: 0.05 * 20 must not round up) */
    assert_int_equal(roi_stats_summarize(x + 21, 20, work, &s), ROI_OK);
    assert_true(s.cvar5 == 1.0);
}

static void test_summary_nan(void **state)
{
    (void)state;
    const double x[5] = {NAN, -1.0, 2.0, NAN, 3.0};
    double work[5];
    roi_summary s;
    assert_int_equal(roi_stats_summarize(x, 5, work, &s), ROI_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.n_defined, 3);
    assert_near(s.undefined_share, 0.4, 1e-15);
    assert_near(s.mean, 4.0 / 3.0, 1e-15);
    assert_near(s.prob_positive, 2.0 / 3.0, 1e-15);
    assert_true(s.pct[4] == 2.0); /* median of {-1, 2, 3} */
    assert_true(s.min == -1.0 && s.max == 3.0);
    assert_true(s.cvar5 == -1.0);

    const double none[3] = {NAN, NAN, NAN};
    assert_int_equal(roi_stats_summarize(none, 3, work, &s), ROI_OK);
    assert_int_equal(s.n_defined, 0);
    assert_true(s.undefined_share == 1.0);
    assert_true(s.mean == 0.0 && s.sd == 0.0 && s.pct[4] == 0.0 && s.cvar5 == 0.0);
}

static void test_summary_one_value(void **state)
{
    (void)state;
    const double x[1] = {5.5};
    double work[1];
    roi_summary s;
    assert_int_equal(roi_stats_summarize(x, 1, work, &s), ROI_OK);
    assert_true(s.mean == 5.5 && s.sd == 0.0 && s.se == 0.0);
    for (int k = 0; k < ROI_NPCT; k++)
        assert_true(s.pct[k] == 5.5);
}

static void test_summary_infinite(void **state)
{
    (void)state;
    const double x[3] = {1.0, INFINITY, 2.0};
    const double y[3] = {1.0, 2.0, -INFINITY};
    double work[3];
    roi_summary s;
    assert_int_equal(roi_stats_summarize(x, 3, work, &s), ROI_ERR_NUMERIC);
    assert_int_equal(roi_stats_summarize(y, 3, work, &s), ROI_ERR_NUMERIC);
}

static void test_summary_two_pass_sd(void **state)
{
    (void)state;
    /* A large offset ruins the one-pass formula; two passes keep the sd exact-ish.
     * numpy: np.std([1e9+1, 1e9+2, 1e9+3, 1e9+4], ddof=1) -> 1.2909944487358056 */
    const double x[4] = {1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4};
    double work[4];
    roi_summary s;
    assert_int_equal(roi_stats_summarize(x, 4, work, &s), ROI_OK);
    assert_near(s.sd, 1.2909944487358056, 1e-12);
    assert_near(s.mean, 1e9 + 2.5, 0);
}

/* ---- sums ------------------------------------------------------------------------------ */

static void test_sum_pairwise(void **state)
{
    (void)state;
    size_t n = 1000000;
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.1;
    /* A plain loop is off by about 1.3e-6 here; pairwise by about 1e-10. */
    assert_near(roi_stats_sum(x, n), 100000.0, 1e-8);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)(i + 1);
    assert_true(roi_stats_sum(x, n) == 500000500000.0); /* exact in doubles */
    assert_true(roi_stats_sum(x, 0) == 0.0);
    free(x);
}

/* ---- radix sort ---------------------------------------------------------------------- */

/* Total order used as the reference: numeric, and -0.0 before +0.0. */
static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    if (a < b)
        return -1;
    if (a > b)
        return 1;
    return (int)(signbit(b) != 0) - (int)(signbit(a) != 0);
}

static void check_sort_matches_qsort(double *x, size_t n)
{
    double *ref = malloc((n ? n : 1) * sizeof *ref);
    assert_non_null(ref);
    memcpy(ref, x, n * sizeof *x);
    qsort(ref, n, sizeof *ref, cmp_double);
    assert_int_equal(roi_stats_sort(x, n), ROI_OK);
    assert_memory_equal(x, ref, n * sizeof *x);
    free(ref);
}

/*
 * roi_stats_sort_keys32 against qsort on the same floats, for samples whose keys need
 * 4, 3, 2 and 1 radix passes (the sorted keys then end in either half of the buffer,
 * and both widenings run) and for small ones (insertion sort), on 1 to 3 threads.
 */
static void check_keys32_threads(const float *f, size_t n, int threads)
{
    double *buf = malloc((n + 1) * sizeof *buf), *ref = malloc((n + 1) * sizeof *ref);
    assert_true(buf && ref);
    uint32_t *k = (uint32_t *)(void *)buf;
    for (size_t i = 0; i < n; i++) {
        k[i] = roi_sort_key32(f[i]);
        ref[i] = (double)f[i];
    }
    qsort(ref, n, sizeof *ref, cmp_double);
    roi_stats_sort_keys32(buf, n, threads);
    assert_memory_equal(buf, ref, n * sizeof *ref);
    free(buf);
    free(ref);
}

/* On 1, 2 and 3 threads (the shares of a pass are uneven with 3). */
static void check_keys32(const float *f, size_t n)
{
    for (int t = 1; t <= 3; t++)
        check_keys32_threads(f, n, t);
}

static void test_sort_keys32(void **state)
{
    (void)state;
    mix_state = 777;
    enum { N = 100003 }; /* above the size the sort shares among threads */
    float *f = malloc(N * sizeof *f);
    assert_non_null(f);
    size_t sizes[] = {0, 1, 2, 5, 64, 65, 1000, N};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        for (size_t i = 0; i < n; i++) { /* mixed signs, zeros of both signs, ties */
            uint64_t r = next_u64() % 10;
            f[i] = r == 0 ? ((next_u64() & 1) ? 0.0f : -0.0f)
                 : r == 1 ? 3.5f
                          : (float)((next_unit() - 0.5) * 1e6);
        }
        check_keys32(f, n);
    }
    /* Positive floats in [1, 2): the top byte is shared (3 passes, ends in the second
     * half); in [1, 1 + 2^-8): the top two are (2 passes, ends in the first); one
     * varying low byte only (1 pass). */
    for (size_t i = 0; i < N; i++)
        f[i] = 1.0f + (float)next_unit();
    check_keys32(f, N);
    for (size_t i = 0; i < N; i++)
        f[i] = 1.0f + (float)(next_unit() * 0x1p-8);
    check_keys32(f, N);
    for (size_t i = 0; i < N; i++)
        f[i] = 1.0f + (float)(next_u64() % 256) * 0x1p-23f;
    check_keys32(f, N);
    free(f);
}

static void test_sort_random(void **state)
{
    (void)state;
    mix_state = 12345;
    size_t sizes[] = {0, 1, 2, 3, 17, 1000, 100003};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        double *x = malloc((n ? n : 1) * sizeof *x);
        assert_non_null(x);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = next_u64() % 10;
            double u = next_unit();
            switch (r) {
            case 0: x[i] = 0.0; break;
            case 1: x[i] = -0.0; break;
            case 2: x[i] = 42.0; break;                      /* duplicates */
            case 3: x[i] = -u * 1e300; break;                /* huge negatives */
            case 4: x[i] = u * 1e-310; break;                /* subnormals */
            case 5: x[i] = -u * 1e-310; break;
            case 6: x[i] = (double)(next_u64() % 7) - 3.0; break; /* small integers */
            default: x[i] = (u - 0.5) * 1e6; break;
            }
        }
        check_sort_matches_qsort(x, n);
        /* -0.0 must come before +0.0 */
        for (size_t i = 1; i < n; i++)
            assert_false(x[i] == 0.0 && x[i - 1] == 0.0 && signbit(x[i]) && !signbit(x[i - 1]));
        free(x);
    }
}

static void test_sort_shared_bytes(void **state)
{
    (void)state;
    /* Keys that share most bytes exercise the skipped passes. */
    double x[64];
    for (int i = 0; i < 64; i++)
        x[i] = 1.0 + (double)((i * 37) % 64) * 0x1.0p-52;
    check_sort_matches_qsort(x, 64);
    for (int i = 0; i < 64; i++)
        x[i] = 3.0;
    check_sort_matches_qsort(x, 64);
    for (int i = 0; i < 64; i++)
        x[i] = (i % 2) ? -2.0 : 2.0;
    check_sort_matches_qsort(x, 64);
}

/* The kernel sorts by the bytes it is given and only those, stably, on both paths
 * (insertion below ROI_SORT_SMALL words, radix above). */
static void test_sort_words_byte_range_stable(void **state)
{
    (void)state;
    mix_state = 99;
    const size_t sizes[] = {2, 17, ROI_SORT_SMALL, ROI_SORT_SMALL + 1, 5000};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        uint64_t *w = malloc(n * sizeof *w), *tmp = malloc(n * sizeof *tmp);
        assert_true(w && tmp);
        /* bytes 4..7: a small random key; bytes 0..3: the original position */
        for (size_t i = 0; i < n; i++)
            w[i] = ((next_u64() % 37) << 32) | (uint64_t)i;
        roi_stats_sort_words(w, tmp, n, 4, 8);
        for (size_t i = 1; i < n; i++) {
            assert_true((w[i - 1] >> 32) <= (w[i] >> 32));
            if ((w[i - 1] >> 32) == (w[i] >> 32)) /* stable: positions still ascending */
                assert_true((w[i - 1] & 0xffffffffu) < (w[i] & 0xffffffffu));
        }
        free(w);
        free(tmp);
    }
}

/* Selecting positions (in any order, repeated) gives exactly the sorted keys there,
 * with nothing larger before and nothing smaller after. */
static void test_select_keys_matches_sort(void **state)
{
    (void)state;
    mix_state = 4242;
    const size_t sizes[] = {1, 16, 17, 1000, 70001};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        uint64_t *a = malloc(n * sizeof *a), *ref = malloc(n * sizeof *ref);
        double *x = malloc(n * sizeof *x);
        assert_true(a && ref && x);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = next_u64() % 4;
            x[i] = r == 0 ? 0.0 : r == 1 ? -0.0 : r == 2 ? (double)(next_u64() % 5)
                                                         : next_unit() - 0.5;
            a[i] = roi_sort_key(x[i]);
        }
        memcpy(ref, x, n * sizeof *x);
        assert_int_equal(roi_stats_sort((double *)ref, n), ROI_OK);
        size_t pos[6] = {n - 1, 0, n / 2, n / 3, n / 2, n / 10};
        assert_int_equal(roi_stats_select_keys(a, n, pos, 6), ROI_OK);
        for (int j = 0; j < 6; j++) {
            size_t p = pos[j];
            double got = roi_sort_key_value(a[p]);
            assert_memory_equal(&got, &((double *)ref)[p], sizeof got);
            for (size_t i = 0; i < n; i++)
                assert_true(i < p ? a[i] <= a[p] : i > p ? a[i] >= a[p] : 1);
        }
        free(a);
        free(ref);
        free(x);
    }
}

/* Mid-ranks tie equal numbers (-0.0 with +0.0 too), and the sorted values come back in
 * the engine's order with -0.0 kept before +0.0. Values agreeing in their upper 32 key
 * bits (runs longer and shorter than ROI_SORT_SMALL) exercise the second stage. */
static void test_rank_ties_and_order(void **state)
{
    (void)state;
    mix_state = 31337;
    enum { N = 3000 };
    double *x = malloc(N * sizeof *x), *ref = malloc(N * sizeof *ref);
    uint64_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    uint32_t *r2 = malloc(N * sizeof *r2);
    assert_true(x && ref && a && b && r2);
    for (size_t i = 0; i < N; i++) {
        uint64_t r = next_u64() % 100;
        if (r < 20)
            x[i] = (next_u64() & 1) ? 0.0 : -0.0;
        else if (r < 40) /* 1 + k ulps: a run of ~600 equal upper halves */
            x[i] = 1.0 + (double)(next_u64() % 50) * 0x1p-52;
        else if (r < 41) /* a run of ~30 */
            x[i] = 2.0 + (double)(next_u64() % 8) * 0x1p-51;
        else
            x[i] = next_unit() - 0.5;
    }
    const double *sorted = NULL;
    assert_int_equal(roi_stats_rank(x, N, r2, a, b, &sorted), ROI_OK);
    memcpy(ref, x, N * sizeof *x);
    assert_int_equal(roi_stats_sort(ref, N), ROI_OK);
    assert_memory_equal(sorted, ref, N * sizeof *ref);
    for (size_t i = 0; i < N; i++) {
        /* the mid-rank from the definition: values below, plus half the equal ones */
        size_t below = 0, equal = 0;
        for (size_t j = 0; j < N; j++) {
            below += x[j] < x[i];
            equal += x[j] == x[i];
        }
        assert_int_equal(r2[i], 2 * below + equal + 1);
    }
    free(x);
    free(ref);
    free(a);
    free(b);
    free(r2);
}

/* ---- histogram --------------------------------------------------------------------------- */

/* Nice bin widths on multiples of themselves, at most ROI_HIST_MAX_BINS bins, every value
 * counted once, tails flagged only when values lie beyond the bins; a constant sample is
 * one bin of width 0. */
static void test_histogram(void **state)
{
    (void)state;
    mix_state = 2024;
    enum { N = 5000 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    for (int shape = 0; shape < 3; shape++) {
        for (size_t i = 0; i < N; i++) {
            double u = next_unit();
            x[i] = shape == 0 ? (u - 0.5) * 3e10                   /* uniform, money-sized */
                 : shape == 1 ? (u < 0.999 ? u : 1e3 * u)          /* a far upper tail */
                              : (double)(next_u64() % 3);          /* three values */
        }
        assert_int_equal(roi_stats_sort(x, N), ROI_OK);
        roi_histogram h;
        roi_stats_histogram(x, N, &h);
        assert_true(h.bins >= 1 && h.bins <= ROI_HIST_MAX_BINS);
        double mant = h.width / pow(10.0, floor(log10(h.width)));
        assert_true(fabs(mant - 1) < 1e-9 || fabs(mant - 2) < 1e-9 || fabs(mant - 2.5) < 1e-9 ||
                    fabs(mant - 5) < 1e-9);
        assert_near(h.start / h.width, round(h.start / h.width), 1e-9);
        size_t total = 0;
        for (int j = 0; j < h.bins; j++)
            total += h.count[j];
        assert_int_equal(total, N);
        assert_int_equal(h.tail_lo, x[0] < h.start);
        assert_int_equal(h.tail_hi, x[N - 1] >= h.start + h.width * h.bins);
    }
    for (size_t i = 0; i < N; i++)
        x[i] = 7.0;
    roi_histogram h;
    roi_stats_histogram(x, N, &h);
    assert_int_equal(h.bins, 1);
    assert_true(h.start == 7.0 && h.width == 0.0 && h.count[0] == N);
    roi_stats_histogram(x, 0, &h);
    assert_int_equal(h.bins, 0);
    free(x);
}

/* ---- samples stored as floats ---------------------------------------------------------- */

typedef struct exact_src {
    const double *x;
    size_t fetched;
} exact_src;

static roi_status exact_values(void *ud, const size_t *trials, size_t n, double *values)
{
    exact_src *src = ud;
    for (size_t j = 0; j < n; j++)
        values[j] = src->x[trials[j]];
    src->fetched += n;
    return ROI_OK;
}

/* The float-stored summary against roi_stats_summarize of the doubles: order statistics
 * and prob_positive the same bits, moments to rounding, cvar5 within 2^-24 relative of
 * the tail's absolute sum. Data with inexact ties (0.1), integers, zeros of both signs,
 * tiny nonzero values (which must not become 0), huge ones and NaN. */
static void check_float_summary(size_t N)
{
    mix_state = 777;
    enum { B = 1024 };
    double *x = malloc(N * sizeof *x), *work = malloc(N * sizeof *work);
    float *f = malloc(N * sizeof *f);
    uint16_t *ex = malloc(N * sizeof *ex);
    assert_true(x && work && f && ex);
    size_t n_exact = 0;
    for (size_t i = 0; i < N; i++) {
        uint64_t r = next_u64() % 12;
        double u = next_unit();
        switch (r) {
        case 0: x[i] = 0.1; break;
        case 1: x[i] = (double)(next_u64() % 9) - 4.0; break;
        case 2: x[i] = (next_u64() & 1) ? 0.0 : -0.0; break;
        case 3: x[i] = (u - 0.5) * 1e-300; break;
        case 4: x[i] = NAN; break;
        case 5: x[i] = (u - 0.3) * 1e39; break;
        default: x[i] = (u - 0.4) * 1e6; break;
        }
        int e;
        f[i] = roi_stats_to_float(x[i], &e);
        ex[i] = (uint16_t)(e << 3); /* bit 3, as for output 3 */
        n_exact += (size_t)e;
        assert_true((f[i] > 0.0f) == (x[i] > 0.0));
        assert_true((f[i] < 0.0f) == (x[i] < 0.0));
    }
    assert_true(n_exact > N / 10 && n_exact < N);
    roi_moments *bm = malloc((N / B + 1) * sizeof *bm);
    assert_non_null(bm);
    size_t nb = 0;
    for (size_t lo = 0; lo < N; lo += B, nb++)
        roi_moments_of(x + lo, lo + B < N ? B : N - lo, &bm[nb]);
    roi_moments mo = roi_moments_merge_pairwise(bm, nb, 1);
    exact_src src = {x, 0};
    roi_float_sample fs = {f, ex, 3, N, exact_values, &src};
    roi_summary a, b;
    assert_int_equal(roi_stats_summarize_float(&fs, &mo, &a), ROI_OK);
    assert_int_equal(roi_stats_summarize(x, N, work, &b), ROI_OK);
    /* Only ties are fetched: here the large groups of 0.1 and of tiny values. */
    assert_true(src.fetched > 0 && src.fetched < N / 4);
    assert_int_equal(a.n, b.n);
    assert_int_equal(a.n_defined, b.n_defined);
    assert_memory_equal(&a.undefined_share, &b.undefined_share, sizeof(double));
    assert_memory_equal(&a.min, &b.min, sizeof(double));
    assert_memory_equal(&a.max, &b.max, sizeof(double));
    assert_memory_equal(a.pct, b.pct, sizeof a.pct);
    assert_memory_equal(&a.prob_positive, &b.prob_positive, sizeof(double));
    assert_near(a.mean, b.mean, 1e-12 * fabs(b.max));
    assert_near(a.sd, b.sd, 1e-12 * b.sd);
    size_t nd = b.n_defined, ntail = (nd + 19) / 20;
    double abs_tail = 0.0;
    for (size_t i = 0; i < ntail; i++)
        abs_tail += fabs(work[i]);
    assert_near(a.cvar5, b.cvar5, 0x1p-24 * abs_tail / (double)ntail);
    /* Any order statistic, exactly. */
    size_t ranks[6] = {0, 1, nd / 3, nd / 2, nd - 2, nd - 1};
    double v[6];
    assert_int_equal(roi_stats_order_stats_float(&fs, nd, ranks, 6, v, 0, NULL), ROI_OK);
    for (int j = 0; j < 6; j++)
        assert_memory_equal(&v[j], &work[ranks[j]], sizeof(double));
    free(bm);
    free(x);
    free(work);
    free(f);
    free(ex);
}

/* Both ways of finding the floats: sorting the keys (small samples) and the radix
 * select (above 2^16 defined values). */
static void test_float_summary_exact(void **state)
{
    (void)state;
    check_float_summary(20000);
    check_float_summary(150000);
}

/* A constant sample: every statistic is the constant, sd 0, nothing fetched. */
static void test_float_summary_constant(void **state)
{
    (void)state;
    double x[3000];
    float f[3000];
    uint16_t ex[3000];
    for (int i = 0; i < 3000; i++) {
        int e;
        x[i] = 0.1;
        f[i] = roi_stats_to_float(x[i], &e);
        ex[i] = (uint16_t)e;
    }
    roi_moments mo;
    roi_moments_of(x, 3000, &mo);
    exact_src src = {x, 0};
    roi_float_sample fs = {f, ex, 0, 3000, exact_values, &src};
    roi_summary a;
    assert_int_equal(roi_stats_summarize_float(&fs, &mo, &a), ROI_OK);
    assert_int_equal(src.fetched, 0);
    assert_true(a.mean == 0.1 && a.sd == 0.0 && a.cvar5 == 0.1);
    for (int k = 0; k < ROI_NPCT; k++)
        assert_true(a.pct[k] == 0.1);
}

/* One grid for several samples: round bins over the span, the tails in the end bins. */
static void test_histogram_on_grid(void **state)
{
    (void)state;
    roi_histogram grid, h;
    roi_stats_histogram_span(0.2, 2.9, 0.8, &grid); /* width 0.8 rounds up to 1 */
    assert_int_equal(grid.bins, 3);
    assert_true(grid.start == 0 && grid.width == 1);
    const double a[] = {-4, 0.5, 1.5, 2.5, 10};
    roi_stats_histogram_on(a, 5, &grid, &h);
    assert_int_equal(h.bins, 3);
    assert_int_equal(h.count[0], 2); /* -4 (a tail) and 0.5 */
    assert_int_equal(h.count[1], 1);
    assert_int_equal(h.count[2], 2); /* 2.5 and 10 (a tail) */
    assert_true(h.tail_lo && h.tail_hi);
    const double b[] = {1.25};
    roi_stats_histogram_on(b, 1, &grid, &h);
    assert_true(h.count[0] == 0 && h.count[1] == 1 && h.count[2] == 0 && !h.tail_lo);
    /* no span, no grid: nothing is counted */
    roi_stats_histogram_span(1, 1, 0.5, &grid);
    assert_int_equal(grid.bins, 0);
    roi_stats_histogram_on(b, 1, &grid, &h);
    assert_int_equal(h.bins, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile_four),
        cmocka_unit_test(test_percentile_single),
        cmocka_unit_test(test_percentile_ties),
        cmocka_unit_test(test_summary_five),
        cmocka_unit_test(test_summary_cvar5),
        cmocka_unit_test(test_summary_nan),
        cmocka_unit_test(test_summary_one_value),
        cmocka_unit_test(test_summary_infinite),
        cmocka_unit_test(test_summary_two_pass_sd),
        cmocka_unit_test(test_sum_pairwise),
        cmocka_unit_test(test_sort_random),
        cmocka_unit_test(test_sort_keys32),
        cmocka_unit_test(test_sort_shared_bytes),
        cmocka_unit_test(test_sort_words_byte_range_stable),
        cmocka_unit_test(test_select_keys_matches_sort),
        cmocka_unit_test(test_rank_ties_and_order),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_float_summary_exact),
        cmocka_unit_test(test_float_summary_constant),
        cmocka_unit_test(test_histogram_on_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
