/* test_analysis.c - analysis of a finished run against closed forms.
 *
 * The model: a scenario with no uncertainty (tests/scenarios/constant.lua) plus two
 * lumps whose amounts are 1000 + 3 x1 and 1000 + x2 with x1, x2 independent standard
 * normals (clamped at 0 and 1e9, which never binds), so npv = c - 3 x1 - x2 exactly.
 * Then Pearson(npv, x1) = -3/sqrt(10), Pearson(npv, x2) = -1/sqrt(10), Spearman of a
 * bivariate normal is (6/pi) asin(rho/2), and conditional means of a normal are
 * phi/Phi ratios. Statistical tolerances are 4 standard errors of the estimate (the
 * se the analysis reports, or the binomial se for shares).
 */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>

#include "analysis.h"
#include "condition.h"
#include "rng.h"
#include "scenario.h"

#define TRIALS 20000
#define SEED 4242u

static const char *const BASE_TEXT =
    "scenario { title = \"Linear\" }\n"
    "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
    "frontier { score = 60, slope = 0 }\n"
    "quality { beta = 0, gap_ref = 10 }\n"
    "family { people = 1000, growth = 0 }\n"
    "version \"v1\" { planned = \"2026Q1\", score = 50 }\n"
    "surface \"app\" { launch = \"2026Q1\", addressable = 1000, ceiling = 0.5,\n"
    "                adoption = { p = 1e6, q = 0, f0 = 0 }, interactions = 10 }\n"
    "spend \"team\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\", amount = 100 }\n"
    "revenue \"ads\" { kind = \"per_interaction\", from = \"2026Q1\", rate = 0.1 }\n"
    "x1 = normal(0, 1)\n"
    "x2 = normal(0, 1)\n"
    "spend \"a\" { kind = \"lump\", quarter = \"2026Q1\", amount = clamp(1000 + 3 * x1, 0, 1e9) }\n";

/* Writes the linear scenario (plus `extra` lines) to a file named <stem>.lua in a
 * fresh temporary directory and loads it. */
static roi_model *load_linear(const char *stem, const char *extra)
{
    char dir[] = "/tmp/roi_test_analysis_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/%s.lua", dir, stem);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(BASE_TEXT, fp);
    fputs(extra, fp);
    fclose(fp);
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    roi_status st = roi_scenario_load(path, NULL, &m, &err);
    if (st != ROI_OK)
        fail_msg("load: %s", err.msg);
    unlink(path);
    rmdir(dir);
    return m;
}

static const char *const B_TEXT =
    "spend \"b\" { kind = \"lump\", quarter = \"2026Q1\", amount = clamp(1000 + x2, 0, 1e9) }\n";

/* A run and its analysis (the caller owns both: analysed_free). */
typedef struct analysed {
    roi_run *run;
    roi_analysis *an;
} analysed;

static void analysed_free(analysed *a)
{
    roi_analysis_free(a->an);
    roi_run_free(a->run);
}

static analysed run_analysed(roi_model *m, size_t trials, const roi_analysis_opts *ao,
                             int threads)
{
    roi_sim_opts o = {.seed = SEED, .trials = trials, .threads = threads};
    roi_error err;
    roi_error_clear(&err);
    analysed a = {NULL, NULL};
    if (roi_sim_run(m, &o, &a.run, &err) != ROI_OK)
        fail_msg("run: %s", err.msg);
    if (roi_analysis_run(a.run, ao, &a.an, &err) != ROI_OK)
        fail_msg("analysis: %s", err.msg);
    assert_non_null(a.an);
    return a;
}

static analysed run_and_analyse(roi_model *m, const roi_analysis_opts *ao, int threads)
{
    return run_analysed(m, TRIALS, ao, threads);
}

static double spearman_of(double rho)
{
    return 6.0 / M_PI * asin(rho / 2.0);
}

static const roi_sens *row_named(const roi_sens_output *so, const char *name)
{
    for (int k = 0; k < so->n; k++)
        if (!strcmp(so->rows[k].name, name))
            return &so->rows[k];
    fail_msg("no sensitivity row for %s", name);
    return NULL;
}

