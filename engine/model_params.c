/*
 * model_params.c - the parameter table (see model_params.h).
 *
 * One array of rows per declaration kind, then the list of kinds. Rows are in the
 * order a scenario's fields are listed and resolved: the order of "it takes ..." in
 * messages, and the order in which uncertain inputs are first met (which is their
 * order in reports).
 */
#include "model_params.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

_Static_assert(ROI_PARAM_UNSET_INT == ROI_PERIOD_NONE, "an unset quarter is ROI_PERIOD_NONE");
_Static_assert(sizeof(roi_spend_kind) == sizeof(int) && sizeof(roi_spend_class) == sizeof(int) &&
                   sizeof(roi_stream_kind) == sizeof(int) &&
                   sizeof(roi_stream_class) == sizeof(int) &&
                   sizeof(roi_override_mode) == sizeof(int) && sizeof(roi_output) == sizeof(int),
               "enum slots are written as int");

/* ---- row shorthands ------------------------------------------------------------------ */

#define ANY {-INFINITY, INFINITY, 0, 0}
#define AT_LEAST(x) {(x), INFINITY, 0, 0}
#define ABOVE(x) {(x), INFINITY, 1, 0}
#define CLOSED(a, b) {(a), (b), 0, 0}

/* A field of struct T: name, type, slot, need. */
#define ROW(T, nm, ty, field, nd) .name = (nm), .type = (ty), .offset = offsetof(T, field), .need = (nd)
#define REQ ROI_PARAM_REQUIRED
#define OPT ROI_PARAM_OPTIONAL
#define DEF ROI_PARAM_DEFAULT

/* Kind bits of the kinded declarations. */
#define KIND(k) (1u << (k))

static const char *const spend_kinds[] = {"lump", "schedule", "vesting", "inference", NULL};
static const char *const spend_classes[] = {"investment", "operating", NULL};
static const char *const stream_kinds[] = {"uplift", "per_interaction", "subscription",
                                           "market_share", "schedule", NULL};
static const char *const stream_classes[] = {"revenue", "savings", NULL};
static const char *const override_modes[] = {"value", "shift", "scale", NULL};

/* A lump is a one-off investment; the other kinds recur. */
static const double spend_class_by_kind[] = {ROI_CLASS_INVESTMENT, ROI_CLASS_OPERATING,
                                             ROI_CLASS_OPERATING, ROI_CLASS_OPERATING};

/* ---- MODEL.md section 1: time and money ------------------------------------------------ */

static const roi_param horizon[] = {
    {ROW(roi_model, "from", ROI_PARAM_START, start_year, REQ), .aux = offsetof(roi_model, start_q),
     .doc = "first quarter, t = 0"},
    {ROW(roi_model, "to", ROI_PARAM_END, periods, REQ), .doc = "last quarter"},
    {ROW(roi_model, "discount", ROI_PARAM_VALUE, discount, REQ), .range = ABOVE(-1),
     .doc = "annual discount rate r", .measure = ROI_MEASURE_RATE},
    {ROW(roi_model, "terminal", ROI_PARAM_BOOLEAN, terminal, DEF), .dflt = 1,
     .doc = "false turns the terminal value off"},
    {ROW(roi_model, "terminal_growth", ROI_PARAM_VALUE, tv_growth, DEF), .dflt = 0,
     .range = ABOVE(-1), .doc = "Gordon growth g_tv after the horizon, below r",
     .measure = ROI_MEASURE_RATE},
    {ROW(roi_model, "currency", ROI_PARAM_STRING, currency, OPT),
     .doc = "ISO 4217 code of every amount, e.g. EUR; absent: USD"},
};

/* ---- section 3: the quality track -------------------------------------------------------- */

static const roi_param frontier[] = {
    {ROW(roi_model, "score", ROI_PARAM_VALUE, frontier_score, REQ), .range = ANY,
     .doc = "frontier score F0 at the first release", .measure = ROI_MEASURE_SCORE},
    {ROW(roi_model, "slope", ROI_PARAM_VALUE, frontier_slope, REQ), .range = ANY,
     .doc = "frontier points gained a year", .measure = ROI_MEASURE_SCORE},
};

static const roi_param quality[] = {
    {ROW(roi_model, "beta", ROI_PARAM_VALUE, quality_beta, REQ), .range = AT_LEAST(0),
     .doc = "how fast the multiplier falls with the gap", .measure = ROI_MEASURE_COEFFICIENT},
    {ROW(roi_model, "gap_ref", ROI_PARAM_VALUE, gap_ref, OPT), .range = ANY,
     .doc = "G_ref; absent: F0 minus the first version's score", .measure = ROI_MEASURE_SCORE},
    {ROW(roi_model, "min", ROI_PARAM_VALUE, m_lo, DEF), .dflt = 0, .range = AT_LEAST(0),
     .doc = "lower clamp of the multiplier", .measure = ROI_MEASURE_MULTIPLIER},
    {ROW(roi_model, "max", ROI_PARAM_VALUE, m_hi, OPT), .range = AT_LEAST(0),
     .doc = "upper clamp of the multiplier; absent: none", .measure = ROI_MEASURE_MULTIPLIER},
};

