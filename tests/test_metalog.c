/* test_metalog.c - metalog quantile (SIPmath 3.0 known answers), feasibility,
 * inversion, density and least-squares fits. */
#include "roi_test.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "hdr.h"
#include "metalog.h"
#include "rng.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The SIPmath 3.0 known answer's coefficients (unbounded, 5 terms). */
static const double KNOWN_A[5] = {9.872717622, 1.678242357, 2.54967822, 3.535388319, -13.40905029};

static roi_metalog known(double lower, double upper)
{
    roi_metalog m;
    roi_error err;
    assert_int_equal(roi_metalog_set(&m, KNOWN_A, 5, lower, upper, &err), ROI_OK);
    return m;
}

/* Trials 1-3 of HDR(entity 9039920, varId 8, seed3 0, seed4 0) through the metalog,
 * published with 15 significant digits: agreement to half a unit in the last one. */
static void test_known_answer(void **state)
{
    (void)state;
    roi_metalog m = known(-INFINITY, INFINITY);
    roi_hdr h = {.entity = 9039920, .var_id = 8, .seed3 = 0, .seed4 = 0};
    assert_near(roi_metalog_quantile(&m, roi_hdr_uniform(&h, 1)), 4.97377773402723, 5e-15);
    assert_near(roi_metalog_quantile(&m, roi_hdr_uniform(&h, 2)), 5.26303264347232, 5e-15);
    assert_near(roi_metalog_quantile(&m, roi_hdr_uniform(&h, 3)), 11.3668582781926, 5e-14);
    assert_true(roi_metalog_feasible(&m));
}

/* The bounded forms are lower + e^M, upper - e^-M, (lower + upper e^M) / (1 + e^M). */
static void test_bounded_forms(void **state)
{
    (void)state;
    roi_metalog u = known(-INFINITY, INFINITY), lo = known(2, INFINITY), hi = known(-INFINITY, 30),
                both = known(2, 30);
    for (double y = 0.05; y < 1; y += 0.1) {
        double v = roi_metalog_quantile(&u, y);
        assert_near(roi_metalog_quantile(&lo, y), 2 + exp(v), 1e-12 * (2 + exp(v)));
        assert_near(roi_metalog_quantile(&hi, y), 30 - exp(-v), 1e-12 * 30);
        double b = (2 + 30 * exp(v)) / (1 + exp(v));
        assert_near(roi_metalog_quantile(&both, y), b, 1e-12 * 30);
    }
    assert_true(roi_metalog_quantile(&both, 0) == 2);
    assert_true(roi_metalog_quantile(&both, 1) == 30);
    assert_true(roi_metalog_quantile(&u, 0) == -INFINITY);
}

/* Known feasible and infeasible coefficient sets. For 3 terms the published condition
 * is a2 > 0 and |a3| / a2 < 1.66711; the grid check must agree on both sides of it. */
static void test_feasibility(void **state)
{
    (void)state;
    roi_error err;
    roi_metalog m;
    const double ok3[3] = {0, 1, 1.66}, bad3[3] = {0, 1, 1.68}, neg[2] = {0, -1};
    /* a5 c^2 with a5 = 20: dM/dy = 1/(y(1-y)) + 40 c is -4.9 at y = 0.1. */
    const double bad5[5] = {0, 1, 0, 0, 20};
    assert_int_equal(roi_metalog_set(&m, ok3, 3, -INFINITY, INFINITY, &err), ROI_OK);
    assert_true(roi_metalog_feasible(&m));
    assert_int_equal(roi_metalog_set(&m, bad3, 3, -INFINITY, INFINITY, &err), ROI_OK);
    assert_false(roi_metalog_feasible(&m));
    assert_int_equal(roi_metalog_set(&m, neg, 2, -INFINITY, INFINITY, &err), ROI_OK);
    assert_false(roi_metalog_feasible(&m));
    assert_int_equal(roi_metalog_set(&m, bad5, 5, -INFINITY, INFINITY, &err), ROI_OK);
    assert_false(roi_metalog_feasible(&m));
    assert_true(roi_metalog_quantile_density(&m, 0.1) < 0);
    const double neg_a6[6] = {0, 1, 0, 0, 0, -5}; /* tail limit 1 - 5/4 < 0 */
    assert_int_equal(roi_metalog_set(&m, neg_a6, 6, -INFINITY, INFINITY, &err), ROI_OK);
    assert_false(roi_metalog_feasible(&m));
}

