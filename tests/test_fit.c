/* test_fit.c - distribution fitting: recovery of known parameters within their
 * standard errors, ranking, the bootstrap (reproducible, uniform under the null), the
 * CSV reader and the messages bad data gets. */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include <cjson/cJSON.h>

#include "dist.h"
#include "fit.h"
#include "fit_report.h"
#include "rng.h"
#include "sha256.h"

/* The command itself (cli/fit.c is linked into the roisim binary only; it depends on
 * nothing but the engine and the reports, so the test compiles it in). */
#include "../cli/fit.c"

#define DATA(f) ROI_TEST_DIR "/data/" f

#define Z95 1.6448536269514722

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

/* n draws of d from the stream named `name` (seed 11). Caller frees. */
static double *sample_dist(const roi_dist *d, const char *name, size_t n)
{
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    uint64_t key = roi_rng_key(11, name);
    for (size_t i = 0; i < n; i++)
        x[i] = roi_dist_sample(d, key, i, scratch);
    return x;
}

static roi_fit_result fit_only(const double *x, size_t n, roi_fit_family fam, size_t bootstrap)
{
    roi_fit_opts o;
    roi_fit_opts_init(&o);
    o.families = 1u << fam;
    o.bootstrap = bootstrap;
    o.threads = 2;
    roi_fit_result r;
    roi_error err;
    roi_status st = roi_fit_run(x, NULL, n, &o, &r, &err);
    if (st != ROI_OK)
        fail_msg("%s: %s", roi_fit_family_name(fam), err.msg);
    assert_int_equal(r.n_ok, 1);
    return r;
}

static const roi_fit *find(const roi_fit_result *r, roi_fit_family fam)
{
    for (int i = 0; i < r->n_fits; i++)
        if (r->fits[i].family == fam)
            return &r->fits[i];
    fail_msg("no entry for %s", roi_fit_family_name(fam));
    return NULL;
}

/* ---- the criterion ------------------------------------------------------------ */

/*
 * 10,000 draws of a lognormal (mu = ln 40, sigma = 0.6, stated as its 90% interval):
 * the fit recovers mu and sigma within 3 standard errors from the Fisher information
 * (sigma / sqrt n and sigma / sqrt(2 n), at the true sigma), and ranks lognormal first
 * by AIC among every family.
 */
static void test_lognormal_recovered(void **state)
{
    (void)state;
    enum { N = 10000 };
    const double mu = log(40.0), sigma = 0.6;
    roi_dist d;
    roi_error err;
    assert_int_equal(
        roi_dist_lognormal_p5p95(&d, exp(mu - Z95 * sigma), exp(mu + Z95 * sigma), "x", &err),
        ROI_OK);
    double *x = sample_dist(&d, "lognormal recovery", N);
    roi_fit_opts o;
    roi_fit_opts_init(&o);
    o.bootstrap = 0; /* the ranking does not need it; the bootstrap is tested below */
    roi_fit_result r;
    assert_int_equal(roi_fit_run(x, NULL, N, &o, &r, &err), ROI_OK);
    const roi_fit *best = roi_fit_best(&r);
    assert_non_null(best);
    assert_int_equal(best->family, ROI_FIT_LOGNORMAL);
    double se_mu = sigma / sqrt((double)N), se_sigma = sigma / sqrt(2.0 * N);
    assert_near(best->p[0], mu, 3 * se_mu);
    assert_near(best->p[1], sigma, 3 * se_sigma);
    /* The reported SEs are the same formulas at the estimate. */
    assert_near(best->se[0], se_mu, 0.05 * se_mu);
    assert_near(best->se[1], se_sigma, 0.05 * se_sigma);
    assert_non_null(strstr(best->lua, "lognormal{ p5 = "));
    print_message("lognormal n = %d: mu = %.6f (true %.6f, SE %.2g), sigma = %.6f (true %.6f, "
                  "SE %.2g); runner-up %s, dAIC %.1f\n",
                  N, best->p[0], mu, best->se[0], best->p[1], sigma, best->se[1],
                  roi_fit_family_name(r.fits[1].family), r.fits[1].aic - best->aic);
    /* The ranking is by AIC, skipped families last. */
    for (int i = 1; i < r.n_ok; i++)
        assert_true(r.fits[i].aic >= r.fits[i - 1].aic);
    for (int i = r.n_ok; i < r.n_fits; i++)
        assert_false(r.fits[i].ok);
    roi_fit_result_free(&r);
    free(x);
}