static const roi_param version[] = {
    {ROW(roi_version, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_version, "planned", ROI_PARAM_QUARTER, planned, OPT),
     .doc = "planned quarter (or after)"},
    {ROW(roi_version, "after", ROI_PARAM_VALUE, after, OPT), .range = AT_LEAST(0), .whole = 1,
     .doc = "quarters after the previous release (or planned)", .measure = ROI_MEASURE_QUARTERS},
    {ROW(roi_version, "slip", ROI_PARAM_VALUE, slip, DEF), .dflt = 0, .range = AT_LEAST(0),
     .whole = 1, .doc = "quarters of slip", .measure = ROI_MEASURE_QUARTERS},
    {ROW(roi_version, "score", ROI_PARAM_VALUE, score, OPT), .range = ANY,
     .doc = "the score (or improvement)", .measure = ROI_MEASURE_SCORE},
    {ROW(roi_version, "improvement", ROI_PARAM_VALUE, improvement, OPT), .range = ANY,
     .doc = "over the previous version's score (or score)", .measure = ROI_MEASURE_SCORE},
    {ROW(roi_version, "cancel", ROI_PARAM_BOOLEAN, cancel, DEF), .dflt = 0,
     .doc = "true: it never ships, nor any version given after it"},
};

/* ---- section 4: surfaces and the family of apps ----------------------------------------- */

static const roi_param family[] = {
    {ROW(roi_model, "people", ROI_PARAM_VALUE, people, REQ), .range = ABOVE(0),
     .doc = "people P0 at t = 0", .measure = ROI_MEASURE_COUNT},
    {ROW(roi_model, "growth", ROI_PARAM_VALUE, people_growth, DEF), .dflt = 0,
     .range = ABOVE(-1), .doc = "their yearly growth", .measure = ROI_MEASURE_RATE},
};

static const roi_param surface[] = {
    {ROW(roi_surface, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_surface, "launch", ROI_PARAM_QUARTER, launch, REQ), .doc = "planned launch"},
    {ROW(roi_surface, "delay", ROI_PARAM_VALUE, delay, DEF), .dflt = 0, .range = AT_LEAST(0),
     .whole = 1, .doc = "quarters of delay", .measure = ROI_MEASURE_QUARTERS},
    {ROW(roi_surface, "addressable", ROI_PARAM_VALUE, addressable, REQ),
     .range = AT_LEAST(0), .doc = "monthly users A at t = 0", .measure = ROI_MEASURE_COUNT},
    {ROW(roi_surface, "growth", ROI_PARAM_VALUE, growth, DEF), .dflt = 0, .range = ABOVE(-1),
     .doc = "their yearly growth", .measure = ROI_MEASURE_RATE},
    {ROW(roi_surface, "stages", ROI_PARAM_STAGES, stages, DEF),
     .count = offsetof(roi_surface, n_stages), .dflt = 1,
     .doc = "{quarters after launch, cumulative share}; absent: { {0, 1} }"},
    {ROW(roi_surface, "ceiling", ROI_PARAM_VALUE, ceiling, REQ), .range = CLOSED(0, 1),
     .doc = "share of reached users active at saturation", .measure = ROI_MEASURE_SHARE},
    {.name = "adoption", .type = ROI_PARAM_GROUP, .need = REQ, .doc = "Bass diffusion"},
    {ROW(roi_surface, "adoption.p", ROI_PARAM_VALUE, p, REQ), .range = ABOVE(0),
     .doc = "innovation", .measure = ROI_MEASURE_COEFFICIENT},
    {ROW(roi_surface, "adoption.q", ROI_PARAM_VALUE, q, REQ), .range = AT_LEAST(0),
     .doc = "imitation", .measure = ROI_MEASURE_COEFFICIENT},
    {ROW(roi_surface, "adoption.f0", ROI_PARAM_VALUE, f0, DEF), .dflt = 0,
     .range = CLOSED(0, 1), .doc = "installed base", .measure = ROI_MEASURE_SHARE},
    {ROW(roi_surface, "interactions", ROI_PARAM_VALUE, interactions, REQ),
     .range = AT_LEAST(0), .doc = "per active user per quarter", .measure = ROI_MEASURE_COUNT},
    {ROW(roi_surface, "reasoning", ROI_PARAM_VALUE, reasoning, DEF), .dflt = 0,
     .range = CLOSED(0, 1), .doc = "share in reasoning mode", .measure = ROI_MEASURE_SHARE},
};

/* ---- section 5: spend lines --------------------------------------------------------------- */

#define LUMP KIND(ROI_SPEND_LUMP)
#define SCHEDULE KIND(ROI_SPEND_SCHEDULE)
#define VESTING KIND(ROI_SPEND_VESTING)
#define INFERENCE KIND(ROI_SPEND_INFERENCE)

/* Attrition and decline of 1 are extreme but well defined ((1 - 1)^k = 0), and a beta
 * input's support is the closed [0, 1]. */
