/* test_sampling.c - Latin hypercube strata and permutations, variance reduction,
 * Gaussian-copula rank correlations, unchanged marginals, overrides. */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>

#include "rng.h"
#include "sampling.h"

static int add_input(roi_model *m, const char *name, roi_dist *d)
{
    roi_error err;
    int i = roi_graph_input(&m->graph, name, d, &err);
    assert_true(i >= 0);
    return i;
}

static void add_corr(roi_model *m, const char *a, const char *b, double r)
{
    m->correlations = realloc(m->correlations,
                              (size_t)(m->n_correlations + 1) * sizeof *m->correlations);
    assert_non_null(m->correlations);
    m->correlations[m->n_correlations].a = strdup(a);
    m->correlations[m->n_correlations].b = strdup(b);
    m->correlations[m->n_correlations].rank = r;
    m->n_correlations++;
}

/* Four inputs: uniform(0, 1), normal(10, 2), triangular(0, 1, 3), lognormal. */
static roi_model *four_inputs(void)
{
    roi_error err;
    roi_model *m = roi_model_new();
    roi_dist d;
    assert_int_equal(roi_dist_uniform(&d, 0, 1, "u", &err), ROI_OK);
    add_input(m, "u", &d);
    assert_int_equal(roi_dist_normal(&d, 10, 2, "n", &err), ROI_OK);
    add_input(m, "n", &d);
    assert_int_equal(roi_dist_triangular(&d, 0, 1, 3, "t", &err), ROI_OK);
    add_input(m, "t", &d);
    assert_int_equal(roi_dist_lognormal_p5p95(&d, 1, 4, "l", &err), ROI_OK);
    add_input(m, "l", &d);
    return m;
}

static void test_permutation_is_bijection(void **state)
{
    (void)state;
    const uint64_t sizes[] = {1, 2, 3, 5, 1000, 1024, 1025, 4099};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        char *seen = calloc(n, 1);
        assert_non_null(seen);
        for (uint64_t i = 0; i < n; i++) {
            uint64_t p = roi_sampling_permute(0x1234 + s, n, i);
            assert_true(p < n);
            assert_int_equal(seen[p], 0);
            seen[p] = 1;
        }
        free(seen);
    }
    /* Different keys give different orders. */
    int same = 0;
    for (uint64_t i = 0; i < 100; i++)
        same += roi_sampling_permute(1, 100, i) == roi_sampling_permute(2, 100, i);
    assert_true(same < 20);
}

/* Every input puts exactly one trial in each of the N strata of its CDF. */
static void test_lhs_one_trial_per_stratum(void **state)
{
    (void)state;
    roi_error err;
    roi_model *m = four_inputs();
    const size_t n = 1000;
    roi_sampling *plan = NULL;
    roi_sampling_spec spec = {.mode = ROI_SAMPLING_LHS, .trials = n};
    assert_int_equal(roi_sampling_new(m, &m->graph, &spec, &plan, &err), ROI_OK);
    uint64_t keys[4];
    roi_graph_keys(&m->graph, 42, keys);
    int *count = calloc(4 * n, sizeof *count);
    double vals[4];
    for (size_t i = 0; i < n; i++) {
        roi_sampling_eval(plan, &m->graph, keys, i, vals, NULL);
        for (int j = 0; j < 4; j++) {
            double u = roi_dist_cdf(&m->graph.nodes[j].dist, vals[j]);
            size_t k = (size_t)(u * (double)n);
            assert_true(k < n);
            count[j * n + k]++;
        }
    }
    /* The CDF round trip can move a value across a stratum edge by rounding; allow
     * none for the uniform (exact) and a handful for the others. */
    for (int j = 0; j < 4; j++) {
        int empty = 0;
        for (size_t k = 0; k < n; k++)
            empty += count[j * n + k] == 0;
        assert_true(empty <= (j == 0 ? 0 : 3));
    }
    free(count);
    roi_sampling_free(plan);
    roi_model_free(m);
}

/*
 * The mean of an additive function of the inputs: LHS variance is far below Monte
 * Carlo's var / N. Over R seeds the MC sample variance of the mean follows
 * theory * chi2(R-1)/(R-1): with R = 60 it lies in [0.5, 1.6] x theory with
 * probability > 0.999; LHS must be below theory / 20.
 */