/* ---- every family recovers its own parameters ------------------------------------------ */

typedef struct truth {
    roi_fit_family family;
    double p[4];
    size_t n;
    size_t bootstrap; /* > 0 for the families whose SEs come from the bootstrap */
} truth;

/* Draws n values of the truth. */
static double *sample_truth(const truth *t)
{
    roi_dist d;
    roi_error err;
    roi_status st = ROI_OK;
    double *x;
    const char *name = roi_fit_family_name(t->family);
    switch (t->family) {
    case ROI_FIT_GAMMA:
    case ROI_FIT_WEIBULL: { /* no roisim family: GSL's samplers on a Philox stream */
        x = malloc(t->n * sizeof *x);
        assert_non_null(x);
        roi_rng_seek(scratch, roi_rng_key(11, name), 0);
        for (size_t i = 0; i < t->n; i++)
            x[i] = t->family == ROI_FIT_GAMMA ? gsl_ran_gamma(scratch, t->p[0], t->p[1])
                                              : gsl_ran_weibull(scratch, t->p[1], t->p[0]);
        return x;
    }
    case ROI_FIT_NORMAL:
        st = roi_dist_normal(&d, t->p[0], t->p[1], name, &err);
        break;
    case ROI_FIT_LOGNORMAL:
        st = roi_dist_lognormal_p5p95(&d, exp(t->p[0] - Z95 * t->p[1]),
                                      exp(t->p[0] + Z95 * t->p[1]), name, &err);
        break;
    case ROI_FIT_BETA:
    case ROI_FIT_SCALED_BETA:
        st = roi_dist_beta(&d, t->p[0], t->p[1], t->p[2], t->p[3], name, &err);
        break;
    case ROI_FIT_TRIANGULAR:
        st = roi_dist_triangular(&d, t->p[0], t->p[1], t->p[2], name, &err);
        break;
    case ROI_FIT_PERT:
        st = roi_dist_pert(&d, t->p[0], t->p[1], t->p[2], name, &err);
        break;
    case ROI_FIT_UNIFORM:
        st = roi_dist_uniform(&d, t->p[0], t->p[1], name, &err);
        break;
    default:
        fail_msg("no sampler for %s", name);
    }
    assert_int_equal(st, ROI_OK);
    return sample_dist(&d, name, t->n);
}

/*
 * Each family, fitted alone to draws of itself: every parameter within 4 standard
 * errors (Fisher information for the regular families; for those whose bounds are
 * estimated, the spread of 60 bootstrap refits, which also covers the bounds' bias,
 * of the order of one SE).
 */
static void test_each_family_recovers(void **state)
{
    (void)state;
    static const truth truths[] = {
        {ROI_FIT_NORMAL, {10, 2}, 2000, 0},         {ROI_FIT_LOGNORMAL, {1, 0.4}, 2000, 0},
        {ROI_FIT_GAMMA, {3, 2}, 2000, 0},           {ROI_FIT_WEIBULL, {1.7, 5}, 2000, 0},
        {ROI_FIT_BETA, {2, 5, 0, 1}, 2000, 0},      {ROI_FIT_SCALED_BETA, {3, 4, 10, 20}, 2000, 60},
        {ROI_FIT_TRIANGULAR, {0, 3, 10}, 2000, 60}, {ROI_FIT_PERT, {10, 20, 35}, 2000, 60},
        {ROI_FIT_UNIFORM, {2, 6}, 2000, 60},
    };
    for (size_t t = 0; t < sizeof truths / sizeof truths[0]; t++) {
        const truth *tr = &truths[t];
        double *x = sample_truth(tr);
        roi_fit_result r = fit_only(x, tr->n, tr->family, tr->bootstrap);
        const roi_fit *f = &r.fits[0];
        assert_int_equal(f->family, tr->family);
        int estimated = tr->family == ROI_FIT_BETA ? 2 : f->n_p;
        for (int j = 0; j < estimated; j++) {
            if (!isfinite(f->se[j]) || !(f->se[j] > 0))
                fail_msg("%s %s: no standard error", roi_fit_family_name(tr->family),
                         roi_fit_param_name(f, j));
            if (!(fabs(f->p[j] - tr->p[j]) <= 4 * f->se[j]))
                fail_msg("%s %s = %.6g, true %.6g, SE %.3g (%.1f SE off)",
                         roi_fit_family_name(tr->family), roi_fit_param_name(f, j), f->p[j],
                         tr->p[j], f->se[j], fabs(f->p[j] - tr->p[j]) / f->se[j]);
        }
        assert_int_equal(f->se_bootstrap, tr->bootstrap > 0);
        roi_fit_result_free(&r);
        free(x);
    }
}