static const roi_param spend[] = {
    {ROW(roi_spend, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_spend, "kind", ROI_PARAM_ENUM, kind, REQ), .names = spend_kinds,
     .doc = "what the line is"},
    {ROW(roi_spend, "class", ROI_PARAM_ENUM, cls, DEF), .names = spend_classes,
     .kind_dflt = spend_class_by_kind, .doc = "a lump is an investment, the others operating"},
    {ROW(roi_spend, "quarter", ROI_PARAM_WHEN, from, REQ), .kinds = LUMP,
     .aux = offsetof(roi_spend, from_event), .doc = "its quarter"},
    {ROW(roi_spend, "from", ROI_PARAM_WHEN, from, REQ), .kinds = SCHEDULE | VESTING | INFERENCE,
     .aux = offsetof(roi_spend, from_event), .doc = "first quarter"},
    {ROW(roi_spend, "to", ROI_PARAM_WHEN, to, OPT), .kinds = SCHEDULE | INFERENCE,
     .required_in = SCHEDULE, .aux = offsetof(roi_spend, to_event),
     .doc = "last quarter (inclusive); inference: absent, the horizon's end"},
    {ROW(roi_spend, "amount", ROI_PARAM_VALUE, amount, REQ), .kinds = LUMP | SCHEDULE,
     .range = AT_LEAST(0), .doc = "dollars (a schedule: per quarter)",
     .measure = ROI_MEASURE_MONEY},
    {ROW(roi_spend, "growth", ROI_PARAM_VALUE, growth, DEF), .kinds = SCHEDULE, .dflt = 0,
     .range = ABOVE(-1), .doc = "yearly growth of the amount", .measure = ROI_MEASURE_RATE},
    {.name = "residual", .type = ROI_PARAM_GROUP, .need = OPT, .kinds = LUMP,
     .doc = "value held at the horizon's end"},
    {ROW(roi_spend, "residual.fraction", ROI_PARAM_VALUE, residual_fraction, REQ),
     .kinds = LUMP, .range = CLOSED(0, 1), .doc = "share held", .measure = ROI_MEASURE_SHARE},
    {ROW(roi_spend, "residual.valuation", ROI_PARAM_VALUE, residual_valuation, REQ),
     .kinds = LUMP, .range = AT_LEAST(0), .doc = "valuation at the horizon's end",
     .measure = ROI_MEASURE_MONEY},
    {ROW(roi_spend, "heads", ROI_PARAM_VALUE, heads, REQ), .kinds = VESTING,
     .range = AT_LEAST(0), .doc = "people granted", .measure = ROI_MEASURE_COUNT},
    {ROW(roi_spend, "package", ROI_PARAM_VALUE, package, REQ), .kinds = VESTING,
     .range = AT_LEAST(0), .doc = "dollars per head", .measure = ROI_MEASURE_MONEY},
    {ROW(roi_spend, "quarters", ROI_PARAM_VALUE, vest_quarters, REQ), .kinds = VESTING,
     .range = AT_LEAST(1), .whole = 1, .doc = "vesting length V in quarters",
     .measure = ROI_MEASURE_QUARTERS},
    {ROW(roi_spend, "attrition", ROI_PARAM_VALUE, attrition, DEF), .kinds = VESTING,
     .dflt = 0, .range = CLOSED(0, 1), .doc = "per quarter, forfeits unvested grants",
     .measure = ROI_MEASURE_SHARE},
    {ROW(roi_spend, "unit_cost", ROI_PARAM_VALUE, unit_cost, REQ), .kinds = INFERENCE,
     .range = AT_LEAST(0), .doc = "dollars per fast-mode interaction",
     .measure = ROI_MEASURE_MONEY},
    {ROW(roi_spend, "reasoning_cost", ROI_PARAM_VALUE, reasoning_cost, DEF),
     .kinds = INFERENCE, .dflt = 1, .range = AT_LEAST(0), .doc = "reasoning's cost multiple",
     .measure = ROI_MEASURE_MULTIPLIER},
    {ROW(roi_spend, "decline", ROI_PARAM_VALUE, cost_decline, DEF), .kinds = INFERENCE,
     .dflt = 0, .range = CLOSED(0, 1), .doc = "yearly fall of the unit cost",
     .measure = ROI_MEASURE_RATE},
};

/* ---- section 6: monetization streams -------------------------------------------------------- */

#define UPLIFT KIND(ROI_STREAM_UPLIFT)
#define PER_INTERACTION KIND(ROI_STREAM_PER_INTERACTION)
#define SUBSCRIPTION KIND(ROI_STREAM_SUBSCRIPTION)
#define MARKET_SHARE KIND(ROI_STREAM_MARKET_SHARE)
#define STREAM_SCHEDULE KIND(ROI_STREAM_SCHEDULE)

