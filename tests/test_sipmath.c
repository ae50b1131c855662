/*
 * test_sipmath.c - the SIPmath 3.0 library of a run (reports/sipmath.c).
 *
 * A small scenario (tests/scenarios/constant.lua) made uncertain with --set (a gamma
 * spend, a truncated Weibull rate, a discrete interaction count) is run and exported;
 * the library is read back with cJSON and every input's SIP is regenerated from what
 * the file says: its metalog's quantiles match the input's within the stated fit
 * error, its HDR stream and metalog give the first trials the file states, and a few
 * thousand regenerated trials have the input's mean within 4 standard errors. The
 * same library then feeds a scenario input (sipmath{...}) whose quantiles are the
 * gamma's within the stated error; the standard's known-answer SIP
 * (tests/scenarios/known.sipmath.json) gives its published first trials; and hostile
 * libraries are refused with messages that name the library and the SIP.
 */
#include "roi_test.h"
#include "roi_test_json.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdr.h"
#include "metalog.h"
#include "results.h"
#include "scenario.h"
#include "sim.h"
#include "sipmath_report.h"

static const char *const SETS[] = {
    "team.amount=gamma{ shape = 4, scale = 25 }",
    "ads.rate=weibull{ shape = 1.5, scale = 0.1 }:truncate{ high = 0.3 }",
    "app.interactions=discrete{ [8] = 0.25, [10] = 0.5, [12] = 0.25 }",
};
enum { N_SETS = sizeof SETS / sizeof SETS[0] };

/* The metalog a SIP's arguments describe. */
static roi_metalog sip_metalog(const cJSON *sip)
{
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(sip, "arguments");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(args, "aCoefficients");
    double coef[ROI_METALOG_MAX_TERMS];
    int k = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, a)
    {
        assert_true(k < ROI_METALOG_MAX_TERMS);
        coef[k++] = c->valuedouble;
    }
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(args, "lowerBound");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(args, "upperBound");
    roi_metalog m;
    roi_error err;
    assert_int_equal(roi_metalog_set(&m, coef, k, lo ? lo->valuedouble : -INFINITY,
                                     hi ? hi->valuedouble : INFINITY, &err),
                     ROI_OK);
    assert_true(roi_metalog_feasible(&m));
    return m;
}

/* The HDR arguments of the rng entry a SIP refers to. */
static roi_hdr sip_hdr(const cJSON *root, const cJSON *sip)
{
    const char *want = roi_test_json_str(cJSON_GetObjectItemCaseSensitive(sip, "ref"), "name");
    assert_string_equal(roi_test_json_str(cJSON_GetObjectItemCaseSensitive(sip, "ref"), "source"), "rng");
    const cJSON *rng = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "U01"), "rng");
    const cJSON *r;
    cJSON_ArrayForEach(r, rng)
    {
        if (strcmp(roi_test_json_str(r, "name"), want) != 0)
            continue;
        assert_string_equal(roi_test_json_str(r, "function"), "HDR_2_0");
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(r, "arguments");
        assert_string_equal(roi_test_json_str(a, "counter"), "PM_Index");
        return (roi_hdr){(uint64_t)roi_test_json_num(a, "entity"), (uint64_t)roi_test_json_num(a, "varId"),
                         (uint64_t)roi_test_json_num(a, "seed3"), (uint64_t)roi_test_json_num(a, "seed4")};
    }
    fail_msg("no rng entry '%s'", want);
    return (roi_hdr){0};
}

/* The quantile the SIP of input d must reproduce: d's own, or jittered by +/- 1/2 for a
 * whole-numbered input (what the library states with "integer"). */
static double input_quantile(const roi_dist *d, int integer, double y)
{
    double v = roi_dist_quantile(d, y);
    if (!integer)
        return v;
    double below = roi_dist_cdf(d, v - 0.5), at = roi_dist_cdf(d, v) - below;
    return v - 0.5 + (y - below) / at;
}