/*
 * Integer data with few values: the discrete fit lists the observed frequencies (each
 * within 4 SE of the truth, sqrt(p (1 - p) / n)), its Lua sums to 1 exactly, it ranks
 * above the continuous families (whose likelihoods are those of the rounded variable),
 * and it has no p-value (a saturated model).
 */
static void test_discrete(void **state)
{
    (void)state;
    enum { N = 1000 };
    static const double values[] = {0, 1, 2}, probs[] = {0.45, 0.35, 0.2};
    roi_dist d;
    roi_error err;
    assert_int_equal(roi_dist_discrete(&d, values, probs, 3, "q", &err), ROI_OK);
    double *x = sample_dist(&d, "discrete", N);
    roi_dist_free(&d);
    roi_fit_opts o;
    roi_fit_opts_init(&o);
    o.bootstrap = 20;
    roi_fit_result r;
    assert_int_equal(roi_fit_run(x, NULL, N, &o, &r, &err), ROI_OK);
    assert_true(r.integer_data);
    const roi_fit *f = roi_fit_best(&r);
    assert_int_equal(f->family, ROI_FIT_DISCRETE);
    assert_int_equal(f->n_values, 3);
    assert_int_equal(f->n_params, 2);
    for (int i = 0; i < 3; i++) {
        double p = (double)f->counts[i] / N;
        assert_near(p, probs[i], 4 * sqrt(probs[i] * (1 - probs[i]) / N));
    }
    assert_true(isnan(f->p_value));
    char want[128];
    snprintf(want, sizeof want, "discrete{ [0] = %zu / 1000, [1] = %zu / 1000, [2] = %zu / 1000 }",
             f->counts[0], f->counts[1], f->counts[2]);
    assert_string_equal(f->lua, want);
    /* The continuous fits' likelihoods are of the rounded variable: probabilities, so
     * their log-likelihood is below 0 like the discrete one's. */
    assert_true(find(&r, ROI_FIT_NORMAL)->loglik < 0);
    roi_fit_result_free(&r);
    free(x);
}

/* ---- the bootstrap -------------------------------------------------------------------- */

/* The same data give the same p-values and bootstrap SEs to the bit, with 1 or 3
 * threads (the draws are counter-based, each replicate lands in its own slot). */
static void test_bootstrap_reproducible(void **state)
{
    (void)state;
    roi_dist d;
    roi_error err;
    assert_int_equal(roi_dist_triangular(&d, 1, 2, 6, "t", &err), ROI_OK);
    double *x = sample_dist(&d, "bootstrap reproducible", 300);
    roi_fit_result r[2];
    for (int k = 0; k < 2; k++) {
        roi_fit_opts o;
        roi_fit_opts_init(&o);
        o.bootstrap = 40;
        o.threads = k ? 3 : 1;
        o.families = (1u << ROI_FIT_GAMMA) | (1u << ROI_FIT_TRIANGULAR) | (1u << ROI_FIT_NORMAL) |
                     (1u << ROI_FIT_METALOG);
        assert_int_equal(roi_fit_run(x, NULL, 300, &o, &r[k], &err), ROI_OK);
    }
    assert_int_equal(r[0].n_fits, r[1].n_fits);
    for (int i = 0; i < r[0].n_fits; i++) {
        const roi_fit *a = &r[0].fits[i], *b = &r[1].fits[i];
        assert_int_equal(a->family, b->family);
        assert_true(a->p_value == b->p_value);
        assert_true(isfinite(a->p_value));
        for (int j = 0; j < a->n_p; j++)
            assert_true(a->se[j] == b->se[j]);
    }
    roi_fit_result_free(&r[0]);
    roi_fit_result_free(&r[1]);
    free(x);
}

