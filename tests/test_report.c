/*
 * test_report.c - the JSON, Excel and terminal reports.
 *
 * Two kinds of run feed the reports: a hand-made one (values chosen so the expected
 * output is known exactly, including an output with no defined value) and a real
 * one from roi_sim_run on a small model built in C. Files go to a fresh temporary
 * directory per test.
 */
#include "roi_test.h"
#include "roi_test_json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "json_number.h"
#include "report.h"
#include "rng.h"
#include "sha256.h"
#include "sim.h"
#include "numfmt.h"
#include "text.h"

/* ---- helpers ------------------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    assert_non_null(d);
    strcpy(d, s);
    return d;
}

static void make_tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/roi_test_report.XXXXXX");
    assert_non_null(mkdtemp(dir));
}

/* Number of entries in dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* A small valid model: one version, one surface, a lump, an uplift, a milestone. */
static roi_model *tiny_model(void)
{
    roi_model *m = roi_model_new();
    assert_non_null(m);
    m->name = xstrdup("tiny");
    m->title = xstrdup("Tiny test scenario");
    m->file = xstrdup("tests/tiny.lua");
    m->start_year = 2025;
    m->start_q = 2;
    m->periods = 8;
    m->discount = roi_test_const(m, 0.09);
    m->terminal = 0;

    m->versions = calloc(1, sizeof *m->versions);
    assert_non_null(m->versions);
    m->n_versions = 1;
    m->versions[0] = (roi_version){.name = xstrdup("v1"), .planned = 0, .after = ROI_NONE,
                                   .slip = ROI_NONE, .score = roi_test_const(m, 50),
                                   .improvement = ROI_NONE};
    m->frontier_score = roi_test_const(m, 60);
    m->frontier_slope = roi_test_const(m, 4);
    m->quality_beta = roi_test_const(m, 0.03);
    m->people = roi_test_const(m, 3e9);

    m->surfaces = calloc(1, sizeof *m->surfaces);
    assert_non_null(m->surfaces);
    m->n_surfaces = 1;
    roi_surface *s = &m->surfaces[0];
    s->name = xstrdup("app");
    s->launch = 1;
    s->delay = ROI_NONE;
    s->addressable = roi_test_const(m, 1e9);
    s->growth = ROI_NONE;
    s->stages = calloc(1, sizeof *s->stages);
    assert_non_null(s->stages);
    s->stages[0] = (roi_stage){.offset = 0, .share = roi_test_const(m, 1.0)};
    s->n_stages = 1;
    s->ceiling = roi_test_const(m, 0.5);
    s->p = roi_test_const(m, 0.05);
    s->q = roi_test_const(m, 0.4);
    s->f0 = ROI_NONE;
    s->interactions = roi_test_const(m, 10);
    s->reasoning = ROI_NONE;

    m->spend = calloc(1, sizeof *m->spend);
    assert_non_null(m->spend);
    m->n_spend = 1;
    m->spend[0] = (roi_spend){.name = xstrdup("stake"), .kind = ROI_SPEND_LUMP,
                              .cls = ROI_CLASS_INVESTMENT, .from = 0, .to = ROI_NONE,
                              .amount = roi_test_uniform(m, "stake_cost", 1e9, 2e9),
                              .growth = ROI_NONE, .residual_fraction = ROI_NONE,
                              .residual_valuation = ROI_NONE, .heads = ROI_NONE,
                              .package = ROI_NONE, .attrition = ROI_NONE,
                              .unit_cost = ROI_NONE, .reasoning_cost = ROI_NONE,
                              .cost_decline = ROI_NONE};

    m->streams = calloc(1, sizeof *m->streams);
    assert_non_null(m->streams);
    m->n_streams = 1;
    m->streams[0] = (roi_stream){.name = xstrdup("uplift"), .kind = ROI_STREAM_UPLIFT,
                                 .from = 1, .base = roi_test_const(m, 1e9), .growth = roi_test_const(m, 0.1),
                                 .lift = roi_test_uniform(m, "lift", 0.05, 0.5),
                                 .rate = ROI_NONE, .ratio = ROI_NONE,
                                 .conversion = ROI_NONE, .price = ROI_NONE,
                                 .market = ROI_NONE, .share = ROI_NONE, .cap = ROI_NONE};

    m->milestones = calloc(1, sizeof *m->milestones);
    assert_non_null(m->milestones);
    m->n_milestones = 1;
    m->milestones[0] = (roi_milestone){.name = xstrdup("prob_revenue_1e8_2025Q4"),
                                       .series = ROI_SERIES_REVENUE, .period = 2,
                                       .threshold = 1e8};
    roi_error err;
    roi_status st = roi_model_validate(m, &err);
    if (st != ROI_OK)
        fail_msg("tiny model invalid: %s", err.msg);
    return m;
}

/*
 * A hand-made run of 10 trials on the tiny model: npv = -4..5 (billions), irr never
 * defined, payback never in 3 trials and 1..7 otherwise; every other output 1..10;
 * bands and input stats set to simple known numbers.
 */
static roi_run *hand_run(const roi_model *m)
{
    enum { N = 10 };
    roi_run *run = calloc(1, sizeof *run);
    assert_non_null(run);
    run->model = m;
    run->seed = 7;
    run->trials = N;
    double work[N], x[N];
    run->exact = malloc(N * sizeof *run->exact); /* every value below is a float exactly */
    assert_non_null(run->exact);
    memset(run->exact, 0xff, N * sizeof *run->exact);
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        run->out[o] = calloc(N, sizeof(float));
        assert_non_null(run->out[o]);
        for (int i = 0; i < N; i++) {
            double v = i + 1.0;
            if (o == ROI_OUT_NPV)
                v = (i - 4.0) * 1e9;
            else if (o == ROI_OUT_IRR)
                v = NAN;
            else if (o == ROI_OUT_PAYBACK)
                v = i < 3 ? NAN : i - 2.0;
            run->out[o][i] = (float)v;
            x[i] = v;
        }
        assert_int_equal(roi_stats_summarize(x, N, work, &run->summary[o]), ROI_OK);
    }
    run->n_series = roi_model_series_count(m);
    run->periods = m->periods;
    run->bands = calloc((size_t)run->n_series * (size_t)run->periods, sizeof *run->bands);
    assert_non_null(run->bands);
    for (int s = 0; s < run->n_series; s++)
        for (int t = 0; t < run->periods; t++)
            run->bands[s * run->periods + t] = (roi_band){s + t, s + t - 1, s + t, s + t + 1};
    run->milestone_prob = calloc(1, sizeof(double));
    assert_non_null(run->milestone_prob);
    run->milestone_prob[0] = 0.25;
    run->n_inputs = roi_graph_input_count(&m->graph);
    run->inputs = calloc((size_t)run->n_inputs, sizeof *run->inputs);
    assert_non_null(run->inputs);
    for (int i = 0; i < run->n_inputs; i++)
        run->inputs[i] = (roi_input_stats){roi_graph_input_node(&m->graph, i), 1.5, 1.0, 2.0};
    return run;
}

static void hand_run_free(roi_run *run)
{
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        free(run->out[o]);
    free(run->exact);
    free(run->bands);
    free(run->milestone_prob);
    free(run->inputs);
    free(run);
}

