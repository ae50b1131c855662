/* test_rng.c - Philox4x32-10 known answers, keys, uniforms and the GSL generator type. */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "dist.h"
#include "rng.h"

/* Random123's kat_vectors for philox4x32 with 10 rounds: counter (4 words), key
 * (2 words), expected output (4 words). */
static const struct {
    uint32_t ctr[4], key[2], out[4];
} kat[] = {
    {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
     {0x00000000, 0x00000000},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

static uint64_t join(uint32_t lo, uint32_t hi)
{
    return (uint64_t)lo | ((uint64_t)hi << 32);
}

static void test_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        uint32_t out[4];
        /* Counter words are {lo(trial), hi(trial), lo(index), hi(index)}. */
        roi_rng_block(join(kat[i].key[0], kat[i].key[1]), join(kat[i].ctr[0], kat[i].ctr[1]),
                      join(kat[i].ctr[2], kat[i].ctr[3]), out);
        for (int w = 0; w < 4; w++) {
            if (out[w] != kat[i].out[w])
                fail_msg("vector %zu word %d: got %08x, expected %08x", i, w, out[w],
                         kat[i].out[w]);
        }
    }
}

static void test_hash_fnv1a(void **state)
{
    (void)state;
    /* FNV-1a 64 reference values: the offset basis for "", and "a". */
    assert_true(roi_rng_hash("") == UINT64_C(0xcbf29ce484222325));
    assert_true(roi_rng_hash("a") == UINT64_C(0xaf63dc4c8601ec8c));
    assert_true(roi_rng_hash("foobar") == UINT64_C(0x85944171f73967e8));
}

static void test_uniform_open_interval(void **state)
{
    (void)state;
    uint64_t key = roi_rng_key(42, "open");
    for (uint64_t t = 0; t < 200000; t++) {
        double u = roi_rng_uniform(key, t, t % 3);
        if (!(u > 0.0 && u < 1.0))
            fail_msg("trial %llu: u = %.17g not in (0, 1)", (unsigned long long)t, u);
    }
    /* Pure function: the same arguments give the same value. */
    assert_true(roi_rng_uniform(key, 7, 2) == roi_rng_uniform(key, 7, 2));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_distinct_names(void **state)
{
    (void)state;
    enum { N = 100000 };
    uint64_t *keys = malloc(N * sizeof *keys);
    double *first = malloc(N * sizeof *first);
    assert_non_null(keys);
    assert_non_null(first);
    char name[64];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "surface%d.adoption.p", i);
        keys[i] = roi_rng_key(2026, name);
        first[i] = roi_rng_uniform(keys[i], 0, 0);
    }
    qsort(keys, N, sizeof *keys, cmp_u64);
    qsort(first, N, sizeof *first, cmp_double);
    for (int i = 1; i < N; i++) {
        if (keys[i] == keys[i - 1])
            fail_msg("two names share key %016llx", (unsigned long long)keys[i]);
        if (first[i] == first[i - 1])
            fail_msg("two names share first draw %.17g", first[i]);
    }
    free(keys);
    free(first);
}

static void test_seeds_trials_draws_differ(void **state)
{
    (void)state;
    uint64_t k1 = roi_rng_key(1, "v2.score");
    uint64_t k2 = roi_rng_key(2, "v2.score");
    assert_true(k1 != k2);
    assert_true(roi_rng_key(1, "v2.score") == k1); /* stable */
    assert_true(roi_rng_key(1, "v2.scorf") != k1);
    assert_true(roi_rng_uniform(k1, 0, 0) != roi_rng_uniform(k2, 0, 0));
    double prev_t = -1, prev_d = -1;
    for (uint64_t i = 0; i < 1000; i++) {
        double by_trial = roi_rng_uniform(k1, i, 0);
        double by_draw = roi_rng_uniform(k1, 0, i);
        assert_true(by_trial != prev_t);
        assert_true(by_draw != prev_d);
        prev_t = by_trial;
        prev_d = by_draw;
    }
    assert_true(roi_rng_uniform(k1, 5, 0) != roi_rng_uniform(k1, 5, 1));
    assert_true(roi_rng_uniform(k1, 5, 0) != roi_rng_uniform(k1, 6, 0));
}