/* ---- sensitivity ------------------------------------------------------------------------ */

static void test_sensitivity_linear(void **state)
{
    (void)state;
    roi_model *m = load_linear("linear", B_TEXT);
    analysed A = run_and_analyse(m, NULL, 2);
    const roi_sens_output *so = &A.an->sens[ROI_OUT_NPV];
    assert_true(so->computed);
    assert_int_equal(so->n, 2);
    /* Sorted by importance: x1 first. */
    assert_string_equal(so->rows[0].name, "x1");
    const roi_sens *r1 = row_named(so, "x1"), *r2 = row_named(so, "x2");
    double s1 = spearman_of(-3.0 / sqrt(10.0)), s2 = spearman_of(-1.0 / sqrt(10.0));
    assert_near(r1->rank_corr, s1, 4 * r1->rank_corr_se);
    assert_near(r2->rank_corr, s2, 4 * r2->rank_corr_se);
    /* Contribution: s^2 / (s1^2 + s2^2), signed. The se of a ratio of the two squares:
     * d/ds1 of s1^2/(s1^2+s2^2) is 2 s1 s2^2 / (s1^2+s2^2)^2; bound by both errors. */
    double tot = s1 * s1 + s2 * s2;
    double c1 = -s1 * s1 / tot;
    double g1 = 2 * fabs(s1) * s2 * s2 / (tot * tot), g2 = 2 * fabs(s2) * s1 * s1 / (tot * tot);
    double se_c = g1 * r1->rank_corr_se + g2 * r2->rank_corr_se;
    assert_near(r1->contribution, c1, 4 * se_c);
    assert_near(r1->contribution + r2->contribution, -1.0, 1e-12);
    /* Decile swing of x1: -3 (E[x|top decile] - E[x|bottom decile]) = -6 phi(z90)/0.1. */
    double z90 = gsl_cdf_ugaussian_Pinv(0.9);
    double swing = -6.0 * (exp(-0.5 * z90 * z90) / sqrt(2 * M_PI)) / 0.1;
    assert_near(r1->swing, swing, 4 * r1->swing_se);
    assert_near(r1->low_share, 0.1, 1.0 / TRIALS + 1e-12);
    assert_near(r1->high_share, 0.1, 1.0 / TRIALS + 1e-12);
    /* total_spend = c' + 3 x1 + x2: the same correlations, signs flipped. */
    const roi_sens_output *sp = &A.an->sens[ROI_OUT_TOTAL_SPEND];
    assert_true(sp->computed);
    assert_near(row_named(sp, "x1")->rank_corr, -s1, 4 * r1->rank_corr_se);
    analysed_free(&A);
    roi_model_free(m);
}

/* A two-valued input: the decile groups are its two values. */
static void test_swing_bernoulli(void **state)
{
    (void)state;
    roi_model *m = load_linear("bern", "ev = bernoulli(0.3)\n"
                                       "spend \"b\" { kind = \"lump\", quarter = \"2026Q1\","
                                       " amount = clamp(1000 + x2 + 5 * ev, 0, 1e9) }\n");
    analysed A = run_and_analyse(m, NULL, 2);
    const roi_sens *r = row_named(&A.an->sens[ROI_OUT_NPV], "ev");
    assert_near(r->low_share + r->high_share, 1.0, 1e-12);
    assert_near(r->high_share, 0.3, 4 * sqrt(0.21 / TRIALS));
    assert_near(r->swing, -5.0, 4 * r->swing_se);
    analysed_free(&A);
    roi_model_free(m);
}

/* ---- tornado ------------------------------------------------------------------------------ */

static void test_tornado_exact(void **state)
{
    (void)state;
    roi_model *m = load_linear("tornado", B_TEXT);
    analysed A = run_and_analyse(m, NULL, 1);
    const roi_analysis *an = A.an;
    assert_int_equal(an->n_tornado, 2);
    assert_string_equal(an->tornado[0].name, "x1");
    double z = gsl_cdf_ugaussian_Pinv(0.9);
    /* npv = c - 3 x1 - x2: deterministic, so exact up to rounding. */
    assert_near(an->tornado[0].at_q90 - an->tornado[0].at_q10, -6.0 * z, 1e-9);
    assert_near(an->tornado[1].at_q90 - an->tornado[1].at_q10, -2.0 * z, 1e-9);
    assert_near(an->tornado[0].at_q10 - an->tornado_base, 3.0 * z, 1e-9);
    analysed_free(&A);
    roi_model_free(m);
}