/* Results over borrowed runs, as the reports take them (nothing searched, analysed or
 * compared); the test frees the runs itself, never these. */
typedef struct hand_results {
    roi_scenario_results sc[4];
    roi_results res;
} hand_results;

static const roi_results *results_of(hand_results *h, const roi_run *const *runs, int n)
{
    assert_true(n <= 4);
    memset(h, 0, sizeof *h);
    for (int i = 0; i < n; i++)
        h->sc[i].run = (roi_run *)runs[i];
    h->res = (roi_results){.n = n, .sc = h->sc, .reference = -1};
    return &h->res;
}

/* The results of the runs, valid to the end of the enclosing block. */
#define RESULTS(runs, n) results_of(&(hand_results){0}, (runs), (n))

static const char *const stat_keys[] = {"mean", "sd", "se", "min", "max", "p1", "p5",
                                        "p10", "p25", "p50", "p75", "p90", "p95", "p99",
                                        "prob_positive", "cvar5"};
enum { N_STAT_KEYS = sizeof stat_keys / sizeof stat_keys[0] };

/* Checks one scenario object against the contract (keys, shapes, no NaN). */
static void check_scenario_contract(const cJSON *sc, const roi_model *m)
{
    assert_string_equal(roi_test_json_str(sc, "name"), m->name);
    assert_string_equal(roi_test_json_str(sc, "title"), m->title);
    assert_string_equal(roi_test_json_str(sc, "file"), m->file);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(sc, "horizon");
    assert_string_equal(roi_test_json_str(h, "start"), "2025Q2");
    assert_string_equal(roi_test_json_str(h, "end"), "2027Q1");
    assert_int_equal((int)roi_test_json_num(h, "periods"), 8);

    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(sc, "outputs");
    assert_true(cJSON_IsObject(outputs));
    static const char *const names[] = {"npv", "npv_horizon", "roi_multiple", "irr",
                                        "payback", "total_spend", "total_revenue",
                                        "peak_active"};
    for (size_t i = 0; i < 8; i++) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(outputs, names[i]);
        if (!cJSON_IsObject(o))
            fail_msg("outputs.%s missing", names[i]);
        for (int k = 0; k < N_STAT_KEYS; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, stat_keys[k]);
            if (!cJSON_IsNumber(v) && !cJSON_IsNull(v))
                fail_msg("outputs.%s.%s missing", names[i], stat_keys[k]);
        }
    }
    const cJSON *irr = cJSON_GetObjectItemCaseSensitive(outputs, "irr");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(irr, "undefined_share")));
    const cJSON *pb = cJSON_GetObjectItemCaseSensitive(outputs, "payback");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(pb, "never_share")));
    assert_string_equal(roi_test_json_str(pb, "unit"), "quarters from start");

    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(sc, "inputs");
    assert_true(cJSON_IsArray(inputs));
    assert_int_equal(cJSON_GetArraySize(inputs), 2);
    const cJSON *in0 = cJSON_GetArrayItem(inputs, 0);
    assert_string_equal(roi_test_json_str(in0, "name"), "stake_cost");
    char desc[256];
    roi_dist_describe(&m->graph.nodes[roi_graph_find_input(&m->graph, "stake_cost")].dist,
                      desc, sizeof desc);
    assert_string_equal(roi_test_json_str(in0, "distribution"), desc);
    roi_test_json_num(in0, "mean");
    roi_test_json_num(in0, "p5");
    roi_test_json_num(in0, "p95");

    const cJSON *series = cJSON_GetObjectItemCaseSensitive(sc, "series");
    assert_int_equal(cJSON_GetArraySize(series), roi_model_series_count(m));
    static const char *const some[] = {"cash_flow", "cumulative_cash_flow", "revenue",
                                       "spend", "revenue.uplift", "spend.stake",
                                       "active.app"};
    for (size_t i = 0; i < sizeof some / sizeof some[0]; i++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(series, some[i]);
        if (!cJSON_IsArray(arr))
            fail_msg("series.%s missing", some[i]);
        assert_int_equal(cJSON_GetArraySize(arr), 8);
        const cJSON *q3 = cJSON_GetArrayItem(arr, 5);
        assert_string_equal(roi_test_json_str(q3, "quarter"), "2026Q3");
        roi_test_json_num(q3, "mean");
        roi_test_json_num(q3, "p10");
        roi_test_json_num(q3, "p50");
        roi_test_json_num(q3, "p90");
    }
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(sc, "milestones");
    double p = roi_test_json_num(ms, "prob_revenue_1e8_2025Q4");
    assert_true(p >= 0 && p <= 1);
}

/* The JSON never spells a NaN or an infinity (any case); the test model has no name
 * containing "nan" or "inf". */
static void assert_no_nan(const char *text)
{
    for (const char *p = text; *p; p++) {
        char c0 = (char)tolower((unsigned char)p[0]);
        if (!p[1] || !p[2])
            break;
        char c1 = (char)tolower((unsigned char)p[1]), c2 = (char)tolower((unsigned char)p[2]);
        if ((c0 == 'n' && c1 == 'a' && c2 == 'n') || (c0 == 'i' && c1 == 'n' && c2 == 'f'))
            fail_msg("the JSON holds a NaN or an infinity near \"%.20s\"", p);
    }
}

/* ---- JSON on a hand-made run ------------------------------------------------------------ */

static void test_json_hand_values(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/report.json", dir);
    roi_model *m = tiny_model();
    roi_run *run = hand_run(m);
    const roi_run *runs[] = {run};
    /* A seed above 2^53 must come out exactly, not rounded through a double. */
    roi_report_meta meta = {.version = "9.9.9", .seed = UINT64_MAX, .trials = 10};
    roi_error err;
    assert_int_equal(roi_report_json_write(RESULTS(runs, 1), &meta, path, &err), ROI_OK);
    char *text = roi_test_read_file(path, NULL);
    assert_non_null(text);
    assert_no_nan(text);
    assert_non_null(strstr(text, "\"seed\":\t18446744073709551615"));

    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(roi_test_json_str(root, "version"), "9.9.9");
    assert_int_equal((int)roi_test_json_num(root, "trials"), 10);
    const cJSON *scs = cJSON_GetObjectItemCaseSensitive(root, "scenarios");
    assert_int_equal(cJSON_GetArraySize(scs), 1);
    const cJSON *sc = cJSON_GetArrayItem(scs, 0);
    check_scenario_contract(sc, m);

    const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(sc, "outputs");
    /* npv = -4e9 .. 5e9: mean 0.5e9, median 0.5e9, P(> 0) = 0.5, min -4e9. */
    const cJSON *npv = cJSON_GetObjectItemCaseSensitive(outputs, "npv");
    assert_near(roi_test_json_num(npv, "mean"), 0.5e9, 1e-6);
    assert_near(roi_test_json_num(npv, "p50"), 0.5e9, 1e-6);
    assert_near(roi_test_json_num(npv, "min"), -4e9, 0);
    assert_near(roi_test_json_num(npv, "prob_positive"), 0.5, 0);
    /* irr never defined: every stat null, undefined_share 1. */
    const cJSON *irr = cJSON_GetObjectItemCaseSensitive(outputs, "irr");
    for (int k = 0; k < N_STAT_KEYS; k++)
        if (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(irr, stat_keys[k])))
            fail_msg("irr.%s should be null", stat_keys[k]);
    assert_near(roi_test_json_num(irr, "undefined_share"), 1.0, 0);
    /* payback: 1..7 defined, 3 of 10 never. */
    const cJSON *pb = cJSON_GetObjectItemCaseSensitive(outputs, "payback");
    assert_near(roi_test_json_num(pb, "never_share"), 0.3, 1e-15);
    assert_near(roi_test_json_num(pb, "p50"), 4.0, 1e-12);
    assert_near(roi_test_json_num(pb, "min"), 1.0, 0);
    /* bands and inputs come through unchanged. */
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(sc, "series"), "revenue");
    const cJSON *pt = cJSON_GetArrayItem(cf, 3);
    assert_near(roi_test_json_num(pt, "mean"), ROI_SERIES_REVENUE + 3, 0);
    assert_near(roi_test_json_num(pt, "p10"), ROI_SERIES_REVENUE + 2, 0);
    assert_near(roi_test_json_num(pt, "p90"), ROI_SERIES_REVENUE + 4, 0);
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(sc, "milestones");
    assert_near(roi_test_json_num(ms, "prob_revenue_1e8_2025Q4"), 0.25, 0);
    const cJSON *in1 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sc, "inputs"), 1);
    assert_string_equal(roi_test_json_str(in1, "name"), "lift");
    assert_near(roi_test_json_num(in1, "mean"), 1.5, 0);

    cJSON_Delete(root);
    free(text);
    hand_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/* A non-finite value in a band or input stat is written as null, never as NaN. */
