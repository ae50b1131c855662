/* test_results.c - the pipeline above the runner: that it gives what the layers below
 * give when called one by one, its up-front checks and comparison errors, progress,
 * the engine's GSL initialisation, and the statistics it keeps for the reports.
 *
 * main never touches GSL's error handler: the engine must switch it off itself, so a
 * GSL failure here aborts the process if it does not. */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "results.h"
#include "scenario.h"

#define TRIALS 4096
#define SEED 99u

/* npv = c - 3 x1 - x2 - amount, x1, x2, x3 standard normals; x3 is unused but for
 * correlations; a goal seek on the team's amount. */
static const char *const LINEAR =
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
    "x3 = normal(0, 1)\n"
    "spend \"a\" { kind = \"lump\", quarter = \"2026Q1\", amount = clamp(1000 + 3 * x1 + x3 * 0, 0, 1e9) }\n"
    "goal \"break even\" { input = \"team.amount\", stat = \"mean\", target = 0, low = 1, high = 1000 }\n";

/* Loads LINEAR plus `extra` as scenario <stem>.lua (so named <stem>). */
static roi_model *load(const char *stem, const char *extra)
{
    char dir[] = "/tmp/roi_test_results_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/%s.lua", dir, stem);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(LINEAR, fp);
    fputs(extra, fp);
    fclose(fp);
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_scenario_load(path, NULL, &m, &err) != ROI_OK)
        fail_msg("load: %s", err.msg);
    unlink(path);
    rmdir(dir);
    return m;
}

static const char *const B_EXTRA =
    "spend \"b\" { kind = \"lump\", quarter = \"2026Q1\", amount = clamp(1000 + x2, 0, 1e9) }\n";
static const char *const B2_EXTRA =
    "spend \"b\" { kind = \"lump\", quarter = \"2026Q1\", amount = clamp(1000 + 2 * x2, 0, 1e9) }\n";

/* ---- initialisation ------------------------------------------------------------------------ */

/* Runs first, before anything has touched GSL: the default handler (NULL) until the
 * engine's initialisation, a non-aborting one after. */
static void test_engine_init_switches_gsl_handler_off(void **state)
{
    (void)state;
    gsl_error_handler_t *before = gsl_set_error_handler(NULL);
    assert_null(before);
    roi_engine_init();
    gsl_error_handler_t *after = gsl_set_error_handler(NULL);
    assert_non_null(after);
    gsl_set_error_handler(after); /* keep it off: roi_engine_init runs only once */
}

/* A correlation matrix that is not positive definite, through the top of the engine's
 * API: an error naming it, never an abort (GSL's default handler would abort). */
static void test_not_positive_definite_is_an_error(void **state)
{
    (void)state;
    roi_model *m = load("base", B_EXTRA);
    static const char *const pairs[3][2] = {{"x1", "x2"}, {"x1", "x3"}, {"x2", "x3"}};
    static const double ranks[3] = {0.9, 0.9, -0.9};
    assert_int_equal(m->n_correlations, 0);
    free(m->correlations); /* the loader's empty list */
    m->correlations = calloc(3, sizeof *m->correlations);
    assert_non_null(m->correlations);
    for (int i = 0; i < 3; i++) {
        m->correlations[i].a = strdup(pairs[i][0]);
        m->correlations[i].b = strdup(pairs[i][1]);
        m->correlations[i].rank = ranks[i];
    }
    m->n_correlations = 3;
    const roi_model *models[] = {m};
    roi_results_opts o = {.sim = {.seed = SEED, .trials = 100, .threads = 1}};
    roi_results *res = (roi_results *)&o; /* must be reset */
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_results_run(models, 1, &o, &res, &err), ROI_ERR_PARAM);
    assert_null(res);
    assert_non_null(strstr(err.msg, "not positive definite"));
    roi_model_free(m);
}

/* ---- the pipeline ---------------------------------------------------------------------------- */

