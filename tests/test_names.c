/* test_names.c - a name given to an expression means the expression (docs/scenarios.md,
 * "Names"): in views, stresses, sensitivity, the tornado, the run's input statistics,
 * and for a what-if that changes a value relative to the parent's. A small clinic case,
 * hand-checked values; statistical checks at fixed seeds within 4 standard errors. */
#include "roi_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "scenario.h"
#include "sim.h"

/* Writes the texts as the files names[i] in a new folder and loads the last one. */
static roi_status load_files(int n, const char *const *names, const char *const *texts,
                             roi_model **m, roi_error *err)
{
    char dir[] = "/tmp/roisim-names-XXXXXX", path[4][64];
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < n; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", dir, names[i]);
        FILE *fp = fopen(path[i], "w");
        assert_non_null(fp);
        fputs(texts[i], fp);
        fclose(fp);
    }
    roi_error_clear(err);
    *m = NULL;
    roi_status s = roi_scenario_load(path[n - 1], NULL, m, err);
    for (int i = 0; i < n; i++)
        unlink(path[i]);
    rmdir(dir);
    return s;
}

static roi_model *load_ok(const char *text)
{
    const char *name = "clinic.lua";
    roi_model *m = NULL;
    roi_error err;
    if (load_files(1, &name, &text, &m, &err) != ROI_OK)
        fail_msg("loading: %s", err.msg);
    return m;
}

static roi_run *run_ok(const roi_model *m, size_t trials)
{
    roi_sim_opts o = {.seed = 7, .trials = trials, .threads = 2};
    roi_run *run = NULL;
    roi_error err;
    if (roi_sim_run(m, &o, &run, &err) != ROI_OK)
        fail_msg("run: %s", err.msg);
    return run;
}

#define CLINIC_HEAD                                                                         \
    "horizon { from = \"2027Q1\", to = \"2028Q4\", discount = 0.08, terminal = false }\n"
#define CLINIC_BODY                                                                         \
    "price = 10 - uniform(0, 1) * 2\n"                                                      \
    "surface \"portal\" { launch = \"2027Q1\", delay = regulator_delay, addressable = 1000,\n" \
    "  ceiling = 0.5, adoption = { p = 0.05, q = 0.4, f0 = 0 }, interactions = 2 }\n"       \
    "spend \"build\" { kind = \"lump\", quarter = \"2027Q1\", amount = 5000 }\n"              \
    "revenue \"calls\" { class = \"savings\", kind = \"per_interaction\", rate = price,\n"     \
    "  ratio = 0.5, from = \"2027Q1\" }\n"

static const char *const CLINIC =
    CLINIC_HEAD "regulator_delay = bernoulli(0.3) * 4\n" CLINIC_BODY
    "view \"late\" { where = regulator_delay:at_least(4) }\n";

/* The same case with the bernoulli named and the product written at the field. */
static const char *const CLINIC_BARE =
    CLINIC_HEAD "regulator_delay = bernoulli(0.3)\n" CLINIC_BODY;

static const roi_input_stats *stats_of(const roi_run *run, const char *name)
{
    for (int i = 0; i < run->n_inputs; i++)
        if (strcmp(run->model->graph.nodes[run->inputs[i].node].name, name) == 0)
            return &run->inputs[i];
    return NULL;
}

/* The name means the expression: a view on it holds in P(bernoulli = 1) = 0.3 of the
 * trials, and its sampled mean is 0.3 * 4; the bernoulli is not reported apart. */
static void test_view_and_statistics_see_the_expression(void **state)
{
    (void)state;
    roi_model *m = load_ok(CLINIC);
    const size_t n = 20000;
    roi_run *run = run_ok(m, n);
    int node = roi_graph_find_input(&m->graph, "regulator_delay");
    assert_true(node >= 0);
    assert_int_not_equal(m->graph.nodes[node].kind, ROI_NODE_INPUT);
    assert_int_equal(run->n_inputs, 2); /* regulator_delay and price: no hidden bernoulli */
    const roi_input_stats *st = stats_of(run, "regulator_delay");
    assert_non_null(st);
    const double se_mean = 4.0 * sqrt(0.3 * 0.7 / (double)n);
    assert_true(fabs(st->mean - 1.2) < 4 * se_mean);
    assert_true(st->p5 == 0.0 && st->p95 == 4.0);

    const char *given[] = {"regulator_delay >= 4", "regulator_delay == 0"};
    roi_analysis_opts ao = {.given = given, .n_given = 2, .threads = 2};
    roi_analysis *an = NULL;
    roi_error err;
    if (roi_analysis_run(run, &ao, &an, &err) != ROI_OK)
        fail_msg("analysis: %s", err.msg);
    assert_int_equal(an->n_views, 3);
    const double se = sqrt(0.3 * 0.7 / (double)n);
    assert_true(fabs(an->views[0].share - 0.3) < 4 * se); /* the scenario's own view */
    assert_true(fabs(an->views[1].share - 0.3) < 4 * se);
    assert_true(fabs(an->views[1].share + an->views[2].share - 1.0) < 1e-12);
    /* sensitivity and tornado name the expression, not the bernoulli */
    const roi_sens_output *so = &an->sens[ROI_OUT_NPV];
    assert_int_equal(so->n, 2);
    int seen = 0;
    for (int k = 0; k < so->n; k++)
        if (strcmp(so->rows[k].name, "regulator_delay") == 0) {
            seen = 1;
            assert_true(so->rows[k].rank_corr < 0); /* a later launch saves less */
        }
    assert_true(seen);
    for (int k = 0; k < an->n_tornado; k++)
        if (strcmp(an->tornado[k].name, "price") == 0) {
            /* price = 10 - 2u: at u's p10 and p90, 9.8 and 8.2 */
            assert_near(an->tornado[k].q10, 9.8, 1e-12);
            assert_near(an->tornado[k].q90, 8.2, 1e-12);
            assert_true(an->tornado[k].at_q10 > an->tornado[k].at_q90);
        }
    roi_analysis_free(an);
    roi_run_free(run);
    roi_model_free(m);
}