static void test_lhs_lower_variance_of_mean(void **state)
{
    (void)state;
    roi_error err;
    roi_model *m = roi_model_new();
    roi_dist d;
    assert_int_equal(roi_dist_uniform(&d, 0, 1, "a", &err), ROI_OK);
    add_input(m, "a", &d);
    assert_int_equal(roi_dist_normal(&d, 0, 1, "b", &err), ROI_OK);
    add_input(m, "b", &d);
    assert_int_equal(roi_dist_triangular(&d, 0, 1, 3, "c", &err), ROI_OK);
    add_input(m, "c", &d);
    const double var_sum = 1.0 / 12 + 1.0 + (0 + 1 + 9 - 0 - 0 - 3) / 18.0;
    const size_t n = 256;
    enum { R = 60 };
    double means[2][R];
    gsl_rng *scratch = gsl_rng_alloc(roi_rng_philox);
    for (int mode = 0; mode < 2; mode++) {
        roi_sampling *plan = NULL;
        roi_sampling_spec spec = {.mode = mode ? ROI_SAMPLING_LHS : ROI_SAMPLING_MC, .trials = n};
        assert_int_equal(roi_sampling_new(m, &m->graph, &spec, &plan, &err), ROI_OK);
        for (int r = 0; r < R; r++) {
            uint64_t keys[3];
            roi_graph_keys(&m->graph, 1000 + (uint64_t)r, keys);
            double sum = 0, vals[3];
            for (size_t i = 0; i < n; i++) {
                roi_sampling_eval(plan, &m->graph, keys, i, vals, scratch);
                sum += vals[0] + vals[1] + vals[2];
            }
            means[mode][r] = sum / (double)n;
        }
        roi_sampling_free(plan);
    }
    double theory = var_sum / (double)n;
    double v_mc = gsl_stats_variance(means[0], 1, R);
    double v_lhs = gsl_stats_variance(means[1], 1, R);
    assert_true(v_mc > 0.5 * theory && v_mc < 1.6 * theory);
    assert_true(v_lhs < theory / 20);
    gsl_rng_free(scratch);
    roi_model_free(m);
}

/* Ranks of x[0..n-1] (no ties in continuous samples). */
static void ranks(const double *x, size_t n, double *r)
{
    size_t *idx = malloc(n * sizeof *idx);
    double *copy = malloc(n * sizeof *copy);
    memcpy(copy, x, n * sizeof *copy);
    gsl_sort_index(idx, copy, 1, n);
    for (size_t k = 0; k < n; k++)
        r[idx[k]] = (double)k;
    free(copy);
    free(idx);
}

static void test_copula_rank_correlation_and_marginals(void **state)
{
    (void)state;
    roi_error err;
    roi_model *m = four_inputs();
    add_corr(m, "n", "t", 0.6);
    add_corr(m, "u", "n", -0.3);
    const size_t n = 20000;
    roi_sampling *plan = NULL;
    roi_sampling_spec spec = {.mode = ROI_SAMPLING_MC, .trials = n};
    assert_int_equal(roi_sampling_new(m, &m->graph, &spec, &plan, &err), ROI_OK);
    uint64_t keys[4];
    roi_graph_keys(&m->graph, 9, keys);
    gsl_rng *scratch = gsl_rng_alloc(roi_rng_philox);
    double *x[4], *rk[4];
    for (int j = 0; j < 4; j++) {
        x[j] = malloc(n * sizeof *x[j]);
        rk[j] = malloc(n * sizeof *rk[j]);
    }
    double vals[4], plain[4];
    for (size_t i = 0; i < n; i++) {
        roi_sampling_eval(plan, &m->graph, keys, i, vals, scratch);
        for (int j = 0; j < 4; j++)
            x[j][i] = vals[j];
        /* An input outside every correlation draws exactly what it always did. */
        roi_graph_eval(&m->graph, keys, i, plain, scratch);
        assert_true(vals[3] == plain[3]);
    }
    for (int j = 0; j < 4; j++)
        ranks(x[j], n, rk[j]);
    /* Spearman = Pearson of the ranks; Fisher z has var ~ 1.06 / (n - 3). */
    double tol = 4 * sqrt(1.06 / (double)(n - 3));
    double r_nt = gsl_stats_correlation(rk[1], 1, rk[2], 1, n);
    double r_un = gsl_stats_correlation(rk[0], 1, rk[1], 1, n);
    double r_ut = gsl_stats_correlation(rk[0], 1, rk[2], 1, n);
    assert_near(atanh(r_nt), atanh(0.6), tol);
    assert_near(atanh(r_un), atanh(-0.3), tol);
    /* A pair not listed gets rank correlation 0. */
    assert_near(atanh(r_ut), 0.0, tol);
    /* Marginals unchanged: means within 4 se, and the share below each median 1/2
     * within 4 sqrt(1/4n). */
    assert_near(gsl_stats_mean(x[0], 1, n), 0.5, 4 * sqrt(1.0 / 12 / n));
    assert_near(gsl_stats_mean(x[1], 1, n), 10.0, 4 * 2 / sqrt((double)n));
    assert_near(gsl_stats_mean(x[2], 1, n), 4.0 / 3, 4 * sqrt(7.0 / 18 / n));
    for (int j = 0; j < 3; j++) {
        double med = roi_dist_quantile(&m->graph.nodes[j].dist, 0.5);
        size_t below = 0;
        for (size_t i = 0; i < n; i++)
            below += x[j][i] < med;
        assert_near((double)below / (double)n, 0.5, 4 * sqrt(0.25 / n));
    }
    for (int j = 0; j < 4; j++) {
        free(x[j]);
        free(rk[j]);
    }
    gsl_rng_free(scratch);
    roi_sampling_free(plan);
    roi_model_free(m);
}