typedef struct seen {
    int calls, last_scenario;
    const char *names[2];
    size_t last_done, last_total;
} seen;

static void record(void *ud, int scenario, const char *name, size_t done, size_t total)
{
    seen *s = ud;
    s->calls++;
    assert_true(scenario >= 0 && scenario < 2);
    assert_true(scenario >= s->last_scenario);
    s->last_scenario = scenario;
    s->names[scenario] = name;
    s->last_done = done;
    s->last_total = total;
}

/* The results equal the layers called one by one: the runs, the goal seeks, the
 * analyses (with the extra view and stress) and the comparison with the reference, to
 * the bit; progress names each scenario in turn. */
static void test_pipeline_equals_the_layers(void **state)
{
    (void)state;
    roi_model *a = load("base", B_EXTRA), *b = load("whatif", B2_EXTRA);
    const roi_model *models[] = {a, b};
    const char *given[] = {"x1 > 0"};
    roi_stress st = {.name = "x1 low", .input = "x1", .low = 0.0, .high = 0.1};
    seen prog = {0};
    roi_results_opts o = {.sim = {.seed = SEED, .trials = TRIALS, .threads = 2},
                          .analysis = {.given = given, .n_given = 1, .stress = &st,
                                       .n_stress = 1},
                          .progress = record, .progress_ud = &prog};
    roi_results *res = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_results_run(models, 2, &o, &res, &err) != ROI_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res->n, 2);
    assert_int_equal(res->reference, 0);
    assert_true(prog.calls >= 2);
    assert_int_equal(prog.last_scenario, 1);
    assert_string_equal(prog.names[0], "base");
    assert_string_equal(prog.names[1], "whatif");
    assert_int_equal(prog.last_done, prog.last_total);

    roi_analysis_opts ao = o.analysis;
    ao.threads = 2;
    roi_run *runs[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        const roi_scenario_results *sc = &res->sc[i];
        roi_search s;
        roi_analysis *an = NULL;
        assert_int_equal(roi_sim_run(models[i], &o.sim, &runs[i], &err), ROI_OK);
        assert_int_equal(roi_search_run_all(runs[i], &o.sim, &s, &err), ROI_OK);
        assert_int_equal(roi_analysis_run(runs[i], &ao, &an, &err), ROI_OK);
        assert_ptr_equal(sc->run->model, models[i]);
        assert_memory_equal(sc->run->summary, runs[i]->summary, sizeof runs[i]->summary);
        for (int k = 0; k < ROI_OUT_COUNT; k++)
            assert_memory_equal(sc->run->out[k], runs[i]->out[k], TRIALS * sizeof(float));
        assert_int_equal(sc->search.n_goals, 1);
        assert_memory_equal(&sc->search.goals[0].root, &s.goals[0].root, sizeof(double));
        assert_int_equal(sc->convergence.used, 0);
        assert_non_null(sc->analysis);
        assert_memory_equal(sc->analysis->ci, an->ci, sizeof an->ci);
        assert_memory_equal(sc->analysis->sens[ROI_OUT_NPV].rows, an->sens[ROI_OUT_NPV].rows,
                            (size_t)an->sens[ROI_OUT_NPV].n * sizeof *an->sens[ROI_OUT_NPV].rows);
        assert_int_equal(sc->analysis->n_views, 1);
        assert_memory_equal(sc->analysis->views[0].summary, an->views[0].summary,
                            sizeof an->views[0].summary);
        assert_int_equal(sc->analysis->n_stress, 1);
        assert_memory_equal(sc->analysis->stress[0].summary, an->stress[0].summary,
                            sizeof an->stress[0].summary);
        roi_analysis_free(an);
        roi_search_clear(&s);
    }
    /* whatif against base; the reference is not compared with itself */
    roi_paired p;
    assert_int_equal(roi_analysis_paired(runs[1], runs[0], ROI_OUT_NPV, &p, &err), ROI_OK);
    assert_false(res->sc[0].paired.done);
    assert_true(res->sc[1].paired.done);
    assert_string_equal(res->sc[1].paired.other, "base");
    assert_memory_equal(&res->sc[1].paired.mean, &p.mean, sizeof p.mean);
    assert_memory_equal(&res->sc[1].paired.p50, &p.p50, sizeof p.p50);
    assert_true(res->seconds.simulation >= 0 && res->seconds.analysis >= 0);
    roi_run_free(runs[0]);
    roi_run_free(runs[1]);
    roi_results_free(res);
    roi_model_free(a);
    roi_model_free(b);
}