static void test_json_nonfinite_is_null(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/r.json", dir);
    roi_model *m = tiny_model();
    roi_run *run = hand_run(m);
    run->bands[0].mean = NAN;
    run->bands[1].p90 = INFINITY;
    run->inputs[0].p5 = -INFINITY;
    run->milestone_prob[0] = NAN;
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = "1", .seed = 1, .trials = 10};
    roi_error err;
    assert_int_equal(roi_report_json_write(RESULTS(runs, 1), &meta, path, &err), ROI_OK);
    char *text = roi_test_read_file(path, NULL);
    assert_no_nan(text);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    const cJSON *sc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "scenarios"), 0);
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(sc, "series"), "cash_flow");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cf, 0), "mean")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cf, 1), "p90")));
    cJSON_Delete(root);
    free(text);
    hand_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/* ---- numfmt: one rule for every shown number --------------------------------------------- */

static void expect_fmt(double v, roi_nf_kind kind, int decimals, const roi_money_unit *mu,
                       const char *want)
{
    char buf[64];
    roi_nf nf = {kind, decimals, mu};
    roi_numfmt(buf, sizeof buf, v, &nf);
    if (strcmp(buf, want) != 0)
        fail_msg("%.17g as kind %d: got '%s', want '%s'", v, (int)kind, buf, want);
}

static void test_numfmt(void **state)
{
    (void)state;
    roi_money_unit b = roi_numfmt_money_unit(5e10), m = roi_numfmt_money_unit(2e7);
    roi_money_unit k = roi_numfmt_money_unit(4e3), d = roi_numfmt_money_unit(12);
    assert_string_equal(b.letter, "B");
    assert_string_equal(m.letter, "M");
    assert_string_equal(k.letter, "K");
    assert_string_equal(d.letter, "");
    /* 0.1945 is 0.19450000000000000677 as a double and 19.449999999999999 times 100:
     * shown from its 15 digits, half away from zero, it is 19.5% everywhere. */
    expect_fmt(0.1945, ROI_NF_PCT, 1, NULL, "19.5%");
    expect_fmt(0.9998, ROI_NF_PCT, 1, NULL, "> 99.9%");
    expect_fmt(0.0001, ROI_NF_PCT, 1, NULL, "< 0.1%");
    expect_fmt(1, ROI_NF_PCT, 1, NULL, "100.0%");
    expect_fmt(0, ROI_NF_PCT, 1, NULL, "0.0%");
    expect_fmt(0.00004, ROI_NF_PCT, 2, NULL, "< 0.01%");
    expect_fmt(-0.087, ROI_NF_PTS, 1, NULL, "-8.7 pts");
    expect_fmt(0.0004, ROI_NF_PTS, 1, NULL, "0.0 pts");
    expect_fmt(-0.0004, ROI_NF_PTS, 1, NULL, "0.0 pts");
    expect_fmt(-3.52e10, ROI_NF_MONEY, 1, &b, "-$35.2B");
    expect_fmt(-4e7, ROI_NF_MONEY, 1, &b, "$0.0B");
    expect_fmt(4e7, ROI_NF_MONEY_DELTA, 1, &b, "$0.0B");
    expect_fmt(9.15e9, ROI_NF_MONEY_DELTA, 1, &b, "+$9.2B");
    expect_fmt(1234.45e9, ROI_NF_MONEY, 1, &b, "$1,234.5B");
    expect_fmt(2e7, ROI_NF_MONEY, 1, &m, "$20.0M");
    expect_fmt(-2500, ROI_NF_MONEY, 1, &k, "-$2.5K");
    expect_fmt(12.25, ROI_NF_MONEY, 1, &d, "$12.3");
    expect_fmt(1.85e9, ROI_NF_USERS, 0, NULL, "1.85B");
    expect_fmt(803.94e6, ROI_NF_USERS, 0, NULL, "803.9M");
    expect_fmt(0.905, ROI_NF_RATIO, 2, NULL, "0.91x");
    expect_fmt(-0.04, ROI_NF_NUMBER, 1, NULL, "0.0");
    expect_fmt(NAN, ROI_NF_MONEY, 1, &b, "n/a");
    /* Another currency: its symbol, or its code, before the amount (MODEL.md 10.5). */
    roi_money_unit eur = {1e6, 2, "M", "\u20ac"}, chf = {1e6, 2, "M", "CHF "};
    expect_fmt(-2.05e7, ROI_NF_MONEY, 1, &eur, "-\u20ac20.5M");
    expect_fmt(3e6, ROI_NF_MONEY_DELTA, 1, &chf, "+CHF 3.0M");

    /* The workbook's formats show the same digits: a value that rounds to zero gets a
     * format without a sign; a probability next to 0 or 1 a literal. */
    char e[128];
    roi_nf pct = {ROI_NF_PCT, 1, NULL}, money = {ROI_NF_MONEY, 1, &m};
    roi_nf delta = {ROI_NF_MONEY_DELTA, 1, &b}, pts = {ROI_NF_PTS, 1, NULL};
    assert_int_equal(roi_numfmt_variant(0.9998, &pct), ROI_NFV_NEAR_ONE);
    assert_string_equal(roi_numfmt_excel(e, sizeof e, &pct, ROI_NFV_NEAR_ONE), "\"> 99.9%\"");
    assert_int_equal(roi_numfmt_variant(0.5, &pct), ROI_NFV_NORMAL);
    assert_string_equal(roi_numfmt_excel(e, sizeof e, &pct, ROI_NFV_NORMAL), "0.0%");
    assert_string_equal(roi_numfmt_excel(e, sizeof e, &money, ROI_NFV_NORMAL),
                        "$#,##0.0,,\"M\";-$#,##0.0,,\"M\"");
    assert_int_equal(roi_numfmt_variant(-4e7, &delta), ROI_NFV_ZERO);
    assert_string_equal(roi_numfmt_excel(e, sizeof e, &delta, ROI_NFV_ZERO),
                        "$#,##0.0,,,\"B\";$#,##0.0,,,\"B\"");
    assert_string_equal(roi_numfmt_excel(e, sizeof e, &pts, ROI_NFV_NORMAL),
                        "+0.0\" pts\";-0.0\" pts\";0.0\" pts\"");
    roi_nf euros = {ROI_NF_MONEY, 1, &eur};
    assert_string_equal(roi_numfmt_excel(e, sizeof e, &euros, ROI_NFV_NORMAL),
                        "\"\u20ac\"#,##0.0,,\"M\";-\"\u20ac\"#,##0.0,,\"M\"");
}