static void test_not_positive_definite_is_an_error(void **state)
{
    (void)state;
    roi_error err;
    roi_error_clear(&err);
    roi_model *m = four_inputs();
    add_corr(m, "u", "n", 0.9);
    add_corr(m, "u", "t", 0.9);
    add_corr(m, "n", "t", -0.9);
    assert_int_equal(roi_sampling_check(m, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "not positive definite"));
    assert_non_null(strstr(err.msg, "u, n, t"));
    roi_model_free(m);
    m = four_inputs();
    add_corr(m, "u", "nope", 0.5);
    assert_int_equal(roi_sampling_check(m, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "'nope' is not an uncertain input"));
    roi_model_free(m);
}

static void test_overrides(void **state)
{
    (void)state;
    roi_error err;
    roi_model *m = four_inputs();
    roi_override ovr[2] = {{1, ROI_OVERRIDE_SHIFT, 5.0}, {2, ROI_OVERRIDE_VALUE, 7.0}};
    roi_sampling *plan = NULL;
    roi_sampling_spec spec = {.trials = 10, .overrides = ovr, .n_overrides = 2};
    assert_int_equal(roi_sampling_new(m, &m->graph, &spec, &plan, &err), ROI_OK);
    uint64_t keys[4];
    roi_graph_keys(&m->graph, 1, keys);
    gsl_rng *scratch = gsl_rng_alloc(roi_rng_philox);
    double a[4], b[4];
    roi_sampling_eval(plan, &m->graph, keys, 3, a, scratch);
    roi_graph_eval(&m->graph, keys, 3, b, scratch);
    assert_true(a[0] == b[0]);
    assert_near(a[1], b[1] + 5.0, 1e-12);
    assert_true(a[2] == 7.0);
    gsl_rng_free(scratch);
    roi_sampling_free(plan);
    roi_model_free(m);
}

/*
 * A band draws exactly what a copy of the model with the input's distribution
 * conditioned on the band would draw (what stress tests did before bands existed: they
 * swapped such a distribution into the model): truncated for a continuous input (no
 * bound at level 0 or 1), the outcomes inside the band for a discrete one; every other
 * input is untouched, and the model itself is never changed.
 */