static void check_input_sip(const cJSON *root, const cJSON *sip, const roi_dist *d)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(sip, "metadata");
    roi_metalog m = sip_metalog(sip);
    int integer = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "integer"));
    assert_int_equal(integer, roi_dist_is_integer(d));
    /* Quantiles within the stated fit error (measured on y = 0.01..0.99). */
    double max_error = roi_test_json_num(meta, "fitMaxError");
    for (int j = 1; j <= 99; j += 7) {
        double y = j / 100.0, want = input_quantile(d, integer, y);
        double tol = 1.0001 * max_error + 1e-9 * (1 + fabs(want));
        if (!(fabs(roi_metalog_quantile(&m, y) - want) <= tol))
            fail_msg("%s: Q(%g) = %.17g, the input's %.17g, stated error %.3g", roi_test_json_str(sip, "name"),
                     y, roi_metalog_quantile(&m, y), want, max_error);
    }
    /* The first trials, regenerated from the file: HDR counter i + 1 for trial i. */
    roi_hdr h = sip_hdr(root, sip);
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(meta, "firstTrials");
    assert_int_equal(cJSON_GetArraySize(first), 3);
    for (int c = 1; c <= 3; c++) {
        double v = roi_metalog_quantile(&m, roi_hdr_uniform(&h, (uint64_t)c));
        double stated = cJSON_GetArrayItem(first, c - 1)->valuedouble;
        if (memcmp(&v, &stated, sizeof v) != 0)
            fail_msg("%s: trial %d regenerates %.17g, the file says %.17g", roi_test_json_str(sip, "name"), c,
                     v, stated);
    }
    /* The regenerated trials have the input's mean (integer inputs: after rounding). */
    enum { N = 4000 };
    double sum = 0;
    for (int i = 1; i <= N; i++) {
        double v = roi_metalog_quantile(&m, roi_hdr_uniform(&h, (uint64_t)i));
        sum += integer ? floor(v + 0.5) : v;
    }
    double se = sqrt(roi_dist_variance(d) / N);
    assert_near(sum / N, roi_dist_mean(d), 4 * se + max_error / 10);
}

/* Import: a scenario beside the library (moved from `path` into a folder of its own)
 * takes the gamma spend back from it. */
static void check_import(const roi_model *model, const cJSON *sips, const char *path,
                         const char *file)
{
    roi_error err;
    roi_error_clear(&err);
    const cJSON *sip;
    const cJSON *gamma_sip = NULL;
    cJSON_ArrayForEach(sip, sips) if (!strcmp(roi_test_json_str(sip, "name"), "constant.team.amount"))
        gamma_sip = sip;
    assert_non_null(gamma_sip);
    double max_error = roi_test_json_num(cJSON_GetObjectItemCaseSensitive(gamma_sip, "metadata"), "fitMaxError");
    char dir[64], lib[128], scen[128], *slash = NULL;
    snprintf(dir, sizeof dir, "/tmp/roi_test_sipmath.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(lib, sizeof lib, "%s/run.sipmath.json", dir);
    assert_int_equal(rename(path, lib), 0);
    snprintf(scen, sizeof scen, "%s/imported.lua", dir);
    FILE *fp = fopen(scen, "w");
    assert_non_null(fp);
    char *original = roi_test_read_file(file, NULL);
    slash = strstr(original, "amount = 100 }");
    assert_non_null(slash);
    fprintf(fp, "%.*samount = sipmath{ library = \"run.sipmath.json\", sip = "
                "\"constant.team.amount\" } }%s",
            (int)(slash - original), original, slash + strlen("amount = 100 }"));
    fclose(fp);
    roi_model *back = NULL;
    if (roi_scenario_load(scen, NULL, &back, &err) != ROI_OK)
        fail_msg("importing: %s", err.msg);
    const roi_dist *imported = &back->graph.nodes[roi_graph_find_input(&back->graph, "team.amount")].dist;
    const roi_dist *gamma = &model->graph.nodes[roi_graph_find_input(&model->graph, "team.amount")].dist;
    assert_int_equal(imported->family, ROI_DIST_METALOG);
    for (int j = 1; j <= 99; j += 7)
        assert_near(roi_dist_quantile(imported, j / 100.0), roi_dist_quantile(gamma, j / 100.0),
                    1.0001 * max_error);
    /* The library is a file the model read: no report may overwrite it. */
    int listed = 0;
    for (int i = 0; i < back->n_sources; i++)
        listed += strstr(back->sources[i], "run.sipmath.json") != NULL;
    assert_int_equal(listed, 1);
    roi_model_free(back);
    free(original);
    unlink(scen);
    unlink(lib);
    rmdir(dir);

}

static void test_export_regenerates_the_inputs(void **state)
{
    (void)state;
    roi_engine_init();
    char file[512], path[128];
    snprintf(file, sizeof file, "%s/scenarios/constant.lua", ROI_TEST_DIR);
    snprintf(path, sizeof path, "/tmp/roi_test_sipmath.%d.json", (int)getpid());
    roi_scenario_opts opts = {.sets = SETS, .n_sets = N_SETS};
    roi_model *model = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_scenario_load(file, &opts, &model, &err) != ROI_OK)
        fail_msg("loading: %s", err.msg);
    roi_sim_opts so = {.seed = 4242, .trials = 3000, .threads = 1};
    roi_run *run = NULL;
    if (roi_sim_run(model, &so, &run, &err) != ROI_OK)
        fail_msg("running: %s", err.msg);
    roi_scenario_results sc = {.run = run};
    roi_results res = {.n = 1, .sc = &sc, .reference = -1};
    roi_report_meta meta = {.version = ROI_VERSION, .seed = 4242, .trials = 3000};
    assert_int_equal(roi_report_sipmath_write(&res, &meta, path, &err), ROI_OK);

    char *text = roi_test_read_file(path, NULL);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(roi_test_json_str(root, "objectType"), "sipModel");
    assert_string_equal(roi_test_json_str(root, "libraryType"), "SIPmath_3_0");
    assert_non_null(strstr(roi_test_json_str(root, "provenance"), "seed 4242, 3000 trials"));
    assert_non_null(strstr(roi_test_json_str(root, "provenance"), "constant.lua"));
    const cJSON *sips = cJSON_GetObjectItemCaseSensitive(root, "sips");
    int inputs = 0, outputs = 0;
    const cJSON *sip;
    cJSON_ArrayForEach(sip, sips)
    {
        assert_string_equal(roi_test_json_str(sip, "function"), "Metalog_1_0");
        const char *kind = roi_test_json_str(cJSON_GetObjectItemCaseSensitive(sip, "metadata"), "kind");
        if (!strcmp(kind, "output")) {
            sip_metalog(sip); /* a feasible metalog with its rng */
            sip_hdr(root, sip);
            outputs++;
            continue;
        }
        const char *name = roi_test_json_str(sip, "name");
        assert_true(!strncmp(name, "constant.", 9));
        int node = roi_graph_find_input(&model->graph, name + 9);
        assert_true(node >= 0);
        check_input_sip(root, sip, &model->graph.nodes[node].dist);
        inputs++;
    }
    assert_int_equal(inputs, N_SETS);
    assert_true(outputs >= 3); /* npv, spend, revenue vary; the rest may be constant */

    check_import(model, sips, path, file);

    cJSON_Delete(root);
    free(text);
    roi_run_free(run);
    roi_model_free(model);
}