/* ---- views and tails -------------------------------------------------------------------- */

static void test_views_normal(void **state)
{
    (void)state;
    roi_model *m = load_linear("views", B_TEXT);
    const char *given[] = {"x1 >= 1", "x1 >= 1 and x2 < 0", "npv > 1e12"};
    roi_analysis_opts ao = {.given = given, .n_given = 3};
    analysed A = run_and_analyse(m, &ao, 2);
    const roi_analysis *an = A.an;
    assert_int_equal(an->n_views, 3);
    double p = 1.0 - gsl_cdf_ugaussian_P(1.0);
    const roi_view_result *v = &an->views[0];
    assert_near(v->share, p, 4 * sqrt(p * (1 - p) / TRIALS));
    assert_near(v->share_se, sqrt(p * (1 - p) / TRIALS), 1e-3);
    /* E[npv | x1 >= 1] - E[npv] = -3 phi(1) / (1 - Phi(1)) (E[x2] = 0 either way). */
    double shift = -3.0 * (exp(-0.5) / sqrt(2 * M_PI)) / p;
    double c = an->tornado_base; /* npv at x1 = x2 = 0 */
    const roi_summary *s = &v->summary[ROI_OUT_NPV];
    double se = hypot(s->se, 1.0 / sqrt(TRIALS * p)); /* x2's mean in the subset */
    assert_near(s->mean, c + shift, 4 * se);
    assert_int_equal(s->n, v->count);
    assert_near(an->views[1].share, p / 2, 4 * sqrt(p / 2 * (1 - p / 2) / TRIALS));
    assert_int_equal(an->views[2].count, 0);
    assert_int_equal(an->views[2].summary[ROI_OUT_NPV].n_defined, 0);

    /* Tails: low npv comes with high x1 (about +1.75 sd in the mean, closed form for
     * the 10% tail of a normal with correlation 3/sqrt(10)). */
    const roi_tail *lo = &an->tails[0], *hi = &an->tails[1];
    assert_false(lo->upper);
    assert_string_equal(lo->rows[0].name, "x1");
    assert_string_equal(hi->rows[0].name, "x1");
    double k = (exp(-0.5 * 1.2815515655446004 * 1.2815515655446004) / sqrt(2 * M_PI)) / 0.1;
    double expect = 3.0 / sqrt(10.0) * k;
    assert_near(lo->rows[0].mean_shift, expect, 4 * sqrt(1.0 / (TRIALS * 0.1)));
    assert_near(hi->rows[0].mean_shift, -expect, 4 * sqrt(1.0 / (TRIALS * 0.1)));
    assert_true(lo->count >= TRIALS / 10 - 1 && lo->count <= TRIALS / 10);
    analysed_free(&A);
    roi_model_free(m);
}

/* ---- paired comparison ------------------------------------------------------------------- */