static void test_chisquare_uniformity(void **state)
{
    (void)state;
    enum { N = 1000000, BINS = 100 };
    static long count[BINS];
    memset(count, 0, sizeof count);
    uint64_t key = roi_rng_key(7, "chisq");
    for (uint64_t t = 0; t < N; t++) {
        double u = roi_rng_uniform(key, t, 0);
        count[(int)(u * BINS)]++;
    }
    double expect = (double)N / BINS, chi2 = 0.0;
    for (int b = 0; b < BINS; b++)
        chi2 += (count[b] - expect) * (count[b] - expect) / expect;
    double limit = gsl_cdf_chisq_Qinv(1e-6, BINS - 1);
    if (!(chi2 < limit))
        fail_msg("chi-square %.3f over the 1e-6 quantile %.3f", chi2, limit);

    /* The same over draw indices of one trial (the other axis of the counter). */
    memset(count, 0, sizeof count);
    for (uint64_t i = 0; i < N; i++)
        count[(int)(roi_rng_uniform(key, 3, i) * BINS)]++;
    chi2 = 0.0;
    for (int b = 0; b < BINS; b++)
        chi2 += (count[b] - expect) * (count[b] - expect) / expect;
    if (!(chi2 < limit))
        fail_msg("chi-square over draws %.3f over the 1e-6 quantile %.3f", chi2, limit);
}

/* The batch is the per-trial function, bit for bit, at any start and length (the
 * vector body and its scalar tail). */
static void test_uniforms_batch(void **state)
{
    (void)state;
    uint64_t key = roi_rng_key(2024, "batch");
    double out[77];
    const uint64_t starts[3] = {0, 12345, (UINT64_C(1) << 32) - 5};
    for (int s = 0; s < 3; s++)
        for (size_t n = 0; n <= 77; n += 11) {
            roi_rng_uniforms(key, starts[s], n, out);
            for (size_t j = 0; j < n; j++)
                assert_true(out[j] == roi_rng_uniform(key, starts[s] + j, 0));
        }
}

/*
 * roi_dist_by_uniform is what lets the runner and the analysis draw a block of trials
 * by batch uniforms and quantiles: where it says so, roi_dist_sample must be exactly the
 * quantile at the stream's first uniform; it says no for the fixed family and the
 * untruncated beta and PERT (GSL's sampler), and yes for every other family.
 */
static void test_by_uniform_is_sample(void **state)
{
    (void)state;
    roi_error err;
    roi_dist d[11];
    const double v[3] = {1, 2, 5}, p[3] = {0.2, 0.5, 0.3};
    assert_int_equal(roi_dist_fixed(&d[0], 3.0, "", &err), ROI_OK);
    assert_int_equal(roi_dist_uniform(&d[1], -1, 4, "", &err), ROI_OK);
    assert_int_equal(roi_dist_normal(&d[2], 2, 3, "", &err), ROI_OK);
    assert_int_equal(roi_dist_lognormal_p5p95(&d[3], 5, 30, "", &err), ROI_OK);
    assert_int_equal(roi_dist_triangular(&d[4], 0, 0.3, 2, "", &err), ROI_OK);
    assert_int_equal(roi_dist_pert(&d[5], 0, 0.3, 2, "", &err), ROI_OK);
    assert_int_equal(roi_dist_beta(&d[6], 2, 5, 0, 1, "", &err), ROI_OK);
    assert_int_equal(roi_dist_bernoulli(&d[7], 0.3, "", &err), ROI_OK);
    assert_int_equal(roi_dist_discrete(&d[8], v, p, 3, "", &err), ROI_OK);
    assert_int_equal(roi_dist_normal(&d[9], 0, 1, "", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d[9], -0.5, 2, "", &err), ROI_OK);
    assert_int_equal(roi_dist_beta(&d[10], 3, 2, 10, 20, "", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d[10], 12, 19, "", &err), ROI_OK);
    const int want[11] = {0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1};
    gsl_rng *r = gsl_rng_alloc(roi_rng_philox);
    uint64_t key = roi_rng_key(7, "by_uniform");
    for (int k = 0; k < 11; k++) {
        assert_int_equal(roi_dist_by_uniform(&d[k]), want[k]);
        for (uint64_t t = 0; want[k] && t < 2000; t++)
            assert_true(roi_dist_sample(&d[k], key, t, r) ==
                        roi_dist_quantile(&d[k], roi_rng_uniform(key, t, 0)));
        roi_dist_free(&d[k]);
    }
    gsl_rng_free(r);
}

