/* test_scenario.c - loading scenarios: the bundled ones, what-ifs, --set, and the
 * messages a scenario author sees for mistakes. */
#include "roi_test.h"
#include "roi_test_scenario.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model_params.h"
#include "sandbox.h"
#include "scenario.h"
#include "results.h"
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
    double share;
    assert_true(roi_graph_is_constant(&m->graph, fb->stages[1].share, &share));
    assert_near(share, 0.85, 0);
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
                            "data_moat", "no_moat", "rollout_slips", "bull", "bear",
                            "stop_after_v2"};
    int n = 0;
    for (; files[n]; n++) {
        assert_true(n < 10);
        assert_non_null(strstr(files[n], expect[n]));
        roi_model *m = load_ok(files[n], NULL, 0);
        roi_model_free(m);
    }
    assert_int_equal(n, 10);
    roi_scenario_list_free(files);
}

/* ---- the parameter table drives the language and the conversion ------------------- */

/* Values a generated scenario gives some fields, where a rule relates them to others
 * (or a field must name something the scenario has). */
static const char *override_of(const char *kind, const char *field)
{
    static const struct {
        const char *kind, *field, *value;
    } o[] = {
        {"horizon", "discount", "0.1"},   {"horizon", "terminal_growth", "0"},
        {"frontier", "slope", "x_in"},    {"stress", "low", "0"},
        {"stress", "high", "0.5"},        {"goal", "low", "0"},
        {"goal", "high", "1"},            {"horizon", "currency", "\"EUR\""},
    };
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
        if (strcmp(o[i].kind, kind) == 0 && strcmp(o[i].field, field) == 0)
            return o[i].value;
    return NULL;
}

/* A value of row p that its type and range accept, as a scenario writes it. */
static void value_of(const roi_decl *d, const roi_param *p, int kind, char *buf, size_t size)
{
    const char *o = override_of(d->kind, p->name);
    if (o) {
        snprintf(buf, size, "%s", o);
        return;
    }
    if (!strcmp(d->kind, "spend") && !strcmp(p->name, "class") && kind == ROI_SPEND_INFERENCE) {
        snprintf(buf, size, "\"operating\""); /* an inference line is never an investment */
        return;
    }
    double lo = p->range.lo, hi = p->range.hi, v = 0;
    if (isfinite(lo))
        v = lo + (p->range.lo_open ? 1 : 0);
    else if (isfinite(hi))
        v = hi - (p->range.hi_open ? 1 : 0);
    switch (p->type) {
    case ROI_PARAM_VALUE: case ROI_PARAM_NUMBER: case ROI_PARAM_WHOLE: case ROI_PARAM_COUNT:
        snprintf(buf, size, "%.17g", v);
        break;
    case ROI_PARAM_QUARTER: case ROI_PARAM_START: snprintf(buf, size, "\"2026Q1\""); break;
    case ROI_PARAM_END: snprintf(buf, size, "\"2026Q4\""); break;
    case ROI_PARAM_QUARTER_OR_END: snprintf(buf, size, "\"end\""); break;
    case ROI_PARAM_WHEN: snprintf(buf, size, "release(\"version1\") + 1"); break;
    case ROI_PARAM_BOOLEAN: snprintf(buf, size, "true"); break;
    case ROI_PARAM_STRING: snprintf(buf, size, "\"a title\""); break;
    case ROI_PARAM_ENUM:
        /* the kind itself; else the kind's default (a class that suits the kind), else the first */
        snprintf(buf, size, "\"%s\"",
                 kind >= 0 && p->names == d->kinds ? d->kinds[kind]
                 : kind >= 0 && p->kind_dflt       ? p->names[(int)p->kind_dflt[kind]]
                                                   : p->names[0]);
        break;
    case ROI_PARAM_STAGES: snprintf(buf, size, "{ {0, 0.5}, {1, 1} }"); break;
    case ROI_PARAM_SURFACES: snprintf(buf, size, "{ \"surface1\" }"); break;
    case ROI_PARAM_SERIES: snprintf(buf, size, "\"revenue\""); break;
    case ROI_PARAM_INPUT: snprintf(buf, size, "\"x_in\""); break;
    case ROI_PARAM_TARGET: snprintf(buf, size, "\"frontier.score\""); break;
    case ROI_PARAM_TARGETS: snprintf(buf, size, "{ \"frontier.score\" }"); break;
    case ROI_PARAM_GRID: snprintf(buf, size, "{ { 1, 2 } }"); break;
    case ROI_PARAM_STAT: snprintf(buf, size, "\"mean\""); break;
    case ROI_PARAM_CONDITION: snprintf(buf, size, "x_in:at_least(0.5)"); break;
    case ROI_PARAM_NAMES: snprintf(buf, size, "{ \"scenario\", \"other\" }"); break;
    case ROI_PARAM_INPUTS: snprintf(buf, size, "{ \"x_in\" }"); break;
    default: snprintf(buf, size, "nil"); break;
    }
}