static const roi_param revenue[] = {
    {ROW(roi_stream, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_stream, "kind", ROI_PARAM_ENUM, kind, REQ), .names = stream_kinds,
     .doc = "how it earns"},
    {ROW(roi_stream, "class", ROI_PARAM_ENUM, cls, DEF), .names = stream_classes,
     .dflt = ROI_STREAM_REVENUE, .doc = "revenue, or savings (costs avoided)"},
    {ROW(roi_stream, "from", ROI_PARAM_WHEN, from, REQ), .aux = offsetof(roi_stream, from_event),
     .doc = "first quarter"},
    {ROW(roi_stream, "to", ROI_PARAM_WHEN, to, OPT), .aux = offsetof(roi_stream, to_event),
     .required_in = STREAM_SCHEDULE, .doc = "last quarter (inclusive); absent: the horizon's end"},
    {ROW(roi_stream, "amount", ROI_PARAM_VALUE, amount, REQ), .kinds = STREAM_SCHEDULE,
     .range = AT_LEAST(0), .doc = "money a quarter, at from", .measure = ROI_MEASURE_MONEY},
    {ROW(roi_stream, "surfaces", ROI_PARAM_SURFACES, surfaces, DEF),
     .count = offsetof(roi_stream, n_surfaces), .kinds = PER_INTERACTION | SUBSCRIPTION,
     .required_in = SUBSCRIPTION, .doc = "\"all\" or a list of surface names; absent: all"},
    {ROW(roi_stream, "base", ROI_PARAM_VALUE, base, REQ), .kinds = UPLIFT,
     .range = AT_LEAST(0), .doc = "quarterly ad revenue B0 at t = 0", .measure = ROI_MEASURE_MONEY},
    {ROW(roi_stream, "growth", ROI_PARAM_VALUE, growth, DEF),
     .kinds = UPLIFT | MARKET_SHARE | STREAM_SCHEDULE,
     .dflt = 0, .range = ABOVE(-1), .doc = "yearly growth", .measure = ROI_MEASURE_RATE},
    {ROW(roi_stream, "lift", ROI_PARAM_VALUE, lift, REQ), .kinds = UPLIFT,
     .range = AT_LEAST(-1), .doc = "lift if every person were an active user",
     .measure = ROI_MEASURE_SHARE},
    {ROW(roi_stream, "rate", ROI_PARAM_VALUE, rate, REQ), .kinds = PER_INTERACTION,
     .range = AT_LEAST(0), .doc = "dollars per interaction at feed parity",
     .measure = ROI_MEASURE_MONEY},
    {ROW(roi_stream, "ratio", ROI_PARAM_VALUE, ratio, DEF), .kinds = PER_INTERACTION,
     .dflt = 1, .range = AT_LEAST(0), .doc = "monetization relative to feed",
     .measure = ROI_MEASURE_MULTIPLIER},
    {ROW(roi_stream, "conversion", ROI_PARAM_VALUE, conversion, REQ), .kinds = SUBSCRIPTION,
     .range = CLOSED(0, 1), .doc = "share of active users who subscribe",
     .measure = ROI_MEASURE_SHARE},
    {ROW(roi_stream, "price", ROI_PARAM_VALUE, price, REQ), .kinds = SUBSCRIPTION,
     .range = AT_LEAST(0), .doc = "dollars a quarter", .measure = ROI_MEASURE_MONEY},
    {ROW(roi_stream, "market", ROI_PARAM_VALUE, market, REQ), .kinds = MARKET_SHARE,
     .range = AT_LEAST(0), .doc = "quarterly market size M0", .measure = ROI_MEASURE_MONEY},
    {ROW(roi_stream, "share", ROI_PARAM_VALUE, share, REQ), .kinds = MARKET_SHARE,
     .range = CLOSED(0, 1), .doc = "share of the market", .measure = ROI_MEASURE_SHARE},
    {ROW(roi_stream, "cap", ROI_PARAM_VALUE, cap, OPT), .kinds = MARKET_SHARE,
     .range = AT_LEAST(0), .doc = "cap on the quality multiplier; absent: none",
     .measure = ROI_MEASURE_MULTIPLIER},
};

/* ---- section 7: milestones ---------------------------------------------------------------- */

static const roi_param milestone[] = {
    {ROW(roi_milestone, "series", ROI_PARAM_SERIES, series, REQ), .doc = "a series name"},
    {ROW(roi_milestone, "quarter", ROI_PARAM_QUARTER, period, REQ), .doc = "its quarter"},
    {ROW(roi_milestone, "at_least", ROI_PARAM_NUMBER, threshold, REQ), .range = ANY,
     .doc = "P(series >= at_least)"},
};

/* ---- questions asked of the model (docs/analysis.md, docs/search.md) ----------------------- */

static const roi_param view[] = {
    {ROW(roi_view, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_view, "where", ROI_PARAM_CONDITION, where, REQ),
     .aux = offsetof(roi_view, cond), .doc = "the trials to keep"},
};

static const roi_param stress[] = {
    {ROW(roi_stress, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_stress, "input", ROI_PARAM_INPUT, input, REQ), .doc = "an uncertain input"},
    /* 0 <= low < high <= 1: a rule of model.c, which says so in one message */
    {ROW(roi_stress, "low", ROI_PARAM_NUMBER, low, REQ), .range = ANY,
     .doc = "lower percentile level"},
    {ROW(roi_stress, "high", ROI_PARAM_NUMBER, high, REQ), .range = ANY,
     .doc = "upper percentile level"},
};

