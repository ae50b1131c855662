/*
 * model.c - the reference model of MODEL.md sections 1-7 (see model.h).
 *
 * Sections: construction, quarters, validation, series names. One trial is computed
 * in model_trial.c, the finance formulas in finance.c.
 */
#include "model.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- construction --------------------------------------------------------------- */

static const char *const output_names[ROI_OUT_COUNT] = {
    "npv",     "npv_horizon", "roi_multiple",  "irr",
    "payback", "total_spend", "total_revenue", "peak_active",
};

const char *roi_output_name(roi_output o)
{
    if ((int)o < 0 || o >= ROI_OUT_COUNT)
        return "?";
    return output_names[o];
}

roi_model *roi_model_new(void)
{
    roi_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    roi_graph_init(&m->graph);
    m->discount = m->tv_growth = ROI_NONE;
    m->frontier_score = m->frontier_slope = m->quality_beta = ROI_NONE;
    m->gap_ref = m->m_lo = m->m_hi = ROI_NONE;
    m->people = m->people_growth = ROI_NONE;
    m->periods = 0;
    m->start_q = 1;
    return m;
}

void roi_model_free(roi_model *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->title);
    free(m->file);
    for (int i = 0; i < m->n_versions; i++)
        free(m->versions[i].name);
    free(m->versions);
    for (int i = 0; i < m->n_surfaces; i++) {
        free(m->surfaces[i].name);
        free(m->surfaces[i].stages);
    }
    free(m->surfaces);
    for (int i = 0; i < m->n_spend; i++)
        free(m->spend[i].name);
    free(m->spend);
    for (int i = 0; i < m->n_streams; i++) {
        free(m->streams[i].name);
        free(m->streams[i].surfaces);
    }
    free(m->streams);
    for (int i = 0; i < m->n_milestones; i++)
        free(m->milestones[i].name);
    free(m->milestones);
    for (int i = 0; i < m->n_correlations; i++) {
        free(m->correlations[i].a);
        free(m->correlations[i].b);
    }
    free(m->correlations);
    for (int i = 0; i < m->n_goals; i++) {
        free(m->goals[i].name);
        free(m->goals[i].input);
        free(m->goals[i].stat_name);
    }
    free(m->goals);
    for (int i = 0; i < m->n_sweeps; i++) {
        free(m->sweeps[i].name);
        free(m->sweeps[i].stat_name);
        for (int k = 0; k < 2; k++) {
            free(m->sweeps[i].input[k]);
            free(m->sweeps[i].values[k]);
        }
    }
    free(m->sweeps);
    for (int i = 0; i < m->n_views; i++) {
        free(m->views[i].name);
        free(m->views[i].where);
    }
    free(m->views);
    for (int i = 0; i < m->n_stresses; i++) {
        free(m->stresses[i].name);
        free(m->stresses[i].input);
    }
    free(m->stresses);
    roi_graph_free(&m->graph);
    free(m);
}

/* ---- quarters --------------------------------------------------------------------- */

roi_status roi_quarter_parse(const char *label, int *year, int *q, const char *path, roi_error *err)
{
    /* strictly YYYYQn with n in 1..4 */
    int ok = label && strlen(label) == 6 && label[4] == 'Q' && label[5] >= '1' && label[5] <= '4';
    for (int k = 0; ok && k < 4; k++)
        ok = isdigit((unsigned char)label[k]);
    if (!ok)
        return roi_error_set(err, ROI_ERR_PARAM, path ? path : "",
                             "must be a quarter like 2026Q2, got '%s'", label ? label : "");
    *year =
        (label[0] - '0') * 1000 + (label[1] - '0') * 100 + (label[2] - '0') * 10 + (label[3] - '0');
    *q = label[5] - '0';
    return ROI_OK;
}

roi_period roi_model_period(const roi_model *m, int year, int q)
{
    return (year - m->start_year) * 4 + (q - m->start_q);
}

void roi_model_period_label(const roi_model *m, roi_period t, char *buf, size_t size)
{
    int index = m->start_year * 4 + (m->start_q - 1) + t; /* quarters since year 0 */
    int year = index >= 0 ? index / 4 : -((-index + 3) / 4);
    int q = index - year * 4 + 1;
    snprintf(buf, size, "%dQ%d", year % 100000, q & 7); /* bounded for the formatter */
}

/* ---- validation -------------------------------------------------------------------- */

/* What a range check allows. */
typedef struct {
    double lo, hi;
    int lo_open, hi_open; /* nonzero: the bound itself is excluded */
} range;