static void test_terminal_table(void **state)
{
    (void)state;
    roi_model *m = tiny_model();
    roi_run *run = hand_run(m);
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = "1", .seed = 42, .trials = 10};
    char buf[4096] = {0};
    FILE *fp = fmemopen(buf, sizeof buf - 1, "w");
    assert_non_null(fp);
    roi_report_terminal(fp, RESULTS(runs, 1), &meta);
    fclose(fp);
    /* npv p10/p50/p90 of -4..5 (billions): -3.1, 0.5, 4.1; P(>0) 50%; payback
     * defined in 7 of 10 trials -> 70.0% pay back; spend p50 5.5 dollars -> $0.0B. */
    assert_non_null(strstr(buf, "tiny"));
    assert_non_null(strstr(buf, "50.0%"));
    assert_non_null(strstr(buf, "-$3.1B"));
    assert_non_null(strstr(buf, "$0.5B"));
    assert_non_null(strstr(buf, "$4.1B"));
    assert_non_null(strstr(buf, "70.0%"));
    assert_non_null(strstr(buf, "10 trials, seed 42\n"));
    assert_null(strstr(buf, "-$0.0B"));
    for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1)
        if (nl - line > 80)
            fail_msg("over 80 columns: %.*s", (int)(nl - line), line);

    /* A very long name is cut and big numbers are grouped; still within 80 columns. */
    free(m->name);
    m->name = xstrdup("a_scenario_name_that_goes_on_and_on_and_on");
    run->summary[ROI_OUT_NPV].pct[2] = -1234.46e9;
    run->summary[ROI_OUT_NPV].pct[6] = 12345.0e9;
    memset(buf, 0, sizeof buf);
    fp = fmemopen(buf, sizeof buf - 1, "w");
    roi_report_terminal(fp, RESULTS(runs, 1), &meta);
    fclose(fp);
    assert_non_null(strstr(buf, "a_scenario_na...")); /* the name gives way */
    assert_non_null(strstr(buf, "-$1,234.5B"));
    assert_non_null(strstr(buf, "$12,345.0B"));
    int lines = 0;
    for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++)
        if (nl - line > 80)
            fail_msg("over 80 columns: %.*s", (int)(nl - line), line);
    assert_int_equal(lines, 8); /* header, rule, one row, rule, trials, a 3-line note */
    hand_run_free(run);
    roi_model_free(m);
}

/* ---- a real run: determinism and files ------------------------------------------------------ */

static void test_json_real_run(void **state)
{
    (void)state;
    char dir[64], a[128], b[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    roi_model *m = tiny_model();
    roi_sim_opts opts = {.seed = 12345, .trials = 300, .threads = 2};
    roi_run *run = NULL;
    roi_error err;
    roi_status st = roi_sim_run(m, &opts, &run, &err);
    if (st != ROI_OK)
        fail_msg("roi_sim_run: %s", err.msg);
    const roi_run *runs[] = {run, run};
    roi_report_meta meta = {.version = ROI_VERSION, .seed = 12345, .trials = 300};
    assert_int_equal(roi_report_json_write(RESULTS(runs, 2), &meta, a, &err), ROI_OK);
    assert_int_equal(roi_report_json_write(RESULTS(runs, 2), &meta, b, &err), ROI_OK);
    size_t la, lb;
    char *ta = roi_test_read_file(a, &la), *tb = roi_test_read_file(b, &lb);
    assert_non_null(ta);
    assert_non_null(tb);
    assert_int_equal(la, lb);
    assert_memory_equal(ta, tb, la);
    assert_no_nan(ta);
    cJSON *root = cJSON_Parse(ta);
    assert_non_null(root);
    assert_int_equal((int)roi_test_json_num(root, "seed"), 12345);
    assert_int_equal((int)roi_test_json_num(root, "trials"), 300);
    const cJSON *scs = cJSON_GetObjectItemCaseSensitive(root, "scenarios");
    assert_int_equal(cJSON_GetArraySize(scs), 2);
    check_scenario_contract(cJSON_GetArrayItem(scs, 0), m);
    /* Sampled input stats: stake_cost ~ U(1e9, 2e9), mean within 4 SE. */
    const cJSON *in0 = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(scs, 0), "inputs"), 0);
    assert_near(roi_test_json_num(in0, "mean"), 1.5e9, 4 * 1e9 / sqrt(12.0) / sqrt(300.0));
    /* Only the report files are in the directory: no temporary left behind. */
    assert_int_equal(count_entries(dir), 2);
    cJSON_Delete(root);
    free(ta);
    free(tb);

    /* The terminal table of a real run fits in 100 columns too. */
    char buf[4096] = {0};
    FILE *fp = fmemopen(buf, sizeof buf - 1, "w");
    roi_report_terminal(fp, RESULTS(runs, 1), &meta);
    fclose(fp);
    assert_non_null(strstr(buf, "300 trials, seed 12345"));

    roi_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/* ---- exact numbers ---------------------------------------------------------------------- */

/* The same bits (so -0 and 0 differ, and NaN is never equal). */
static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Doubles of every magnitude from random bits: each reads back bit-identical and no
 * shorter text would; cJSON's own printing loses some of them, which is why. */
static void test_json_number_round_trips(void **state)
{
    (void)state;
    int lost_by_cjson = 0, n = 0;
    for (uint64_t i = 0; n < 20000; i++) {
        uint32_t w[4];
        roi_rng_block(roi_rng_key(7, "json numbers"), i, 0, w);
        uint64_t bits = ((uint64_t)w[0] << 32) | w[1];
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v) || v == 0)
            continue;
        if (i % 2) /* half of them in the range statistics live in */
            v = ldexp(frexp(v, &(int){0}), (int)(w[2] % 80) - 20);
        n++;
        char buf[ROI_JSON_NUMBER_SIZE];
        roi_json_number_text(v, buf, sizeof buf);
        if (!same_bits(strtod(buf, NULL), v))
            fail_msg("%s does not read back as %.17g", buf, v);
        int digits = 0, leading = 1; /* significant digits: from the first nonzero one */
        for (const char *c = buf; *c && *c != 'e'; c++) {
            leading &= *c == '-' || *c == '0' || *c == '.';
            digits += !leading && isdigit((unsigned char)*c);
        }
        if (digits > 15) { /* one digit fewer would not do */
            char shorter[400];
            snprintf(shorter, sizeof shorter, "%.*g", digits - 1, v);
            if (strtod(shorter, NULL) == v)
                fail_msg("%s: %s is shorter and reads back too", buf, shorter);
        }
        cJSON *item = cJSON_CreateNumber(v);
        char *text = cJSON_PrintUnformatted(item);
        lost_by_cjson += !same_bits(strtod(text, NULL), v);
        cJSON_free(text);
        cJSON_Delete(item);
    }
    assert_true(lost_by_cjson > n / 20);
    char buf[ROI_JSON_NUMBER_SIZE];
    assert_string_equal(roi_json_number_text(0.1, buf, sizeof buf), "0.1");
    assert_string_equal(roi_json_number_text(-0.0, buf, sizeof buf), "0");
    assert_string_equal(roi_json_number_text(1e300 * 1e300, buf, sizeof buf), "null");
    assert_string_equal(roi_json_number_text(1.0 / 3.0, buf, sizeof buf), "0.3333333333333333");
    assert_string_equal(roi_json_number_text(12345, buf, sizeof buf), "12345");
}