/*
 * Under the null the bootstrap p-value is uniform: of M data sets drawn from the family
 * that is fitted, the share with p <= 0.1 and with p <= 0.5 are within 4 SE
 * (sqrt(q (1 - q) / M)) of 0.1 and 0.5. A coarse check (M = 1000 normal samples of 50
 * and 300 gamma samples of 50, 99 replicates each) of the calibration, not a proof.
 */
static void check_null_uniform(roi_fit_family fam, int m)
{
    int below10 = 0, below50 = 0;
    double *x = malloc(50 * sizeof *x);
    assert_non_null(x);
    for (int s = 0; s < m; s++) {
        uint64_t key = roi_rng_key((uint64_t)s, "null uniform");
        if (fam == ROI_FIT_GAMMA) {
            roi_rng_seek(scratch, key, 0);
            for (int i = 0; i < 50; i++)
                x[i] = gsl_ran_gamma(scratch, 2.0, 3.0);
        } else {
            for (int i = 0; i < 50; i++)
                x[i] = 5.0 + 2.0 * gsl_cdf_ugaussian_Pinv(roi_rng_uniform(key, (uint64_t)i, 0));
        }
        roi_fit_opts o;
        roi_fit_opts_init(&o);
        o.families = 1u << fam;
        o.bootstrap = 99;
        o.seed = 1000 + (uint64_t)s;
        o.threads = 2;
        roi_fit_result r;
        roi_error err;
        assert_int_equal(roi_fit_run(x, NULL, 50, &o, &r, &err), ROI_OK);
        double p = r.fits[0].p_value;
        assert_true(p > 0 && p <= 1);
        below10 += p <= 0.1;
        below50 += p <= 0.5;
        roi_fit_result_free(&r);
    }
    free(x);
    double q10 = (double)below10 / m, q50 = (double)below50 / m;
    print_message("%s under the null: P(p <= 0.1) = %.3f, P(p <= 0.5) = %.3f (M = %d)\n",
                  roi_fit_family_name(fam), q10, q50, m);
    assert_near(q10, 0.1, 4 * sqrt(0.1 * 0.9 / m));
    assert_near(q50, 0.5, 4 * sqrt(0.5 * 0.5 / m));
}

static void test_bootstrap_uniform_under_null(void **state)
{
    (void)state;
    check_null_uniform(ROI_FIT_NORMAL, 1000);
    check_null_uniform(ROI_FIT_GAMMA, 300);
}

/* A wrong family gets a small p-value: a lognormal with sigma 1 is not normal. */
static void test_bootstrap_rejects(void **state)
{
    (void)state;
    roi_dist d;
    roi_error err;
    assert_int_equal(roi_dist_lognormal_meansd(&d, 10, 10, "x", &err), ROI_OK);
    double *x = sample_dist(&d, "rejects", 500);
    roi_fit_result r = fit_only(x, 500, ROI_FIT_NORMAL, 99);
    assert_true(r.fits[0].p_value <= 0.01 + 1e-12); /* 1 / 100: no replicate as extreme */
    roi_fit_result_free(&r);
    free(x);
}

/* ---- the text ------------------------------------------------------------------------- */