/* The standard's known answer: its 5-term metalog on HDR(9039920, 8, 0, 0), read from
 * a library by a scenario, gives the published values in trials 0, 1 and 2 (HDR
 * counters 1, 2, 3). */
static void test_import_known_answer(void **state)
{
    (void)state;
    char file[512];
    snprintf(file, sizeof file, "%s/scenarios/sip_known.lua", ROI_TEST_DIR);
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_scenario_load(file, NULL, &m, &err) != ROI_OK)
        fail_msg("loading: %s", err.msg);
    const roi_dist *d = &m->graph.nodes[roi_graph_find_input(&m->graph, "demand")].dist;
    static const double want[] = {4.97377773402723, 5.26303264347232, 11.3668582781926};
    for (int t = 0; t < 3; t++)
        assert_near(roi_dist_sample(d, 12345, (uint64_t)t, NULL), want[t], 1e-13 * want[t]);
    /* The seed does not move a SIP's trials: they are the library's. */
    assert_true(roi_dist_sample(d, 1, 0, NULL) == roi_dist_sample(d, 2, 0, NULL));
    roi_model_free(m);
}

/* Ranks of x[0..n-1] from 0 (no ties in continuous draws). */
static void ranks(const double *x, int n, double *r)
{
    for (int i = 0; i < n; i++) {
        int below = 0;
        for (int j = 0; j < n; j++)
            below += x[j] < x[i];
        r[i] = below;
    }
}

/* A library whose two SIPs are drawn through a Gaussian copula of correlation 0.7:
 * the imported inputs' rank correlation is (6 / pi) asin(0.7 / 2) within 4 SE, and
 * each keeps its own marginal (a uniform on [0, 1] from a 2-term bounded metalog). */