/* Without analysis: no analyses and no comparisons; with --precision: the convergence
 * record, and the run has the trials it reached. */
static void test_no_analysis_and_precision(void **state)
{
    (void)state;
    roi_model *a = load("base", B_EXTRA);
    const roi_model *models[] = {a};
    roi_results_opts o = {.sim = {.seed = SEED, .trials = 1024, .threads = 1},
                          .precision = 0.02, .max_trials = 65536, .no_analysis = 1};
    roi_results *res = NULL;
    roi_error err;
    assert_int_equal(roi_results_run(models, 1, &o, &res, &err), ROI_OK);
    const roi_scenario_results *sc = &res->sc[0];
    assert_null(sc->analysis);
    assert_false(sc->paired.done);
    assert_int_equal(res->reference, -1);
    assert_true(sc->convergence.used);
    assert_int_equal(sc->convergence.trials, sc->run->trials);
    assert_true(sc->convergence.reached || sc->run->trials == 65536);
    roi_results_free(res);
    roi_model_free(a);
}

/* A --given or --stress that applies to no scenario, and a --compare naming none, are
 * usage errors before or after the runs; --no-analysis skips the first two. */
static void test_checks(void **state)
{
    (void)state;
    roi_model *a = load("base", B_EXTRA);
    const roi_model *models[] = {a};
    roi_error err;
    roi_results *res = NULL;
    const char *bad_given[] = {"x1 > 0", "nosuch > 1"};
    roi_analysis_opts g = {.given = bad_given, .n_given = 2};
    assert_int_equal(roi_results_check(models, 1, &g, &err), ROI_ERR_USAGE);
    assert_non_null(strstr(err.msg, "--given"));
    assert_non_null(strstr(err.msg, "nosuch"));
    roi_stress nope = {.name = "nope=0:1", .input = "nope", .low = 0, .high = 1};
    roi_analysis_opts s = {.stress = &nope, .n_stress = 1};
    assert_int_equal(roi_results_check(models, 1, &s, &err), ROI_ERR_USAGE);
    assert_string_equal(err.msg, "--stress: no scenario has an input named 'nope'");

    roi_results_opts o = {.sim = {.seed = SEED, .trials = 1024, .threads = 1}, .analysis = g};
    assert_int_equal(roi_results_run(models, 1, &o, &res, &err), ROI_ERR_USAGE);
    assert_null(res);
    o.no_analysis = 1; /* nothing analysed: nothing to check */
    assert_int_equal(roi_results_run(models, 1, &o, &res, &err), ROI_OK);
    roi_results_free(res);
    res = NULL;
    roi_results_opts c = {.sim = {.seed = SEED, .trials = 1024, .threads = 1},
                          .compare = "nope"};
    assert_int_equal(roi_results_run(models, 1, &c, &res, &err), ROI_ERR_USAGE);
    assert_string_equal(err.msg, "--compare: no scenario named 'nope' was run");
    assert_null(res);
    roi_model_free(a);
}

/* ---- statistics for the reports ------------------------------------------------------------- */

/* A run made by hand: n trials, npv and payback as given (every value exact), every
 * other output 0. roi_run_free frees it. */
