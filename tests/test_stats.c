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
        cmocka_unit_test(test_sort_shared_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
