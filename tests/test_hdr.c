/* test_hdr.c - the HDR 2.0 generator against the SIPmath 3.0 standard's known answers. */
#include "roi_test.h"

#include "hdr.h"

/* The standard's published values (15 decimals): counters 1, 2, 3 with every seed 1. */
static void test_known_answers(void **state)
{
    (void)state;
    roi_hdr h = {.entity = 1, .var_id = 1, .seed3 = 1, .seed4 = 1};
    /* Published to 15 decimal places: agreement to half a unit in the last place. */
    assert_near(roi_hdr_uniform(&h, 1), 0.017076639574952, 5e-16);
    assert_near(roi_hdr_uniform(&h, 2), 0.635042575071566, 5e-16);
    assert_near(roi_hdr_uniform(&h, 3), 0.110189726925455, 5e-16);
}

/*
 * Golden values computed with unbounded integers (Python) from the formula in hdr.h:
 * exact equality, because every result is (j + 1/2) / 2^32 for an integer j. The
 * second case has arguments far above 2^53, where only term-by-term reduction gives
 * the exact integer result without overflow.
 */
static void test_golden_exact(void **state)
{
    (void)state;
    roi_hdr h = {.entity = 9039920, .var_id = 8};
    assert_true(roi_hdr_uniform(&h, 1) == 0.1067621378460899);
    assert_true(roi_hdr_uniform(&h, 1000000) == 0.8098074578447267);
    roi_hdr big = {
        .entity = 123456789012345ull, .var_id = (1ull << 63) + 5, .seed3 = 1ull << 40, .seed4 = 7};
    assert_true(roi_hdr_uniform(&big, UINT64_MAX) == 0.47316998697351664);
}

/* Every value is on the grid (j + 1/2) / 2^32, inside (0, 1); fill matches one by one. */
static void test_grid_and_fill(void **state)
{
    (void)state;
    roi_hdr h = {.entity = 42, .var_id = 3, .seed3 = 5, .seed4 = 0};
    double u[1000];
    roi_hdr_fill(&h, 1, 1000, u);
    for (int i = 0; i < 1000; i++) {
        assert_true(u[i] == roi_hdr_uniform(&h, (uint64_t)i + 1));
        assert_true(u[i] > 0 && u[i] < 1);
        double j = u[i] * 4294967296.0 - 0.5;
        assert_true(j == floor(j));
    }
}

/* A coarse check of uniformity: the mean of 10,000 draws within 4 SE of 1/2
 * (SE = sqrt(1/12 / n)). */
static void test_mean(void **state)
{
    (void)state;
    roi_hdr h = {.entity = 9039920, .var_id = 8};
    double s = 0.0;
    const int n = 10000;
    for (int i = 1; i <= n; i++)
        s += roi_hdr_uniform(&h, (uint64_t)i);
    assert_near(s / n, 0.5, 4.0 * sqrt(1.0 / 12.0 / n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_golden_exact),
        cmocka_unit_test(test_grid_and_fill),
        cmocka_unit_test(test_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
