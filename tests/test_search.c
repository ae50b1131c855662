/* test_search.c - goal seek, sweeps and the precision loop on a scenario whose npv is
 * linear in its inputs (tests/scenarios/linear_goal.lua: npv = 20000 rate - 4 amount,
 * rate ~ uniform(0.05, 0.15)), so every answer is known in closed form. */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "search.h"
#include "sim.h"

#define FIXTURE(f) ROI_TEST_DIR "/scenarios/" f
#define N_TRIALS 20000

static roi_model *load(void)
{
    roi_error err;
    roi_error_clear(&err);
    roi_model *m = NULL;
    roi_status s = roi_scenario_load(FIXTURE("linear_goal.lua"), NULL, &m, &err);
    if (s != ROI_OK)
        fail_msg("%s", err.msg);
    return m;
}

/* A run and every goal seek and sweep of its model (the caller frees both:
 * searched_free). */
typedef struct searched {
    roi_run *run;
    roi_search s;
} searched;

static searched run_all(const roi_model *m, size_t trials)
{
    roi_error err;
    roi_error_clear(&err);
    roi_sim_opts o = {.seed = 7, .trials = trials, .threads = 2};
    searched r = {NULL, {0}};
    assert_int_equal(roi_sim_run(m, &o, &r.run, &err), ROI_OK);
    roi_status st = roi_search_run_all(r.run, &o, &r.s, &err);
    if (st != ROI_OK)
        fail_msg("%s", err.msg);
    return r;
}

static void searched_free(searched *r)
{
    roi_search_clear(&r->s);
    roi_run_free(r->run);
}

/* The sampled rates of the run, recomputed from the npv at amount = 100 (fixed). */
static double sample_mean_rate(const roi_run *run)
{
    return (run->summary[ROI_OUT_NPV].mean + 400.0) / 20000.0;
}

static void test_goal_mean_root_closed_form(void **state)
{
    (void)state;
    roi_model *m = load();
    searched R = run_all(m, N_TRIALS);
    roi_run *run = R.run;
    const roi_goal_result *g = &R.s.goals[0];
    assert_int_equal(g->status, ROI_GOAL_FOUND);
    /* With common random numbers mean npv is exactly linear in the amount, so the root
     * is 5000 * (the sample's mean rate), up to rounding. */
    assert_near(g->root, 5000.0 * sample_mean_rate(run), 1e-6);
    /* And the population root is 500; se of 5000 * mean(rate) = 5000 * 0.1/sqrt(12 N). */
    double se = 5000.0 * 0.1 / sqrt(12.0 * N_TRIALS);
    assert_near(g->root, 500.0, 4 * se);
    /* The reported uncertainty is that se (from se(mean npv) / slope 4). */
    assert_near(g->root_se, se, 0.1 * se);
    assert_near(g->slope, -4.0, 1e-9);
    searched_free(&R);
    roi_model_free(m);
}

static void test_goal_probability_root_is_median(void **state)
{
    (void)state;
    roi_model *m = load();
    searched R = run_all(m, N_TRIALS);
    const roi_goal_result *g = &R.s.goals[1];
    assert_int_equal(g->status, ROI_GOAL_FOUND);
    /* P(20000 rate > 4 a) = 0.5 at a = 5000 median(rate) = 500; the sample median of a
     * uniform on [0.05, 0.15] has se 0.5 / (sqrt(N) f) with density f = 10. */
    double se = 5000.0 * 0.5 / (sqrt((double)N_TRIALS) * 10.0);
    assert_near(g->root, 500.0, 4 * se);
    assert_near(g->stat_at_root, 0.5, 4 * g->stat_se + 1.0 / N_TRIALS);
    assert_true(g->root_se > 0.25 * se && g->root_se < 4 * se);
    searched_free(&R);
    roi_model_free(m);
}

static void test_goal_not_bracketed_says_so(void **state)
{
    (void)state;
    roi_model *m = load();
    searched R = run_all(m, 2048);
    const roi_goal_result *g = &R.s.goals[2];
    assert_int_equal(g->status, ROI_GOAL_NOT_BRACKETED);
    assert_near(g->stat_low, 1.0, 0.0);  /* npv > 0 in every trial at both ends */
    assert_near(g->stat_high, 1.0, 0.0);
    assert_non_null(strstr(g->message, "not reached within [1, 100]"));
    assert_non_null(strstr(g->message, "out of range"));
    assert_true(isnan(g->root));
    searched_free(&R);
    roi_model_free(m);
}