/* Whether a generated item gives row p: all rows apply, except the alternatives of a
 * version (the first gives planned and score, the others after and improvement). */
static int gives(const roi_decl *d, const roi_param *p, int item, int all)
{
    if (strcmp(d->kind, "version") == 0) {
        int first = item == 0;
        if (!strcmp(p->name, "planned") || !strcmp(p->name, "score"))
            return first;
        if (!strcmp(p->name, "after") || !strcmp(p->name, "improvement"))
            return !first;
    }
    return all || p->need == ROI_PARAM_REQUIRED || override_of(d->kind, p->name);
}

/* Appends one declaration of kind d (item `item`, of kind `kind` when kinded) to buf:
 * every field when `all`, else only what it requires. `extra` is added inside. */
static void write_decl(char *buf, size_t size, const roi_decl *d, int item, int kind, int all,
                       const char *extra)
{
    size_t n = strlen(buf);
    if (d->style == ROI_DECL_SECTION)
        n += (size_t)snprintf(buf + n, size - n, "%s {", d->kind);
    else if (d->style == ROI_DECL_OBJECT)
        n += (size_t)snprintf(buf + n, size - n, "%s \"%s%d\" {", d->kind, d->kind, item + 1);
    else
        n += (size_t)snprintf(buf + n, size - n, "%s \"a %s %d\" {", d->kind, d->kind, item + 1);
    const char *open_group = NULL;
    for (int k = 0; k < d->n_params; k++) {
        const roi_param *p = &d->params[k];
        const char *dot = strchr(p->name, '.');
        int in_open = open_group && dot && (size_t)(dot - p->name) == strlen(open_group) &&
                      strncmp(p->name, open_group, strlen(open_group)) == 0;
        if (open_group && !in_open) {
            n += (size_t)snprintf(buf + n, size - n, " },");
            open_group = NULL;
        }
        if (dot && !in_open)
            continue; /* a field of a group not given */
        int kind_needs = roi_param_need_in(p, kind) == ROI_PARAM_REQUIRED;
        if (!roi_param_applies(p, kind) || !(gives(d, p, item, all) || kind_needs))
            continue;
        if (p->type == ROI_PARAM_GROUP) {
            n += (size_t)snprintf(buf + n, size - n, " %s = {", p->name);
            open_group = p->name;
            continue;
        }
        char v[128];
        value_of(d, p, kind, v, sizeof v);
        n += (size_t)snprintf(buf + n, size - n, " %s = %s,", dot ? dot + 1 : p->name, v);
    }
    if (open_group)
        n += (size_t)snprintf(buf + n, size - n, " },");
    snprintf(buf + n, size - n, " %s}\n", extra ? extra : "");
}

/* A scenario with every declaration kind: two items of each kind of object (one per
 * kind of a kinded declaration), every field given when `all`. */
static void write_scenario(char *buf, size_t size, int all, const char *extra_kind,
                           const char *extra)
{
    snprintf(buf, size, "x_in = uniform(0, 1)\n");
    for (int i = 0; i < roi_decl_count; i++) {
        const roi_decl *d = &roi_decls[i];
        int n = d->style == ROI_DECL_SECTION ? 1 : 2, kinds = 0;
        while (d->kinds && d->kinds[kinds])
            kinds++;
        if (kinds)
            n = kinds;
        for (int k = 0; k < n; k++)
            write_decl(buf, size, d, k, kinds ? k : -1, all,
                       extra_kind && k == 0 && strcmp(extra_kind, d->kind) == 0 ? extra : NULL);
    }
}

/* Every row of the table is a field the language accepts, and after the conversion
 * its slot in C holds a value. */