static void test_band_is_the_conditioned_distribution(void **state)
{
    (void)state;
    roi_error err;
    roi_model *m = four_inputs();
    roi_dist d;
    const double vals[4] = {0, 1, 2, 3}, probs[4] = {0.1, 0.2, 0.3, 0.4};
    assert_int_equal(roi_dist_discrete(&d, vals, probs, 4, "k", &err), ROI_OK);
    int k = add_input(m, "k", &d);
    assert_int_equal(roi_dist_bernoulli(&d, 0.3, "b", &err), ROI_OK);
    int b = add_input(m, "b", &d);
    const struct { int node; double low, high; } cases[] = {
        {1, 0.1, 0.3}, {1, 0.0, 0.2}, {1, 0.9, 1.0}, {3, 0.25, 0.75}, {k, 0.2, 0.8}, {b, 0.0, 0.5}};
    uint64_t keys[6];
    roi_graph_keys(&m->graph, 17, keys);
    gsl_rng *scratch = gsl_rng_alloc(roi_rng_philox);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const roi_dist *orig = &m->graph.nodes[cases[c].node].dist;
        double qlo = roi_dist_quantile(orig, cases[c].low), qhi = roi_dist_quantile(orig, cases[c].high);
        roi_dist want;
        if (orig->family == ROI_DIST_DISCRETE || orig->family == ROI_DIST_BERNOULLI) {
            double v[4], p[4], total = 0;
            size_t n = 0;
            const double bv[2] = {0, 1}, bp[2] = {0.7, 0.3};
            const double *ov = orig->family == ROI_DIST_BERNOULLI ? bv : orig->values;
            const double *op = orig->family == ROI_DIST_BERNOULLI ? bp : orig->probs;
            size_t on = orig->family == ROI_DIST_BERNOULLI ? 2 : orig->n;
            for (size_t i = 0; i < on; i++)
                if (ov[i] >= qlo && ov[i] <= qhi) {
                    v[n] = ov[i];
                    p[n++] = op[i];
                    total += op[i];
                }
            for (size_t i = 0; i < n; i++)
                p[i] /= total;
            assert_int_equal(roi_dist_discrete(&want, v, p, n, "w", &err), ROI_OK);
        } else {
            assert_int_equal(roi_dist_copy(&want, orig), ROI_OK);
            assert_int_equal(roi_dist_truncate(&want, cases[c].low > 0 ? qlo : -INFINITY,
                                               cases[c].high < 1 ? qhi : INFINITY, "w", &err),
                             ROI_OK);
        }
        roi_input_band band = {cases[c].node, cases[c].low, cases[c].high, "stress"};
        roi_sampling_spec spec = {.trials = 100, .bands = &band, .n_bands = 1};
        roi_sampling *plan = NULL;
        assert_int_equal(roi_sampling_new(m, &m->graph, &spec, &plan, &err), ROI_OK);
        for (uint64_t t = 0; t < 100; t++) {
            double got[6], plain[6];
            roi_sampling_eval(plan, &m->graph, keys, t, got, scratch);
            roi_graph_eval(&m->graph, keys, t, plain, scratch);
            for (int i = 0; i < m->graph.n; i++) {
                double expect = i == cases[c].node
                                    ? roi_dist_sample(&want, keys[i], t, scratch) : plain[i];
                assert_memory_equal(&got[i], &expect, sizeof expect);
            }
            double one = roi_sampling_input(plan, &m->graph, keys, cases[c].node, t, scratch);
            assert_memory_equal(&one, &got[cases[c].node], sizeof one);
        }
        roi_sampling_free(plan);
        roi_dist_free(&want);
    }
    /* A fixed input, and a band that is not one, are errors naming the band. */
    assert_int_equal(roi_dist_fixed(&d, 4.0, "f", &err), ROI_OK);
    int f = add_input(m, "f", &d);
    roi_input_band bad[2] = {{f, 0.1, 0.9, "stress f"}, {k, 0.5, 0.5, "stress k"}};
    const char *why[2] = {"nothing to stress", "0 <= low < high <= 1"};
    for (int i = 0; i < 2; i++) {
        roi_sampling_spec spec = {.trials = 10, .bands = &bad[i], .n_bands = 1};
        roi_sampling *plan = NULL;
        assert_int_equal(roi_sampling_new(m, &m->graph, &spec, &plan, &err), ROI_ERR_USAGE);
        assert_null(plan);
        assert_non_null(strstr(err.msg, why[i]));
        assert_non_null(strstr(err.msg, bad[i].path));
    }
    gsl_rng_free(scratch);
    roi_model_free(m);
}

/* main leaves GSL's error handler alone: the engine switches it off itself (roi_engine_init),
 * so test_not_positive_definite_is_an_error aborts the process if it does not. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permutation_is_bijection),
        cmocka_unit_test(test_lhs_one_trial_per_stratum),
        cmocka_unit_test(test_lhs_lower_variance_of_mean),
        cmocka_unit_test(test_copula_rank_correlation_and_marginals),
        cmocka_unit_test(test_not_positive_definite_is_an_error),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_band_is_the_conditioned_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