static const range ANY = {-INFINITY, INFINITY, 0, 0};

static range at_least(double lo)
{
    return (range){lo, INFINITY, 0, 0};
}
static range above(double lo)
{
    return (range){lo, INFINITY, 1, 0};
}
static range closed(double lo, double hi)
{
    return (range){lo, hi, 0, 0};
}

/* "must be > 0", "must be in [0, 1)", ... */
static void range_text(range r, char *buf, size_t size)
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

static int inside(range r, double v)
{
    if (isnan(v))
        return 0;
    if (r.lo_open ? !(v > r.lo) : !(v >= r.lo))
        return 0;
    if (r.hi_open ? !(v < r.hi) : !(v <= r.hi))
        return 0;
    return 1;
}

/* Path "<prefix>.<field>" into buf. */
static const char *join(char *buf, size_t size, const char *prefix, const char *field)
{
    snprintf(buf, size, "%s.%s", prefix ? prefix : "?", field);
    return buf;
}

/*
 * Checks that node `ref` always lies in r (and is a whole number when `whole`).
 * Constants are reported with their value, uncertain parameters with the value their
 * distribution or expression can reach.
 */
static roi_status check(const roi_model *m, roi_ref ref, const char *path, range r, int whole,
                        roi_error *err)
{
    char need[96], expr[256];
    double value, lo, hi;

    if (ref == ROI_NONE)
        return roi_error_set(err, ROI_ERR_PARAM, path, "is required");
    if (ref < 0 || ref >= m->graph.n)
        return roi_error_set(err, ROI_ERR_INTERNAL, path, "refers to no node (%d)", ref);
    range_text(r, need, sizeof need);
    if (whole)
        snprintf(need + strlen(need), sizeof need - strlen(need), " and whole");

    if (roi_graph_is_constant(&m->graph, ref, &value)) {
        if (!isfinite(value) || !inside(r, value) || (whole && floor(value) != value))
            return roi_error_set(err, ROI_ERR_PARAM, path, "%s, got %g", need, value);
        return ROI_OK;
    }
    roi_graph_describe(&m->graph, ref, expr, sizeof expr);
    roi_graph_bounds(&m->graph, ref, &lo, &hi);
    if (!inside(r, lo) && !(isinf(lo) && isinf(r.lo) && !r.lo_open))
        return roi_error_set(err, ROI_ERR_PARAM, path, "%s, but %s can be %g", need, expr, lo);
    if (!inside(r, hi) && !(isinf(hi) && isinf(r.hi) && !r.hi_open))
        return roi_error_set(err, ROI_ERR_PARAM, path, "%s, but %s can be %g", need, expr, hi);
    if (whole && !roi_graph_is_integer(&m->graph, ref))
        return roi_error_set(err, ROI_ERR_PARAM, path, "%s, but %s can be fractional", need, expr);
    return ROI_OK;
}

/* Optional parameters: absent is fine. */
static roi_status check_opt(const roi_model *m, roi_ref ref, const char *path, range r, int whole,
                            roi_error *err)
{
    return ref == ROI_NONE ? ROI_OK : check(m, ref, path, r, whole, err);
}

/* A quarter inside the horizon. */
static roi_status check_period(const roi_model *m, roi_period t, const char *path, roi_error *err)
{
    char label[16], first[16], last[16];
    if (t >= 0 && t < m->periods)
        return ROI_OK;
    roi_model_period_label(m, t, label, sizeof label);
    roi_model_period_label(m, 0, first, sizeof first);
    roi_model_period_label(m, m->periods - 1, last, sizeof last);
    return roi_error_set(err, ROI_ERR_PARAM, path, "%s is %s the horizon %s..%s", label,
                         t < 0 ? "before" : "after", first, last);
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        roi_status st_ = (call);                                                                   \
        if (st_ != ROI_OK)                                                                         \
            return st_;                                                                            \
    } while (0)