/* Reading a real run's JSON back gives every output statistic's double bit for bit. */
static void test_json_statistics_exact(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/exact.json", dir);
    roi_model *m = tiny_model();
    roi_sim_opts opts = {.seed = 99, .trials = 500, .threads = 1};
    roi_run *run = NULL;
    roi_error err;
    if (roi_sim_run(m, &opts, &run, &err) != ROI_OK)
        fail_msg("roi_sim_run: %s", err.msg);
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = ROI_VERSION, .seed = 99, .trials = 500};
    assert_int_equal(roi_report_json_write(RESULTS(runs, 1), &meta, path, &err), ROI_OK);
    char *text = roi_test_read_file(path, NULL);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "scenarios"), 0), "outputs");
    int compared = 0;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        const roi_summary *s = &run->summary[o];
        const cJSON *out = cJSON_GetObjectItemCaseSensitive(outs, roi_output_name((roi_output)o));
        if (!roi_model_output_present(run->model, (roi_output)o)) {
            assert_null(out); /* total_savings without a savings stream */
            continue;
        }
        assert_non_null(out);
        if (s->n_defined < 2)
            continue;
        double want[N_STAT_KEYS] = {s->mean, s->sd, s->se, s->min, s->max};
        for (int k = 0; k < ROI_NPCT; k++)
            want[5 + k] = s->pct[k];
        want[5 + ROI_NPCT] = s->prob_positive;
        want[6 + ROI_NPCT] = s->cvar5;
        for (int k = 0; k < N_STAT_KEYS; k++) {
            double got = roi_test_json_num(out, stat_keys[k]);
            if (!same_bits(got, want[k] == 0 ? 0.0 : want[k]))
                fail_msg("%s.%s: %.17g read back as %.17g", roi_output_name((roi_output)o),
                         stat_keys[k], want[k], got);
            compared++;
        }
    }
    assert_true(compared >= 5 * N_STAT_KEYS);
    cJSON_Delete(root);
    free(text);
    roi_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

static void test_xlsx_write(void **state)
{
    (void)state;
    char dir[64], a[128], b[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.xlsx", dir);
    snprintf(b, sizeof b, "%s/b.xlsx", dir);
    roi_model *m = tiny_model();
    roi_run *run = hand_run(m);
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = "1", .seed = 3, .trials = 10,
                            .command = "roisim run tiny.lua --xlsx a.xlsx"};
    roi_error err;
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, a, &err), ROI_OK);
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, b, &err), ROI_OK);
    size_t la, lb;
    char *ta = roi_test_read_file(a, &la), *tb = roi_test_read_file(b, &lb);
    assert_non_null(ta);
    assert_true(la > 100);
    assert_memory_equal(ta, "PK", 2);
    /* A fixed creation date makes the workbook byte-identical run to run. */
    assert_int_equal(la, lb);
    assert_memory_equal(ta, tb, la);
    assert_int_equal(count_entries(dir), 2);
    free(ta);
    free(tb);
    hand_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/* Writing into a directory that does not exist fails cleanly with ROI_ERR_IO. */
static void test_missing_directory(void **state)
{
    (void)state;
    char dir[64], path[160];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/no/such/dir/r.json", dir);
    roi_model *m = tiny_model();
    roi_run *run = hand_run(m);
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = "1", .seed = 3, .trials = 10};
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_report_json_write(RESULTS(runs, 1), &meta, path, &err), ROI_ERR_IO);
    assert_non_null(strstr(err.msg, path));
    snprintf(path, sizeof path, "%s/no/such/dir/r.xlsx", dir);
    roi_error_clear(&err);
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, path, &err), ROI_ERR_IO);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(count_entries(dir), 0);
    hand_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/*
 * A write that fails part way (the file size limit stands in for a full disk, and
 * works even as root) leaves the earlier report intact and no temporary file.
 */
static void test_failed_write_keeps_old_report(void **state)
{
    (void)state;
    char dir[64], json[128], xlsx[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(json, sizeof json, "%s/r.json", dir);
    snprintf(xlsx, sizeof xlsx, "%s/r.xlsx", dir);
    roi_model *m = tiny_model();
    roi_run *run = hand_run(m);
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = "1", .seed = 3, .trials = 10};
    roi_error err;
    assert_int_equal(roi_report_json_write(RESULTS(runs, 1), &meta, json, &err), ROI_OK);
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, xlsx, &err), ROI_OK);
    size_t lj, lx;
    char *old_json = roi_test_read_file(json, &lj), *old_xlsx = roi_test_read_file(xlsx, &lx);

    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    small = saved;
    small.rlim_cur = 64;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    meta.seed = 4; /* different content, so an overwrite would show */
    roi_status sj = roi_report_json_write(RESULTS(runs, 1), &meta, json, &err);
    roi_status sx = roi_report_xlsx_write(RESULTS(runs, 1), &meta, xlsx, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(sj, ROI_ERR_IO);
    assert_int_equal(sx, ROI_ERR_IO);

    size_t nj, nx;
    char *new_json = roi_test_read_file(json, &nj), *new_xlsx = roi_test_read_file(xlsx, &nx);
    assert_int_equal(nj, lj);
    assert_memory_equal(new_json, old_json, lj);
    assert_int_equal(nx, lx);
    assert_memory_equal(new_xlsx, old_xlsx, lx);
    assert_int_equal(count_entries(dir), 2);
    free(old_json);
    free(old_xlsx);
    free(new_json);
    free(new_xlsx);
    hand_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}


/* ---- sheet names, SHA-256, trials CSV ---------------------------------------------- */

static void expect_sheet(const char *scenario, const char *const *taken, int n,
                         const char *expected)
{
    char out[32];
    assert_int_equal(roi_report_sheet_name(scenario, taken, n, out), 0);
    assert_string_equal(out, expected);
}