static void test_every_row_reaches_its_slot(void **state)
{
    (void)state;
    static char text[1 << 16];
    write_scenario(text, sizeof text, 1, NULL, NULL);
    roi_model *m = NULL;
    roi_error err;
    if (roi_test_load_text("scenario.lua", text, &m, &err) != ROI_OK)
        fail_msg("%s\n%s", err.msg, text);
    for (int i = 0; i < roi_decl_count; i++) {
        const roi_decl *d = &roi_decls[i];
        int n = roi_decl_items(d, m);
        assert_true(n >= 1);
        for (int k = 0; k < d->n_params; k++) {
            const roi_param *p = &d->params[k];
            if (p->type == ROI_PARAM_GROUP)
                continue;
            int filled = 0, applies = 0;
            for (int j = 0; j < n; j++) {
                void *item = roi_decl_item(d, m, j);
                int kind = roi_decl_item_kind(d, item);
                if (!roi_param_applies(p, kind) || !gives(d, p, j, 1))
                    continue;
                applies = 1;
                filled += roi_param_is_set(p, item);
                if (d->kinds && !roi_param_is_set(p, item))
                    fail_msg("%s %s (kind %s): %s was not filled", d->kind,
                             roi_decl_item_name(d, item), d->kinds[kind], p->name);
            }
            if (!applies || !filled)
                fail_msg("%s.%s was not filled", d->kind, p->name);
        }
    }
    /* the values, not only their presence: a few of each type */
    double v;
    assert_true(roi_graph_is_constant(&m->graph, m->surfaces[0].p, &v));
    assert_near(v, 1, 0); /* adoption.p: above 0 */
    assert_true(roi_graph_is_constant(&m->graph, m->spend[2].vest_quarters, &v));
    assert_near(v, 1, 0); /* quarters: at least 1 */
    assert_int_equal(m->spend[0].cls, ROI_CLASS_INVESTMENT);
    assert_int_equal(m->surfaces[0].n_stages, 2);
    assert_int_equal(m->streams[2].surfaces[0], 0);
    assert_string_equal(m->goals[0].input, "frontier.score");
    assert_int_equal(m->sweeps[0].n_values[0], 2);
    assert_int_equal(m->views[0].cond.n_refs, 1);
    assert_string_equal(m->views[0].where, "x_in >= 0.5");
    roi_model_free(m);
}

/* A scenario that gives only what is required: every defaulted field gets its row's
 * default, every optional one stays absent. */
static void test_defaults_come_from_the_table(void **state)
{
    (void)state;
    static char text[1 << 16];
    write_scenario(text, sizeof text, 0, NULL, NULL);
    roi_model *m = NULL;
    roi_error err;
    if (roi_test_load_text("scenario.lua", text, &m, &err) != ROI_OK)
        fail_msg("%s\n%s", err.msg, text);
    for (int i = 0; i < roi_decl_count; i++) {
        const roi_decl *d = &roi_decls[i];
        for (int j = 0; j < roi_decl_items(d, m); j++) {
            void *item = roi_decl_item(d, m, j);
            int kind = roi_decl_item_kind(d, item);
            for (int k = 0; k < d->n_params; k++) {
                const roi_param *p = &d->params[k];
                if (p->type == ROI_PARAM_GROUP || !roi_param_applies(p, kind) ||
                    roi_param_need_in(p, kind) == ROI_PARAM_REQUIRED || gives(d, p, j, 0))
                    continue;
                /* a version given by improvement also gets its score (the previous
                 * score + improvement), which expressions may use */
                if (strcmp(d->kind, "version") == 0 && strcmp(p->name, "score") == 0)
                    continue;
                int set = roi_param_is_set(p, item);
                if (p->need == ROI_PARAM_OPTIONAL && set)
                    fail_msg("%s %s: optional %s was filled", d->kind, roi_decl_item_name(d, item),
                             p->name);
                if (p->need != ROI_PARAM_DEFAULT)
                    continue;
                if (!set)
                    fail_msg("%s %s: %s has no default", d->kind, roi_decl_item_name(d, item),
                             p->name);
                double v;
                if (p->type == ROI_PARAM_VALUE &&
                    !(roi_graph_is_constant(&m->graph, *(roi_ref *)roi_param_slot(p, item), &v) &&
                      v == roi_param_default(p, kind)))
                    fail_msg("%s %s: %s is not its default %g", d->kind,
                             roi_decl_item_name(d, item), p->name, roi_param_default(p, kind));
            }
        }
    }
    /* defaults that are not numbers */
    assert_int_equal(m->surfaces[0].n_stages, 1);
    double share;
    assert_true(roi_graph_is_constant(&m->graph, m->surfaces[0].stages[0].share, &share));
    assert_near(share, 1, 0);
    assert_int_equal(m->streams[1].n_surfaces, m->n_surfaces); /* per_interaction: all */
    assert_int_equal(m->spend[0].cls, ROI_CLASS_INVESTMENT);   /* a lump */
    assert_int_equal(m->spend[1].cls, ROI_CLASS_OPERATING);
    assert_int_equal(m->goals[0].mode, ROI_OVERRIDE_VALUE);
    assert_int_equal(m->goals[0].stat.output, ROI_OUT_NPV);
    assert_int_equal((int)m->goals[0].trials, 0);
    assert_true(m->terminal);
    assert_int_equal(m->m_hi, ROI_NONE); /* no upper clamp */
    roi_model_free(m);
}

