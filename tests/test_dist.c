/* test_dist.c - distribution families: moments against samples, hand-computed values,
 * quantile/cdf, truncation, validation messages and descriptions. */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "dist.h"
#include "rng.h"

static gsl_rng *scratch;

static int setup(void **state)
{
    (void)state;
    scratch = gsl_rng_alloc(roi_rng_philox);
    return scratch ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    gsl_rng_free(scratch);
    return 0;
}

/* ---- the cases: every family, plus truncated and scaled variants -------------------- */

enum { NCASES = 26 };

static const char *case_name[NCASES];

static void build(roi_dist *d, int i)
{
    roi_error err;
    roi_status st = ROI_OK;
    static const double dvals[] = {2, 0, 1}, dprobs[] = {0.2, 0.45, 0.35};
    static const double svals[] = {0, 1, 2, 3}, sprobs[] = {0.6, 0.3, 0.1, 0.0};
    switch (i) {
    case 0:
        st = roi_dist_fixed(d, 3, "c", &err);
        break;
    case 1:
        st = roi_dist_uniform(d, 0.02, 0.06, "c", &err);
        break;
    case 2:
        st = roi_dist_normal(d, 58, 3.5, "c", &err);
        break;
    case 3:
        st = roi_dist_normal(d, 62, 1.5, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 60, INFINITY, "c", &err);
        break;
    case 4: /* both bounds, in the upper tail: exercises the 1 - F arithmetic */
        st = roi_dist_normal(d, 0, 1, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 2.5, 4, "c", &err);
        break;
    case 5:
        st = roi_dist_lognormal_p5p95(d, 6e8, 1.6e9, "c", &err);
        break;
    case 6:
        st = roi_dist_lognormal_meansd(d, 10, 4, "c", &err);
        break;
    case 7:
        st = roi_dist_lognormal_p5p95(d, 20, 80, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 30, 60, "c", &err);
        break;
    case 8:
        st = roi_dist_triangular(d, 0, 0.03, 0.08, "c", &err);
        break;
    case 9:
        st = roi_dist_triangular(d, 0, 0.03, 0.08, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 0.01, 0.05, "c", &err);
        break;
    case 10:
        st = roi_dist_pert(d, 10, 20, 35, "c", &err);
        break;
    case 11:
        st = roi_dist_pert(d, 10, 20, 35, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 25, INFINITY, "c", &err);
        break;
    case 12:
        st = roi_dist_beta(d, 2, 5, 0, 1, "c", &err);
        break;
    case 13:
        st = roi_dist_beta(d, 2, 5, 10, 20, "c", &err);
        break;
    case 14:
        st = roi_dist_beta(d, 2, 5, 10, 20, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 12, 15, "c", &err);
        break;
    case 15:
        st = roi_dist_bernoulli(d, 0.3, "c", &err);
        break;
    case 16:
        st = roi_dist_discrete(d, dvals, dprobs, 3, "c", &err);
        break;
    case 17:
        st = roi_dist_discrete(d, svals, sprobs, 4, "c", &err);
        break;
    case 18:
        st = roi_dist_uniform(d, 0, 1, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 0.2, 2, "c", &err);
        break;
    case 19:
        st = roi_dist_triangular(d, 15, 25, 40, "c", &err);
        break;
    case 20:
        st = roi_dist_normal(d, 0, 1, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, -INFINITY, -1, "c", &err);
        break;
    case 21:
        st = roi_dist_beta(d, 0.5, 0.5, 0, 1, "c", &err);
        break;
    case 22:
        st = roi_dist_gamma(d, 4, 25, "c", &err);
        break;
    case 23:
        st = roi_dist_gamma(d, 0.7, 2, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 0.5, 6, "c", &err);
        break;
    case 24:
        st = roi_dist_weibull(d, 1.5, 0.1, "c", &err);
        break;
    case 25:
        st = roi_dist_weibull(d, 0.8, 3, "c", &err);
        if (st == ROI_OK)
            st = roi_dist_truncate(d, 1, INFINITY, "c", &err);
        break;
    }
    if (st != ROI_OK)
        fail_msg("case %d: %s", i, err.msg);
}