static void test_lua_text(void **state)
{
    (void)state;
    static const double x[] = {1, 2, 3, 4, 5};
    roi_fit_result r = fit_only(x, 5, ROI_FIT_NORMAL, 0);
    assert_string_equal(r.fits[0].lua, "normal(3, 1.41421)");
    roi_fit_result_free(&r);
    r = fit_only(x, 5, ROI_FIT_UNIFORM, 0);
    assert_string_equal(r.fits[0].lua, "uniform(0, 6)"); /* 1 - 4/4, 5 + 4/4 */
    roi_fit_result_free(&r);
    static const double y[] = {0.2, 0.4, 0.5, 0.7};
    r = fit_only(y, 4, ROI_FIT_BETA, 0);
    assert_true(!strncmp(r.fits[0].lua, "beta(", 5));
    int commas = 0; /* beta(a, b): the standard beta has no bounds to write */
    for (const char *c = r.fits[0].lua; *c; c++)
        commas += *c == ',';
    assert_int_equal(commas, 1);
    roi_fit_result_free(&r);
}

/* ---- the CSV reader and bad data -------------------------------------------------------- */

static roi_status parse(const char *text, const char *column, roi_fit_data *d, roi_error *err)
{
    return roi_fit_data_parse(text, strlen(text), "data.csv", column, d, err);
}

static void expect_parse_error(const char *text, const char *column, const char *fragment)
{
    roi_fit_data d;
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(parse(text, column, &d, &err), ROI_ERR_PARAM);
    if (!strstr(err.msg, fragment))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, fragment);
    roi_fit_data_free(&d);
}

static void test_csv_reader(void **state)
{
    (void)state;
    roi_fit_data d;
    roi_error err;
    /* Header, BOM, CRLF, quotes, an empty cell (skipped, counted), a blank line. */
    const char *text = "\xEF\xBB\xBFquarter,\"cost, k$\",note\r\n"
                       "Q1,10.5,\"a \"\"quoted\"\" note\"\r\n"
                       "Q2,,x\r\n"
                       "\r\n"
                       "Q3, 12 ,y\r\n"
                       "Q4,1e1,z\r\n";
    assert_int_equal(parse(text, NULL, &d, &err), ROI_OK);
    assert_true(d.has_header);
    assert_string_equal(d.column, "cost, k$");
    assert_int_equal(d.column_index, 2);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.n_empty, 1);
    assert_true(d.x[0] == 10.5 && d.x[1] == 12 && d.x[2] == 10);
    assert_int_equal(d.row[0], 2);
    assert_int_equal(d.row[1], 5);
    assert_int_equal(d.row[2], 6);
    roi_fit_data_free(&d);
    /* By name (case-insensitive as a fallback) and by number; no header. */
    assert_int_equal(parse("a,b\n1,2\n3,4\n", "B", &d, &err), ROI_OK);
    assert_true(d.n == 2 && d.x[1] == 4);
    roi_fit_data_free(&d);
    assert_int_equal(parse("1,2\n3,4\n5,6\n", "2", &d, &err), ROI_OK);
    assert_false(d.has_header);
    assert_true(d.n == 3 && d.x[2] == 6 && d.row[0] == 1);
    assert_string_equal(d.column, "column 2");
    roi_fit_data_free(&d);
    /* A multi-line quoted cell advances the row count. */
    assert_int_equal(parse("n,x\n\"two\nlines\",1\nz,2\n", "x", &d, &err), ROI_OK);
    assert_int_equal(d.row[1], 4);
    roi_fit_data_free(&d);
}