/* trials: 0 (the default, outside the range a scenario may write) is the run's count */
static const roi_param goal[] = {
    {ROW(roi_goal_spec, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_goal_spec, "input", ROI_PARAM_TARGET, input, REQ),
     .aux = offsetof(roi_goal_spec, node), .doc = "the parameter path to vary"},
    {ROW(roi_goal_spec, "mode", ROI_PARAM_ENUM, mode, DEF), .names = override_modes,
     .dflt = ROI_OVERRIDE_VALUE, .doc = "what the value tried does to the input"},
    {ROW(roi_goal_spec, "output", ROI_PARAM_ENUM, stat.output, DEF), .names = roi_output_names,
     .dflt = ROI_OUT_NPV, .doc = "the output"},
    {ROW(roi_goal_spec, "stat", ROI_PARAM_STAT, stat_name, REQ), .doc = "its statistic"},
    {ROW(roi_goal_spec, "target", ROI_PARAM_NUMBER, target, REQ), .range = ANY,
     .doc = "the statistic's target"},
    {ROW(roi_goal_spec, "low", ROI_PARAM_NUMBER, low, REQ), .range = ANY,
     .doc = "lowest value to try"},
    {ROW(roi_goal_spec, "high", ROI_PARAM_NUMBER, high, REQ), .range = ANY,
     .doc = "highest value to try"},
    {ROW(roi_goal_spec, "trials", ROI_PARAM_COUNT, trials, DEF), .dflt = 0,
     .range = CLOSED(1, 1e9), .doc = "trials per evaluation; absent: the run's"},
};

static const roi_param sweep[] = {
    {ROW(roi_sweep_spec, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_sweep_spec, "inputs", ROI_PARAM_TARGETS, input, REQ),
     .aux = offsetof(roi_sweep_spec, node),
     .count = offsetof(roi_sweep_spec, n_inputs), .doc = "one or two parameter paths"},
    {ROW(roi_sweep_spec, "values", ROI_PARAM_GRID, values, REQ),
     .count = offsetof(roi_sweep_spec, n_values), .doc = "a list of values per input"},
    {ROW(roi_sweep_spec, "mode", ROI_PARAM_ENUM, mode, DEF), .names = override_modes,
     .dflt = ROI_OVERRIDE_VALUE, .doc = "what each value does to its input"},
    {ROW(roi_sweep_spec, "output", ROI_PARAM_ENUM, stat.output, DEF), .names = roi_output_names,
     .dflt = ROI_OUT_NPV, .doc = "the output"},
    {ROW(roi_sweep_spec, "stat", ROI_PARAM_STAT, stat_name, REQ), .doc = "its statistic"},
    {ROW(roi_sweep_spec, "trials", ROI_PARAM_COUNT, trials, DEF), .dflt = 0,
     .range = CLOSED(1, 1e9), .doc = "trials per cell; absent: the run's"},
};

/* The scenarios to choose between (two or more, named as the run names them) and the
 * inputs known at the gate; the output must be defined in every trial (model.c). */
static const roi_param decision[] = {
    {ROW(roi_decision_spec, "title", ROI_PARAM_STRING, title, OPT), .doc = "a title for reports"},
    {ROW(roi_decision_spec, "options", ROI_PARAM_NAMES, options, REQ),
     .count = offsetof(roi_decision_spec, n_options), .doc = "the scenarios to choose between"},
    {ROW(roi_decision_spec, "output", ROI_PARAM_ENUM, output, DEF), .names = roi_output_names,
     .dflt = ROI_OUT_NPV, .doc = "the output the choice maximises"},
    {ROW(roi_decision_spec, "signals", ROI_PARAM_INPUTS, signals, OPT),
     .aux = offsetof(roi_decision_spec, signal_nodes),
     .count = offsetof(roi_decision_spec, n_signals),
     .doc = "uncertain inputs known at the gate; absent: none"},
};

/* ---- the declaration kinds ------------------------------------------------------------------ */

#define ROWS(a) (a), (int)(sizeof(a) / sizeof((a)[0]))
#define SECTION(k, req, rows) {.kind = (k), .style = ROI_DECL_SECTION, .required = (req), .params = ROWS(rows)}
/* A list of items of struct T in roi_model's `list`, `n` of them. */
#define LIST(T, k, st, req, rows, list, n)                                                       \
    .kind = (k), .style = (st), .required = (req), .params = ROWS(rows), .size = sizeof(T),     \
    .list_offset = offsetof(roi_model, list), .count_offset = offsetof(roi_model, n),           \
    .name_offset = offsetof(T, name)

