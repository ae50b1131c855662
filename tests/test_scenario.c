/* test_scenario.c - loading scenarios: the bundled ones, what-ifs, --set, and the
 * messages a scenario author sees for mistakes. */
#include "roi_test.h"

#include <string.h>

#include "scenario.h"
#include "sim.h"

#define BASE ROI_SOURCE_DIR "/scenarios/base.lua"
#define FIXTURE(f) ROI_TEST_DIR "/scenarios/" f
#define SANDBOX(f) ROI_TEST_DIR "/sandbox/" f

static roi_model *load_ok(const char *file, const char *const *sets, int n)
{
    roi_error err;
    roi_error_clear(&err);
    roi_scenario_opts opts = {.sets = sets, .n_sets = n};
    roi_model *m = NULL;
    roi_status s = roi_scenario_load(file, &opts, &m, &err);
    if (s != ROI_OK)
        fail_msg("loading %s: %s", file, err.msg);
    return m;
}

static void expect_error(const char *file, const char *const *sets, int n,
                         roi_status status, const char *substring)
{
    roi_error err;
    roi_error_clear(&err);
    roi_scenario_opts opts = {.sets = sets, .n_sets = n};
    roi_model *m = NULL;
    roi_status s = roi_scenario_load(file, &opts, &m, &err);
    assert_null(m);
    if (s != status || !strstr(err.msg, substring))
        fail_msg("%s: expected status %d with '%s', got %d: %s", file, status, substring, s,
                 err.msg);
}

static int input_named(const roi_model *m, const char *name)
{
    return roi_graph_find_input(&m->graph, name);
}