static void test_bad_data_messages(void **state)
{
    (void)state;
    expect_parse_error("", NULL, "data.csv: no data");
    expect_parse_error("cost\n", NULL, "no data rows");
    expect_parse_error("cost\n1\n2\nabc\n4\n", "cost",
                       "row 4, column 'cost': 'abc' is not a number");
    expect_parse_error("cost\n1\nnan\n", "cost",
                       "row 3, column 'cost': 'nan' is not a finite number");
    expect_parse_error("cost\n1\n-inf\n", "cost", "'-inf' is not a finite number");
    expect_parse_error("cost\n1\n1e999\n", "cost", "row 3");
    expect_parse_error("cost\n1\n0x10\n", "cost", "'0x10' is not a number");
    expect_parse_error("a,b\n1,2\n", "c", "no column 'c'; the columns are 'a', 'b'");
    expect_parse_error("1,2\n", "cost", "no header row");
    expect_parse_error("name,city\nx,y\n", NULL, "row 2 has no numeric cell");
    expect_parse_error("cost\n\n,\n", "cost", "column 'cost' has no values");

    roi_fit_data d;
    roi_error err;
    roi_fit_result r;
    roi_fit_opts o;
    roi_fit_opts_init(&o);
    o.bootstrap = 0;
    /* Constant data: the whole fit fails, saying why. */
    assert_int_equal(parse("cost\n5\n5\n5\n5\n", NULL, &d, &err), ROI_OK);
    assert_int_equal(roi_fit_run(d.x, d.row, d.n, &o, &r, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "all 4 values are 5"));
    roi_fit_result_free(&r);
    roi_fit_data_free(&d);
    /* Too few values. */
    assert_int_equal(roi_fit_run((const double[]){1, 2}, NULL, 2, &o, &r, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "at least 3 values"));
    roi_fit_result_free(&r);
    /* A NaN reaching the engine by another road names its row. */
    size_t rows[] = {7, 8, 9};
    assert_int_equal(roi_fit_run((const double[]){1, NAN, 2}, rows, 3, &o, &r, &err),
                     ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "row 8"));
    roi_fit_result_free(&r);

    /* A negative value: positive families are skipped with the row, the rest fit. */
    assert_int_equal(parse("cost\n3\n5\n-2\n8\n4\n6\n", NULL, &d, &err), ROI_OK);
    assert_int_equal(roi_fit_run(d.x, d.row, d.n, &o, &r, &err), ROI_OK);
    const roi_fit *ln = find(&r, ROI_FIT_LOGNORMAL);
    assert_false(ln->ok);
    assert_non_null(strstr(ln->reason, "needs values > 0; row 4 has -2"));
    assert_false(find(&r, ROI_FIT_BETA)->ok);
    assert_non_null(strstr(find(&r, ROI_FIT_BETA)->reason, "row 2 has 3"));
    assert_true(find(&r, ROI_FIT_NORMAL)->ok);
    roi_fit_result_free(&r);
    /* Asked for lognormal alone, the same data fail the fit, and the message has the row. */
    o.families = 1u << ROI_FIT_LOGNORMAL;
    assert_int_equal(roi_fit_run(d.x, d.row, d.n, &o, &r, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "lognormal: needs values > 0; row 4 has -2"));
    roi_fit_result_free(&r);
    /* Metalog bounds given by the caller: a value outside names its row. */
    o.families = 1u << ROI_FIT_METALOG;
    o.metalog_lower = 0;
    assert_int_equal(roi_fit_run(d.x, d.row, d.n, &o, &r, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "metalog: needs values strictly inside the metalog bounds "
                                    "given; row 4 has -2"));
    roi_fit_result_free(&r);
    o.metalog_lower = NAN;
    roi_fit_data_free(&d);
    /* Zero for a positive family; 1 for a beta on [0, 1]. */
    o.families = (1u << ROI_FIT_GAMMA) | (1u << ROI_FIT_BETA) | (1u << ROI_FIT_NORMAL);
    assert_int_equal(parse("share\n0.2\n0.5\n0\n1\n", NULL, &d, &err), ROI_OK);
    assert_int_equal(roi_fit_run(d.x, d.row, d.n, &o, &r, &err), ROI_OK);
    assert_non_null(strstr(find(&r, ROI_FIT_GAMMA)->reason, "row 4 has 0"));
    assert_non_null(strstr(find(&r, ROI_FIT_BETA)->reason, "strictly inside (0, 1); row 4 has 0"));
    roi_fit_result_free(&r);
    roi_fit_data_free(&d);
}