static void test_paired(void **state)
{
    (void)state;
    roi_model *a = load_linear("base", B_TEXT);
    roi_model *b = load_linear("whatif",
        "spend \"b\" { kind = \"lump\", quarter = \"2026Q1\", amount = clamp(1000 + 2 * x2, 0, 1e9) }\n");
    analysed A = run_and_analyse(a, NULL, 2), B = run_and_analyse(b, NULL, 1);
    const roi_run *ra = A.run, *rb = B.run;
    roi_paired p;
    roi_error err;
    assert_int_equal(roi_analysis_paired(rb, ra, ROI_OUT_NPV, &p, &err), ROI_OK);
    /* d = npv_b - npv_a = -x2 per trial: mean 0, p10 = -z90, P(d > 0) = 1/2. */
    assert_true(p.done);
    assert_string_equal(p.other, "base");
    assert_int_equal(p.n, TRIALS);
    assert_near(p.mean, 0.0, 4 * p.se);
    assert_near(p.se, 1.0 / sqrt(TRIALS), 0.05 / sqrt(TRIALS));
    assert_near(p.p10, -gsl_cdf_ugaussian_Pinv(0.9), 4 * p.p10_se);
    assert_near(p.p50, 0.0, 4 * p.p50_se);
    assert_near(p.prob_beats, 0.5, 4 * p.prob_beats_se);
    /* The same run against itself: every difference is 0. */
    assert_int_equal(roi_analysis_paired(ra, ra, ROI_OUT_NPV, &p, &err), ROI_OK);
    assert_near(p.mean, 0.0, 0.0);
    assert_near(p.prob_ties, 1.0, 0.0);
    analysed_free(&A);
    analysed_free(&B);
    roi_model_free(a);
    roi_model_free(b);
}

/* ---- stress ----------------------------------------------------------------------------- */

static void test_stress_band(void **state)
{
    (void)state;
    roi_model *m = load_linear("stress", B_TEXT);
    roi_stress s = {.name = "x1 low", .input = "x1", .low = 0.0, .high = 0.1};
    roi_analysis_opts ao = {.stress = &s, .n_stress = 1};
    analysed A = run_and_analyse(m, &ao, 2);
    roi_run *run = A.run;
    const roi_analysis *an = A.an;
    assert_int_equal(an->n_stress, 1);
    const roi_stress_result *r = &an->stress[0];
    double z = gsl_cdf_ugaussian_Pinv(0.1);
    assert_near(r->q_high, z, 1e-9);
    /* E[x1 | x1 < z10] = -phi(z10)/0.1, so npv rises by 3 phi(z10)/0.1 on average
     * (x1 is unchanged in mean in the unstressed run). */
    double rise = 3.0 * (exp(-0.5 * z * z) / sqrt(2 * M_PI)) / 0.1;
    assert_near(r->npv_diff_mean, rise, 4 * r->npv_diff_se);
    assert_near(r->summary[ROI_OUT_NPV].mean, an->tornado_base + rise,
                4 * r->summary[ROI_OUT_NPV].se);
    /* The model is unchanged (the stress drew from a sampling band): a fresh run equals
     * the original. */
    roi_sim_opts o = {.seed = SEED, .trials = TRIALS, .threads = 1};
    roi_run *again = NULL;
    roi_error err;
    assert_int_equal(roi_sim_run(m, &o, &again, &err), ROI_OK);
    assert_memory_equal(again->out[ROI_OUT_NPV], run->out[ROI_OUT_NPV], TRIALS * sizeof(float));
    roi_run_free(again);

    /* A bad band is a usage error, and leaves no analysis. */
    roi_stress bad = {.name = "bad", .input = "x1", .low = 0.5, .high = 0.2};
    roi_analysis_opts ab = {.stress = &bad, .n_stress = 1};
    roi_analysis *none = NULL;
    assert_int_equal(roi_analysis_run(run, &ab, &none, &err), ROI_ERR_USAGE);
    assert_null(none);
    analysed_free(&A);
    roi_model_free(m);
}

/* ---- determinism ------------------------------------------------------------------------ */

static void test_same_bits_any_thread_count(void **state)
{
    (void)state;
    roi_model *m = load_linear("det", "ev = bernoulli(0.3)\n"
                                      "spend \"b\" { kind = \"lump\", quarter = \"2026Q1\","
                                      " amount = clamp(1000 + x2 + 5 * ev, 0, 1e9) }\n");
    const char *given[] = {"x1 > 0.5 or ev"};
    roi_analysis_opts ao = {.given = given, .n_given = 1, .threads = 1};
    analysed r1 = run_and_analyse(m, &ao, 1);
    ao.threads = 3;
    analysed r3 = run_and_analyse(m, &ao, 3);
    const roi_analysis *a = r1.an, *b = r3.an;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        assert_int_equal(a->sens[o].computed, b->sens[o].computed);
        if (a->sens[o].computed)
            assert_memory_equal(a->sens[o].rows, b->sens[o].rows,
                                (size_t)a->sens[o].n * sizeof *a->sens[o].rows);
    }
    assert_memory_equal(&a->views[0].summary, &b->views[0].summary, sizeof a->views[0].summary);
    assert_memory_equal(a->tails[0].rows, b->tails[0].rows, 3 * sizeof *a->tails[0].rows);
    analysed_free(&r1);
    analysed_free(&r3);
    roi_model_free(m);
}

