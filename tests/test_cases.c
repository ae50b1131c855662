/* test_cases.c - cases other than an AI lab (MODEL.md section 10): scenarios that
 * declare only what they use, computed by hand. Small numbers, not Meta's shape. */
#include "roi_test.h"
#include "roi_test_scenario.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "sim.h"

static roi_model *load_ok(const char *text)
{
    roi_error err;
    roi_model *m = NULL;
    if (roi_test_load_text("case.lua", text, &m, &err) != ROI_OK)
        fail_msg("loading the case: %s", err.msg);
    return m;
}

static void expect_refused(const char *text, const char *substring)
{
    roi_error err;
    roi_model *m = NULL;
    roi_status s = roi_test_load_text("case.lua", text, &m, &err);
    assert_null(m);
    if (s == ROI_OK || !strstr(err.msg, substring))
        fail_msg("expected a message with '%s', got status %d: %s", substring, s, err.msg);
}

/* One trial of a model whose nodes are all constants: outputs, and the series when
 * `series` is not NULL (roi_model_series_count x periods). */
static void run_trial(const roi_model *m, double *out, double *series)
{
    double *vals = calloc((size_t)m->graph.n + 1, sizeof *vals);
    uint64_t *keys = calloc((size_t)m->graph.n + 1, sizeof *keys);
    roi_graph_keys(&m->graph, 1, keys);
    roi_graph_eval(&m->graph, keys, 0, vals, NULL);
    roi_trial_ws *ws = roi_trial_ws_new(m);
    assert_non_null(ws);
    roi_model_trial(m, vals, ws, out, series);
    roi_trial_ws_free(ws);
    free(vals);
    free(keys);
}

static double *new_series(const roi_model *m)
{
    double *s = calloc((size_t)roi_model_series_count(m) * (size_t)m->periods, sizeof *s);
    assert_non_null(s);
    return s;
}

#define AT(m, series, name, t) \
    (series)[(size_t)roi_model_series_index((m), (name)) * (size_t)(m)->periods + (size_t)(t)]

/* ---- 10.1: only the horizon is required ----------------------------------------------- */

/* A SaaS feature in thousands of EUR: a build-out, a team, and a share of a market
 * that follows nothing but time. No versions, family or surfaces. */
static const char *const SAAS =
    "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0.10, terminal = false }\n"
    "spend \"build\" { kind = \"lump\", quarter = \"2026Q1\", amount = 500 }\n"
    "spend \"team\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\", amount = 50 }\n"
    "revenue \"seats\" { kind = \"market_share\", from = \"2026Q2\", market = 2000, share = 0.1 }\n";

static void test_plain_cash_flow_case(void **state)
{
    (void)state;
    roi_model *m = load_ok(SAAS);
    assert_int_equal(m->n_versions, 0);
    assert_int_equal(m->n_surfaces, 0);
    assert_false(roi_model_has_section(m, "family"));
    assert_false(roi_model_has_section(m, "frontier"));
    double out[ROI_OUT_COUNT], *series = new_series(m);
    run_trial(m, out, series);
    /* CF = -550, 150, 150, 150 (m_t = 1: the market share is 2000 * 0.1); DF_t =
     * 1.1^(-t/4) */
    double npv = -550.0;
    for (int t = 1; t < 4; t++)
        npv += 150.0 * pow(1.1, -t / 4.0);
    assert_near(out[ROI_OUT_NPV], npv, 1e-9);
    assert_near(out[ROI_OUT_NPV_HORIZON], npv, 1e-9);
    assert_near(out[ROI_OUT_TOTAL_SPEND], 700.0, 1e-9);
    assert_near(out[ROI_OUT_TOTAL_REVENUE], 600.0, 1e-9);
    assert_true(isnan(out[ROI_OUT_PAYBACK])); /* cumulative -550 .. -100: never */
    assert_near(out[ROI_OUT_TOTAL_SAVINGS], 0.0, 0);
    assert_false(roi_model_output_present(m, ROI_OUT_TOTAL_SAVINGS));
    assert_true(roi_model_output_present(m, ROI_OUT_TOTAL_REVENUE));
    for (int t = 0; t < 4; t++)
        assert_near(AT(m, series, "quality_multiplier", t), 1.0, 0);
    assert_false(roi_model_series_present(m, ROI_SERIES_SCORE));
    assert_false(roi_model_series_present(m, ROI_SERIES_QUALITY));
    assert_false(roi_model_series_present(m, ROI_SERIES_UNIQUE_REACH));
    assert_true(roi_model_series_present(m, ROI_SERIES_CASH_FLOW));
    free(series);
    roi_model_free(m);
}