/* Excel's rules: no []:*?/\, at most 31 characters, unique ignoring case. */
static void test_sheet_names(void **state)
{
    (void)state;
    const char *fixed[] = {"Summary", "Inputs", "Series", "Run", "base", "abcdefghijklmnopqrstuvwxyz01234"};
    expect_sheet("v2_slips", fixed, 6, "v2_slips");
    expect_sheet("a[b]:c*d?e/f\\g", fixed, 6, "a_b__c_d_e_f_g");
    expect_sheet("'quoted'", fixed, 6, "_quoted_");
    expect_sheet("tab\there", fixed, 6, "tab_here");
    expect_sheet("", fixed, 6, "Scenario");
    expect_sheet("History", fixed, 6, "Scenario History");
    expect_sheet("BASE", fixed, 6, "BASE~2");          /* case-insensitive clash */
    expect_sheet("summary", fixed, 6, "summary~2");    /* a fixed sheet's name */
    /* 40 characters are cut to 31; a clash at 31 makes room for the suffix. */
    expect_sheet("abcdefghijklmnopqrstuvwxyz0123456789ABCD", fixed, 5,
                 "abcdefghijklmnopqrstuvwxyz01234");
    expect_sheet("abcdefghijklmnopqrstuvwxyz0123456789ABCD", fixed, 6,
                 "abcdefghijklmnopqrstuvwxyz012~2");
    /* 31 characters, not bytes, and never half a UTF-8 character: 30 x "e" + 2 x e-acute
     * is 32 characters; the cut keeps 31 characters, and the 32-byte buffer bounds it
     * further to whole characters that fit in 31 bytes. */
    char out[32];
    assert_int_equal(roi_report_sheet_name("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                                           NULL, 0, out), 0);
    assert_int_equal(strlen(out), 30); /* 15 two-byte characters */
    for (size_t i = 0; i < strlen(out); i += 2)
        assert_memory_equal(out + i, "\xc3\xa9", 2);
    /* Many clashes still end in distinct names. */
    char names[12][32];
    const char *taken[12];
    for (int i = 0; i < 12; i++) {
        assert_int_equal(roi_report_sheet_name("same", taken, i, names[i]), 0);
        taken[i] = names[i];
    }
    assert_string_equal(names[0], "same");
    assert_string_equal(names[11], "same~12");
}

/* FIPS 180-4 examples, fed in uneven pieces. */
static void test_sha256(void **state)
{
    (void)state;
    char hex[65];
    roi_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    roi_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    roi_sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    roi_sha256 s;
    unsigned char d[32], chunk[997];
    memset(chunk, 'a', sizeof chunk);
    roi_sha256_init(&s);
    size_t left = 1000000;
    for (size_t piece = 1; left > 0; piece = piece % 997 + 1) {
        size_t take = piece < left ? piece : left;
        roi_sha256_update(&s, chunk, take);
        left -= take;
    }
    roi_sha256_final(&s, d);
    static const unsigned char million_a[32] = {
        0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e,
        0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11,
        0x2c, 0xd0};
    assert_memory_equal(d, million_a, 32);

    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/f.txt", dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("abc", fp);
    fclose(fp);
    assert_int_equal(roi_sha256_file(path, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(roi_sha256_file(path, hex), -1);
    remove_tree(dir);
}

/* Splits a CSV line without quotes into fields (in place); returns the count. */
static int split_csv(char *line, char **field, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        field[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    char *nl = strchr(field[n - 1], '\n');
    if (nl)
        *nl = '\0';
    return n;
}

/* A real run (kept as floats): the outputs come out as the exact doubles the model
 * gives for each trial, undefined ones as empty fields; the inputs are the graph's
 * values for each trial. */
static void test_trials_csv(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    roi_model *m = tiny_model();
    roi_sim_opts opts = {.seed = 12345, .trials = 300, .threads = 2};
    roi_run *run = NULL;
    roi_error err;
    assert_int_equal(roi_sim_run(m, &opts, &run, &err), ROI_OK);
    const roi_run *runs[] = {run, run};
    assert_int_equal(roi_report_trials_csv_write(RESULTS(runs, 2), path, &err), ROI_OK);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[4096], *f[64];
    /* total_savings, the last output, applies to no model without savings streams */
    const int n_out = ROI_OUT_COUNT - 1;
    assert_false(roi_model_output_present(m, ROI_OUT_TOTAL_SAVINGS));
    assert_non_null(fgets(line, sizeof line, fp));
    int nf = split_csv(line, f, 64);
    assert_int_equal(nf, 2 + n_out + 2);
    assert_string_equal(f[0], "scenario");
    assert_string_equal(f[2], "npv");
    assert_string_equal(f[5], "irr");
    assert_string_equal(f[2 + n_out], "stake_cost");
    assert_string_equal(f[3 + n_out], "lift");

    uint64_t keys[64];
    double vals[64], series[4096], out[ROI_OUT_COUNT];
    assert_true(m->graph.n <= 64);
    assert_true(run->n_series * run->periods <= 4096);
    roi_trial_ws *ws = roi_trial_ws_new(m);
    assert_non_null(ws);
    roi_graph_keys(&m->graph, run->seed, keys);
    gsl_rng *r = gsl_rng_alloc(roi_rng_philox);
    assert_non_null(r);
    int stake = roi_graph_find_input(&m->graph, "stake_cost");
    int rows = 0;
    while (fgets(line, sizeof line, fp)) {
        assert_int_equal(split_csv(line, f, 64), nf);
        size_t i = (size_t)rows % run->trials;
        assert_string_equal(f[0], "tiny");
        assert_int_equal(strtoul(f[1], NULL, 10), i);
        roi_graph_eval(&m->graph, keys, i, vals, r);
        roi_model_trial(m, vals, ws, out, series);
        for (int o = 0; o < ROI_OUT_COUNT; o++) {
            double v = out[o];
            int exact;
            float stored = roi_stats_to_float(v, &exact);
            assert_memory_equal(&stored, &run->out[o][i], sizeof stored);
            assert_int_equal(exact, run->exact[i] >> o & 1);
            if (o >= n_out)
                continue;
            if (isnan(v))
                assert_string_equal(f[2 + o], "");
            else
                assert_true(strtod(f[2 + o], NULL) == v); /* %.17g: the same double */
        }
        assert_true(strtod(f[2 + n_out], NULL) == vals[stake]);
        rows++;
    }
    fclose(fp);
    gsl_rng_free(r);
    roi_trial_ws_free(ws);
    assert_int_equal(rows, 2 * (int)run->trials);
    /* An unwritable target: ROI_ERR_IO naming it. */
    snprintf(path, sizeof path, "%s/no/dir/t.csv", dir);
    roi_error_clear(&err);
    assert_int_equal(roi_report_trials_csv_write(RESULTS(runs, 1), path, &err), ROI_ERR_IO);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(count_entries(dir), 1);
    roi_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/* A real run's CSV: the sampled inputs' column means are the run's input means (same
 * values, other summation order: 1e-12 relative), so the CSV draws what the run drew. */
static void test_trials_csv_real_run(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    roi_model *m = tiny_model();
    roi_sim_opts opts = {.seed = 99, .trials = 2000, .threads = 2};
    roi_run *run = NULL;
    roi_error err;
    assert_int_equal(roi_sim_run(m, &opts, &run, &err), ROI_OK);
    const roi_run *runs[] = {run};
    assert_int_equal(roi_report_trials_csv_write(RESULTS(runs, 1), path, &err), ROI_OK);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[4096], *f[64];
    assert_non_null(fgets(line, sizeof line, fp));
    int nf = split_csv(line, f, 64);
    double sum[2] = {0, 0};
    size_t n = 0;
    while (fgets(line, sizeof line, fp)) {
        assert_int_equal(split_csv(line, f, 64), nf);
        for (int j = 0; j < 2; j++)
            sum[j] += strtod(f[2 + (ROI_OUT_COUNT - 1) + j], NULL); /* no total_savings */
        n++;
    }
    fclose(fp);
    assert_int_equal(n, 2000);
    for (int j = 0; j < 2; j++) {
        double mean = run->inputs[j].mean;
        assert_near(sum[j] / (double)n, mean, 1e-12 * fabs(mean));
    }
    roi_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/* A recorded date reaches the workbook; without one the bytes do not depend on it. */
static void test_xlsx_dates(void **state)
{
    (void)state;
    char dir[64], a[128], b[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.xlsx", dir);
    snprintf(b, sizeof b, "%s/b.xlsx", dir);
    roi_model *m = tiny_model();
    roi_run *run = hand_run(m);
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = "1", .seed = 3, .trials = 10,
                            .created = 1774915200}; /* 2026-03-31 00:00 UTC */
    roi_error err;
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, a, &err), ROI_OK);
    meta.created = 1774915200 + 86400;
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, b, &err), ROI_OK);
    size_t la, lb;
    char *ta = roi_test_read_file(a, &la), *tb = roi_test_read_file(b, &lb);
    assert_non_null(ta);
    assert_non_null(tb);
    assert_false(la == lb && memcmp(ta, tb, la) == 0);
    free(ta);
    free(tb);
    hand_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}


/* ---- files and text at the boundary ------------------------------------------------ */

/* Each ill-formed sequence becomes one U+FFFD per maximal subpart; valid text is
 * returned as it is, without a copy. */
static void expect_clean(const char *in, unsigned flags, const char *want)
{
    char *owned = NULL;
    const char *got = roi_text_clean(in, flags, &owned);
    assert_non_null(got);
    assert_string_equal(got, want);
    if (!strcmp(in, want))
        assert_ptr_equal(got, in); /* nothing to change: no copy */
    else
        assert_int_equal(roi_text_valid(got, flags), 1);
    free(owned);
}

#define R "\xEF\xBF\xBD" /* U+FFFD */

static void test_text_clean(void **state)
{
    (void)state;
    expect_clean("plain ascii", 0, "plain ascii");
    expect_clean("Caf\xC3\xA9 \xF0\x9F\x98\x80 \xE6\xBC\xA2", 0, "Caf\xC3\xA9 \xF0\x9F\x98\x80 \xE6\xBC\xA2");
    expect_clean("a\xFF" "b", 0, "a" R "b");
    expect_clean("a\x80\x80" "b", 0, "a" R R "b");
    expect_clean("a\xC0\xAF" "b", 0, "a" R R "b");            /* overlong '/' */
    expect_clean("a\xE0\x80\xAF" "b", 0, "a" R R R "b");      /* overlong, 3 bytes */
    expect_clean("a\xED\xA0\x80" "b", 0, "a" R R R "b");      /* surrogate */
    expect_clean("a\xF4\x90\x80\x80" "b", 0, "a" R R R R "b"); /* above U+10FFFF */
    expect_clean("a\xE2\x82" "b", 0, "a" R "b");              /* truncated: one subpart */
    expect_clean("a\xF0\x9F\x98", 0, "a" R);                  /* truncated at the end */
    expect_clean("\xF8\x88\x80\x80\x80", 0, R R R R R);        /* 5-byte forms never */
    /* XML 1.0: C0 controls but tab, LF, CR; U+FFFE and U+FFFF. DEL is allowed. */
    expect_clean("a\x01" "b\x1B" "c\td\ne\rf\x7F", 0, "a\x01" "b\x1B" "c\td\ne\rf\x7F");
    expect_clean("a\x01" "b\x1B" "c\td\ne\rf\x7F", ROI_TEXT_XML, "a" R "b" R "c\td\ne\rf\x7F");
    expect_clean("x\xEF\xBF\xBEy\xEF\xBF\xBF", ROI_TEXT_XML, "x" R "y" R);
    expect_clean("", ROI_TEXT_XML, "");
    char *owned = (char *)1;
    assert_null(roi_text_clean(NULL, 0, &owned));
    assert_null(owned);
}

static void test_text_lengths_and_formulas(void **state)
{
    (void)state;
    assert_int_equal(roi_text_utf16_len(""), 0);
    assert_int_equal(roi_text_utf16_len("abc"), 3);
    assert_int_equal(roi_text_utf16_len("\xC3\xA9\xE6\xBC\xA2"), 2);
    assert_int_equal(roi_text_utf16_len("\xF0\x9F\x98\x80"), 2); /* a surrogate pair */
    assert_int_equal(roi_text_utf16_len("a\xFF\xFE"), 3);        /* each becomes U+FFFD */
    static const char *const formulas[] = {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'x"};
    for (size_t i = 0; i < sizeof formulas / sizeof *formulas; i++)
        assert_true(roi_text_csv_needs_quote_mark(formulas[i]));
    static const char *const plain[] = {"", "x=1", "1-2", "a@b", " =x", "npv"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        assert_false(roi_text_csv_needs_quote_mark(plain[i]));
}

/* Sheet names from names that are not UTF-8 are UTF-8. */
static void test_sheet_names_not_utf8(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(roi_report_sheet_name("ev\xFFil", NULL, 0, out), 0);
    assert_string_equal(out, "ev" R "il");
    assert_int_equal(roi_report_sheet_name("\xC0\xAF\x01x", NULL, 0, out), 0);
    assert_int_equal(roi_text_valid(out, ROI_TEXT_XML), 1);
}

/* The JSON report of a model whose strings are not UTF-8 is UTF-8 (and parses). */
static void test_json_not_utf8(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/r.json", dir);
    roi_model *m = tiny_model();
    free(m->title);
    m->title = xstrdup("bad \xFF\xC0\xAF title \x01");
    free(m->milestones[0].name);
    m->milestones[0].name = xstrdup("key\xED\xA0\x80");
    roi_run *run = hand_run(m);
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = "1", .seed = 3, .trials = 10};
    roi_error err;
    assert_int_equal(roi_report_json_write(RESULTS(runs, 1), &meta, path, &err), ROI_OK);
    char *text = roi_test_read_file(path, NULL);
    assert_non_null(text);
    assert_int_equal(roi_text_valid(text, 0), 1);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    const cJSON *sc = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "scenarios"), 0);
    assert_string_equal(roi_test_json_str(sc, "title"), "bad " R R R " title \x01");
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "milestones"), "key" R R R));
    cJSON_Delete(root);
    free(text);
    hand_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/* A batch puts every report in place only at its commit; an abort leaves the earlier
 * files as they were and no temporary file. */