/* ---- bounded memory ------------------------------------------------------------------------ */

static analysed run_cap(roi_model *m, size_t trials, int threads, size_t sens_trials)
{
    roi_analysis_opts ao = {.threads = threads, .sens_trials = sens_trials};
    return run_analysed(m, trials, &ao, threads);
}

static analysed run_n(roi_model *m, size_t trials, int threads)
{
    return run_cap(m, trials, threads, 0);
}

/* The CIs are selected, not sorted: the same bits as roi_summary_ci_sorted on the
 * sorted values, for outputs with ties (a bernoulli term), undefined values and not. */
static void test_ci_selection_same_as_sort(void **state)
{
    (void)state;
    roi_model *m = load_linear("cisel", "ev = bernoulli(0.3)\n"
                                        "spend \"b\" { kind = \"lump\", quarter = \"2026Q1\","
                                        " amount = clamp(1000 + 5 * ev, 0, 1e9) }\n");
    for (int threads = 1; threads <= 3; threads += 2) {
        analysed A = run_n(m, TRIALS, threads);
        roi_run *run = A.run;
        double *work = malloc(TRIALS * sizeof *work);
        assert_non_null(work);
        for (int o = 0; o < ROI_OUT_COUNT; o++) {
            size_t k = 0;
            for (size_t i = 0; i < TRIALS; i++)
                if (!isnan(run->out[o][i]))
                    work[k++] = run->out[o][i];
            assert_int_equal(roi_stats_sort(work, k), ROI_OK);
            roi_summary_ci want;
            roi_summary_ci_sorted(work, k, &run->summary[o], &want);
            assert_memory_equal(&want, &A.an->ci[o], sizeof want);
        }
        free(work);
        analysed_free(&A);
    }
    roi_model_free(m);
}

/* Sensitivity and tails over more than ROI_SENS_MAX_TRIALS trials use the first
 * ROI_SENS_MAX_TRIALS: the rank correlations and decile shares are those of a run of
 * exactly that many trials (same seed, so the same first trials), to the bit. */
static void test_sensitivity_first_trials(void **state)
{
    (void)state;
    roi_model *m = load_linear("cap", B_TEXT);
    const size_t cap = ROI_SENS_MAX_TRIALS;
    analysed big = run_n(m, cap + 5000, 2), exact = run_n(m, cap, 2);
    analysed small = run_n(m, 3000, 2);
    analysed capped = run_cap(m, 5000, 1, 3000); /* a cap asked for: --sensitivity-trials */
    assert_int_equal(capped.an->sens_trials, 3000);
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        const roi_sens_output *a = &capped.an->sens[o], *b = &small.an->sens[o];
        assert_int_equal(a->computed, b->computed);
        for (int k = 0; a->computed && k < a->n; k++)
            assert_true(a->rows[k].rank_corr == row_named(b, a->rows[k].name)->rank_corr);
    }
    analysed_free(&capped);
    assert_int_equal(big.an->sens_trials, cap);
    assert_int_equal(exact.an->sens_trials, cap);
    assert_int_equal(small.an->sens_trials, 3000);
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        const roi_sens_output *a = &big.an->sens[o], *b = &exact.an->sens[o];
        assert_int_equal(a->computed, b->computed);
        if (!a->computed)
            continue;
        for (int k = 0; k < a->n; k++) {
            const roi_sens *rb = row_named(b, a->rows[k].name);
            assert_true(a->rows[k].rank_corr == rb->rank_corr);
            assert_true(a->rows[k].low_share == rb->low_share);
            assert_true(a->rows[k].high_share == rb->high_share);
            /* The means are formed around each run's own output mean: rounding only. */
            assert_near(a->rows[k].swing, rb->swing, 1e-9 * (1.0 + fabs(rb->swing)));
        }
    }
    /* The tails: trials among the first cap beyond the whole run's npv p10 / p90. */
    for (int t = 0; t < 2; t++) {
        const roi_tail *tl = &big.an->tails[t];
        size_t count = 0;
        for (size_t i = 0; i < cap; i++)
            count += t ? roi_run_value(big.run, ROI_OUT_NPV, i) > tl->threshold
                       : roi_run_value(big.run, ROI_OUT_NPV, i) < tl->threshold;
        assert_int_equal(tl->count, count);
        assert_true(tl->threshold == big.run->summary[ROI_OUT_NPV].pct[t ? 6 : 2]);
    }
    analysed_free(&big);
    analysed_free(&exact);
    analysed_free(&small);
    roi_model_free(m);
}