/* A retail bank's assistant on two surfaces, no family and no versions: m_t = 1 and
 * the unique series are plain sums. Bass with p huge: everyone reachable adopts at
 * once. */
static const char *const BANK =
    "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
    "surface \"app\" { launch = \"2026Q1\", addressable = 1000, ceiling = 0.5,\n"
    "  adoption = { p = 1e6, q = 0, f0 = 0 }, interactions = 4 }\n"
    "surface \"web\" { launch = \"2026Q3\", addressable = 600, ceiling = 0.25,\n"
    "  adoption = { p = 1e6, q = 0, f0 = 0 }, interactions = 2 }\n"
    "spend \"licence\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\", amount = 100 }\n"
    "revenue \"premium\" { kind = \"subscription\", from = \"2026Q1\", surfaces = { \"app\" },\n"
    "  conversion = 0.1, price = 3 }\n";

static void test_surfaces_without_versions_or_family(void **state)
{
    (void)state;
    roi_model *m = load_ok(BANK);
    double out[ROI_OUT_COUNT], *series = new_series(m);
    run_trial(m, out, series);
    /* app: 1000 * min(1, 0.5 * 1) * 1 = 500 active every quarter; web from 2026Q3:
     * 600 * 0.25 = 150; unique = plain sums */
    const double active[] = {500, 500, 650, 650}, reach[] = {1000, 1000, 1600, 1600};
    for (int t = 0; t < 4; t++) {
        assert_near(AT(m, series, "unique_active", t), active[t], 1e-6);
        assert_near(AT(m, series, "unique_reach", t), reach[t], 1e-6);
        assert_near(AT(m, series, "quality_multiplier", t), 1.0, 0);
    }
    /* premium: 500 * 0.1 * 3 = 150 a quarter; licence 100 a quarter */
    assert_near(out[ROI_OUT_NPV], 4 * (150.0 - 100.0), 1e-6);
    assert_near(out[ROI_OUT_PEAK_ACTIVE], 650.0, 1e-6);
    assert_true(roi_model_series_present(m, ROI_SERIES_UNIQUE_ACTIVE));
    assert_false(roi_model_series_present(m, ROI_SERIES_SCORE));
    free(series);
    roi_model_free(m);
}

/* What a part needs when another is absent is refused with a message that says so. */
static void test_parts_that_need_other_parts(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%sfrontier { score = 60, slope = 2 }\n", SAAS);
    expect_refused(text, "declares no version");
    snprintf(text, sizeof text, "%squality { beta = 0.1 }\n", SAAS);
    expect_refused(text, "declares no version");
    snprintf(text, sizeof text,
             "%sversion \"v1\" { planned = \"2026Q1\", score = 50 }\n"
             "quality { beta = 0.1 }\n", SAAS);
    expect_refused(text, "declare frontier");
    snprintf(text, sizeof text,
             "%sversion \"v1\" { planned = \"2026Q1\", score = 50 }\n"
             "frontier { score = 60, slope = 2 }\n", SAAS);
    expect_refused(text, "declare quality");
    snprintf(text, sizeof text,
             "%srevenue \"ads\" { kind = \"per_interaction\", from = \"2026Q1\", rate = 1 }\n",
             SAAS);
    expect_refused(text, "declares no surface");
    snprintf(text, sizeof text,
             "%sspend \"gpu\" { kind = \"inference\", from = \"2026Q1\", unit_cost = 1 }\n", SAAS);
    expect_refused(text, "declares no surface");
    snprintf(text, sizeof text,
             "%srevenue \"lift\" { kind = \"uplift\", from = \"2026Q1\", base = 10, lift = 0.1 }\n",
             BANK);
    expect_refused(text, "declares no family");
    /* a family given in part is still checked */
    snprintf(text, sizeof text, "%sfamily { growth = 0.1 }\n", BANK);
    expect_refused(text, "people");
}