/* The distribution inside keeps its stream: the case written with the bernoulli bare
 * and the product at the field draws the same numbers, trial by trial. */
static void test_draws_do_not_depend_on_the_naming(void **state)
{
    (void)state;
    roi_model *a = load_ok(CLINIC), *b = load_ok(CLINIC_BARE);
    /* In CLINIC_BARE the field holds regulator_delay itself: make it the product. */
    roi_model_free(b);
    b = load_ok(CLINIC_HEAD "regulator_delay = bernoulli(0.3)\n"
                            "price = 10 - uniform(0, 1) * 2\n"
                            "surface \"portal\" { launch = \"2027Q1\", delay = regulator_delay * 4,\n"
                            "  addressable = 1000, ceiling = 0.5,\n"
                            "  adoption = { p = 0.05, q = 0.4, f0 = 0 }, interactions = 2 }\n"
                            "spend \"build\" { kind = \"lump\", quarter = \"2027Q1\", amount = 5000 }\n"
                            "revenue \"calls\" { class = \"savings\", kind = \"per_interaction\",\n"
                            "  rate = price, ratio = 0.5, from = \"2027Q1\" }\n");
    roi_run *ra = run_ok(a, 500), *rb = run_ok(b, 500);
    for (size_t i = 0; i < 500; i++)
        assert_true(roi_run_value(ra, ROI_OUT_NPV, i) == roi_run_value(rb, ROI_OUT_NPV, i));
    roi_run_free(ra);
    roi_run_free(rb);
    roi_model_free(a);
    roi_model_free(b);
}

/* A stress on a named expression bands the distribution inside it, turned round when
 * the expression falls as it rises: price in its bottom half is u in its top half. */
static void test_stress_on_an_expression(void **state)
{
    (void)state;
    roi_model *m = load_ok(CLINIC);
    roi_run *run = run_ok(m, 4000);
    roi_stress s = {.name = NULL, .input = "price", .low = 0.0, .high = 0.5};
    roi_analysis_opts ao = {.stress = &s, .n_stress = 1, .threads = 2};
    roi_analysis *an = NULL;
    roi_error err;
    if (roi_analysis_run(run, &ao, &an, &err) != ROI_OK)
        fail_msg("analysis: %s", err.msg);
    assert_int_equal(an->n_stress, 1);
    assert_near(an->stress[0].q_low, 8.0, 1e-12);
    assert_near(an->stress[0].q_high, 9.0, 1e-12);
    /* cheaper calls save less: the stressed npv is lower in every trial */
    assert_true(an->stress[0].npv_diff_mean < 0);
    roi_analysis_free(an);
    /* an expression that rises with its distribution in some trials and falls in
     * others (as another input sets) is refused */
    roi_run_free(run);
    roi_model_free(m);
    m = load_ok(CLINIC_HEAD "regulator_delay = bernoulli(0.3) * 4\n"
                            "sign = discrete{ [-1] = 0.5, [1] = 0.5 }\n"
                            "price = 9 + uniform(0, 1) * sign\n"
                            "surface \"portal\" { launch = \"2027Q1\", delay = regulator_delay,\n"
                            "  addressable = 1000, ceiling = 0.5,\n"
                            "  adoption = { p = 0.05, q = 0.4, f0 = 0 }, interactions = 2 }\n"
                            "spend \"build\" { kind = \"lump\", quarter = \"2027Q1\", amount = 5000 }\n"
                            "revenue \"calls\" { class = \"savings\", kind = \"per_interaction\",\n"
                            "  rate = price, ratio = 0.5, from = \"2027Q1\" }\n");
    run = run_ok(m, 500);
    an = NULL;
    assert_int_equal(roi_analysis_run(run, &ao, &an, &err), ROI_ERR_USAGE);
    assert_non_null(strstr(err.msg, "neither only rises nor only falls"));
    roi_run_free(run);
    roi_model_free(m);
}