/* ---- sampling plans ----------------------------------------------------------------------- */

/* The analysis pairs each trial's outputs with the input values that trial used, also
 * under Latin hypercube sampling and correlated inputs: with npv = c - 3 x1 exactly, the
 * rank correlation of npv and x1 is -1, and a stress of x1 over its whole range (0:1)
 * reruns the same trials (npv change 0). Redrawing x1 as plain Monte Carlo would give
 * values unrelated to the run's, and rank correlations near 0. */
static int cmp_float(const void *pa, const void *pb)
{
    float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

/* Spearman's rho (mid-ranks) of untied x against y, a non-increasing function of x whose
 * only ties are y's: within a tie group the x ranks average to y's mid-rank, so the rank
 * covariance is -Syy, with Syy = Sxx - sum (t^3 - t) / 12 over y's tie groups and
 * Sxx = (n^3 - n) / 12; rho = -Syy / sqrt(Sxx Syy) = -sqrt(1 - sum (t^3 - t) / (n^3 - n)). */
static double ties_rho(const float *y, size_t n)
{
    float *v = malloc(n * sizeof *v);
    assert_non_null(v);
    memcpy(v, y, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_float);
    double tied = 0.0;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && v[j] == v[i]; j++)
            ;
        double t = (double)(j - i);
        tied += t * t * t - t;
    }
    free(v);
    double nn = (double)n;
    return -sqrt(1.0 - tied / (nn * nn * nn - nn));
}

static void test_inputs_follow_sampling_plan(void **state)
{
    (void)state;
    /* x2 enters the model only through a spend that is always 0 */
#define ZERO_X2 "spend \"z\" { kind = \"lump\", quarter = \"2026Q1\", amount = clamp(x2, 0, 0) }\n"
    static const char *const extra[] = {
        ZERO_X2,
        ZERO_X2 "correlate { { \"x1\", \"x2\", 0.6 } }\n",
    };
#undef ZERO_X2
    for (int lhs = 0; lhs <= 1; lhs++)
        for (int e = 0; e < 2; e++) {
            if (!lhs && !e)
                continue; /* plain Monte Carlo: the other tests */
            roi_model *m = load_linear("plan", extra[e]);
            roi_sim_opts o = {.seed = SEED, .trials = 5000, .threads = 2,
                              .sampling = lhs ? ROI_SAMPLING_LHS : ROI_SAMPLING_MC};
            roi_stress st = {.name = "all", .input = "x1", .low = 0.0, .high = 1.0};
            roi_analysis_opts ao = {.stress = &st, .n_stress = 1, .threads = 2};
            roi_error err;
            roi_error_clear(&err);
            roi_run *run = NULL;
            roi_analysis *an = NULL;
            if (roi_sim_run(m, &o, &run, &err) != ROI_OK ||
                roi_analysis_run(run, &ao, &an, &err) != ROI_OK)
                fail_msg("run: %s", err.msg);
            /* -1 but for the ties of the float-stored npvs (sim.h), exactly as derived
             * in ties_rho; the sums over 5000 trials round at ~1e-13 */
            assert_near(row_named(&an->sens[ROI_OUT_NPV], "x1")->rank_corr,
                        ties_rho(run->out[ROI_OUT_NPV], run->trials), 1e-12);
            if (e) /* x2 is rank-correlated 0.6 with x1, so with npv */
                assert_near(row_named(&an->sens[ROI_OUT_NPV], "x2")->rank_corr, -0.6, 0.05);
            assert_int_equal(an->n_stress, 1);
            assert_near(an->stress[0].npv_diff_mean, 0.0, 1e-9);
            roi_analysis_free(an);
            roi_run_free(run);
            roi_model_free(m);
        }
}