static roi_status validate_horizon(const roi_model *m, roi_error *err)
{
    double r, g, r_lo, r_hi, g_lo, g_hi;

    if (m->periods < 1)
        return roi_error_set(err, ROI_ERR_PARAM, "horizon", "must hold at least one quarter");
    CHECK(check(m, m->discount, "horizon.discount", above(-1), 0, err));
    if (!m->terminal)
        return ROI_OK;
    CHECK(check_opt(m, m->tv_growth, "horizon.terminal_growth", above(-1), 0, err));
    if (m->tv_growth == ROI_NONE)
        return ROI_OK;
    /* Gordon growth needs g_tv < r in every trial */
    if (roi_graph_is_constant(&m->graph, m->tv_growth, &g) &&
        roi_graph_is_constant(&m->graph, m->discount, &r)) {
        if (!(g < r))
            return roi_error_set(err, ROI_ERR_PARAM, "horizon.terminal_growth",
                                 "must be < the discount rate %g, got %g", r, g);
        return ROI_OK;
    }
    roi_graph_bounds(&m->graph, m->tv_growth, &g_lo, &g_hi);
    roi_graph_bounds(&m->graph, m->discount, &r_lo, &r_hi);
    if (!(g_hi < r_lo))
        return roi_error_set(err, ROI_ERR_PARAM, "horizon.terminal_growth",
                             "must be < the discount rate, but can be %g while the "
                             "discount rate can be %g",
                             g_hi, r_lo);
    return ROI_OK;
}

static roi_status validate_quality(const roi_model *m, roi_error *err)
{
    char path[300];
    double lo_min, lo_max, hi_min, hi_max;

    if (m->n_versions < 1)
        return roi_error_set(err, ROI_ERR_PARAM, "versions", "at least one version is required");
    for (int i = 0; i < m->n_versions; i++) {
        const roi_version *v = &m->versions[i];
        if (v->planned != ROI_NONE) {
            CHECK(check_period(m, v->planned, join(path, sizeof path, v->name, "planned"), err));
        } else if (i == 0) {
            return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, v->name, "planned"),
                                 "the first version needs a planned quarter");
        } else {
            CHECK(
                check(m, v->after, join(path, sizeof path, v->name, "after"), at_least(0), 1, err));
        }
        CHECK(check_opt(m, v->slip, join(path, sizeof path, v->name, "slip"), at_least(0), 1, err));
        if (v->score != ROI_NONE) {
            CHECK(check(m, v->score, join(path, sizeof path, v->name, "score"), ANY, 0, err));
        } else if (i == 0) {
            return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, v->name, "score"),
                                 "the first version needs a score");
        } else {
            CHECK(check(m, v->improvement, join(path, sizeof path, v->name, "improvement"), ANY, 0,
                        err));
        }
    }
    CHECK(check(m, m->frontier_score, "frontier.score", ANY, 0, err));
    CHECK(check(m, m->frontier_slope, "frontier.slope", ANY, 0, err));
    CHECK(check(m, m->quality_beta, "quality.beta", at_least(0), 0, err));
    CHECK(check_opt(m, m->gap_ref, "quality.gap_ref", ANY, 0, err));
    CHECK(check_opt(m, m->m_lo, "quality.min", at_least(0), 0, err));
    CHECK(check_opt(m, m->m_hi, "quality.max", at_least(0), 0, err));
    if (m->m_lo != ROI_NONE && m->m_hi != ROI_NONE) {
        /* every draw of the upper clamp must be >= every draw of the lower one */
        roi_graph_bounds(&m->graph, m->m_lo, &lo_min, &lo_max);
        roi_graph_bounds(&m->graph, m->m_hi, &hi_min, &hi_max);
        if (!(lo_max <= hi_min))
            return roi_error_set(err, ROI_ERR_PARAM, "quality.max",
                                 "must be >= quality.min (%g), got %g", lo_max, hi_min);
    }
    CHECK(check(m, m->people, "family.people", above(0), 0, err));
    CHECK(check_opt(m, m->people_growth, "family.growth", above(-1), 0, err));
    return ROI_OK;
}