const roi_decl roi_decls[] = {
    /* Only the horizon is required (MODEL.md 10.1): a case may have no quality track,
     * no family and no surfaces; model.c's rules say what each absence means. */
    SECTION("horizon", 1, horizon),
    SECTION("family", 0, family),
    SECTION("frontier", 0, frontier),
    SECTION("quality", 0, quality),
    {LIST(roi_version, "version", ROI_DECL_OBJECT, 0, version, versions, n_versions)},
    {LIST(roi_surface, "surface", ROI_DECL_OBJECT, 0, surface, surfaces, n_surfaces)},
    {LIST(roi_spend, "spend", ROI_DECL_OBJECT, 0, spend, spend, n_spend),
     .kinds = spend_kinds, .kind_offset = offsetof(roi_spend, kind)},
    {LIST(roi_stream, "revenue", ROI_DECL_OBJECT, 0, revenue, streams, n_streams),
     .kinds = stream_kinds, .kind_offset = offsetof(roi_stream, kind)},
    {LIST(roi_milestone, "milestone", ROI_DECL_OBJECT, 0, milestone, milestones,
          n_milestones)},
    {LIST(roi_view, "view", ROI_DECL_OBJECT, 0, view, views, n_views)},
    {LIST(roi_stress, "stress", ROI_DECL_OBJECT, 0, stress, stresses, n_stresses)},
    {LIST(roi_goal_spec, "goal", ROI_DECL_QUESTION, 0, goal, goals, n_goals)},
    {LIST(roi_sweep_spec, "sweep", ROI_DECL_QUESTION, 0, sweep, sweeps, n_sweeps)},
    {LIST(roi_decision_spec, "decision", ROI_DECL_QUESTION, 0, decision, decisions,
          n_decisions)},
};

const int roi_decl_count = (int)(sizeof roi_decls / sizeof roi_decls[0]);

/* ---- lookups and checks ------------------------------------------------------------------- */

const roi_decl *roi_decl_find(const char *kind)
{
    for (int i = 0; kind && i < roi_decl_count; i++)
        if (strcmp(roi_decls[i].kind, kind) == 0)
            return &roi_decls[i];
    return NULL;
}

const roi_param *roi_param_find(const roi_decl *d, const char *name)
{
    for (int i = 0; name && i < d->n_params; i++)
        if (strcmp(d->params[i].name, name) == 0)
            return &d->params[i];
    return NULL;
}

const roi_param *roi_decl_kind_param(const roi_decl *d)
{
    return d->kinds ? roi_param_find(d, "kind") : NULL;
}

const char *roi_param_type_name(roi_param_type t)
{
    /* How each type is written in a scenario: the language checks these. */
    static const char *const names[ROI_PARAM_TYPE_COUNT] = {
        [ROI_PARAM_VALUE] = "value",       [ROI_PARAM_NUMBER] = "number",
        [ROI_PARAM_WHOLE] = "number",      [ROI_PARAM_COUNT] = "number",
        [ROI_PARAM_QUARTER] = "quarter",   [ROI_PARAM_QUARTER_OR_END] = "quarter_or_end",
        [ROI_PARAM_WHEN] = "when",
        [ROI_PARAM_START] = "quarter",     [ROI_PARAM_END] = "quarter",
        [ROI_PARAM_BOOLEAN] = "boolean",   [ROI_PARAM_STRING] = "string",
        [ROI_PARAM_ENUM] = "enum",         [ROI_PARAM_GROUP] = "group",
        [ROI_PARAM_STAGES] = "stages",     [ROI_PARAM_SURFACES] = "surfaces",
        [ROI_PARAM_SERIES] = "string",     [ROI_PARAM_INPUT] = "string",
        [ROI_PARAM_TARGET] = "path",       [ROI_PARAM_TARGETS] = "paths",
        [ROI_PARAM_GRID] = "grid",         [ROI_PARAM_STAT] = "stat",
        [ROI_PARAM_CONDITION] = "condition", [ROI_PARAM_NAMES] = "names",
        [ROI_PARAM_INPUTS] = "inputs",
    };
    return (int)t >= 0 && t < ROI_PARAM_TYPE_COUNT && names[t] ? names[t] : "?";
}

int roi_param_applies(const roi_param *p, int kind)
{
    if (!p->kinds || kind < 0)
        return 1;
    return kind < 32 && (p->kinds & KIND(kind)) != 0;
}

roi_param_need roi_param_need_in(const roi_param *p, int kind)
{
    if (kind >= 0 && kind < 32 && (p->required_in & KIND(kind)))
        return ROI_PARAM_REQUIRED;
    return p->need;
}

double roi_param_default(const roi_param *p, int kind)
{
    return p->kind_dflt && kind >= 0 ? p->kind_dflt[kind] : p->dflt;
}

int roi_range_contains(roi_range r, double v)
{
    if (isnan(v))
        return 0;
    if (r.lo_open ? !(v > r.lo) : !(v >= r.lo))
        return 0;
    if (r.hi_open ? !(v < r.hi) : !(v <= r.hi))
        return 0;
    return 1;
}

void roi_range_text(roi_range r, char *buf, size_t size)
{
    if (isinf(r.hi) && isinf(r.lo))
        snprintf(buf, size, "must be a finite number");
    else if (isinf(r.hi))
        snprintf(buf, size, "must be %s %g", r.lo_open ? ">" : ">=", r.lo);
    else if (isinf(r.lo))
        snprintf(buf, size, "must be %s %g", r.hi_open ? "<" : "<=", r.hi);
    else
        snprintf(buf, size, "must be in %c%g, %g%c", r.lo_open ? '(' : '[', r.lo, r.hi,
                 r.hi_open ? ')' : ']');
}