static void test_goal_shift_of_a_distribution(void **state)
{
    (void)state;
    roi_model *m = load();
    searched R = run_all(m, N_TRIALS);
    roi_run *run = R.run;
    const roi_goal_result *g = &R.s.goals[3];
    assert_int_equal(g->status, ROI_GOAL_FOUND);
    /* 20000 (mean rate + x) - 400 = 0 */
    assert_near(g->root, 0.02 - sample_mean_rate(run), 1e-9);
    searched_free(&R);
    roi_model_free(m);
}

static void test_sweeps_exact_on_linear_model(void **state)
{
    (void)state;
    roi_model *m = load();
    searched R = run_all(m, 4096);
    roi_run *run = R.run;
    const roi_sweep_result *w = &R.s.sweeps[0];
    assert_int_equal(w->rows, 3);
    assert_int_equal(w->cols, 1);
    double base = 20000.0 * sample_mean_rate(run);
    assert_near(w->stat[0], base - 4.0, 1e-6);
    assert_near(w->stat[1], base - 1000.0, 1e-6);
    assert_near(w->stat[2], base - 2000.0, 1e-6);
    const roi_sweep_result *w2 = &R.s.sweeps[1];
    assert_int_equal(w2->rows, 2);
    assert_int_equal(w2->cols, 3);
    const double rate[3] = {0.05, 0.1, 0.2}, amount[2] = {1, 500};
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) {
            assert_near(w2->stat[r * 3 + c], 20000.0 * rate[c] - 4.0 * amount[r], 1e-6);
            assert_near(w2->se[r * 3 + c], 0.0, 1e-6); /* nothing uncertain is left */
        }
    searched_free(&R);
    roi_model_free(m);
}

static void test_precision_equals_plain_run(void **state)
{
    (void)state;
    roi_error err;
    roi_error_clear(&err);
    roi_model *m = load();
    roi_sim_opts o = {.seed = 3, .trials = 1000, .threads = 2};
    roi_run *grown = NULL, *plain = NULL;
    roi_convergence conv;
    /* npv = 20000 rate - 400: mean 1600, sd 20000 * 0.1 / sqrt(12) = 577; rel 0.002
     * needs about (577 / 1600 / 0.002)^2 = 32,500 trials. */
    assert_int_equal(roi_search_precision(m, &o, 0.002, 1000000, &grown, &conv, &err), ROI_OK);
    assert_true(conv.reached);
    assert_true(conv.rel <= 0.002);
    assert_int_equal(conv.trials % ROI_BLOCK, 0);
    assert_true(conv.trials >= 25000 && conv.trials <= 60000);
    o.trials = conv.trials;
    o.threads = 1;
    assert_int_equal(roi_sim_run(m, &o, &plain, &err), ROI_OK);
    assert_memory_equal(&grown->summary[ROI_OUT_NPV], &plain->summary[ROI_OUT_NPV],
                        sizeof plain->summary[ROI_OUT_NPV]);
    /* The cap stops it. */
    roi_run_free(grown);
    o.trials = 1000;
    assert_int_equal(roi_search_precision(m, &o, 1e-6, 5000, &grown, &conv, &err), ROI_OK);
    assert_false(conv.reached);
    assert_int_equal(conv.trials, 5000);
    roi_run_free(grown);
    roi_run_free(plain);
    roi_model_free(m);
}

static void test_stat_parse(void **state)
{
    (void)state;
    roi_error err;
    roi_stat s;
    assert_int_equal(roi_stat_parse("npv", "p90", "g", &s, &err), ROI_OK);
    assert_int_equal(s.kind, ROI_STAT_PERCENTILE);
    assert_near(s.level, 0.9, 0);
    assert_int_equal(roi_stat_parse("npv", "p100", "g", &s, &err), ROI_ERR_PARAM);
    assert_int_equal(roi_stat_parse("npvv", "mean", "g", &s, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "unknown output 'npvv'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goal_mean_root_closed_form),
        cmocka_unit_test(test_goal_probability_root_is_median),
        cmocka_unit_test(test_goal_not_bracketed_says_so),
        cmocka_unit_test(test_goal_shift_of_a_distribution),
        cmocka_unit_test(test_sweeps_exact_on_linear_model),
        cmocka_unit_test(test_precision_equals_plain_run),
        cmocka_unit_test(test_stat_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