static roi_status validate_surface(const roi_model *m, const roi_surface *s, roi_error *err)
{
    char path[300];
    const char *n = s->name;

    CHECK(check_period(m, s->launch, join(path, sizeof path, n, "launch"), err));
    CHECK(check_opt(m, s->delay, join(path, sizeof path, n, "delay"), at_least(0), 1, err));
    CHECK(check(m, s->addressable, join(path, sizeof path, n, "addressable"), at_least(0), 0, err));
    CHECK(check_opt(m, s->growth, join(path, sizeof path, n, "growth"), above(-1), 0, err));
    if (s->n_stages < 1 || !s->stages)
        return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, n, "stages"),
                             "must list at least one stage");
    for (int k = 0; k < s->n_stages; k++) {
        const roi_stage *st = &s->stages[k];
        join(path, sizeof path, n, "stages");
        if (st->offset < 0)
            return roi_error_set(err, ROI_ERR_PARAM, path, "stage %d: offset must be >= 0, got %d",
                                 k + 1, st->offset);
        if (!(st->share > 0.0 && st->share <= 1.0))
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "stage %d: share must be in (0, 1], got %g", k + 1, st->share);
        if (k > 0 && st->offset <= s->stages[k - 1].offset)
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "stage %d: offsets must increase, got %d after %d", k + 1,
                                 st->offset, s->stages[k - 1].offset);
        if (k > 0 && st->share < s->stages[k - 1].share)
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "stage %d: shares must not decrease, got %g after %g", k + 1,
                                 st->share, s->stages[k - 1].share);
    }
    CHECK(check(m, s->ceiling, join(path, sizeof path, n, "ceiling"), closed(0, 1), 0, err));
    CHECK(check(m, s->p, join(path, sizeof path, n, "adoption.p"), above(0), 0, err));
    CHECK(check(m, s->q, join(path, sizeof path, n, "adoption.q"), at_least(0), 0, err));
    CHECK(check_opt(m, s->f0, join(path, sizeof path, n, "adoption.f0"), closed(0, 1), 0, err));
    CHECK(check_opt(m, s->interactions, join(path, sizeof path, n, "interactions"), at_least(0), 0,
                    err));
    CHECK(
        check_opt(m, s->reasoning, join(path, sizeof path, n, "reasoning"), closed(0, 1), 0, err));
    return ROI_OK;
}

static roi_status validate_spend(const roi_model *m, const roi_spend *l, roi_error *err)
{
    char path[300];
    const char *n = l->name;
    /* Attrition and decline of 1 are extreme but well defined ((1 - 1)^k = 0), and a
     * beta input's support is the closed [0, 1]. */
    range unit = closed(0, 1);

    CHECK(check_period(m, l->from, join(path, sizeof path, n, "from"), err));
    switch (l->kind) {
    case ROI_SPEND_LUMP:
        CHECK(check(m, l->amount, join(path, sizeof path, n, "amount"), at_least(0), 0, err));
        if (l->residual_fraction != ROI_NONE) {
            CHECK(check(m, l->residual_fraction, join(path, sizeof path, n, "residual.fraction"),
                        closed(0, 1), 0, err));
            CHECK(check(m, l->residual_valuation, join(path, sizeof path, n, "residual.valuation"),
                        at_least(0), 0, err));
        }
        break;
    case ROI_SPEND_SCHEDULE:
        CHECK(check_period(m, l->to, join(path, sizeof path, n, "to"), err));
        if (l->to < l->from) {
            char a[16], b[16];
            roi_model_period_label(m, l->from, a, sizeof a);
            roi_model_period_label(m, l->to, b, sizeof b);
            return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, n, "to"),
                                 "must not be before from (%s), got %s", a, b);
        }
        CHECK(check(m, l->amount, join(path, sizeof path, n, "amount"), at_least(0), 0, err));
        CHECK(check_opt(m, l->growth, join(path, sizeof path, n, "growth"), above(-1), 0, err));
        break;
    case ROI_SPEND_VESTING:
        CHECK(check(m, l->heads, join(path, sizeof path, n, "heads"), at_least(0), 0, err));
        CHECK(check(m, l->package, join(path, sizeof path, n, "package"), at_least(0), 0, err));
        if (l->vest_quarters < 1)
            return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, n, "quarters"),
                                 "must be >= 1, got %d", l->vest_quarters);
        CHECK(
            check_opt(m, l->attrition, join(path, sizeof path, n, "attrition"), unit, 0, err));
        break;
    case ROI_SPEND_INFERENCE:
        CHECK(check(m, l->unit_cost, join(path, sizeof path, n, "unit_cost"), at_least(0), 0, err));
        CHECK(check_opt(m, l->reasoning_cost, join(path, sizeof path, n, "reasoning_cost"),
                        at_least(0), 0, err));
        CHECK(check_opt(m, l->cost_decline, join(path, sizeof path, n, "decline"), unit,
                        0, err));
        break;
    default:
        return roi_error_set(err, ROI_ERR_INTERNAL, n, "unknown spend kind %d", (int)l->kind);
    }
    return ROI_OK;
}