/* Beyond this a whole number no longer counts quarters or people sensibly, and
 * quarters added to it could overflow an int. */
#define WHOLE_LIMIT 1e6

void roi_param_whole_text(const roi_param *p, char *buf, size_t size)
{
    const roi_range r = p->range;
    const char *of = p->unit ? " of " : "", *unit = p->unit ? p->unit : "";
    if (!isinf(r.lo) && !isinf(r.hi))
        snprintf(buf, size, "must be a whole number%s%s from %.15g to %.15g", of, unit, r.lo,
                 r.hi);
    else if (!isinf(r.lo))
        snprintf(buf, size, "must be a whole number%s%s >= %.15g", of, unit, r.lo);
    else
        snprintf(buf, size, "must be a whole number%s%s", of, unit);
}

int roi_param_whole_ok(const roi_param *p, double v)
{
    if (!roi_range_contains(p->range, v) || floor(v) != v)
        return 0;
    return p->type != ROI_PARAM_WHOLE || fabs(v) <= WHOLE_LIMIT;
}

const char *roi_measure_name(roi_measure ms)
{
    static const char *const names[ROI_MEASURE_COUNT_OF] = {
        [ROI_MEASURE_NONE] = "",           [ROI_MEASURE_MONEY] = "money",
        [ROI_MEASURE_SHARE] = "share",     [ROI_MEASURE_RATE] = "rate",
        [ROI_MEASURE_COUNT] = "count",     [ROI_MEASURE_QUARTERS] = "quarters",
        [ROI_MEASURE_MULTIPLIER] = "multiplier", [ROI_MEASURE_SCORE] = "score",
        [ROI_MEASURE_COEFFICIENT] = "coefficient",
    };
    return (int)ms >= 0 && ms < ROI_MEASURE_COUNT_OF ? names[ms] : "";
}

/* The declaration whose item (or, for a section, whose kind) is named by the first
 * len characters of path. */
static const roi_decl *decl_of(const roi_model *m, const char *path, size_t len)
{
    for (int d = 0; d < roi_decl_count; d++) {
        const roi_decl *dl = &roi_decls[d];
        if (dl->style == ROI_DECL_SECTION) {
            if (strlen(dl->kind) == len && !strncmp(dl->kind, path, len))
                return dl;
            continue;
        }
        int n = roi_decl_items(dl, m);
        for (int i = 0; i < n; i++) {
            const char *name = roi_decl_item_name(dl, roi_decl_item(dl, (roi_model *)m, i));
            if (strlen(name) == len && !strncmp(name, path, len))
                return dl;
        }
    }
    return NULL;
}

roi_measure roi_model_input_measure(const roi_model *m, const char *path)
{
    if (!m || !path)
        return ROI_MEASURE_NONE;
    size_t len = strcspn(path, ".");
    const roi_decl *d = path[len] ? decl_of(m, path, len) : NULL;
    if (!d)
        return ROI_MEASURE_NONE;
    /* The longest leading run of the rest's parts that names a row: "adoption.p", or
     * "improvement" of "improvement.then". */
    char field[256];
    snprintf(field, sizeof field, "%s", path + len + 1);
    for (;;) {
        const roi_param *p = roi_param_find(d, field);
        if (p)
            return p->measure;
        char *dot = strrchr(field, '.');
        if (!dot)
            return ROI_MEASURE_NONE;
        *dot = '\0';
    }
}

/* ---- items -------------------------------------------------------------------------------- */

int roi_decl_items(const roi_decl *d, const roi_model *m)
{
    if (d->style == ROI_DECL_SECTION)
        return 1;
    return *(const int *)((const char *)m + d->count_offset);
}

void *roi_decl_item(const roi_decl *d, roi_model *m, int i)
{
    if (d->style == ROI_DECL_SECTION)
        return m;
    char *items = *(char **)((char *)m + d->list_offset);
    return items + (size_t)i * d->size;
}

int roi_decl_item_kind(const roi_decl *d, const void *item)
{
    if (!d->kinds)
        return -1;
    int kind = *(const int *)((const char *)item + d->kind_offset);
    int n = 0;
    while (d->kinds[n])
        n++;
    return kind >= 0 && kind < n ? kind : -1;
}

const char *roi_decl_item_name(const roi_decl *d, const void *item)
{
    if (d->style == ROI_DECL_SECTION)
        return d->kind;
    const char *name = *(char *const *)((const char *)item + d->name_offset);
    return name ? name : "?";
}

#define SLOT(T, p, item) (*(T *)((char *)(item) + (p)->offset))
#define CSLOT(T, p, item) (*(const T *)((const char *)(item) + (p)->offset))
#define AUX(T, p, item) (*(T *)((char *)(item) + (p)->aux))
#define COUNT(T, p, item) (*(T *)((char *)(item) + (p)->count))