/* A misspelt field: the message suggests the row it meant, from the table. */
static void test_unknown_field_suggests_from_the_table(void **state)
{
    (void)state;
    static char text[1 << 16];
    int checked = 0;
    for (int i = 0; i < roi_decl_count; i++) {
        const roi_decl *d = &roi_decls[i];
        for (int k = 0; k < d->n_params; k++) {
            const roi_param *p = &d->params[k];
            if (strchr(p->name, '.') || strlen(p->name) < 3)
                continue;
            char extra[128], expect[256];
            snprintf(extra, sizeof extra, "%sx = 1,", p->name);
            write_scenario(text, sizeof text, 0, d->kind, extra);
            snprintf(expect, sizeof expect, "has no field '%sx'; did you mean '%s'?", p->name,
                     p->name);
            roi_model *m = NULL;
            roi_error err;
            if (roi_test_load_text("scenario.lua", text, &m, &err) == ROI_OK || !strstr(err.msg, expect))
                fail_msg("%s.%s: expected \"%s\", got: %s", d->kind, p->name, expect, err.msg);
            checked++;
        }
    }
    assert_true(checked > 60);
}

/* The files a load read: the scenario, then each parent once, in the order read. */
static void test_sources(void **state)
{
    (void)state;
    roi_model *m = load_ok(ROI_SOURCE_DIR "/scenarios/bull.lua", NULL, 0);
    const char *expect[] = {"bull.lua", "v2_60plus.lua", "base.lua",
                            "distribution_converts.lua", "data_moat.lua"};
    assert_int_equal(m->n_sources, 5);
    for (int i = 0; i < 5; i++) {
        const char *base = strrchr(m->sources[i], '/');
        assert_string_equal(base ? base + 1 : m->sources[i], expect[i]);
    }
    assert_string_equal(m->sources[0], ROI_SOURCE_DIR "/scenarios/bull.lua");
    roi_model_free(m);
}

/* A condition the scenario builds crosses as its structure: it refers to the input's
 * node (whatever that input is named), and a name a what-if fixed is a constant. */