static void test_families_parse(void **state)
{
    (void)state;
    unsigned mask;
    roi_error err;
    assert_int_equal(roi_fit_families_parse("lognormal, gamma", &mask, &err), ROI_OK);
    assert_int_equal(mask, (1u << ROI_FIT_LOGNORMAL) | (1u << ROI_FIT_GAMMA));
    assert_int_equal(roi_fit_families_parse("all", &mask, &err), ROI_OK);
    assert_int_equal(mask, (1u << ROI_FIT_NFAMILIES) - 1);
    assert_int_equal(roi_fit_families_parse("normal,gama", &mask, &err), ROI_ERR_USAGE);
    assert_non_null(strstr(err.msg, "unknown family 'gama' (did you mean 'gamma'?)"));
    assert_int_equal(roi_fit_families_parse("", &mask, &err), ROI_ERR_USAGE);
    for (int f = 0; f < ROI_FIT_NFAMILIES; f++) {
        assert_int_equal(
            roi_fit_families_parse(roi_fit_family_name((roi_fit_family)f), &mask, &err), ROI_OK);
        assert_int_equal(mask, 1u << f);
    }
}

/* The metalog entry: positive data choose the bound at 0 when it fits better, and the
 * fit's CDF agrees with its quantile. */
static void test_metalog_entry(void **state)
{
    (void)state;
    roi_dist d;
    roi_error err;
    assert_int_equal(roi_dist_lognormal_p5p95(&d, 2, 20, "x", &err), ROI_OK);
    double *x = sample_dist(&d, "metalog entry", 3000);
    roi_fit_result r = fit_only(x, 3000, ROI_FIT_METALOG, 0);
    const roi_fit *f = &r.fits[0];
    assert_true(f->metalog.lower == 0);
    assert_true(roi_metalog_feasible(&f->metalog));
    assert_true(f->metalog.ks <= ROI_METALOG_KS_FACTOR / sqrt(3000.0));
    for (double u = 0.05; u < 1; u += 0.1)
        assert_near(roi_fit_cdf(f, roi_fit_quantile(f, u)), u, 1e-9);
    assert_non_null(strstr(f->lua, ", lower = 0 }"));
    roi_fit_result_free(&r);
    free(x);
}

/* ---- the command and its report ------------------------------------------------------- */

static char *read_all(FILE *fp)
{
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    rewind(fp);
    char *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
    buf[len] = '\0';
    return buf;
}

/*
 * `roisim fit tests/data/fit_quotes.csv --json FILE`: the table, the scenario text with
 * its provenance, and the JSON's shape; every JSON number reads back as the very double
 * the engine computed.
 */