/* A correlation names distributions: naming an expression is refused at the pair. */
static void test_correlating_an_expression_is_refused(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%scorrelate { {\"regulator_delay\", \"calls.rate\", 0.5} }\n",
             CLINIC);
    const char *name = "clinic.lua", *t = text;
    roi_model *m = NULL;
    roi_error err;
    assert_int_not_equal(load_files(1, &name, &t, &m, &err), ROI_OK);
    assert_null(m);
    if (!strstr(err.msg, "'regulator_delay' is an expression (set at ") ||
        !strstr(err.msg, "clinic.lua:"))
        fail_msg("got: %s", err.msg);
}

/* An expression over several unnamed distributions is not named as a whole: a
 * condition on its name says which values there are under it. */
static void test_several_distributions_are_named_by_place(void **state)
{
    (void)state;
    roi_model *m = load_ok("horizon { from = \"2027Q1\", to = \"2027Q4\", discount = 0,\n"
                           "  terminal = false }\n"
                           "x = uniform(4, 6) + uniform(0, 1)\n"
                           "spend \"s\" { kind = \"schedule\", from = \"2027Q1\", to = \"end\",\n"
                           "  amount = x }\n");
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_analysis_given_check(m, "x > 5", "--given", &err), ROI_ERR_USAGE);
    if (!strstr(err.msg, "'x' is not one value; the uncertain inputs under it are x.1, x.2"))
        fail_msg("got: %s", err.msg);
    assert_int_equal(roi_analysis_given_check(m, "x.1 > 5", "--given", &err), ROI_OK);
    roi_model_free(m);
}

/* A what-if that halves the parent's value: the run reports the value used (half the
 * parent's draw, trial by trial), marked as changed. */
static void test_relative_whatif_reports_the_value_used(void **state)
{
    (void)state;
    const char *names[] = {"clinic.lua", "cheap.lua"};
    const char *parent_text =
        CLINIC_HEAD "regulator_delay = bernoulli(0.3) * 4\n"
        "surface \"portal\" { launch = \"2027Q1\", delay = regulator_delay, addressable = 1000,\n"
        "  ceiling = 0.5, adoption = { p = 0.05, q = 0.4, f0 = 0 }, interactions = 2 }\n"
        "spend \"build\" { kind = \"lump\", quarter = \"2027Q1\", amount = 5000 }\n"
        "revenue \"calls\" { class = \"savings\", kind = \"per_interaction\",\n"
        "  rate = uniform(2, 4), ratio = 0.5, from = \"2027Q1\" }\n";
    const char *texts[] = {parent_text, "scenario { extends = \"clinic\" }\n"
                                        "calls.rate = calls.rate * 0.5\n"};
    roi_model *child = NULL, *parent = load_ok(parent_text);
    roi_error err;
    if (load_files(2, names, texts, &child, &err) != ROI_OK)
        fail_msg("loading: %s", err.msg);
    int node = roi_graph_find_input(&child->graph, "calls.rate");
    assert_true(node >= 0);
    assert_true(child->graph.nodes[node].changed);
    roi_run *rc = run_ok(child, 2000), *rp = run_ok(parent, 2000);
    const roi_input_stats *sc = stats_of(rc, "calls.rate"), *sp = stats_of(rp, "calls.rate");
    assert_non_null(sc);
    assert_non_null(sp);
    assert_near(sc->mean, 0.5 * sp->mean, 1e-9 * sp->mean);
    /* trial by trial, from the reruns the trials CSV reads */
    roi_rerun *a = NULL, *b = NULL;
    assert_int_equal(roi_rerun_new(rc, &a), ROI_OK);
    assert_int_equal(roi_rerun_new(rp, &b), ROI_OK);
    int pnode = roi_graph_find_input(&parent->graph, "calls.rate");
    assert_int_equal(parent->graph.nodes[pnode].kind, ROI_NODE_INPUT);
    for (size_t i = 0; i < 50; i++) {
        double out[ROI_OUT_COUNT];
        roi_rerun_trial(a, i, out);
        roi_rerun_trial(b, i, out);
        assert_near(roi_rerun_values(a)[node], 0.5 * roi_rerun_values(b)[pnode], 1e-12);
    }
    roi_rerun_free(a);
    roi_rerun_free(b);
    roi_run_free(rc);
    roi_run_free(rp);
    roi_model_free(child);
    roi_model_free(parent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_and_statistics_see_the_expression),
        cmocka_unit_test(test_draws_do_not_depend_on_the_naming),
        cmocka_unit_test(test_stress_on_an_expression),
        cmocka_unit_test(test_correlating_an_expression_is_refused),
        cmocka_unit_test(test_relative_whatif_reports_the_value_used),
        cmocka_unit_test(test_several_distributions_are_named_by_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