static void test_conditions_cross_as_structure(void **state)
{
    (void)state;
    roi_model *m = load_ok(BASE, NULL, 0);
    assert_int_equal(m->n_views, 3);
    const roi_cond *c = &m->views[0].cond; /* v2.score:at_least(60) */
    assert_string_equal(m->views[0].where, "v2.score >= 60");
    assert_int_equal(c->n_steps, 1);
    assert_int_equal(c->steps[0].op, ROI_NODE_GE);
    assert_near(c->steps[0].value, 60, 0);
    assert_int_equal(c->refs[0].kind, ROI_COND_INPUT);
    assert_int_equal(c->refs[0].index, input_named(m, "v2.score"));
    roi_model_free(m);

    m = load_ok(ROI_SOURCE_DIR "/scenarios/data_moat.lua", NULL, 0); /* moat = 1 */
    c = &m->views[2].cond;
    assert_string_equal(m->views[2].where, "1");
    assert_int_equal(c->n_steps, 1);
    assert_int_equal(c->steps[0].op, ROI_NODE_CONST);
    assert_near(c->steps[0].value, 1, 0);
    roi_model_free(m);

    /* an input named otherwise than its path: found by its node (text would name
     * v2.score, which is no input's name now) */
    roi_error err;
    const char *named =
        "scenario { extends = \"base\" }\n"
        "v2.score = normal(58, 3.5):named(\"second score\")\n";
    assert_int_equal(roi_test_load_text("scenario.lua", named, &m, &err), ROI_OK);
    assert_string_equal(m->views[0].where, "v2.score >= 60");
    assert_true(input_named(m, "v2.score") < 0);
    assert_int_equal(m->views[0].cond.refs[0].index, input_named(m, "second score"));
    roi_model_free(m);

    /* and text conditions are parsed into the same structure */
    const char *text = "scenario { extends = \"base\" }\n"
                       "view \"t\" { where = \"v2.score >= 60\" }\n";
    assert_int_equal(roi_test_load_text("scenario.lua", text, &m, &err), ROI_OK);
    const roi_view *t = &m->views[m->n_views - 1];
    assert_int_equal(t->cond.n_steps, 1);
    assert_int_equal(t->cond.steps[0].op, ROI_NODE_GE);
    assert_int_equal(t->cond.refs[0].index, input_named(m, "v2.score"));
    roi_model_free(m);

    const char *expr = "scenario { extends = \"base\" }\n"
                       "view \"e\" { where = v3.score:at_least(60) }\n";
    assert_int_equal(roi_test_load_text("scenario.lua", expr, &m, &err), ROI_ERR_SCENARIO);
    assert_non_null(strstr(err.msg, "'v3.score' is an expression, not an uncertain input"));
}

/* ---- the sandbox and its limits ------------------------------------------------------ */

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

/* A body that stays inside one C call, as a library function on a huge input would:
 * the deadline's hook never gets to run. */
static int slow_c_body(lua_State *L)
{
    (void)L;
    sleep(20);
    return 0;
}

/* The hard stop: a load stuck in C is ended from outside one second past its deadline,
 * with the time limit's message and exit status 1 (in a child process: it ends it). */