/* The generator's words computed ahead are the ones it returns after a seek, at any
 * start and length; seeked with them it returns the same sequence as without, words
 * and doubles mixed, past the words given; and a beta or PERT drawn from them is
 * roi_dist_sample's double. */
static void test_gsl_words_batch(void **state)
{
    (void)state;
    enum { W = ROI_RNG_GSL_WORDS, NMAX = 45 };
    const uint64_t key = roi_rng_key(2024, "words");
    const uint64_t starts[3] = {0, 777, (UINT64_C(1) << 32) - 3};
    uint32_t out[NMAX * W];
    gsl_rng *r = gsl_rng_alloc(roi_rng_philox), *q = gsl_rng_alloc(roi_rng_philox);
    for (int s = 0; s < 3; s++)
        for (size_t n = 1; n <= NMAX; n += 11) {
            roi_rng_gsl_words(key, starts[s], n, out);
            for (size_t j = 0; j < n; j++) {
                roi_rng_seek(r, key, starts[s] + j);
                for (int w = 0; w < W; w++)
                    assert_true(gsl_rng_get(r) == out[j * W + w]);
                roi_rng_seek(r, key, starts[s] + j);
                roi_rng_seek_words(q, key, starts[s] + j, out + j * W);
                for (int i = 0; i < 3 * W; i++) {
                    if (i % 3 == 1)
                        assert_true(gsl_rng_uniform(r) == gsl_rng_uniform(q));
                    else
                        assert_true(gsl_rng_get(r) == gsl_rng_get(q));
                }
            }
        }
    roi_error err;
    roi_dist d[3];
    assert_int_equal(roi_dist_beta(&d[0], 0.7, 0.4, 0, 1, "", &err), ROI_OK);
    assert_int_equal(roi_dist_pert(&d[1], 10, 11, 30, "", &err), ROI_OK);
    assert_int_equal(roi_dist_beta(&d[2], 3, 2, 10, 20, "", &err), ROI_OK);
    for (int k = 0; k < 3; k++) {
        assert_true(roi_dist_by_words(&d[k]));
        roi_rng_gsl_words(key, 500, NMAX, out);
        for (size_t j = 0; j < NMAX; j++)
            assert_true(roi_dist_sample_words(&d[k], key, 500 + j, out + j * W, q) ==
                        roi_dist_sample(&d[k], key, 500 + j, r));
        roi_dist_free(&d[k]);
    }
    gsl_rng_free(r);
    gsl_rng_free(q);
}

/* The batch quantiles are roi_dist_quantile's doubles, bit for bit: on a stream's
 * uniforms (the vectorised central region of the normal's inverse CDF and GSL's tails),
 * at the region's edges and the interval's ends, at any length (vector body and scalar
 * tail), for the normal, the lognormal and families that take the scalar path. */
static void test_quantiles_batch(void **state)
{
    (void)state;
    enum { N = 100003 };
    roi_error err;
    roi_dist d[4];
    assert_int_equal(roi_dist_normal(&d[0], -3, 0.7, "", &err), ROI_OK);
    assert_int_equal(roi_dist_lognormal_p5p95(&d[1], 5, 30, "", &err), ROI_OK);
    assert_int_equal(roi_dist_normal(&d[2], 0, 1, "", &err), ROI_OK);
    assert_int_equal(roi_dist_truncate(&d[2], -0.5, 2, "", &err), ROI_OK);
    assert_int_equal(roi_dist_triangular(&d[3], 0, 0.3, 2, "", &err), ROI_OK);
    double *u = malloc(N * sizeof *u), *x = malloc(N * sizeof *x);
    assert_non_null(u);
    assert_non_null(x);
    roi_rng_uniforms(roi_rng_key(5, "quantiles"), 0, N, u);
    const double edge[] = {0.0, 1.0, 0.075, 0.925, 0.075 - 1e-17, 0.925 + 1e-16, 0.5,
                           1e-300, 1.0 - 1e-16, nextafter(0.075, 0), nextafter(0.925, 1)};
    for (size_t e = 0; e < sizeof edge / sizeof edge[0]; e++)
        u[e * 7] = edge[e];
    for (int k = 0; k < 4; k++)
        for (size_t n = N; n > 0; n = n > 1000 ? n / 7 : n - 1) {
            memcpy(x, u, n * sizeof *x);
            roi_dist_quantiles(&d[k], x, n);
            for (size_t i = 0; i < n; i++)
                if (memcmp(&x[i], &(double){roi_dist_quantile(&d[k], u[i])}, sizeof x[i]))
                    fail_msg("family %d, u = %.17g: %.17g", k, u[i], x[i]);
            if (n < 990)
                break;
        }
    for (size_t i = 0; i < N; i++) /* the standard normal's deviates are GSL's */
        x[i] = u[i];
    roi_dist standard;
    assert_int_equal(roi_dist_normal(&standard, 0, 1, "", &err), ROI_OK);
    roi_dist_quantiles(&standard, x, N);
    for (size_t i = 0; i < N; i++)
        assert_true(x[i] == gsl_cdf_ugaussian_Pinv(u[i]));
    roi_dist_free(&standard);
    for (int k = 0; k < 4; k++)
        roi_dist_free(&d[k]);
    free(u);
    free(x);
}