static void test_base_loads_completely(void **state)
{
    (void)state;
    roi_model *m = load_ok(BASE, NULL, 0);
    assert_string_equal(m->name, "base");
    assert_int_equal(m->periods, 23); /* 2025Q2 .. 2030Q4 */
    assert_int_equal(m->n_versions, 4);
    assert_int_equal(m->n_surfaces, 5);
    assert_int_equal(m->n_spend, 6);
    assert_int_equal(m->n_streams, 4);
    assert_int_equal(m->n_milestones, 1);
    /* Section 8 names every uncertain input by its path. */
    const char *names[] = {"moat", "v2.slip", "v2.score", "v3.improvement.then",
                           "v4.improvement.else", "facebook.adoption.p", "facebook.delay",
                           "core_ad_uplift.lift", "scale_stake.residual.valuation",
                           "senior_packages.heads", "horizon.terminal_growth"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (input_named(m, names[i]) < 0)
            fail_msg("base has no input named %s", names[i]);
    /* Facebook's stages as written: {0, .35}, {1, .85}, {3, 1}. */
    const roi_surface *fb = &m->surfaces[2];
    assert_string_equal(fb->name, "facebook");
    assert_int_equal(fb->n_stages, 3);
    assert_int_equal(fb->stages[2].offset, 3);
    assert_near(fb->stages[1].share, 0.85, 0);
    roi_model_free(m);
}

static void test_whatif_changes_only_what_it_says(void **state)
{
    (void)state;
    roi_model *base = load_ok(BASE, NULL, 0);
    roi_model *w = load_ok(ROI_SOURCE_DIR "/scenarios/v2_60plus.lua", NULL, 0);
    assert_string_equal(w->title, "v2 scores 60+");
    /* v2.slip is now the constant 0, so it is no longer an input. */
    assert_true(input_named(base, "v2.slip") >= 0);
    assert_true(input_named(w, "v2.slip") < 0);
    int i = input_named(w, "v2.score");
    assert_true(i >= 0);
    assert_true(w->graph.nodes[i].dist.truncated);
    assert_near(w->graph.nodes[i].dist.low, 60, 0);
    assert_int_equal(roi_graph_input_count(&w->graph), roi_graph_input_count(&base->graph) - 1);
    /* The what-if marks what it changed from its parent, and nothing else. */
    assert_true(w->graph.nodes[i].changed);
    assert_false(w->graph.nodes[input_named(w, "facebook.ceiling")].changed);
    assert_false(base->graph.nodes[input_named(base, "v2.score")].changed);
    roi_model_free(base);
    roi_model_free(w);
}

static void test_data_moat_fixes_the_condition(void **state)
{
    (void)state;
    roi_model *m = load_ok(ROI_SOURCE_DIR "/scenarios/data_moat.lua", NULL, 0);
    assert_true(input_named(m, "moat") < 0); /* moat = 1 is a constant now */
    roi_model_free(m);
}

static void test_set_overrides(void **state)
{
    (void)state;
    const char *sets[] = {"v2.score=normal(60, 2)", "moat=1", "horizon.discount=0.1"};
    roi_model *m = load_ok(BASE, sets, 3);
    int i = input_named(m, "v2.score");
    assert_true(i >= 0);
    assert_near(roi_dist_mean(&m->graph.nodes[i].dist), 60, 1e-12);
    assert_true(input_named(m, "moat") < 0);
    double r;
    assert_true(roi_graph_is_constant(&m->graph, m->discount, &r));
    assert_near(r, 0.1, 0);
    roi_model_free(m);
}

static void test_constant_scenario(void **state)
{
    (void)state;
    roi_model *m = load_ok(FIXTURE("constant.lua"), NULL, 0);
    assert_int_equal(m->periods, 4);
    assert_int_equal(roi_graph_input_count(&m->graph), 0);
    assert_false(m->terminal);
    roi_model_free(m);
}

static void test_error_lua_line(void **state)
{
    (void)state;
    expect_error(FIXTURE("typo.lua"), NULL, 0, ROI_ERR_SCENARIO,
                 "typo.lua:2: version 'v2' has no field 'scroe'; did you mean 'score'?");
}

static void test_error_bad_parameter_path(void **state)
{
    (void)state;
    /* The distribution's own check, located at the author's line. */
    expect_error(FIXTURE("bad_sd.lua"), NULL, 0, ROI_ERR_PARAM, "bad_sd.lua:3: v2.score: sd must be > 0, got -1");
    /* The model's check, naming the path and the value. */
    expect_error(FIXTURE("bad_p.lua"), NULL, 0, ROI_ERR_PARAM, "bad_p.lua:2: facebook.adoption.p:");
    expect_error(FIXTURE("bad_p.lua"), NULL, 0, ROI_ERR_PARAM, "-0.1");
}

static void test_error_set(void **state)
{
    (void)state;
    const char *bad_path[] = {"v2.scor=3"};
    expect_error(BASE, bad_path, 1, ROI_ERR_SCENARIO, "--set v2.scor: version 'v2' has no field 'scor'; did you mean 'score'?");
    const char *bad_value[] = {"v2.score=normal(1,"};
    expect_error(BASE, bad_value, 1, ROI_ERR_SCENARIO, "--set v2.score: cannot read the value");
    const char *no_eq[] = {"v2.score"};
    expect_error(BASE, no_eq, 1, ROI_ERR_SCENARIO, "expected PATH=VALUE");
    const char *unknown[] = {"mote=1"};
    expect_error(BASE, unknown, 1, ROI_ERR_SCENARIO, "did you mean 'moat'?");
}

static void test_error_missing_file(void **state)
{
    (void)state;
    expect_error(FIXTURE("does_not_exist.lua"), NULL, 0, ROI_ERR_IO, "does_not_exist.lua");
}

static void test_bundled_list(void **state)
{
    (void)state;
    char **files = NULL;
    roi_error err;
    assert_int_equal(roi_scenario_bundled(&files, &err), ROI_OK);
    const char *expect[] = {"base", "v2_60plus", "v2_slips", "distribution_converts",
                            "data_moat", "no_moat", "rollout_slips", "bull", "bear"};
    int n = 0;
    for (; files[n]; n++) {
        assert_true(n < 9);
        assert_non_null(strstr(files[n], expect[n]));
        roi_model *m = load_ok(files[n], NULL, 0);
        roi_model_free(m);
    }
    assert_int_equal(n, 9);
    roi_scenario_list_free(files);
}

/* ---- the sandbox and its limits (issue 6) ------------------------------------------ */

static void expect_limited(const char *file, size_t memory, double seconds, const char *substring)
{
    roi_error err;
    roi_error_clear(&err);
    roi_scenario_opts opts = {.memory_limit = memory, .time_limit = seconds};
    roi_model *m = NULL;
    roi_status s = roi_scenario_load(file, &opts, &m, &err);
    assert_null(m);
    if (s != ROI_ERR_SCENARIO || !strstr(err.msg, substring))
        fail_msg("%s: expected '%s', got %d: %s", file, substring, s, err.msg);
}

/* A scenario that tries to replace string.rep fails, and the next scenario (its own
 * Lua state) still sees the real string library. */
static void test_library_tables_cannot_be_changed(void **state)
{
    (void)state;
    expect_error(SANDBOX("string_rep_pcall.lua"), NULL, 0, ROI_ERR_SCENARIO,
                 "string is read-only: string.rep cannot be changed");
    roi_model *m = load_ok(SANDBOX("string_intact.lua"), NULL, 0);
    roi_model_free(m);
}

static void test_time_limit(void **state)
{
    (void)state;
    expect_limited(SANDBOX("infinite_loop.lua"), 0, 0.2,
                   "infinite_loop.lua:3: the scenario did not finish loading within 0.2 s");
    /* pcall cannot swallow it */
    expect_limited(SANDBOX("pcall_catches_timeout.lua"), 0, 0.2, "within 0.2 s");
}

static void test_memory_limit(void **state)
{
    (void)state;
    expect_limited(SANDBOX("string_bomb.lua"), (size_t)16 << 20, 0,
                   "the scenario needs more than 16 MB of memory");
    expect_limited(SANDBOX("pcall_catches_memory.lua"), (size_t)16 << 20, 0,
                   "needs more than 16 MB");
    /* The limit is per scenario: the next load starts from zero. */
    roi_model *m = load_ok(BASE, NULL, 0);
    roi_model_free(m);
}

static void test_extends_cannot_leave_the_folder(void **state)
{
    (void)state;
    expect_error(SANDBOX("extends_symlink_out.lua"), NULL, 0, ROI_ERR_SCENARIO,
                 "outside the folder");
    expect_error(SANDBOX("extends_dotdot.lua"), NULL, 0, ROI_ERR_SCENARIO, "no '..'");
    expect_error(SANDBOX("extends_absolute.lua"), NULL, 0, ROI_ERR_SCENARIO,
                 "no absolute paths");
    expect_error(SANDBOX("extends_binary.lua"), NULL, 0, ROI_ERR_SCENARIO,
                 "is not a text file");
}

static void test_not_finite_values_are_refused(void **state)
{
    (void)state;
    const char *nan_set[] = {"horizon.discount=0/0"};
    expect_error(BASE, nan_set, 1, ROI_ERR_SCENARIO, "must be a finite number, got nan");
    const char *inf_arg[] = {"v2.score=normal(1/0, 2)"};
    expect_error(BASE, inf_arg, 1, ROI_ERR_SCENARIO, "mean must be a finite number, got inf");
}

/* The cap on what a run allocates: outputs per trial (8 floats and a byte of exactness
 * flags) plus per-block sums. For base (23 quarters), 1024 trials make 2 blocks:
 * 1024 * (8 * 4 + 1) + 2 * cells * 8 bytes. */
static void test_run_memory_cap(void **state)
{
    (void)state;
    roi_model *m = load_ok(BASE, NULL, 0);
    size_t cells = (size_t)roi_model_series_count(m) * 23 + (size_t)roi_graph_input_count(&m->graph);
    assert_int_equal(roi_sim_bytes(m, 1024), 1024 * (ROI_OUT_COUNT * 4 + 1) + 2 * cells * 8);
    assert_int_equal(roi_sim_bytes(m, SIZE_MAX), SIZE_MAX);
    roi_sim_opts opts = {.seed = 1, .trials = 100000, .threads = 1, .max_bytes = 1 << 20};
    roi_run *run = NULL;
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_sim_run(m, &opts, &run, &err), ROI_ERR_USAGE);
    assert_null(run);
    assert_non_null(strstr(err.msg, "above the cap of 1 MB"));
    roi_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_loads_completely),
        cmocka_unit_test(test_whatif_changes_only_what_it_says),
        cmocka_unit_test(test_data_moat_fixes_the_condition),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_constant_scenario),
        cmocka_unit_test(test_error_lua_line),
        cmocka_unit_test(test_error_bad_parameter_path),
        cmocka_unit_test(test_error_set),
        cmocka_unit_test(test_error_missing_file),
        cmocka_unit_test(test_bundled_list),
        cmocka_unit_test(test_library_tables_cannot_be_changed),
        cmocka_unit_test(test_time_limit),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_extends_cannot_leave_the_folder),
        cmocka_unit_test(test_not_finite_values_are_refused),
        cmocka_unit_test(test_run_memory_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