/* ---- 10.2-10.3: schedule streams and savings -------------------------------------------- */

/* The bank's call-centre deflection as savings (a human contact costs 2, a quarter of
 * the assistant's conversations replace one), plus contracted fees on a schedule. */
static const char *const DEFLECTION =
    "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
    "surface \"app\" { launch = \"2026Q1\", addressable = 1000, ceiling = 0.5,\n"
    "  adoption = { p = 1e6, q = 0, f0 = 0 }, interactions = 4 }\n"
    "spend \"licence\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\", amount = 300 }\n"
    "revenue \"deflection\" { kind = \"per_interaction\", class = \"savings\", from = \"2026Q1\",\n"
    "  rate = 2, ratio = 0.25 }\n"
    "revenue \"fees\" { kind = \"schedule\", from = \"2026Q2\", to = \"2026Q3\", amount = 100 }\n";

static void test_savings_and_schedule(void **state)
{
    (void)state;
    roi_model *m = load_ok(DEFLECTION);
    assert_int_equal(m->streams[0].cls, ROI_STREAM_SAVINGS);
    assert_int_equal(m->streams[1].cls, ROI_STREAM_REVENUE);
    assert_int_equal(m->streams[1].kind, ROI_STREAM_SCHEDULE);
    double out[ROI_OUT_COUNT], *series = new_series(m);
    run_trial(m, out, series);
    /* savings: 500 active x 4 interactions x 2 x 0.25 = 1000 a quarter; fees 100 in
     * 2026Q2 and 2026Q3; licence 300: CF = 700, 800, 800, 700 */
    const double fees[] = {0, 100, 100, 0}, cf[] = {700, 800, 800, 700};
    for (int t = 0; t < 4; t++) {
        assert_near(AT(m, series, "savings.deflection", t), 1000.0, 1e-9);
        assert_near(AT(m, series, "revenue.fees", t), fees[t], 0);
        assert_near(AT(m, series, "revenue", t), fees[t], 1e-9); /* revenue streams only */
        assert_near(AT(m, series, "cash_flow", t), cf[t], 1e-9);
    }
    assert_int_equal(roi_model_series_index(m, "revenue.deflection"), -1);
    assert_near(out[ROI_OUT_NPV], 3000.0, 1e-9);
    assert_near(out[ROI_OUT_TOTAL_REVENUE], 200.0, 1e-9);
    assert_near(out[ROI_OUT_TOTAL_SAVINGS], 4000.0, 1e-9);
    assert_true(roi_model_output_present(m, ROI_OUT_TOTAL_SAVINGS));
    assert_string_equal(roi_output_name(ROI_OUT_TOTAL_SAVINGS), "total_savings");
    assert_near(out[ROI_OUT_TOTAL_SPEND], 1200.0, 1e-9);
    assert_near(out[ROI_OUT_ROI_MULTIPLE], (4000.0 + 200.0) / 1200.0, 1e-12);
    free(series);
    roi_model_free(m);
}

/* A schedule stream grows like the spend line of its kind, and savings count in the
 * terminal value's operating cash flow. */
static void test_schedule_growth_and_terminal_value(void **state)
{
    (void)state;
    roi_model *m = load_ok(
        "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0.1, terminal_growth = 0 }\n"
        "revenue \"rent\" { kind = \"schedule\", from = \"2026Q2\", to = \"end\", amount = 100,\n"
        "  growth = 0.1 }\n"
        "revenue \"energy\" { kind = \"schedule\", class = \"savings\", from = \"2026Q1\",\n"
        "  to = \"end\", amount = 10 }\n"
        "spend \"fit_out\" { kind = \"lump\", quarter = \"2026Q1\", amount = 1000 }\n");
    double out[ROI_OUT_COUNT], *series = new_series(m);
    run_trial(m, out, series);
    const double g = pow(1.1, 0.25);
    const double rent[] = {0, 100, 100 * g, 100 * g * g};
    double npv = 0.0, ocf = 0.0;
    for (int t = 0; t < 4; t++) {
        assert_near(AT(m, series, "revenue.rent", t), rent[t], 1e-9);
        npv += (rent[t] + 10.0 - (t == 0 ? 1000.0 : 0.0)) * pow(1.1, -t / 4.0);
        ocf += rent[t] + 10.0; /* the lump is an investment: not in the OCF */
    }
    const double tv = ocf / 0.1;
    assert_near(out[ROI_OUT_NPV], npv + tv * pow(1.1, -3 / 4.0), 1e-6);
    free(series);
    roi_model_free(m);
}