static void test_time_limit_hard_stop(void **state)
{
    (void)state;
    int out[2];
    assert_int_equal(pipe(out), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], STDERR_FILENO);
        roi_error err;
        roi_error_clear(&err);
        roi_sandbox *sb = roi_sandbox_new("stuck.lua", (size_t)16 << 20, 0.3);
        roi_sandbox_run(sb, slow_c_body, NULL, &err);
        _exit(42); /* not reached: the watchdog ends the process first */
    }
    close(out[1]);
    char msg[1024] = "";
    size_t n = 0;
    ssize_t got;
    while ((got = read(out[0], msg + n, sizeof msg - 1 - n)) > 0)
        n += (size_t)got;
    msg[n] = '\0';
    close(out[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    if (!strstr(msg, "stuck.lua: the scenario did not finish loading within 0.3 s (it was inside "
                     "one long call that cannot be interrupted, and roisim stopped it)"))
        fail_msg("unexpected message: %s", msg);
    assert_true(took < 10.0); /* 1.3 s, plus scheduling on a loaded machine */
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

/* gamma and weibull, in the form roisim fit prints, reach the engine; bad ones name
 * the parameter. */
static void test_gamma_and_weibull(void **state)
{
    (void)state;
    const char *sets[] = {"v2.score=gamma{ shape = 30, scale = 2 }",
                          "horizon.discount=weibull{ shape = 8, scale = 0.1 }:truncate{ low = 0.06, high = 0.12 }"};
    roi_model *m = load_ok(BASE, sets, 2);
    const roi_dist *g = &m->graph.nodes[input_named(m, "v2.score")].dist;
    assert_int_equal(g->family, ROI_DIST_GAMMA);
    assert_near(roi_dist_mean(g), 60, 1e-12);
    const roi_dist *w = &m->graph.nodes[input_named(m, "horizon.discount")].dist;
    assert_int_equal(w->family, ROI_DIST_WEIBULL);
    assert_true(w->truncated && w->high == 0.12);
    roi_model_free(m);
    const char *bad_shape[] = {"v2.score=gamma{ shape = -1, scale = 2 }"};
    expect_error(BASE, bad_shape, 1, ROI_ERR_PARAM, "shape must be > 0, got -1");
    const char *typo[] = {"v2.score=weibull{ shap = 2, scale = 2 }"};
    expect_error(BASE, typo, 1, ROI_ERR_SCENARIO, "weibull has no parameter 'shap'");
    const char *positional[] = {"v2.score=gamma(2, 3)"};
    expect_error(BASE, positional, 1, ROI_ERR_SCENARIO, "gamma takes a table");
}

static void test_not_finite_values_are_refused(void **state)
{
    (void)state;
    const char *nan_set[] = {"horizon.discount=0/0"};
    expect_error(BASE, nan_set, 1, ROI_ERR_SCENARIO, "must be a finite number, got nan");
    const char *inf_arg[] = {"v2.score=normal(1/0, 2)"};
    expect_error(BASE, inf_arg, 1, ROI_ERR_SCENARIO, "mean must be a finite number, got inf");
}

/* The cap on what a run allocates. A run keeps its outputs per trial (a float each and
 * two bytes of exactness flags); while it runs it also holds per-block sums (1024
 * trials make 2 blocks for base, 23 quarters) and each thread's histograms of every
 * cell (2112 slots of an 8-bit counter and a 32-bit total). The whole command adds
 * the largest transient need of its scenarios to what their runs keep. */
static void test_run_memory_cap(void **state)
{
    (void)state;
    roi_model *m = load_ok(BASE, NULL, 0);
    size_t cells = (size_t)roi_model_series_count(m) * 23 + (size_t)roi_graph_input_count(&m->graph);
    assert_int_equal(roi_sim_bytes(m, 1024), 1024 * (ROI_OUT_COUNT * 4 + 2));
    assert_int_equal(roi_sim_bytes(m, SIZE_MAX), SIZE_MAX);
    size_t w1 = roi_sim_work_bytes(m, 1024, 1), w2 = roi_sim_work_bytes(m, 1024, 2);
    assert_true(w1 >= 2 * cells * 8 + cells * 2112 * 5);
    assert_true(w2 - w1 >= cells * 2112 * 5); /* a second thread's histograms */
    assert_int_equal(roi_sim_work_bytes(m, SIZE_MAX, 2), SIZE_MAX);
    roi_sim_opts opts = {.seed = 1, .trials = 100000, .threads = 1, .max_bytes = 1 << 20};
    roi_run *run = NULL;
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_sim_run(m, &opts, &run, &err), ROI_ERR_USAGE);
    assert_null(run);
    assert_non_null(strstr(err.msg, "above the cap of 1 MB"));

    /* Two scenarios keep two runs; the analysis and base's goal seeks need more than
     * the run's working memory alone; and the command is refused before it runs. */
    const roi_model *two[] = {m, m};
    roi_results_opts ro = {.sim = {.seed = 1, .trials = 100000, .threads = 1}};
    size_t one_run = roi_results_bytes(two, 1, &ro), both = roi_results_bytes(two, 2, &ro);
    assert_int_equal(both - one_run, roi_sim_bytes(m, 100000));
    assert_true(one_run >= roi_sim_bytes(m, 100000) + roi_sim_work_bytes(m, 100000, 1));
    ro.no_analysis = 1;
    assert_true(roi_results_bytes(two, 1, &ro) <= one_run);
    ro.no_analysis = 0;
    ro.sim.max_bytes = one_run - 1;
    roi_results *res = NULL;
    roi_error_clear(&err);
    assert_int_equal(roi_results_run(two, 1, &ro, &res, &err), ROI_ERR_USAGE);
    assert_null(res);
    assert_non_null(strstr(err.msg, "1 scenario of 100000 trials needs about"));
    roi_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_loads_completely),
        cmocka_unit_test(test_whatif_changes_only_what_it_says),
        cmocka_unit_test(test_data_moat_fixes_the_condition),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_gamma_and_weibull),
        cmocka_unit_test(test_constant_scenario),
        cmocka_unit_test(test_error_lua_line),
        cmocka_unit_test(test_error_bad_parameter_path),
        cmocka_unit_test(test_error_set),
        cmocka_unit_test(test_error_missing_file),
        cmocka_unit_test(test_bundled_list),
        cmocka_unit_test(test_every_row_reaches_its_slot),
        cmocka_unit_test(test_defaults_come_from_the_table),
        cmocka_unit_test(test_unknown_field_suggests_from_the_table),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_conditions_cross_as_structure),
        cmocka_unit_test(test_library_tables_cannot_be_changed),
        cmocka_unit_test(test_time_limit),
        cmocka_unit_test(test_time_limit_hard_stop),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_extends_cannot_leave_the_folder),
        cmocka_unit_test(test_not_finite_values_are_refused),
        cmocka_unit_test(test_run_memory_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