/* ---- building blocks ---------------------------------------------------------------------- */

static void test_ranks_ties(void **state)
{
    (void)state;
    const double x[6] = {3, 1, 3, 2, -0.0, 0.0};
    double r[6];
    assert_int_equal(roi_ranks(x, 6, r), ROI_OK);
    const double want[6] = {5.5, 3, 5.5, 4, 1.5, 1.5};
    for (int i = 0; i < 6; i++)
        assert_near(r[i], want[i], 0.0);
    const double y[4] = {1, 2, 3, 4}, z[4] = {2, 4, 6, 8}, w[4] = {5, 5, 5, 5};
    assert_near(roi_pearson(y, z, 4), 1.0, 1e-15);
    assert_near(roi_pearson(y, w, 4), 0.0, 0.0);
}

/* Percentile CIs from order statistics: the se matches the asymptotic
 * sqrt(p (1 - p) / n) / f(q) within 4 relative sd of the interval's width, and over 400 independent samples of 500 the
 * 95% intervals of p10..p90 cover the true quantile 95% of the time (within 4 se of
 * a binomial proportion, sqrt(.95 .05 / 400) = 0.011). */
static void test_percentile_ci(void **state)
{
    (void)state;
    enum { N = 10000 };
    double *x = malloc(N * sizeof *x), *work = malloc(N * sizeof *work);
    assert_non_null(x);
    assert_non_null(work);
    uint64_t key = roi_rng_key(99, "ci");
    for (int i = 0; i < N; i++)
        x[i] = gsl_cdf_ugaussian_Pinv(roi_rng_uniform(key, (uint64_t)i, 0));
    roi_summary s;
    roi_summary_ci ci;
    assert_int_equal(roi_stats_summarize(x, N, work, &s), ROI_OK);
    roi_summary_ci_sorted(work, N, &s, &ci);
    for (int k = 0; k < ROI_NPCT; k++) {
        double p = roi_pct_levels[k], q = gsl_cdf_ugaussian_Pinv(p);
        double f = exp(-0.5 * q * q) / sqrt(2 * M_PI);
        double se = sqrt(p * (1 - p) / N) / f;
        /* The width spans about 3.92 sqrt(N p (1 - p)) spacings: relative sd about
         * 1 / sqrt(that count). */
        double span = 2 * 1.96 * sqrt(N * p * (1 - p));
        assert_near(ci.pct_se[k], se, 4 * se / sqrt(span));
    }
    assert_near(ci.prob_positive_se, sqrt(s.prob_positive * (1 - s.prob_positive) / N), 1e-15);

    enum { R = 400, M = 500 };
    int cover[ROI_NPCT] = {0};
    for (int r = 0; r < R; r++) {
        for (int i = 0; i < M; i++)
            x[i] = gsl_cdf_ugaussian_Pinv(roi_rng_uniform(key, (uint64_t)(N + r * M + i), 0));
        assert_int_equal(roi_stats_summarize(x, M, work, &s), ROI_OK);
        roi_summary_ci_sorted(work, M, &s, &ci);
        for (int k = 0; k < ROI_NPCT; k++) {
            double q = gsl_cdf_ugaussian_Pinv(roi_pct_levels[k]);
            cover[k] += ci.pct_lo[k] <= q && q <= ci.pct_hi[k];
        }
    }
    for (int k = 2; k <= 6; k++)
        assert_near((double)cover[k] / R, 0.95, 4 * sqrt(0.95 * 0.05 / R));
    free(x);
    free(work);
}