static void test_schedule_stream_checks(void **state)
{
    (void)state;
    expect_refused("horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
                   "revenue \"fees\" { kind = \"schedule\", from = \"2026Q3\", to = \"2026Q2\","
                   " amount = 1 }\n",
                   "fees.to: must not be before from (2026Q3), got 2026Q2");
    expect_refused("horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
                   "revenue \"fees\" { kind = \"schedule\", from = \"2026Q1\", amount = 1 }\n",
                   "missing 'to'");
    expect_refused("horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
                   "revenue \"fees\" { kind = \"schedule\", class = \"saving\", from = \"2026Q1\","
                   " to = \"end\", amount = 1 }\n",
                   "did you mean 'savings'?");
}

/* ---- 10.4: the adoption clock starts when a version has shipped ----------------------------- */

/* An assistant planned for 2026Q1 slips four quarters; the app launched in 2026Q1.
 * Bass with q = 0: a(k) = 1 - e^(-p (k + 1)). Adoption must start at the release, not
 * jump to where the curve would have been. */
static void test_slipped_version_delays_adoption(void **state)
{
    (void)state;
    roi_model *m = load_ok(
        "horizon { from = \"2026Q1\", to = \"2027Q4\", discount = 0, terminal = false }\n"
        "frontier { score = 50, slope = 0 }\n"
        "quality { beta = 0 }\n"
        "version \"assistant\" { planned = \"2026Q1\", slip = 4, score = 40 }\n"
        "surface \"app\" { launch = \"2026Q1\", addressable = 1000, ceiling = 1,\n"
        "  adoption = { p = 0.5, q = 0, f0 = 0 }, interactions = 1 }\n");
    double out[ROI_OUT_COUNT], *series = new_series(m);
    run_trial(m, out, series);
    for (int t = 0; t < 8; t++) {
        double expect = t < 4 ? 0.0 : 1000.0 * (1.0 - exp(-0.5 * (t - 4 + 1)));
        assert_near(AT(m, series, "active.app", t), expect, 1e-9);
    }
    free(series);
    roi_model_free(m);
}

/* ---- what-ifs may fix any input the parent analyses -------------------------------------------- */

/* Writes `parent` as bank.lua and `child` as whatif.lua in a new folder, and loads the
 * what-if. */
static roi_status load_whatif(const char *parent, const char *child, roi_model **m,
                              roi_error *err)
{
    char dir[] = "/tmp/roisim-cases-XXXXXX", path[2][64];
    const char *const text[2] = {parent, child}, *const name[2] = {"bank.lua", "whatif.lua"};
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < 2; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", dir, name[i]);
        FILE *fp = fopen(path[i], "w");
        assert_non_null(fp);
        fputs(text[i], fp);
        fclose(fp);
    }
    roi_error_clear(err);
    *m = NULL;
    roi_status s = roi_scenario_load(path[1], NULL, m, err);
    unlink(path[0]);
    unlink(path[1]);
    rmdir(dir);
    return s;
}

static const char *const ANALYSED =
    "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
    "revenue \"deflection\" { kind = \"schedule\", class = \"savings\", from = \"2026Q1\",\n"
    "  to = \"end\", amount = uniform(100, 200) }\n"
    "spend \"team\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\",\n"
    "  amount = uniform(50, 60) }\n"
    "correlate { {\"deflection.amount\", \"team.amount\", 0.5} }\n"
    "stress \"low_deflection\" { input = \"deflection.amount\", low = 0, high = 0.2 }\n"
    "stress \"small_team\" { input = \"team.amount\", low = 0, high = 0.5 }\n"
    "view \"big_savings\" { where = \"deflection.amount >= 150\" }\n"
    "view \"big_team\" { where = team.amount:at_least(55) }\n";