static roi_run *hand_run(const double *npv, const double *payback, size_t n)
{
    roi_run *run = calloc(1, sizeof *run);
    assert_non_null(run);
    run->trials = n;
    run->exact = malloc(n * sizeof *run->exact);
    assert_non_null(run->exact);
    memset(run->exact, 0xff, n * sizeof *run->exact);
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        run->out[o] = calloc(n, sizeof(float));
        assert_non_null(run->out[o]);
    }
    for (size_t i = 0; i < n; i++) {
        run->out[ROI_OUT_NPV][i] = (float)npv[i];
        run->out[ROI_OUT_PAYBACK][i] = (float)payback[i];
    }
    return run;
}

static void test_median_payback(void **state)
{
    (void)state;
    double npv[10] = {0}, pb[10];
    for (int i = 0; i < 10; i++)
        pb[i] = i < 3 ? NAN : i - 2.0;
    roi_run *run = hand_run(npv, pb, 10);
    int period = -2;
    /* All 10 trials with never = beyond the horizon: 1..7, inf, inf, inf. Median
     * (PERCENTILE.INC, h = 4.5) lies between 5 and 6: 5.5, floor 5. */
    assert_int_equal(roi_results_median_payback(run, &period), ROI_OK);
    assert_int_equal(period, 5);
    /* Five of ten never: the median trial never pays back. */
    run->out[ROI_OUT_PAYBACK][3] = NAN;
    run->out[ROI_OUT_PAYBACK][4] = NAN;
    assert_int_equal(roi_results_median_payback(run, &period), ROI_OK);
    assert_int_equal(period, -1);
    /* None never: plain median of 1..10 = 5.5 -> 5. */
    for (int i = 0; i < 10; i++)
        run->out[ROI_OUT_PAYBACK][i] = i + 1.0f;
    assert_int_equal(roi_results_median_payback(run, &period), ROI_OK);
    assert_int_equal(period, 5);
    roi_run_free(run);
}

/* npv's distribution: the defined values only; its histogram and S-curve are those of
 * the sorted values; no defined value: no bins and NaN points. */
static void test_distribution(void **state)
{
    (void)state;
    enum { N = 11 };
    double npv[N], pb[N] = {0}, sorted[N - 1];
    for (int i = 0; i < N; i++)
        npv[i] = i == 4 ? NAN : (double)((i * 7) % N - 4) * 1e9;
    roi_run *run = hand_run(npv, pb, N);
    roi_distribution d;
    assert_int_equal(roi_results_distribution(run, ROI_OUT_NPV, &d), ROI_OK);
    assert_int_equal(d.n, N - 1);
    size_t k = 0;
    for (int i = 0; i < N; i++)
        if (!isnan(npv[i]))
            sorted[k++] = (double)(float)npv[i];
    assert_int_equal(roi_stats_sort(sorted, k), ROI_OK);
    roi_histogram h;
    roi_stats_histogram(sorted, k, &h);
    assert_memory_equal(&d.hist, &h, sizeof h);
    size_t total = 0;
    for (int j = 0; j < d.hist.bins; j++)
        total += d.hist.count[j];
    assert_int_equal(total, N - 1);
    for (int j = 0; j < ROI_SCURVE_POINTS; j++) {
        double want = roi_stats_percentile_sorted(sorted, k, roi_scurve_levels[j]);
        assert_memory_equal(&d.scurve[j], &want, sizeof want);
    }
    for (int i = 0; i < N; i++)
        run->out[ROI_OUT_NPV][i] = NAN;
    assert_int_equal(roi_results_distribution(run, ROI_OUT_NPV, &d), ROI_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.hist.bins, 0);
    assert_true(isnan(d.scurve[0]));
    roi_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_init_switches_gsl_handler_off), /* first: see there */
        cmocka_unit_test(test_not_positive_definite_is_an_error),
        cmocka_unit_test(test_pipeline_equals_the_layers),
        cmocka_unit_test(test_no_analysis_and_precision),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_median_payback),
        cmocka_unit_test(test_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