static void test_import_copula(void **state)
{
    (void)state;
    char dir[64], path[160];
    snprintf(dir, sizeof dir, "/tmp/roi_test_sipcop.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/cop.json", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("{\"libraryType\": \"SIPmath_3_0\", \"globalVariables\": [{\"name\": \"corr\", "
          "\"value\": {\"columns\": [\"x\", \"y\"], \"rows\": [\"x\", \"y\"], \"matrix\": ["
          "{\"row\": \"x\", \"col\": \"x\", \"value\": 1}, {\"row\": \"y\", \"col\": \"y\", "
          "\"value\": 1}, {\"row\": \"x\", \"col\": \"y\", \"value\": 0.7}]}}], "
          "\"U01\": {\"rng\": [{\"name\": \"r1\", \"function\": \"HDR_2_0\", \"arguments\": "
          "{\"counter\": \"PM_Index\", \"entity\": 5, \"varId\": 1, \"seed3\": 0, \"seed4\": 0}}, "
          "{\"name\": \"r2\", \"function\": \"HDR_2_0\", \"arguments\": {\"counter\": "
          "\"PM_Index\", \"entity\": 5, \"varId\": 2, \"seed3\": 0, \"seed4\": 0}}], "
          "\"copula\": [{\"name\": \"Gaussian\", \"function\": \"GaussianCopula\", "
          "\"arguments\": {\"correlationMatrix\": {\"type\": \"globalVariables\", \"value\": "
          "\"corr\"}, \"rng\": [\"r1\", \"r2\"]}, \"copulaLayer\": [\"c1\", \"c2\"]}]}, "
          "\"sips\": [{\"name\": \"x\", \"ref\": {\"source\": \"copula\", \"name\": "
          "\"Gaussian\", \"copulaLayer\": \"c1\"}, \"function\": \"Metalog_1_0\", \"arguments\": "
          "{\"lowerBound\": 0, \"upperBound\": 1, \"aCoefficients\": [0, 1]}}, {\"name\": \"y\", "
          "\"ref\": {\"source\": \"copula\", \"name\": \"Gaussian\", \"copulaLayer\": \"c2\"}, "
          "\"function\": \"Metalog_1_0\", \"arguments\": {\"aCoefficients\": [10, 2]}}]}",
          fp);
    fclose(fp);
    char file[512];
    snprintf(file, sizeof file, "%s/scenarios/constant.lua", ROI_TEST_DIR);
    char *text = roi_test_read_file(file, NULL);
    snprintf(path, sizeof path, "%s/s.lua", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "%s\nx = sipmath{ library = \"cop.json\", sip = \"x\" }:named(\"x\")\n"
                "y = sipmath{ library = \"cop.json\", sip = \"y\" }:named(\"y\")\n"
                "spend \"more\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\", "
                "amount = max(x + y, 0) }\n",
            text);
    fclose(fp);
    free(text);
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_scenario_load(path, NULL, &m, &err) != ROI_OK)
        fail_msg("loading: %s", err.msg);
    const roi_dist *dx = &m->graph.nodes[roi_graph_find_input(&m->graph, "x")].dist;
    const roi_dist *dy = &m->graph.nodes[roi_graph_find_input(&m->graph, "y")].dist;
    assert_int_equal(dx->n_copula, 1);
    assert_int_equal(dy->n_copula, 2);
    enum { N = 3000 };
    double *x = malloc(2 * N * sizeof *x), *rx = malloc(2 * N * sizeof *rx);
    assert_non_null(x);
    assert_non_null(rx);
    double sum = 0;
    for (int t = 0; t < N; t++) {
        x[t] = roi_dist_sample(dx, 1, (uint64_t)t, NULL);
        x[N + t] = roi_dist_sample(dy, 1, (uint64_t)t, NULL);
        sum += x[t];
    }
    /* x's marginal: the first layer of the copula is its stream itself, uniform. */
    assert_near(sum / N, 0.5, 4 * sqrt(1.0 / 12 / N));
    ranks(x, N, rx);
    ranks(x + N, N, rx + N);
    double sxy = 0, sxx = 0, mean = (N - 1) / 2.0;
    for (int t = 0; t < N; t++) {
        sxy += (rx[t] - mean) * (rx[N + t] - mean);
        sxx += (rx[t] - mean) * (rx[t] - mean);
    }
    double rs = sxy / sxx, want = 6 / 3.14159265358979323846 * asin(0.35);
    /* se of a rank correlation near rho_s: about (1 - rho_s^2) / sqrt(N) */
    assert_near(rs, want, 4 * (1 - want * want) / sqrt((double)N));
    free(x);
    free(rx);
    roi_model_free(m);
    unlink(path);
    snprintf(path, sizeof path, "%s/cop.json", dir);
    unlink(path);
    rmdir(dir);
}