static void test_whatif_fixes_an_analysed_input(void **state)
{
    (void)state;
    roi_model *m = NULL;
    roi_error err;
    roi_status s = load_whatif(ANALYSED,
                               "scenario { extends = \"bank\" }\n"
                               "deflection.amount = 160\n",
                               &m, &err);
    if (s != ROI_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(m->n_correlations, 0);      /* the pair is dropped */
    assert_int_equal(m->n_stresses, 1);          /* its stress is skipped */
    assert_string_equal(m->stresses[0].name, "small_team");
    assert_int_equal(m->n_notes, 2);
    assert_non_null(strstr(m->notes[0], "bank.lua:6: note: correlate"));
    assert_non_null(strstr(m->notes[1], "stress 'low_deflection' is skipped"));
    /* the text view evaluates on the constant: 160 >= 150 holds in every trial */
    assert_int_equal(m->n_views, 2);
    assert_string_equal(m->views[0].where, "160 >= 150");
    assert_int_equal(m->views[0].cond.n_steps, 1);
    assert_int_equal(m->views[0].cond.steps[0].op, ROI_NODE_CONST);
    assert_true(m->views[0].cond.steps[0].value != 0.0);
    roi_model_free(m);
}

/* A what-if declares a view or a stress again by name: it replaces the parent's. */
static void test_whatif_redeclares_views_and_stresses(void **state)
{
    (void)state;
    roi_model *m = NULL;
    roi_error err;
    roi_status s = load_whatif(ANALYSED,
                               "scenario { extends = \"bank\" }\n"
                               "view \"big_team\" { where = \"team.amount >= 58\" }\n"
                               "stress \"small_team\" { input = \"team.amount\", low = 0.5,"
                               " high = 1 }\n",
                               &m, &err);
    if (s != ROI_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(m->n_views, 2);
    assert_string_equal(m->views[1].name, "big_team");
    assert_string_equal(m->views[1].where, "team.amount >= 58");
    assert_int_equal(m->n_stresses, 2);
    assert_near(m->stresses[1].low, 0.5, 0);
    assert_int_equal(m->n_notes, 0);
    roi_model_free(m);
    /* in one file, a second declaration is still a mistake */
    char text[2048];
    snprintf(text, sizeof text, "%sview \"big_team\" { where = \"team.amount >= 58\" }\n",
             ANALYSED);
    expect_refused(text, "already declared");
}

/* ---- the bundled example, scenarios/examples/fleet_routing.lua ---------------------------------- */

#define FLEET ROI_SOURCE_DIR "/scenarios/examples/fleet_routing.lua"

/* Every uncertain input of the example fixed (--set), with adoption at once (p huge, q
 * 0), so that its npv can be computed by hand from MODEL.md's formulas. */
static void test_example_npv_by_hand(void **state)
{
    (void)state;
    const char *const sets[] = {
        "horizon.terminal_growth=0.01", "platform.amount=8e6", "integration.amount=1.2e6",
        "compute.unit_cost=0.04", "drivers.delay=1", "drivers.ceiling=0.8",
        "drivers.adoption.p=1e6", "drivers.adoption.q=0", "fuel_and_overtime.rate=12",
        "fuel_and_overtime.ratio=0.5", "same_day.amount=0.6e6"};
    roi_scenario_opts opts = {.sets = sets, .n_sets = (int)(sizeof sets / sizeof sets[0])};
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_scenario_load(FLEET, &opts, &m, &err) != ROI_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(roi_graph_input_count(&m->graph), 0);
    assert_int_equal(m->periods, 20);
    assert_string_equal(roi_model_currency(m), "USD");
    double out[ROI_OUT_COUNT];
    run_trial(m, out, NULL);

    /* Drivers: launch 2026Q3 (t = 2) + 1 quarter: L = 3 (no versions: t_launch = 0).
     * Active = 4000 * 1.03^(t/4) * unlocked * 0.8; routes = active * 63. */
    double npv = 0.0, ocf = 0.0, savings = 0.0, revenue = 0.0, spend = 0.0;
    for (int t = 0; t < 20; t++) {
        int k = t - 3;
        double unlocked = k < 0 ? 0.0 : k < 2 ? 0.25 : k < 4 ? 0.60 : 1.0;
        double routes = 4000.0 * pow(1.03, t / 4.0) * unlocked * 0.8 * 63.0;
        double saved = t >= 2 ? routes * 12.0 * 0.5 : 0.0;
        double same_day = t >= 4 ? 0.6e6 * pow(1.1, (t - 4) / 4.0) : 0.0;
        double compute = t >= 2 ? routes * 0.04 * pow(0.8, t / 4.0) : 0.0;
        double team = 1.2e6 * pow(1.04, t / 4.0);
        double invest = (t == 0 ? 8e6 : 0.0) + (t < 4 ? 1.2e6 : 0.0);
        npv += (saved + same_day - compute - team - invest) * pow(1.08, -t / 4.0);
        if (t >= 16)
            ocf += saved + same_day - compute - team;
        savings += saved;
        revenue += same_day;
        spend += compute + team + invest;
    }
    const double tv = ocf > 0 ? ocf * 1.01 / (0.08 - 0.01) : 0.0;
    npv += tv * pow(1.08, -19 / 4.0);
    assert_near(out[ROI_OUT_NPV], npv, 1e-9 * fabs(npv));
    assert_near(out[ROI_OUT_TOTAL_SAVINGS], savings, 1e-9 * savings);
    assert_near(out[ROI_OUT_TOTAL_REVENUE], revenue, 1e-9 * revenue);
    assert_near(out[ROI_OUT_TOTAL_SPEND], spend, 1e-9 * spend);
    /* tens of millions, not billions */
    assert_true(fabs(npv) > 1e6 && fabs(npv) < 1e9);
    roi_model_free(m);
}

/* The scenario states its currency as an ISO 4217 code. */
static void test_currency(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%s", SAAS);
    char *brace = strchr(text, '}');
    assert_non_null(brace);
    const char *rest = strchr(SAAS, '}');
    snprintf(brace, sizeof text - (size_t)(brace - text), ", currency = \"EUR\" %s", rest);
    roi_model *m = load_ok(text);
    assert_string_equal(roi_model_currency(m), "EUR");
    assert_string_equal(roi_currency_symbol("EUR"), "\u20ac");
    assert_string_equal(roi_currency_symbol("USD"), "$");
    assert_null(roi_currency_symbol("CHF"));
    roi_model_free(m);
    m = load_ok(SAAS);
    assert_null(m->currency);
    assert_string_equal(roi_model_currency(m), "USD");
    roi_model_free(m);
    snprintf(brace, sizeof text - (size_t)(brace - text), ", currency = \"eur\" %s", rest);
    expect_refused(text, "horizon.currency: must be an ISO 4217 code in capitals, got 'eur'; "
                         "did you mean 'EUR'?");
    snprintf(brace, sizeof text - (size_t)(brace - text), ", currency = \"euro\" %s", rest);
    expect_refused(text, "three capital letters");
}

/* A pure benefit case spends nothing: its ROI multiple is undefined in every trial,
 * reported as a share, as irr is; the run does not stop. */
static void test_no_spend_roi_multiple_undefined(void **state)
{
    (void)state;
    roi_model *m = load_ok(
        "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
        "revenue \"grant\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\",\n"
        "  amount = uniform(1, 2) }\n");
    roi_sim_opts opts = {.seed = 1, .trials = 500, .threads = 1};
    roi_run *run = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_sim_run(m, &opts, &run, &err) != ROI_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(run->summary[ROI_OUT_ROI_MULTIPLE].n_defined, 0);
    assert_near(run->summary[ROI_OUT_ROI_MULTIPLE].undefined_share, 1.0, 0);
    assert_near(run->summary[ROI_OUT_TOTAL_SPEND].max, 0.0, 0);
    roi_run_free(run);
    roi_model_free(m);
}

/* ---- a what-if may use the parent's value of what it changes ----------------------------------- */

static void test_whatif_relative_change(void **state)
{
    (void)state;
    const char *parent =
        "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
        "uplift_share = 0.25\n"
        "revenue \"fees\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\", amount = 100 }\n"
        "revenue \"extra\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\",\n"
        "  amount = fees.amount * uplift_share }\n";
    roi_model *m = NULL;
    roi_error err;
    roi_status s = load_whatif(parent,
                               "scenario { extends = \"bank\" }\n"
                               "fees.amount = fees.amount * 2\n"
                               "uplift_share = uplift_share + 0.25\n",
                               &m, &err);
    if (s != ROI_OK)
        fail_msg("%s", err.msg);
    double out[ROI_OUT_COUNT];
    run_trial(m, out, NULL);
    /* fees 200 a quarter, extra 200 * 0.5 = 100 (the parent's expression sees the new
     * values) */
    assert_near(out[ROI_OUT_TOTAL_REVENUE], 4 * (200.0 + 100.0), 1e-9);
    roi_model_free(m);
    /* in one file, a name that has no value yet cannot use itself */
    expect_refused("horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
                   "x = x * 2\n",
                   "unknown name 'x'");
}

/* Smaller mistakes a user met, each with a message that says what to write. */
static void test_small_mistakes(void **state)
{
    (void)state;
    expect_refused("horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 10, terminal = false }\n",
                   "horizon.discount: is an annual rate as a fraction, got 10 (1000%); did you "
                   "mean 0.1?");
    expect_refused("horizon { from = \"2026Q1\", to = \"2026Q4\", discount = uniform(0, 8),"
                   " terminal = false }\n",
                   "rates above 1 are refused");
    char text[2048];
    snprintf(text, sizeof text,
             "%sspend \"gpu\" { kind = \"inference\", class = \"investment\", from = \"2026Q1\","
             " unit_cost = 1 }\n", BANK);
    expect_refused(text, "gpu.class: an inference line recurs with usage");
    expect_refused("horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
                   "spend \"fine_tuning\" { kind = \"lump\", quarter = \"2025Q4\", amount = 5 }\n",
                   "fine_tuning.quarter: 2025Q4 is before the horizon");
}

/* The base case leaves G_ref derived (MODEL.md 3), so a what-if that moves the frontier
 * or v1's score moves the reference gap with it. */
static void test_base_gap_ref_derived(void **state)
{
    (void)state;
    roi_error err;
    roi_error_clear(&err);
    roi_model *m = NULL;
    const char *const sets[] = {"frontier.score=72"};
    roi_scenario_opts opts = {.sets = sets, .n_sets = 1};
    if (roi_scenario_load(ROI_SOURCE_DIR "/scenarios/base.lua", &opts, &m, &err) != ROI_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(m->gap_ref, ROI_NONE);
    roi_model_free(m);
}

/* Every parameter may be uncertain (MODEL.md 2): a vesting length in whole quarters
 * takes discrete values. Without attrition the grant vests in full whatever its length:
 * total spend 8 in every trial; the length only moves when it is paid. */
static void test_uncertain_vesting_quarters(void **state)
{
    (void)state;
    const char *head =
        "horizon { from = \"2026Q1\", to = \"2027Q4\", discount = 0.1, terminal = false }\n";
    char text[1024];
    snprintf(text, sizeof text,
             "%sspend \"grants\" { kind = \"vesting\", from = \"2026Q1\", heads = 1, package = 8,\n"
             "  quarters = discrete{ [2] = .5, [4] = .5 } }\n", head);
    roi_model *m = load_ok(text);
    roi_sim_opts opts = {.seed = 7, .trials = 400, .threads = 1};
    roi_run *run = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_sim_run(m, &opts, &run, &err) != ROI_OK)
        fail_msg("%s", err.msg);
    assert_near(run->summary[ROI_OUT_TOTAL_SPEND].min, 8.0, 1e-12);
    assert_near(run->summary[ROI_OUT_TOTAL_SPEND].max, 8.0, 1e-12);
    /* npv: -(4 + 4 DF1) or -(2 + 2 DF1 + 2 DF2 + 2 DF3), so two values */
    const double q = pow(1.1, -0.25);
    assert_near(run->summary[ROI_OUT_NPV].min, -(4 + 4 * q), 1e-9); /* paid sooner */
    assert_near(run->summary[ROI_OUT_NPV].max, -(2 + 2 * q + 2 * q * q + 2 * q * q * q), 1e-9);
    roi_run_free(run);
    roi_model_free(m);
    snprintf(text, sizeof text,
             "%sspend \"grants\" { kind = \"vesting\", from = \"2026Q1\", heads = 1, package = 8,\n"
             "  quarters = uniform(2, 4) }\n", head);
    expect_refused(text, "grants.quarters: must be >= 1 and whole, but");
    snprintf(text, sizeof text,
             "%sspend \"grants\" { kind = \"vesting\", from = \"2026Q1\", heads = 1, package = 8,\n"
             "  quarters = 0 }\n", head);
    expect_refused(text, "grants.quarters: must be >= 1 and whole, got 0");
}

/* A stage's share may be uncertain: the app unlocks 40% at launch, then a share of the
 * rest that depends on a regulator (discrete). */
static void test_uncertain_stage_share(void **state)
{
    (void)state;
    const char *head =
        "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n";
    char text[1024];
    snprintf(text, sizeof text,
             "%ssurface \"app\" { launch = \"2026Q1\", addressable = 1000, ceiling = 1,\n"
             "  stages = { {0, 0.4}, {2, discrete{ [0.7] = .5, [1] = .5 }} },\n"
             "  adoption = { p = 1e6, q = 0 }, interactions = 1 }\n", head);
    roi_model *m = load_ok(text);
    assert_true(roi_graph_find_input(&m->graph, "app.stages.2") >= 0);
    roi_sim_opts opts = {.seed = 3, .trials = 400, .threads = 1};
    roi_run *run = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_sim_run(m, &opts, &run, &err) != ROI_OK)
        fail_msg("%s", err.msg);
    /* peak active users: 700 or 1000 from 2026Q3 on */
    assert_near(run->summary[ROI_OUT_PEAK_ACTIVE].min, 700.0, 1e-9);
    assert_near(run->summary[ROI_OUT_PEAK_ACTIVE].max, 1000.0, 1e-9);
    roi_run_free(run);
    roi_model_free(m);
    snprintf(text, sizeof text,
             "%ssurface \"app\" { launch = \"2026Q1\", addressable = 1000, ceiling = 1,\n"
             "  stages = { {0, 0.8}, {2, uniform(0.5, 1)} },\n"
             "  adoption = { p = 1e6, q = 0 }, interactions = 1 }\n", head);
    expect_refused(text, "app.stages: stage 2: shares must not decrease, got 0.5 after 0.8");
    snprintf(text, sizeof text,
             "%ssurface \"app\" { launch = \"2026Q1\", addressable = 1000, ceiling = 1,\n"
             "  stages = { {0, uniform(0.5, 1.5)} },\n"
             "  adoption = { p = 1e6, q = 0 }, interactions = 1 }\n", head);
    expect_refused(text, "app.stages: stage 1: share must be in (0, 1], but");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_cash_flow_case),
        cmocka_unit_test(test_surfaces_without_versions_or_family),
        cmocka_unit_test(test_parts_that_need_other_parts),
        cmocka_unit_test(test_savings_and_schedule),
        cmocka_unit_test(test_schedule_growth_and_terminal_value),
        cmocka_unit_test(test_schedule_stream_checks),
        cmocka_unit_test(test_slipped_version_delays_adoption),
        cmocka_unit_test(test_whatif_fixes_an_analysed_input),
        cmocka_unit_test(test_whatif_redeclares_views_and_stresses),
        cmocka_unit_test(test_example_npv_by_hand),
        cmocka_unit_test(test_currency),
        cmocka_unit_test(test_no_spend_roi_multiple_undefined),
        cmocka_unit_test(test_whatif_relative_change),
        cmocka_unit_test(test_small_mistakes),
        cmocka_unit_test(test_base_gap_ref_derived),
        cmocka_unit_test(test_uncertain_vesting_quarters),
        cmocka_unit_test(test_uncertain_stage_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