static void test_atomic_batch(void **state)
{
    (void)state;
    char dir[64], a[128], b[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.txt", dir);
    snprintf(b, sizeof b, "%s/b.txt", dir);
    roi_error err;
    roi_atomic_file af = {0};
    for (int round = 0; round < 2; round++) {
        roi_atomic_batch_begin();
        assert_int_equal(roi_atomic_open(&af, a, &err), ROI_OK);
        fputs(round ? "a2" : "a1", af.fp);
        assert_int_equal(roi_atomic_commit(&af, &err), ROI_OK);
        assert_int_equal(roi_atomic_open(&af, b, &err), ROI_OK);
        fputs(round ? "b2" : "b1", af.fp);
        assert_int_equal(roi_atomic_commit(&af, &err), ROI_OK);
        /* Queued: nothing in place yet, two temporary files beside the targets (or,
         * in the second round, beside the earlier files). */
        assert_int_equal(count_entries(dir), round ? 4 : 2);
        if (round == 0) {
            assert_int_equal(roi_atomic_batch_commit(&err), ROI_OK);
        } else {
            roi_atomic_batch_abort();
        }
        assert_int_equal(count_entries(dir), 2);
        char *ta = roi_test_read_file(a, NULL), *tb = roi_test_read_file(b, NULL);
        assert_string_equal(ta, "a1");
        assert_string_equal(tb, "b1");
        free(ta);
        free(tb);
    }
    /* A failed write inside a batch: the message says why; commit puts nothing. */
    roi_atomic_batch_begin();
    assert_int_equal(roi_atomic_open(&af, a, &err), ROI_OK);
    fputs("a3", af.fp);
    assert_int_equal(roi_atomic_commit(&af, &err), ROI_OK);
    assert_int_equal(roi_atomic_open(&af, b, &err), ROI_OK);
    assert_int_equal(roi_atomic_fail(&af, ENOSPC, &err), ROI_ERR_IO);
    assert_non_null(strstr(err.msg, "No space left on device"));
    roi_atomic_batch_abort();
    char *ta = roi_test_read_file(a, NULL);
    assert_string_equal(ta, "a1");
    free(ta);
    assert_int_equal(count_entries(dir), 2);
    /* A named writer gets a name in a private 0700 directory; abort removes it. */
    assert_int_equal(roi_atomic_open_named(&af, a, &err), ROI_OK);
    assert_non_null(af.name);
    FILE *fp = fopen(af.name, "wb");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(count_entries(dir), 3);
    roi_atomic_abort(&af);
    assert_int_equal(count_entries(dir), 2);
    /* roi_atomic_remove_temps (the signal handlers') removes what is open. */
    assert_int_equal(roi_atomic_open(&af, b, &err), ROI_OK);
    assert_int_equal(roi_atomic_open_named(&(roi_atomic_file){0}, a, &err), ROI_OK);
    assert_int_equal(count_entries(dir), 4);
    roi_atomic_remove_temps();
    assert_int_equal(count_entries(dir), 2);
    roi_atomic_batch_abort(); /* releases both slots */
    remove_tree(dir);
}

/* What the workbook cannot hold is refused before anything is written. */
static void test_xlsx_limits(void **state)
{
    (void)state;
    char dir[64], path[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/r.xlsx", dir);
    roi_model *m = tiny_model();
    roi_run *run = hand_run(m);
    const roi_run *runs[] = {run};
    roi_report_meta meta = {.version = "1", .seed = 3, .trials = 10};
    roi_error err;
    /* Too many quarters for the Series sheet's columns. */
    int periods = run->periods;
    run->periods = 16382;
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, path, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "at most 16381 quarters"));
    assert_int_equal(count_entries(dir), 0);
    run->periods = periods;
    /* A title longer than a cell. */
    char *title = m->title;
    m->title = malloc(40001);
    assert_non_null(m->title);
    memset(m->title, 't', 40000);
    m->title[40000] = '\0';
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, path, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "the title of scenario 'tiny' is 40000 characters"));
    assert_int_equal(count_entries(dir), 0);
    free(m->title);
    m->title = title;
    /* A command line longer than a cell. */
    char *cmd = malloc(33000);
    assert_non_null(cmd);
    memset(cmd, 'c', 32999);
    cmd[32999] = '\0';
    meta.command = cmd;
    assert_int_equal(roi_report_xlsx_write(RESULTS(runs, 1), &meta, path, &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "command line"));
    assert_int_equal(count_entries(dir), 0);
    free(cmd);
    hand_run_free(run);
    roi_model_free(m);
    remove_tree(dir);
}