/* CDF(Q(y)) = y, far into both tails, for every bound form; the density is the
 * reciprocal of the quantile density, and the numerical derivative of the CDF. */
static void test_inversion_and_density(void **state)
{
    (void)state;
    /* Bounded forms get the coefficients / 10, so M is of order 1 and x = 30 - e^-M
     * keeps its digits (with M ~ 10 it would round to 30 in the upper tail). */
    double small[5];
    for (int j = 0; j < 5; j++)
        small[j] = KNOWN_A[j] / 10;
    roi_metalog forms[4];
    roi_error err;
    forms[0] = known(-INFINITY, INFINITY);
    assert_int_equal(roi_metalog_set(&forms[1], small, 5, 2, INFINITY, &err), ROI_OK);
    assert_int_equal(roi_metalog_set(&forms[2], small, 5, -INFINITY, 30, &err), ROI_OK);
    assert_int_equal(roi_metalog_set(&forms[3], small, 5, 2, 30, &err), ROI_OK);
    static const double ys[] = {1e-12, 1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 1 - 1e-6};
    for (int f = 0; f < 4; f++) {
        const roi_metalog *m = &forms[f];
        for (size_t i = 0; i < sizeof ys / sizeof ys[0]; i++) {
            double y = ys[i], x = roi_metalog_quantile(m, y);
            double back = roi_metalog_cdf(m, x);
            /* The logit is solved to 1e-13, but x itself is rounded to half an ulp,
             * which moves the logit by ulp * pdf / (y (1 - y)): near a bound that
             * can be large (x = 30 - e^-M holds few digits of e^-M). */
            double t = roi_metalog_cdf_logit(m, x);
            double pdf = exp(roi_metalog_logpdf(m, x));
            double dt = fabs(x) * DBL_EPSILON * pdf / (y * (1 - y));
            assert_near(t, log(y) - log1p(-y), 1e-12 * (1 + fabs(t)) + 2 * dt);
            assert_near(back, y, 1e-12 * y + 2 * dt * y * (1 - y) + 1e-15);
            /* d ln f / dt is of order 1 in these tails */
            assert_near(pdf * roi_metalog_quantile_density(m, y), 1.0, 1e-12 + 8 * dt);
        }
        double x = roi_metalog_quantile(m, 0.4), h = 1e-5 * (1 + fabs(x));
        double num = (roi_metalog_cdf(m, x + h) - roi_metalog_cdf(m, x - h)) / (2 * h);
        /* central difference: error ~ h^2 f'''/6, far below 1e-6 relative here */
        assert_near(num, exp(roi_metalog_logpdf(m, x)), 1e-6 * num);
    }
    roi_metalog b = known(2, 30);
    assert_true(roi_metalog_cdf(&b, 1) == 0);
    assert_true(roi_metalog_cdf(&b, 31) == 1);
    assert_true(roi_metalog_logpdf(&b, 1) == -INFINITY);
}

/* Least squares through exact quantile pairs of a known metalog recovers it to the
 * precision of the arithmetic, bounded or not. */