static void test_command_and_report(void **state)
{
    (void)state;
    const char *json_path = "test_fit_quotes.json";
    roi_cli_fit_opts o;
    roi_cli_fit_opts_init(&o);
    o.json = json_path;
    o.bootstrap = 50;
    o.threads = 2;
    FILE *out = tmpfile();
    assert_non_null(out);
    roi_error err;
    roi_error_clear(&err);
    roi_status st = roi_cli_fit(DATA("fit_quotes.csv"), &o, out, &err);
    if (st != ROI_OK)
        fail_msg("%s", err.msg);
    char *text = read_all(out);
    fclose(out);
    char sha[65];
    assert_int_equal(roi_sha256_file(DATA("fit_quotes.csv"), sha), 0);
    assert_non_null(strstr(text, "column 'quote_k': 59 values (1 empty cells skipped)"));
    assert_non_null(strstr(text, "rank  family"));
    assert_non_null(strstr(text, sha));
    assert_non_null(strstr(text, "-- runner-up: "));
    assert_non_null(strstr(text, "\nquote_k = "));
    assert_non_null(strstr(text, "needs values strictly inside (0, 1); row 2 has 148.9"));

    /* The same fit, directly, for the numbers. */
    roi_fit_data d;
    FILE *fp = fopen(DATA("fit_quotes.csv"), "rb");
    assert_non_null(fp);
    char *bytes = read_all(fp);
    fclose(fp);
    assert_int_equal(roi_fit_data_parse(bytes, strlen(bytes), "q", NULL, &d, &err), ROI_OK);
    roi_fit_opts fo;
    roi_fit_opts_init(&fo);
    fo.bootstrap = 50;
    roi_fit_result r;
    assert_int_equal(roi_fit_run(d.x, d.row, d.n, &fo, &r, &err), ROI_OK);

    fp = fopen(json_path, "rb");
    assert_non_null(fp);
    char *json = read_all(fp);
    fclose(fp);
    remove(json_path);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "sha256")->valuestring, sha);
    assert_string_equal(cJSON_GetObjectItem(root, "file")->valuestring, DATA("fit_quotes.csv"));
    assert_int_equal(cJSON_GetObjectItem(root, "n")->valueint, 59);
    cJSON *fits = cJSON_GetObjectItem(root, "fits");
    assert_int_equal(cJSON_GetArraySize(fits), r.n_ok);
    assert_string_equal(cJSON_GetObjectItem(root, "best")->valuestring,
                        roi_fit_family_name(r.fits[0].family));
    static const char *const keys[] = {"family", "params", "loglik",  "aic", "bic",
                                       "ks",     "ad",     "p_value", "lua"};
    for (int i = 0; i < r.n_ok; i++) {
        cJSON *f = cJSON_GetArrayItem(fits, i);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (!cJSON_GetObjectItem(f, keys[k]))
                fail_msg("fit %d has no '%s'", i, keys[k]);
        const roi_fit *e = &r.fits[i];
        assert_string_equal(cJSON_GetObjectItem(f, "family")->valuestring,
                            roi_fit_family_name(e->family));
        assert_true(cJSON_GetObjectItem(f, "aic")->valuedouble == e->aic);
        assert_true(cJSON_GetObjectItem(f, "loglik")->valuedouble == e->loglik);
        assert_true(cJSON_GetObjectItem(f, "ks")->valuedouble == e->ks);
        assert_true(cJSON_GetObjectItem(f, "ad")->valuedouble == e->ad);
        cJSON *pv = cJSON_GetObjectItem(f, "p_value");
        assert_true(isfinite(e->p_value) ? pv->valuedouble == e->p_value : cJSON_IsNull(pv));
        cJSON *params = cJSON_GetObjectItem(f, "params");
        for (int j = 0; e->family != ROI_FIT_DISCRETE && j < e->n_p; j++)
            assert_true(cJSON_GetObjectItem(params, roi_fit_param_name(e, j))->valuedouble ==
                        e->p[j]);
        assert_string_equal(cJSON_GetObjectItem(f, "lua")->valuestring, e->lua);
    }
    cJSON_Delete(root);
    roi_fit_result_free(&r);
    roi_fit_data_free(&d);
    free(json);
    free(bytes);
    free(text);
}

static void test_command_errors(void **state)
{
    (void)state;
    roi_cli_fit_opts o;
    roi_cli_fit_opts_init(&o);
    o.bootstrap = 0;
    roi_error err;
    FILE *out = tmpfile();
    assert_int_equal(roi_cli_fit(DATA("fit_bad_row.csv"), &o, out, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "fit_bad_row.csv: row 4, column 'adoption': 'n/a' is not a "
                                    "number"));
    assert_int_equal(roi_cli_fit(DATA("no_such_file.csv"), &o, out, &err), ROI_ERR_IO);
    assert_non_null(strstr(err.msg, "no_such_file.csv: cannot open"));
    o.families = "lognormal,gama";
    assert_int_equal(roi_cli_fit(DATA("fit_quotes.csv"), &o, out, &err), ROI_ERR_USAGE);
    o.families = "beta";
    assert_int_equal(roi_cli_fit(DATA("fit_quotes.csv"), &o, out, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "column 'quote_k': no family fits these 59 values: beta: "
                                    "needs values strictly inside (0, 1); row 2 has 148.9"));
    fclose(out);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lognormal_recovered),
        cmocka_unit_test(test_each_family_recovers),
        cmocka_unit_test(test_discrete),
        cmocka_unit_test(test_bootstrap_reproducible),
        cmocka_unit_test(test_bootstrap_uniform_under_null),
        cmocka_unit_test(test_bootstrap_rejects),
        cmocka_unit_test(test_lua_text),
        cmocka_unit_test(test_csv_reader),
        cmocka_unit_test(test_bad_data_messages),
        cmocka_unit_test(test_families_parse),
        cmocka_unit_test(test_metalog_entry),
        cmocka_unit_test(test_command_and_report),
        cmocka_unit_test(test_command_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