/* An input's value is shown as what it measures, not by its size. */
static void expect_input(roi_measure ms, double v, double typical, const char *want)
{
    roi_money_unit b = roi_numfmt_money_unit(5e10), own;
    roi_nf nf = roi_numfmt_input(ms, typical, &b, &own);
    char buf[64];
    roi_numfmt(buf, sizeof buf, v, &nf);
    if (strcmp(buf, want) != 0)
        fail_msg("%.17g as measure %d: got '%s', want '%s'", v, (int)ms, buf, want);
}

static void test_numfmt_input(void **state)
{
    (void)state;
    expect_input(ROI_MEASURE_MONEY, 6.7e8, 6.7e8, "$0.67B");
    expect_input(ROI_MEASURE_MONEY, 1.25e10, 1.25e10, "$12.5B");
    /* too small for the report's billions: its own unit, the same currency */
    expect_input(ROI_MEASURE_MONEY, 0.0021, 0.0021, "$0.0021");
    expect_input(ROI_MEASURE_MONEY, 1.5e6, 1.5e6, "$1.50M");
    expect_input(ROI_MEASURE_SHARE, 0.016, 0.06, "1.6%");
    expect_input(ROI_MEASURE_SHARE, 0.0025, 0.0025, "0.25%");
    expect_input(ROI_MEASURE_RATE, -0.05, 0.05, "-5.0%");
    expect_input(ROI_MEASURE_COUNT, 1.85e9, 1.85e9, "1.85B");
    expect_input(ROI_MEASURE_COUNT, 30.55, 30.55, "30.6");
    expect_input(ROI_MEASURE_QUARTERS, 2, 2, "2.0");
    expect_input(ROI_MEASURE_MULTIPLIER, 1.5, 1.5, "1.50x");
    expect_input(ROI_MEASURE_COEFFICIENT, 0.0123, 0.0123, "0.012");
    roi_money_unit b = roi_numfmt_money_unit(5e10), own;
    assert_int_equal(roi_numfmt_input(ROI_MEASURE_NONE, 3, &b, &own).kind, ROI_NF_NKIND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_hand_values),
        cmocka_unit_test(test_json_nonfinite_is_null),
        cmocka_unit_test(test_numfmt),
        cmocka_unit_test(test_terminal_table),
        cmocka_unit_test(test_json_real_run),
        cmocka_unit_test(test_json_number_round_trips),
        cmocka_unit_test(test_json_statistics_exact),
        cmocka_unit_test(test_xlsx_write),
        cmocka_unit_test(test_missing_directory),
        cmocka_unit_test(test_failed_write_keeps_old_report),
        cmocka_unit_test(test_sheet_names),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_trials_csv),
        cmocka_unit_test(test_trials_csv_real_run),
        cmocka_unit_test(test_xlsx_dates),
        cmocka_unit_test(test_text_clean),
        cmocka_unit_test(test_text_lengths_and_formulas),
        cmocka_unit_test(test_sheet_names_not_utf8),
        cmocka_unit_test(test_json_not_utf8),
        cmocka_unit_test(test_atomic_batch),
        cmocka_unit_test(test_xlsx_limits),
        cmocka_unit_test(test_numfmt_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