static void test_condition_parse(void **state)
{
    (void)state;
    roi_model *m = load_linear("cond", B_TEXT);
    roi_cond *c = NULL;
    roi_error err;
    assert_int_equal(roi_cond_parse("x1 >= 1 and not (x2 < 0 or npv > 5)", m, NULL, &c, &err),
                     ROI_OK);
    assert_int_equal(roi_cond_ref_count(c), 3);
    const roi_cond_ref *refs = roi_cond_refs(c);
    assert_int_equal(refs[0].kind, ROI_COND_INPUT);
    assert_int_equal(refs[2].kind, ROI_COND_OUTPUT);
    assert_int_equal(refs[2].index, ROI_OUT_NPV);
    const double v1[3] = {1, 0.5, 0}, v2[3] = {1, -1, 0}, v3[3] = {0.9, 1, 0};
    const double v4[3] = {2, 1, 6}, v5[3] = {2, NAN, 0};
    assert_true(roi_cond_eval(c, v1));
    assert_false(roi_cond_eval(c, v2));
    assert_false(roi_cond_eval(c, v3));
    assert_false(roi_cond_eval(c, v4));
    assert_true(roi_cond_eval(c, v5)); /* NaN < 0 is false */
    roi_cond_free(c);
    /* A constant where a what-if fixed an input, and a bare name. */
    assert_int_equal(roi_cond_parse("1 == 1 and x1", m, NULL, &c, &err), ROI_OK);
    const double w[1] = {0.0};
    assert_false(roi_cond_eval(c, w));
    roi_cond_free(c);
    /* Errors name the problem. */
    assert_int_equal(roi_cond_parse("x3 >= 1", m, "view v", &c, &err), ROI_ERR_USAGE);
    assert_non_null(strstr(err.msg, "did you mean 'x1'"));
    assert_non_null(strstr(err.msg, "view v"));
    assert_int_equal(roi_cond_parse("x1 >=", m, NULL, &c, &err), ROI_ERR_USAGE);
    assert_non_null(strstr(err.msg, "expected a number"));
    assert_int_equal(roi_cond_parse("x1 > 1 x2", m, NULL, &c, &err), ROI_ERR_USAGE);
    assert_int_equal(roi_cond_parse("(x1 > 1", m, NULL, &c, &err), ROI_ERR_USAGE);
    assert_null(c);
    roi_model_free(m);
}

/* A view declared in the scenario, with its condition written as a Value. */
static void test_declared_view_and_stress(void **state)
{
    (void)state;
    roi_model *m = load_linear("decl",
        "spend \"b\" { kind = \"lump\", quarter = \"2026Q1\", amount = clamp(1000 + x2, 0, 1e9) }\n"
        "view \"high_x1\" { where = all_of(x1:at_least(1), none_of(x2:below(0))) }\n"
        "stress \"x1_top\" { input = \"x1\", low = 0.9, high = 1 }\n");
    assert_int_equal(m->n_views, 1);
    assert_string_equal(m->views[0].where, "x1 >= 1 and not x2 < 0");
    assert_int_equal(m->n_stresses, 1);
    analysed A = run_and_analyse(m, NULL, 2);
    double p = (1.0 - gsl_cdf_ugaussian_P(1.0)) / 2;
    assert_near(A.an->views[0].share, p, 4 * sqrt(p * (1 - p) / TRIALS));
    assert_true(A.an->stress[0].npv_diff_mean < 0);
    analysed_free(&A);
    roi_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sensitivity_linear),
        cmocka_unit_test(test_swing_bernoulli),
        cmocka_unit_test(test_tornado_exact),
        cmocka_unit_test(test_views_normal),
        cmocka_unit_test(test_paired),
        cmocka_unit_test(test_stress_band),
        cmocka_unit_test(test_same_bits_any_thread_count),
        cmocka_unit_test(test_ci_selection_same_as_sort),
        cmocka_unit_test(test_sensitivity_first_trials),
        cmocka_unit_test(test_inputs_follow_sampling_plan),
        cmocka_unit_test(test_ranks_ties),
        cmocka_unit_test(test_percentile_ci),
        cmocka_unit_test(test_condition_parse),
        cmocka_unit_test(test_declared_view_and_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