void roi_param_unset_all(const roi_decl *d, void *item)
{
    for (int i = 0; i < d->n_params; i++) {
        const roi_param *p = &d->params[i];
        switch (p->type) {
        case ROI_PARAM_VALUE:
            SLOT(roi_ref, p, item) = ROI_NONE;
            break;
        case ROI_PARAM_NUMBER:
            SLOT(double, p, item) = NAN;
            break;
        case ROI_PARAM_WHOLE:
        case ROI_PARAM_ENUM:
        case ROI_PARAM_BOOLEAN:
        case ROI_PARAM_SERIES:
        case ROI_PARAM_QUARTER:
        case ROI_PARAM_QUARTER_OR_END:
        case ROI_PARAM_END:
            SLOT(int, p, item) = ROI_PARAM_UNSET_INT;
            break;
        case ROI_PARAM_COUNT:
            SLOT(size_t, p, item) = ROI_PARAM_UNSET_COUNT;
            break;
        case ROI_PARAM_START:
            SLOT(int, p, item) = ROI_PARAM_UNSET_INT;
            AUX(int, p, item) = 1;
            break;
        case ROI_PARAM_WHEN:
            SLOT(int, p, item) = ROI_PARAM_UNSET_INT;
            AUX(roi_event, p, item) = (roi_event){0, ROI_NONE};
            break;
        case ROI_PARAM_TARGET:
            AUX(roi_ref, p, item) = ROI_NONE;
            break;
        case ROI_PARAM_TARGETS:
            AUX(roi_ref, p, item) = ROI_NONE;
            (&AUX(roi_ref, p, item))[1] = ROI_NONE;
            break;
        default: /* pointers and counts: zeroed with the item */
            break;
        }
    }
}

int roi_param_is_set(const roi_param *p, const void *item)
{
    switch (p->type) {
    case ROI_PARAM_VALUE:
        return CSLOT(roi_ref, p, item) != ROI_NONE;
    case ROI_PARAM_NUMBER:
        return !isnan(CSLOT(double, p, item));
    case ROI_PARAM_WHOLE:
    case ROI_PARAM_ENUM:
    case ROI_PARAM_BOOLEAN:
    case ROI_PARAM_SERIES:
    case ROI_PARAM_QUARTER:
    case ROI_PARAM_QUARTER_OR_END:
    case ROI_PARAM_START:
    case ROI_PARAM_END:
        return CSLOT(int, p, item) != ROI_PARAM_UNSET_INT;
    case ROI_PARAM_COUNT:
        return CSLOT(size_t, p, item) != ROI_PARAM_UNSET_COUNT;
    case ROI_PARAM_WHEN: /* a quarter (also one a model built in C sets), or an event */
        return CSLOT(int, p, item) != ROI_PARAM_UNSET_INT ||
               ((const roi_event *)((const char *)item + p->aux))->of != 0;
    case ROI_PARAM_STAGES:
    case ROI_PARAM_SURFACES:
        return *(const int *)((const char *)item + p->count) > 0;
    case ROI_PARAM_GROUP:
        return 0; /* a group is given when one of its fields is */
    case ROI_PARAM_TARGETS:
    case ROI_PARAM_NAMES:
    case ROI_PARAM_INPUTS:
        return *(const int *)((const char *)item + p->count) > 0;
    case ROI_PARAM_GRID:
    case ROI_PARAM_STRING:
    case ROI_PARAM_INPUT:
    case ROI_PARAM_TARGET:
    case ROI_PARAM_STAT:
    case ROI_PARAM_CONDITION:
        return CSLOT(void *, p, item) != NULL;
    case ROI_PARAM_TYPE_COUNT:
        break;
    }
    return 0;
}

void roi_param_free_all(const roi_decl *d, void *item)
{
    for (int i = 0; i < d->n_params; i++) {
        const roi_param *p = &d->params[i];
        switch (p->type) {
        case ROI_PARAM_STRING:
        case ROI_PARAM_INPUT:
        case ROI_PARAM_TARGET:
        case ROI_PARAM_STAT:
        case ROI_PARAM_STAGES:
        case ROI_PARAM_SURFACES:
            free(SLOT(void *, p, item));
            SLOT(void *, p, item) = NULL;
            break;
        case ROI_PARAM_CONDITION:
            free(SLOT(void *, p, item));
            SLOT(void *, p, item) = NULL;
            roi_cond_clear(&AUX(roi_cond, p, item));
            break;
        case ROI_PARAM_NAMES:
        case ROI_PARAM_INPUTS: {
            char **names = SLOT(char **, p, item);
            for (int k = 0; names && k < COUNT(int, p, item); k++)
                free(names[k]);
            free(names);
            SLOT(char **, p, item) = NULL;
            if (p->type == ROI_PARAM_INPUTS) {
                free(AUX(roi_ref *, p, item));
                AUX(roi_ref *, p, item) = NULL;
            }
            COUNT(int, p, item) = 0;
            break;
        }
        case ROI_PARAM_TARGETS:
        case ROI_PARAM_GRID:
            for (int k = 0; k < 2; k++) {
                free((&SLOT(void *, p, item))[k]);
                (&SLOT(void *, p, item))[k] = NULL;
            }
            break;
        default:
            break;
        }
    }
}