static roi_status validate_stream(const roi_model *m, const roi_stream *s, roi_error *err)
{
    char path[300];
    const char *n = s->name;

    CHECK(check_period(m, s->from, join(path, sizeof path, n, "from"), err));
    if (s->kind == ROI_STREAM_PER_INTERACTION || s->kind == ROI_STREAM_SUBSCRIPTION) {
        if (s->n_surfaces < 1 || !s->surfaces)
            return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, n, "surfaces"),
                                 "must list at least one surface");
        for (int k = 0; k < s->n_surfaces; k++)
            if (s->surfaces[k] < 0 || s->surfaces[k] >= m->n_surfaces)
                return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, n, "surfaces"),
                                     "surface index %d does not exist", s->surfaces[k]);
    }
    switch (s->kind) {
    case ROI_STREAM_UPLIFT:
        CHECK(check(m, s->base, join(path, sizeof path, n, "base"), at_least(0), 0, err));
        CHECK(check_opt(m, s->growth, join(path, sizeof path, n, "growth"), above(-1), 0, err));
        CHECK(check(m, s->lift, join(path, sizeof path, n, "lift"), at_least(-1), 0, err));
        break;
    case ROI_STREAM_PER_INTERACTION:
        CHECK(check(m, s->rate, join(path, sizeof path, n, "rate"), at_least(0), 0, err));
        CHECK(check_opt(m, s->ratio, join(path, sizeof path, n, "ratio"), at_least(0), 0, err));
        break;
    case ROI_STREAM_SUBSCRIPTION:
        CHECK(check(m, s->conversion, join(path, sizeof path, n, "conversion"), closed(0, 1), 0,
                    err));
        CHECK(check(m, s->price, join(path, sizeof path, n, "price"), at_least(0), 0, err));
        break;
    case ROI_STREAM_MARKET_SHARE:
        CHECK(check(m, s->market, join(path, sizeof path, n, "market"), at_least(0), 0, err));
        CHECK(check_opt(m, s->growth, join(path, sizeof path, n, "growth"), above(-1), 0, err));
        CHECK(check(m, s->share, join(path, sizeof path, n, "share"), closed(0, 1), 0, err));
        CHECK(check_opt(m, s->cap, join(path, sizeof path, n, "cap"), at_least(0), 0, err));
        break;
    default:
        return roi_error_set(err, ROI_ERR_INTERNAL, n, "unknown stream kind %d", (int)s->kind);
    }
    return ROI_OK;
}

roi_status roi_model_validate(const roi_model *m, roi_error *err)
{
    CHECK(validate_horizon(m, err));
    CHECK(validate_quality(m, err));
    if (m->n_surfaces < 1)
        return roi_error_set(err, ROI_ERR_PARAM, "surfaces", "at least one surface is required");
    for (int i = 0; i < m->n_surfaces; i++)
        CHECK(validate_surface(m, &m->surfaces[i], err));
    for (int i = 0; i < m->n_spend; i++)
        CHECK(validate_spend(m, &m->spend[i], err));
    for (int i = 0; i < m->n_streams; i++)
        CHECK(validate_stream(m, &m->streams[i], err));
    for (int i = 0; i < m->n_milestones; i++) {
        const roi_milestone *ms = &m->milestones[i];
        if (ms->series < 0 || ms->series >= roi_model_series_count(m))
            return roi_error_set(err, ROI_ERR_PARAM, ms->name, "refers to no series (%d)",
                                 ms->series);
        CHECK(check_period(m, ms->period, ms->name, err));
    }
    return ROI_OK;
}

/* ---- series names ---------------------------------------------------------------------- */

static const char *const fixed_series[ROI_SERIES_FIXED_COUNT] = {
    "cash_flow",    "cumulative_cash_flow", "revenue", "spend",
    "unique_reach", "unique_active",        "score",   "quality_multiplier",
};

int roi_model_series_count(const roi_model *m)
{
    return ROI_SERIES_FIXED_COUNT + m->n_streams + m->n_spend + m->n_surfaces;
}

void roi_model_series_name(const roi_model *m, int i, char *buf, size_t size)
{
    if (i < 0 || i >= roi_model_series_count(m)) {
        snprintf(buf, size, "?");
        return;
    }
    if (i < ROI_SERIES_FIXED_COUNT) {
        snprintf(buf, size, "%s", fixed_series[i]);
        return;
    }
    i -= ROI_SERIES_FIXED_COUNT;
    if (i < m->n_streams) {
        snprintf(buf, size, "revenue.%s", m->streams[i].name);
        return;
    }
    i -= m->n_streams;
    if (i < m->n_spend) {
        snprintf(buf, size, "spend.%s", m->spend[i].name);
        return;
    }
    i -= m->n_spend;
    snprintf(buf, size, "active.%s", m->surfaces[i].name);
}

int roi_model_series_index(const roi_model *m, const char *name)
{
    char buf[512];
    int n = roi_model_series_count(m);
    for (int i = 0; i < n; i++) {
        roi_model_series_name(m, i, buf, sizeof buf);
        if (strcmp(buf, name) == 0)
            return i;
    }
    return -1;
}