static void name_cases(void)
{
    static const char *names[NCASES] = {"fixed",
                                        "uniform",
                                        "normal",
                                        "normal trunc low",
                                        "normal trunc upper tail",
                                        "lognormal p5p95",
                                        "lognormal meansd",
                                        "lognormal trunc",
                                        "triangular",
                                        "triangular trunc",
                                        "pert",
                                        "pert trunc",
                                        "beta",
                                        "beta scaled",
                                        "beta scaled trunc",
                                        "bernoulli",
                                        "discrete",
                                        "discrete zero-prob",
                                        "uniform trunc",
                                        "triangular heads",
                                        "normal trunc high",
                                        "beta(0.5, 0.5)",
                                        "gamma",
                                        "gamma trunc",
                                        "weibull",
                                        "weibull trunc upper tail"};
    memcpy(case_name, names, sizeof names);
}

/* ---- sample moments within 4 standard errors ----------------------------------------- */

static void test_sample_moments(void **state)
{
    (void)state;
    enum { N = 200000 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    name_cases();
    uint64_t key = roi_rng_key(20260401, "moments");
    for (int c = 0; c < NCASES; c++) {
        roi_dist d;
        build(&d, c);
        double lo, hi;
        roi_dist_support(&d, &lo, &hi);
        double sum = 0;
        for (int t = 0; t < N; t++) {
            x[t] = roi_dist_sample(&d, key, (uint64_t)t, scratch);
            if (!(x[t] >= lo && x[t] <= hi))
                fail_msg("%s: sample %.17g outside support [%g, %g]", case_name[c], x[t], lo, hi);
            sum += x[t];
        }
        double mean = sum / N, m2 = 0, m4 = 0;
        for (int t = 0; t < N; t++) {
            double e = x[t] - mean;
            m2 += e * e;
            m4 += e * e * e * e;
        }
        double s2 = m2 / (N - 1);
        m4 /= N;
        double mu = roi_dist_mean(&d), var = roi_dist_variance(&d);
        double se_mean = sqrt(var / N);
        double se_var = sqrt(fmax(m4 - s2 * s2, 0.0) / N);
        if (!(fabs(mean - mu) <= 4 * se_mean))
            fail_msg("%s: sample mean %.10g, roi_dist_mean %.10g, 4 SE = %.3g", case_name[c], mean,
                     mu, 4 * se_mean);
        if (!(fabs(s2 - var) <= 4 * se_var))
            fail_msg("%s: sample variance %.10g, roi_dist_variance %.10g, 4 SE = %.3g",
                     case_name[c], s2, var, 4 * se_var);
        roi_dist_free(&d);
    }
    free(x);
}

/* ---- closed forms by hand ----------------------------------------------------------- */

static void test_hand_moments(void **state)
{
    (void)state;
    roi_dist d;
    roi_error err;

    build(&d, 3); /* normal(62, 1.5) truncated to >= 60: alpha = -4/3 */
    assert_near(roi_dist_mean(&d), 62.27070659030339, 1e-10);
    assert_near(roi_dist_variance(&d), 1.6353047613595229, 1e-10);

    build(&d, 8); /* triangular(0, 0.03, 0.08) */
    assert_near(roi_dist_mean(&d), 0.11 / 3, 1e-15);
    assert_near(roi_dist_variance(&d), 0.0049 / 18, 1e-15);

    /* pert(10, 20, 35): alpha 2.6, beta 3.4 on [10, 35] */
    build(&d, 10);
    assert_near(roi_dist_mean(&d), 125.0 / 6, 1e-12);
    assert_near(roi_dist_variance(&d), 625 * 2.6 * 3.4 / (36 * 7), 1e-10);

    build(&d, 13); /* beta(2, 5) on [10, 20] */
    assert_near(roi_dist_mean(&d), 10 + 10 * 2.0 / 7, 1e-12);
    assert_near(roi_dist_variance(&d), 100 * 10.0 / (49 * 8), 1e-12);

    build(&d, 6); /* lognormal mean 10, sd 4 */
    assert_near(roi_dist_mean(&d), 10, 1e-12);
    assert_near(roi_dist_variance(&d), 16, 1e-10);

    build(&d, 18); /* uniform(0, 1) truncated to [0.2, 2]: uniform(0.2, 1) */
    assert_near(roi_dist_mean(&d), 0.6, 1e-15);
    assert_near(roi_dist_variance(&d), 0.64 / 12, 1e-15);

    build(&d, 15);
    assert_near(roi_dist_mean(&d), 0.3, 1e-15);
    assert_near(roi_dist_variance(&d), 0.21, 1e-15);

    build(&d, 16); /* discrete {0: .45, 1: .35, 2: .2} */
    assert_near(roi_dist_mean(&d), 0.75, 1e-12);
    assert_near(roi_dist_variance(&d), 0.5875, 1e-12);
    roi_dist_free(&d);

    /* triangular(0, 0.5, 1) truncated to [0, 0.5]: density 8t, mean 1/3, var 1/8 - 1/9 */
    assert_int_equal(roi_dist_triangular(&d, 0, 0.5, 1, "t", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d, -5, 0.5, "t", &err), ROI_OK);
    assert_near(roi_dist_mean(&d), 1.0 / 3, 1e-12);
    assert_near(roi_dist_variance(&d), 1.0 / 8 - 1.0 / 9, 1e-12);

    /* beta(1, 1) truncated to [0.25, 0.75]: uniform(0.25, 0.75) */
    assert_int_equal(roi_dist_beta(&d, 1, 1, 0, 1, "b", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d, 0.25, 0.75, "b", &err), ROI_OK);
    assert_near(roi_dist_mean(&d), 0.5, 1e-12);
    assert_near(roi_dist_variance(&d), 0.25 / 12, 1e-12);

    /* standard normal truncated to [0, inf): half-normal, mean sqrt(2/pi), var 1 - 2/pi */
    assert_int_equal(roi_dist_normal(&d, 0, 1, "n", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d, 0, INFINITY, "n", &err), ROI_OK);
    assert_near(roi_dist_mean(&d), sqrt(2 / 3.14159265358979323846), 1e-12);
    assert_near(roi_dist_variance(&d), 1 - 2 / 3.14159265358979323846, 1e-12);
    assert_near(roi_dist_quantile(&d, 0.5), 0.6744897501960817, 1e-9);

    build(&d, 22); /* gamma(4, 25): k theta, k theta^2 */
    assert_near(roi_dist_mean(&d), 100, 1e-10);
    assert_near(roi_dist_variance(&d), 2500, 1e-8);
    /* weibull(1, 2) is the exponential of mean 2; truncated to >= 1 it is 1 + the same
     * exponential (no memory): mean 3, variance 4; so is gamma(1, 2). */
    assert_int_equal(roi_dist_weibull(&d, 1, 2, "w", &err), ROI_OK);
    assert_near(roi_dist_mean(&d), 2, 1e-12);
    assert_near(roi_dist_variance(&d), 4, 1e-11);
    assert_int_equal(roi_dist_truncate(&d, 1, INFINITY, "w", &err), ROI_OK);
    assert_near(roi_dist_mean(&d), 3, 1e-11);
    assert_near(roi_dist_variance(&d), 4, 1e-10);
    assert_near(roi_dist_quantile(&d, 0.5), 1 + 2 * log(2.0), 1e-10);
    assert_int_equal(roi_dist_gamma(&d, 1, 2, "g", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d, 1, INFINITY, "g", &err), ROI_OK);
    assert_near(roi_dist_mean(&d), 3, 1e-11);
    assert_near(roi_dist_variance(&d), 4, 1e-10);
    /* weibull(2, 1) is the Rayleigh of sigma 1/sqrt(2): mean sqrt(pi)/2, var 1 - pi/4 */
    assert_int_equal(roi_dist_weibull(&d, 2, 1, "w", &err), ROI_OK);
    assert_near(roi_dist_mean(&d), sqrt(3.14159265358979323846) / 2, 1e-12);
    assert_near(roi_dist_variance(&d), 1 - 3.14159265358979323846 / 4, 1e-12);
    assert_near(roi_dist_quantile(&d, 0.9), sqrt(log(10.0)), 1e-12);

    /* lognormal p5/p95 form: its own quantiles come back */
    build(&d, 5);
    assert_near(roi_dist_quantile(&d, 0.05), 6e8, 6e8 * 1e-9);
    assert_near(roi_dist_quantile(&d, 0.95), 1.6e9, 1.6e9 * 1e-9);
    assert_near(d.p[1], (log(1.6e9) - log(6e8)) / (2 * 1.6448536269514722), 1e-15);
}

/* ---- quantile and cdf --------------------------------------------------------------- */

static void test_quantile_cdf_roundtrip(void **state)
{
    (void)state;
    static const double us[] = {0.001, 0.01, 0.1, 0.25, 0.37, 0.5, 0.75, 0.9, 0.99, 0.999};
    name_cases();
    for (int c = 0; c < NCASES; c++) {
        roi_dist d;
        build(&d, c);
        if (d.family == ROI_DIST_FIXED || d.family == ROI_DIST_BERNOULLI ||
            d.family == ROI_DIST_DISCRETE) {
            /* Discrete: Q(F(v)) = v for every value with positive probability. */
            for (size_t i = 0; i < d.n; i++)
                if (d.probs[i] > 0)
                    assert_true(roi_dist_quantile(&d, roi_dist_cdf(&d, d.values[i])) ==
                                d.values[i]);
            roi_dist_free(&d);
            continue;
        }
        double prev = -INFINITY;
        for (size_t k = 0; k < sizeof us / sizeof us[0]; k++) {
            double x = roi_dist_quantile(&d, us[k]);
            if (!(x >= prev))
                fail_msg("%s: quantile not increasing at u = %g", case_name[c], us[k]);
            prev = x;
            double back = roi_dist_cdf(&d, x);
            if (!(fabs(back - us[k]) <= 1e-9))
                fail_msg("%s: cdf(quantile(%g)) = %.17g", case_name[c], us[k], back);
        }
        roi_dist_free(&d);
    }
}

static void test_triangular_quantiles(void **state)
{
    (void)state;
    roi_dist d;
    build(&d, 8); /* triangular(0, 0.03, 0.08): F(mode) = 3/8 */
    assert_near(roi_dist_quantile(&d, 0.375), 0.03, 1e-15);
    assert_near(roi_dist_quantile(&d, 0.1), sqrt(0.1 * 0.08 * 0.03), 1e-15);
    assert_near(roi_dist_quantile(&d, 0.9), 0.06, 1e-15);
    assert_near(roi_dist_quantile(&d, 0), 0, 0);
    assert_near(roi_dist_quantile(&d, 1), 0.08, 0);
    assert_near(roi_dist_cdf(&d, 0.06), 0.9, 1e-15);
    assert_near(roi_dist_cdf(&d, -1), 0, 0);
    assert_near(roi_dist_cdf(&d, 1), 1, 0);
}

static void test_discrete_and_bernoulli(void **state)
{
    (void)state;
    roi_dist d;
    build(&d, 16); /* values sorted: 0, 1, 2 with .45, .35, .2 */
    assert_true(d.values[0] == 0 && d.values[1] == 1 && d.values[2] == 2);
    assert_near(roi_dist_quantile(&d, 0.45), 0, 0);
    assert_near(roi_dist_quantile(&d, 0.46), 1, 0);
    assert_near(roi_dist_quantile(&d, 0.8), 1, 0);
    assert_near(roi_dist_quantile(&d, 0.81), 2, 0);
    assert_near(roi_dist_cdf(&d, 1.5), 0.8, 1e-15);
    assert_near(roi_dist_cdf(&d, -0.5), 0, 0);
    assert_true(roi_dist_is_integer(&d));

    /* Copies are deep: the copy outlives the original. */
    roi_dist e;
    assert_int_equal(roi_dist_copy(&e, &d), ROI_OK);
    assert_true(e.values != d.values);
    roi_dist_free(&d);
    roi_dist_free(&d); /* freeing twice is harmless */
    assert_near(roi_dist_mean(&e), 0.75, 1e-12);
    roi_dist_free(&e);

    build(&d, 17); /* {0: .6, 1: .3, 2: .1, 3: 0}: 3 never drawn, not in the support */
    double lo, hi;
    roi_dist_support(&d, &lo, &hi);
    assert_near(lo, 0, 0);
    assert_near(hi, 2, 0);
    assert_near(roi_dist_quantile(&d, 1), 2, 0);
    roi_dist_free(&d);

    build(&d, 15); /* bernoulli(0.3): 1 for the top 30% of uniforms */
    assert_near(roi_dist_quantile(&d, 0.69), 0, 0);
    assert_near(roi_dist_quantile(&d, 0.71), 1, 0);
    assert_near(roi_dist_cdf(&d, 0.5), 0.7, 1e-15);
    assert_true(roi_dist_is_integer(&d));

    roi_error err;
    assert_int_equal(roi_dist_fixed(&d, 2.5, "f", &err), ROI_OK);
    assert_false(roi_dist_is_integer(&d));
    assert_int_equal(roi_dist_fixed(&d, 2, "f", &err), ROI_OK);
    assert_true(roi_dist_is_integer(&d));
    build(&d, 19);
    assert_false(roi_dist_is_integer(&d));
}

/* Inverse-CDF families: a draw is the quantile of the stream's first uniform, so two
 * scenarios giving one name different parameters get monotonically coupled draws. */
static void test_common_random_numbers(void **state)
{
    (void)state;
    uint64_t key = roi_rng_key(1, "v2.score");
    int inverse_cdf[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 14, 15, 16, 17, 18, 19, 20};
    for (size_t i = 0; i < sizeof inverse_cdf / sizeof inverse_cdf[0]; i++) {
        roi_dist d;
        build(&d, inverse_cdf[i]);
        for (uint64_t t = 0; t < 100; t++) {
            double x = roi_dist_sample(&d, key, t, scratch);
            assert_true(x == roi_dist_quantile(&d, roi_rng_uniform(key, t, 0)));
        }
        roi_dist_free(&d);
    }
    /* Beta and PERT draws are reproducible from (key, trial) alone. */
    roi_dist d;
    build(&d, 12);
    double a = roi_dist_sample(&d, key, 9, scratch);
    (void)roi_dist_sample(&d, key, 10, scratch);
    assert_true(roi_dist_sample(&d, key, 9, scratch) == a);
}

/* ---- truncation ---------------------------------------------------------------------- */

static void test_truncation(void **state)
{
    (void)state;
    roi_dist d;
    roi_error err;
    uint64_t key = roi_rng_key(3, "trunc");

    /* Far in the upper tail: still inside the bounds and precise. */
    assert_int_equal(roi_dist_normal(&d, 0, 1, "x", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d, 8, INFINITY, "x", &err), ROI_OK);
    for (uint64_t t = 0; t < 10000; t++) {
        double x = roi_dist_sample(&d, key, t, scratch);
        assert_true(x >= 8 && x < 20);
    }
    /* Mean of a normal truncated at 8: about 8 + 1/8 (Mills ratio). */
    assert_near(roi_dist_mean(&d), 8.1215, 1e-3);

    /* Truncating again keeps the intersection. */
    assert_int_equal(roi_dist_normal(&d, 10, 2, "x", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d, 8, 14, "x", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d, 5, 12, "x", &err), ROI_OK);
    assert_near(d.low, 8, 0);
    assert_near(d.high, 12, 0);
    double lo, hi;
    roi_dist_support(&d, &lo, &hi);
    assert_near(lo, 8, 0);
    assert_near(hi, 12, 0);
    assert_near(roi_dist_mean(&d), 10, 1e-12); /* symmetric about the mean */
    assert_near(roi_dist_cdf(&d, 10), 0.5, 1e-12);
    assert_near(roi_dist_cdf(&d, 7), 0, 0);
    assert_near(roi_dist_cdf(&d, 13), 1, 0);

    /* Lognormal truncated below 0 is untouched in distribution. */
    assert_int_equal(roi_dist_lognormal_meansd(&d, 10, 4, "x", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d, -5, INFINITY, "x", &err), ROI_OK);
    assert_near(roi_dist_mean(&d), 10, 1e-9);
    roi_dist_support(&d, &lo, &hi);
    assert_near(lo, 0, 0);
    assert_true(isinf(hi));
}

/* ---- validation ---------------------------------------------------------------------- */

static void expect_error(roi_status st, const roi_error *err, const char *want)
{
    assert_int_equal(st, ROI_ERR_PARAM);
    assert_int_equal(err->status, ROI_ERR_PARAM);
    if (!strstr(err->msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", err->msg, want);
}

static void test_validation(void **state)
{
    (void)state;
    roi_dist d;
    roi_error err;
    static const double v3[] = {0, 1, 2}, p_low[] = {0.5, 0.3, 0.1}, p_neg[] = {1.2, -0.2, 0};
    static const double v_dup[] = {1, 2, 1}, p3[] = {0.3, 0.3, 0.4};

    expect_error(roi_dist_normal(&d, 58, 0, "v2.score", &err), &err,
                 "v2.score: sd must be > 0, got 0");
    expect_error(roi_dist_normal(&d, INFINITY, 1, "v2.score", &err), &err,
                 "v2.score: mean must be a finite number, got inf");
    expect_error(roi_dist_normal(&d, 1, NAN, "a.b", &err), &err,
                 "sd must be a finite number, got nan");
    expect_error(roi_dist_fixed(&d, -INFINITY, "k", &err), &err, "k: value must be a finite");
    expect_error(roi_dist_uniform(&d, 0.06, 0.02, "fb.p", &err), &err,
                 "fb.p: low must be < high, got low = 0.06, high = 0.02");
    expect_error(roi_dist_triangular(&d, 0, 0.1, 0.08, "core.u", &err), &err,
                 "core.u: mode must be in [min, max] = [0, 0.08], got 0.1");
    expect_error(roi_dist_triangular(&d, 1, 1, 1, "t", &err), &err,
                 "min must be < max, got min = 1, max = 1");
    expect_error(roi_dist_pert(&d, 10, 5, 35, "p", &err), &err, "got 5");
    expect_error(roi_dist_beta(&d, -1, 5, 0, 1, "ratio", &err), &err,
                 "ratio: a must be > 0, got -1");
    expect_error(roi_dist_beta(&d, 2, 0, 0, 1, "ratio", &err), &err, "b must be > 0, got 0");
    expect_error(roi_dist_beta(&d, 2, 5, 3, 3, "ratio", &err), &err, "low must be < high");
    expect_error(roi_dist_gamma(&d, 0, 25, "cost", &err), &err, "cost: shape must be > 0, got 0");
    expect_error(roi_dist_weibull(&d, 1.5, -2, "life", &err), &err,
                 "life: scale must be > 0, got -2");
    expect_error(roi_dist_gamma(&d, NAN, 1, "cost", &err), &err,
                 "shape must be a finite number, got nan");
    expect_error(roi_dist_bernoulli(&d, 1.5, "moat", &err), &err,
                 "moat: p must be in [0, 1], got 1.5");
    expect_error(roi_dist_lognormal_p5p95(&d, 80, 20, "E", &err), &err,
                 "E: p95 must be > p5, got p5 = 80, p95 = 20");
    expect_error(roi_dist_lognormal_p5p95(&d, 0, 20, "E", &err), &err, "p5 must be > 0, got 0");
    expect_error(roi_dist_lognormal_meansd(&d, -1, 2, "E", &err), &err, "mean must be > 0, got -1");
    expect_error(roi_dist_lognormal_meansd(&d, 1, 0, "E", &err), &err, "sd must be > 0, got 0");

    expect_error(roi_dist_discrete(&d, v3, p_low, 3, "fb.delay", &err), &err,
                 "fb.delay: probabilities must sum to 1, got 0.9");
    roi_dist_free(&d);
    expect_error(roi_dist_discrete(&d, v3, p_neg, 3, "fb.delay", &err), &err,
                 "must be in [0, 1], got 1.2");
    roi_dist_free(&d);
    expect_error(roi_dist_discrete(&d, v_dup, p3, 3, "fb.delay", &err), &err,
                 "fb.delay: duplicate value 1");
    roi_dist_free(&d);
    expect_error(roi_dist_discrete(&d, v3, p3, 0, "fb.delay", &err), &err, "got 0");
    roi_dist_free(&d);

    /* Truncation: only continuous families, a non-empty interval with probability. */
    assert_int_equal(roi_dist_bernoulli(&d, 0.5, "moat", &err), ROI_OK);
    expect_error(roi_dist_truncate(&d, 0, 1, "moat", &err), &err, "not bernoulli");
    assert_int_equal(roi_dist_normal(&d, 0, 1, "z", &err), ROI_OK);
    expect_error(roi_dist_truncate(&d, 2, 1, "z", &err), &err,
                 "z: low must be < high, got low = 2, high = 1");
    expect_error(roi_dist_truncate(&d, 50, 60, "z", &err), &err, "no probability");
    assert_int_equal(roi_dist_uniform(&d, 0, 1, "u", &err), ROI_OK);
    expect_error(roi_dist_truncate(&d, 2, 3, "u", &err), &err, "no probability");
    assert_false(d.truncated); /* a failed truncation leaves the distribution as it was */

    /* No path: the message is just the complaint. */
    expect_error(roi_dist_normal(&d, 1, -2, NULL, &err), &err, "sd must be > 0, got -2");
    assert_true(strncmp(err.msg, "sd must", 7) == 0);
}

/* ---- descriptions -------------------------------------------------------------------- */

static void expect_describe(const roi_dist *d, const char *want)
{
    char buf[256];
    int n = roi_dist_describe(d, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_describe(void **state)
{
    (void)state;
    roi_dist d;
    roi_error err;
    static const double vals[] = {2, 0, 1}, probs[] = {0.2, 0.45, 0.35};

    build(&d, 5);
    expect_describe(&d, "lognormal{p5 = 6e+08, p95 = 1.6e+09}");
    build(&d, 6);
    expect_describe(&d, "lognormal{mean = 10, sd = 4}");
    build(&d, 3);
    expect_describe(&d, "normal(62, 1.5):truncate{low = 60}");
    build(&d, 4);
    expect_describe(&d, "normal(0, 1):truncate{low = 2.5, high = 4}");
    build(&d, 20);
    expect_describe(&d, "normal(0, 1):truncate{high = -1}");
    assert_int_equal(roi_dist_discrete(&d, vals, probs, 3, "x", &err), ROI_OK);
    expect_describe(&d, "discrete{[0] = 0.45, [1] = 0.35, [2] = 0.2}");
    roi_dist_free(&d);
    build(&d, 12);
    expect_describe(&d, "beta(2, 5)");
    build(&d, 13);
    expect_describe(&d, "beta(2, 5, 10, 20)");
    build(&d, 1);
    expect_describe(&d, "uniform(0.02, 0.06)");
    build(&d, 22);
    expect_describe(&d, "gamma{shape = 4, scale = 25}");
    build(&d, 25);
    expect_describe(&d, "weibull{shape = 0.8, scale = 3}:truncate{low = 1}");
    build(&d, 8);
    expect_describe(&d, "triangular(0, 0.03, 0.08)");
    build(&d, 10);
    expect_describe(&d, "pert(10, 20, 35)");
    build(&d, 15);
    expect_describe(&d, "bernoulli(0.3)");
    build(&d, 0);
    expect_describe(&d, "3");
    assert_string_equal(roi_dist_family_name(ROI_DIST_PERT), "pert");

    /* A short buffer is truncated but the full length is returned, like snprintf. */
    char small[8];
    build(&d, 3);
    int n = roi_dist_describe(&d, small, sizeof small);
    assert_int_equal(n, (int)strlen("normal(62, 1.5):truncate{low = 60}"));
    assert_string_equal(small, "normal(");
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_moments),
        cmocka_unit_test(test_hand_moments),
        cmocka_unit_test(test_quantile_cdf_roundtrip),
        cmocka_unit_test(test_triangular_quantiles),
        cmocka_unit_test(test_discrete_and_bernoulli),
        cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