static void test_gsl_type(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(roi_rng_philox);
    assert_non_null(r);
    assert_string_equal(gsl_rng_name(r), "roi-philox");
    assert_true(gsl_rng_max(r) == 0xffffffffUL);
    assert_true(gsl_rng_min(r) == 0);

    /* gsl_ran_gaussian and gsl_rng_uniform: moments within 4 standard errors. */
    enum { N = 200000 };
    roi_rng_seek(r, roi_rng_key(11, "gauss"), 0);
    double s = 0, s2 = 0, su = 0;
    for (int i = 0; i < N; i++) {
        double g = gsl_ran_gaussian(r, 2.0);
        s += g;
        s2 += g * g;
        double u = gsl_rng_uniform(r);
        assert_true(u >= 0.0 && u < 1.0);
        su += u;
    }
    double mean = s / N, var = s2 / N - mean * mean;
    assert_near(mean, 0.0, 4 * 2.0 / sqrt(N));
    assert_near(var, 4.0, 4 * 4.0 * sqrt(2.0 / N)); /* sd of a normal sample variance */
    assert_near(su / N, 0.5, 4 * sqrt(1.0 / 12.0 / N));

    /* Seeking twice to the same (key, trial) reproduces the sequence. */
    unsigned long a[64], b[64];
    roi_rng_seek(r, 99, 5);
    for (int i = 0; i < 64; i++)
        a[i] = gsl_rng_get(r);
    roi_rng_seek(r, 123, 4); /* somewhere else in between */
    (void)gsl_rng_get(r);
    roi_rng_seek(r, 99, 5);
    for (int i = 0; i < 64; i++)
        b[i] = gsl_rng_get(r);
    assert_memory_equal(a, b, sizeof a);

    /* The generator's words are block indices 2^32, 2^32 + 1, ... of the stream. */
    uint32_t w[4];
    roi_rng_block(99, 5, UINT64_C(1) << 32, w);
    for (int i = 0; i < 4; i++)
        assert_true(a[i] == w[i]);
    roi_rng_block(99, 5, (UINT64_C(1) << 32) + 1, w);
    assert_true(a[4] == w[0]);

    /* gsl_rng_set(r, s) is seek(s, 0); different seeds differ. */
    gsl_rng_set(r, 99);
    unsigned long x = gsl_rng_get(r);
    roi_rng_seek(r, 99, 0);
    assert_true(gsl_rng_get(r) == x);
    gsl_rng_set(r, 100);
    assert_true(gsl_rng_get(r) != x);

    /* Trial streams of one key differ. */
    roi_rng_seek(r, 99, 6);
    int same = 0;
    for (int i = 0; i < 64; i++)
        same += gsl_rng_get(r) == a[i];
    assert_true(same < 2);
    gsl_rng_free(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_hash_fnv1a),
        cmocka_unit_test(test_uniform_open_interval),
        cmocka_unit_test(test_distinct_names),
        cmocka_unit_test(test_seeds_trials_draws_differ),
        cmocka_unit_test(test_chisquare_uniformity),
        cmocka_unit_test(test_uniforms_batch),
        cmocka_unit_test(test_by_uniform_is_sample),
        cmocka_unit_test(test_gsl_type),
        cmocka_unit_test(test_gsl_words_batch),
        cmocka_unit_test(test_quantiles_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