/* Writes `json` as the library lib.json beside a copy of sip_known.lua that asks for
 * SIP `sip`, loads it and expects the message. */
static void expect_refused(const char *json, const char *library, const char *sip,
                           const char *message)
{
    char dir[64], path[160];
    snprintf(dir, sizeof dir, "/tmp/roi_test_sipbad.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/lib.json", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(json, fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/s.lua", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp,
            "scenario { title = \"t\" }\n"
            "horizon { from = \"2026Q1\", to = \"2026Q4\", discount = 0, terminal = false }\n"
            "frontier { score = 60, slope = 0 }\nquality { beta = 0, gap_ref = 10 }\n"
            "family { people = 1000, growth = 0 }\n"
            "version \"v1\" { planned = \"2026Q1\", score = 50 }\n"
            "surface \"app\" { launch = \"2026Q1\", addressable = 1000, ceiling = 0.5,\n"
            "  adoption = { p = 1e6, q = 0, f0 = 0 }, interactions = 10 }\n"
            "x = sipmath{ library = \"%s\", sip = \"%s\" }:named(\"x\")\n"
            "spend \"team\" { kind = \"schedule\", from = \"2026Q1\", to = \"end\", "
            "amount = max(x, 0) }\n",
            library, sip);
    fclose(fp);
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    roi_status st = roi_scenario_load(path, NULL, &m, &err);
    assert_null(m);
    if (st == ROI_OK || !strstr(err.msg, message) || !strstr(err.msg, "s.lua:9:"))
        fail_msg("expected \"%s\" at s.lua:9, got %d: %s", message, st, err.msg);
    unlink(path);
    snprintf(path, sizeof path, "%s/lib.json", dir);
    unlink(path);
    rmdir(dir);
}

#define RNG "\"U01\": {\"rng\": [{\"name\": \"r\", \"function\": \"HDR_2_0\", " \
            "\"arguments\": {\"counter\": \"PM_Index\", \"entity\": 1, \"varId\": 1, "   \
            "\"seed3\": 0, \"seed4\": 0}}], \"copula\": []}"
#define LIB(sip) "{\"libraryType\": \"SIPmath_3_0\", " RNG ", \"sips\": [" sip "]}"
#define SIP(ref, args) "{\"name\": \"a\", \"ref\": " ref ", \"function\": \"Metalog_1_0\", " \
                       "\"arguments\": " args "}"
#define REF "{\"source\": \"rng\", \"name\": \"r\"}"
#define OK_SIP SIP(REF, "{\"aCoefficients\": [10, 2]}")

static void test_import_refuses_hostile_libraries(void **state)
{
    (void)state;
    expect_refused(LIB(SIP(REF, "{\"aCoefficients\": [10, 2]}")), "lib.json", "b",
                   "library 'lib.json' has no SIP 'b' (it has 'a')");
    expect_refused(OK_SIP, "lib.json", "a", "not a SIPmath 3.0 library");
    expect_refused("not json", "lib.json", "a", "not a SIPmath 3.0 library");
    expect_refused(LIB(OK_SIP), "../lib.json", "a", "no absolute paths, no '..'");
    expect_refused(LIB(OK_SIP), "/etc/passwd", "a", "no absolute paths, no '..'");
    expect_refused(LIB(OK_SIP), "missing.json", "a", "cannot open");
    expect_refused(LIB(SIP(REF, "{\"aCoefficients\": [10, \"2\"]}")), "lib.json", "a",
                   "aCoefficients must be 2 to 16 finite numbers");
    expect_refused(LIB(SIP(REF, "{\"aCoefficients\": [10, -2]}")), "lib.json", "a",
                   "not a distribution");
    expect_refused(LIB(SIP(REF, "{\"aCoefficients\": [10, 2], \"lowerBound\": \"0\"}")),
                   "lib.json", "a", "lowerBound must be a number");
    expect_refused(LIB(SIP("{\"source\": \"copula\", \"name\": \"c\"}",
                           "{\"aCoefficients\": [10, 2]}")),
                   "lib.json", "a", "ref must name a Gaussian copula");
    expect_refused(LIB(SIP("{\"source\": \"rng\", \"name\": \"q\"}",
                           "{\"aCoefficients\": [10, 2]}")),
                   "lib.json", "a", "no U01.rng entry 'q'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_regenerates_the_inputs),
        cmocka_unit_test(test_import_known_answer),
        cmocka_unit_test(test_import_copula),
        cmocka_unit_test(test_import_refuses_hostile_libraries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