static void test_fit_pairs(void **state)
{
    (void)state;
    roi_error err;
    for (int f = 0; f < 2; f++) {
        roi_metalog truth = f ? known(0, INFINITY) : known(-INFINITY, INFINITY), fit;
        double x[19], y[19];
        for (int i = 0; i < 19; i++) {
            y[i] = 0.05 * (i + 1);
            x[i] = roi_metalog_quantile(&truth, y[i]);
        }
        assert_int_equal(roi_metalog_fit_pairs(x, y, 19, 5, truth.lower, truth.upper, &fit, &err),
                         ROI_OK);
        assert_int_equal(fit.k, 5);
        for (int j = 0; j < 5; j++)
            assert_near(fit.a[j], KNOWN_A[j], 1e-7 * fabs(KNOWN_A[j]));
    }
    /* Errors name what is wrong. */
    roi_metalog fit;
    double x[3] = {1, 2, 3}, y[3] = {0.1, 0.5, 1.0};
    assert_int_equal(roi_metalog_fit_pairs(x, y, 3, 3, -INFINITY, INFINITY, &fit, &err),
                     ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "probability 3"));
    y[2] = 0.9;
    assert_int_equal(roi_metalog_fit_pairs(x, y, 3, 3, 1.5, INFINITY, &fit, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "value 1"));
    assert_int_equal(roi_metalog_fit_pairs(x, y, 3, 4, -INFINITY, INFINITY, &fit, &err),
                     ROI_ERR_PARAM);
    assert_int_equal(roi_metalog_fit_pairs(x, y, 3, 17, -INFINITY, INFINITY, &fit, &err),
                     ROI_ERR_PARAM);
}

/*
 * A sample of 10,000 from the known metalog (its quantile at Philox uniforms): the term
 * rule returns a feasible fit within its KS threshold, the fit reproduces the sample's
 * quantiles within its stated error, and the true quantiles within 4 standard errors
 * of an empirical quantile, sqrt(y (1 - y) / n) * Q'(y).
 */
static void test_fit_sample(void **state)
{
    (void)state;
    enum { N = 10000 };
    static double x[N], sorted[N];
    roi_metalog truth = known(-INFINITY, INFINITY), fit;
    roi_error err;
    uint64_t key = roi_rng_key(7, "metalog sample");
    for (int i = 0; i < N; i++)
        x[i] = roi_metalog_quantile(&truth, roi_rng_uniform(key, (uint64_t)i, 0));
    assert_int_equal(roi_metalog_fit_sample(x, N, 0, -INFINITY, INFINITY, &fit, &err), ROI_OK);
    assert_true(roi_metalog_feasible(&fit));
    assert_true(fit.k >= 2 && fit.k <= ROI_METALOG_MAX_TERMS);
    assert_true(fit.ks <= ROI_METALOG_KS_FACTOR / sqrt((double)N));
    /* The sample's own quantiles on the stated grid, within the stated error. */
    memcpy(sorted, x, sizeof x);
    qsort(sorted, N, sizeof *sorted, cmp_double);
    for (int j = 1; j <= 99; j++) {
        double y = j / 100.0;
        assert_near(roi_metalog_quantile(&fit, y), roi_metalog_empirical_quantile(sorted, N, y),
                    fit.max_error);
    }
    /* The truth, within 4 SE of an empirical quantile. */
    double worst_se = 0;
    for (int j = 1; j <= 19; j++) {
        double y = 0.05 * j;
        double se = sqrt(y * (1 - y) / N) * roi_metalog_quantile_density(&truth, y);
        if (se > worst_se)
            worst_se = se;
        assert_near(roi_metalog_quantile(&fit, y), roi_metalog_quantile(&truth, y), 4 * se);
    }
    /* And the stated error is of the order of the sampling noise, not larger. */
    assert_true(fit.max_error <= 8 * worst_se);
    print_message("metalog term rule: k = %d, KS %.4g (threshold %.4g), max quantile error "
                  "%.4g\n",
                  fit.k, fit.ks, ROI_METALOG_KS_FACTOR / sqrt((double)N), fit.max_error);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer), cmocka_unit_test(test_bounded_forms),
        cmocka_unit_test(test_feasibility),  cmocka_unit_test(test_inversion_and_density),
        cmocka_unit_test(test_fit_pairs),    cmocka_unit_test(test_fit_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
