/*
 * model.c - the reference model of MODEL.md sections 1-7 (see model.h).
 *
 * Sections: construction, quarters, validation, series names, the trial workspace,
 * one trial (the hot loop), finance helpers.
 */
#include "model.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h> /* two quarters at a time in the hot loops (x86-64 always has it) */
#endif

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
    roi_engine_init(); /* GSL errors as statuses from here on (roi_error.h) */
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

/* ---- trial workspace --------------------------------------------------------------------- */

struct roi_trial_ws {
    int periods, n_versions, n_surfaces;
    int *release;          /* per version: release quarter */
    double *version_score; /* per version: score */
    double *score;         /* S_t */
    double *multiplier;    /* m_t */
    double *people;        /* P_t */
    double *reach;         /* R_{s,t}, surface-major */
    double *active;        /* U_{s,t} */
    double *interactions;  /* I_{s,t} */
    double *unique_reach;  /* unique(R)_t */
    double *unique_active; /* unique(U)_t */
    double *revenue;       /* Revenue_t */
    double *opex;          /* Opex_t */
    double *invest;        /* Invest_t */
    double *cash_flow;     /* CF_t */
    double *irr_flows;     /* CF'_t: CF with TV and residuals in the last quarter */
    /* scratch of the hot loops: a running product per quarter (formed by one
     * multiplication a quarter, so the same doubles as the scalar recurrence), the
     * per-surface weights of an inference line, versions in release order */
    double *chain_a;           /* T */
    double *surface_weight;    /* S */
    int *version_order;        /* V: versions by release quarter (stable) */
};

void roi_trial_ws_free(roi_trial_ws *ws)
{
    if (!ws)
        return;
    free(ws->release);
    free(ws->version_score);
    free(ws->score);
    free(ws->multiplier);
    free(ws->people);
    free(ws->reach);
    free(ws->active);
    free(ws->interactions);
    free(ws->unique_reach);
    free(ws->unique_active);
    free(ws->revenue);
    free(ws->opex);
    free(ws->invest);
    free(ws->cash_flow);
    free(ws->irr_flows);
    free(ws->chain_a);
    free(ws->surface_weight);
    free(ws->version_order);
    free(ws);
}

roi_trial_ws *roi_trial_ws_new(const roi_model *m)
{
    size_t T = (size_t)(m->periods > 0 ? m->periods : 1);
    size_t V = (size_t)(m->n_versions > 0 ? m->n_versions : 1);
    size_t S = (size_t)(m->n_surfaces > 0 ? m->n_surfaces : 1);
    roi_trial_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->periods = (int)T;
    ws->n_versions = (int)V;
    ws->n_surfaces = (int)S;
    ws->release = calloc(V, sizeof *ws->release);
    ws->version_score = calloc(V, sizeof(double));
    ws->score = calloc(T, sizeof(double));
    ws->multiplier = calloc(T, sizeof(double));
    ws->people = calloc(T, sizeof(double));
    ws->reach = calloc(S * T, sizeof(double));
    ws->active = calloc(S * T, sizeof(double));
    ws->interactions = calloc(S * T, sizeof(double));
    ws->unique_reach = calloc(T, sizeof(double));
    ws->unique_active = calloc(T, sizeof(double));
    ws->revenue = calloc(T, sizeof(double));
    ws->opex = calloc(T, sizeof(double));
    ws->invest = calloc(T, sizeof(double));
    ws->cash_flow = calloc(T, sizeof(double));
    ws->irr_flows = calloc(T, sizeof(double));
    ws->chain_a = calloc(T, sizeof(double));
    ws->surface_weight = calloc(S, sizeof(double));
    ws->version_order = calloc(V, sizeof *ws->version_order);
    if (!ws->release || !ws->version_score || !ws->score || !ws->multiplier || !ws->people ||
        !ws->reach || !ws->active || !ws->interactions || !ws->unique_reach || !ws->unique_active ||
        !ws->revenue || !ws->opex || !ws->invest || !ws->cash_flow || !ws->irr_flows ||
        !ws->chain_a || !ws->surface_weight || !ws->version_order) {
        roi_trial_ws_free(ws);
        return NULL;
    }
    return ws;
}

/* ---- one trial ------------------------------------------------------------------------------ */

/* Value of an optional parameter. */
static inline double value_or(const double *vals, roi_ref ref, double fallback)
{
    return ref == ROI_NONE ? fallback : vals[ref];
}

/* A node value read as whole quarters (validation guarantees whole values; rounding
 * absorbs representation noise, clamping keeps absurd values away from int overflow). */
static inline int quarters_of(const double *vals, roi_ref ref)
{
    if (ref == ROI_NONE)
        return 0;
    double v = vals[ref];
    if (!(v > -1e6))
        return -1000000;
    if (!(v < 1e6))
        return 1000000;
    /* lround(v) without the call: the truncation and the remainder are exact here */
    int whole = (int)v;
    double rest = v - whole;
    return whole + (rest >= 0.5) - (rest <= -0.5);
}

/* x^(1/4) and x^4 for the quarterly <-> annual rates: two square roots (each correctly
 * rounded) or two squarings cost a fraction of pow() and agree with it to an ulp or
 * two; this is the hot path of every trial. */
static inline double fourth_root(double x)
{
    return sqrt(sqrt(x));
}

static inline double fourth_power(double x)
{
    double x2 = x * x;
    return x2 * x2;
}

static inline double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Writes `value` to series s at period t when series are requested. */
#define SERIES(s, t) series[(size_t)(s) * (size_t)T + (size_t)(t)]

/* Section 3: release quarters, scores, S_t and m_t. Returns t_launch. */
static int quality_track(const roi_model *m, const double *vals, roi_trial_ws *ws)
{
    const int T = m->periods;
    for (int v = 0; v < m->n_versions; v++) {
        const roi_version *ver = &m->versions[v];
        /* release = planned + slip, planned absolute or previous release + after */
        int planned = ver->planned != ROI_NONE ? ver->planned
                                               : ws->release[v - 1] + quarters_of(vals, ver->after);
        ws->release[v] = planned + quarters_of(vals, ver->slip);
        /* score absolute, or previous score + improvement */
        ws->version_score[v] = ver->score != ROI_NONE
                                   ? vals[ver->score]
                                   : ws->version_score[v - 1] + vals[ver->improvement];
    }
    const int t_launch = ws->release[0];
    const double F0 = vals[m->frontier_score];
    const double slope = vals[m->frontier_slope];
    const double beta = vals[m->quality_beta];
    /* G_ref = F0 - first version's score unless given */
    const double G_ref = value_or(vals, m->gap_ref, F0 - ws->version_score[0]);
    const double m_lo = value_or(vals, m->m_lo, 0.0);
    const double m_hi = value_or(vals, m->m_hi, INFINITY);

    /* S_t = score of the latest version released at or before t (of equal releases, the
     * one declared last); 0 before any. Versions ordered by release, ties in declaration
     * order (insertion sort: a handful of versions), then swept once along t. */
    int *order = ws->version_order;
    for (int v = 0; v < m->n_versions; v++) {
        int j = v;
        for (; j > 0 && ws->release[order[j - 1]] > ws->release[v]; j--)
            order[j] = order[j - 1];
        order[j] = v;
    }
    double S = 0.0;
    int next = 0;
    for (int t = 0; t < T; t++) {
        for (; next < m->n_versions && ws->release[order[next]] <= t; next++)
            S = ws->version_score[order[next]];
        ws->score[t] = S;
    }
    const int n_before = t_launch < 0 ? 0 : (t_launch < T ? t_launch : T);
    for (int t = 0; t < n_before; t++)
        ws->multiplier[t] = 0.0; /* no product yet */
    for (int t = n_before; t < T; t++) {
        double F = F0 + slope * (t - t_launch) / 4.0; /* F_t = F0 + slope (t - t_launch)/4 */
        double G = F - ws->score[t];                  /* G_t = F_t - S_t */
        /* m_t = clamp(exp(-beta (G_t - G_ref)), m_lo, m_hi) */
        ws->multiplier[t] = clampd(exp(-beta * (G - G_ref)), m_lo, m_hi);
    }
    return t_launch;
}

/* unique(R)_t and unique(U)_t, unique(X)_t = P_t (1 - prod_s (1 - min(X_{s,t} / P_t, 1))).
 * The product is formed surface by surface for all quarters at once, two quarters per
 * SSE2 instruction; for each t it multiplies the same factors in the same order (s =
 * 0, 1, ...) with the same correctly rounded operations as the scalar code, so the
 * doubles are the same (minpd(x, 1) is exactly x < 1 ? x : 1, NaN included). */
static void unique_users(const roi_model *m, roi_trial_ws *ws)
{
    const int T = m->periods;
    const double *restrict P = ws->people;
    double *restrict none_r = ws->unique_reach; /* prod_s (1 - min(share, 1)) until the end */
    double *restrict none_a = ws->unique_active;
    for (int t = 0; t < T; t++)
        none_r[t] = none_a[t] = 1.0;
    for (int s = 0; s < m->n_surfaces; s++) {
        const double *restrict R = ws->reach + (size_t)s * T;
        const double *restrict U = ws->active + (size_t)s * T;
        int t = 0;
#ifdef __SSE2__
        const __m128d one = _mm_set1_pd(1.0);
        for (; t + 2 <= T; t += 2) {
            __m128d p = _mm_loadu_pd(P + t);
            __m128d share_r = _mm_div_pd(_mm_loadu_pd(R + t), p);
            __m128d share_a = _mm_div_pd(_mm_loadu_pd(U + t), p);
            _mm_storeu_pd(none_r + t, _mm_mul_pd(_mm_loadu_pd(none_r + t),
                                                 _mm_sub_pd(one, _mm_min_pd(share_r, one))));
            _mm_storeu_pd(none_a + t, _mm_mul_pd(_mm_loadu_pd(none_a + t),
                                                 _mm_sub_pd(one, _mm_min_pd(share_a, one))));
        }
#endif
        for (; t < T; t++) {
            double share_r = R[t] / P[t], share_a = U[t] / P[t];
            none_r[t] *= 1.0 - (share_r < 1.0 ? share_r : 1.0);
            none_a[t] *= 1.0 - (share_a < 1.0 ? share_a : 1.0);
        }
    }
    for (int t = 0; t < T; t++) {
        none_r[t] = P[t] * (1.0 - none_r[t]);
        none_a[t] = P[t] * (1.0 - none_a[t]);
    }
}

/* Section 4: reach, adoption, active users and interactions per surface. */
static void surfaces(const roi_model *m, const double *vals, roi_trial_ws *ws)
{
    const int T = m->periods;
    const double *restrict mult = ws->multiplier;
    double *restrict e_tau = ws->chain_a; /* e^(-(p+q) tau), tau = k + 1 */
    for (int si = 0; si < m->n_surfaces; si++) {
        const roi_surface *s = &m->surfaces[si];
        double *restrict R = ws->reach + (size_t)si * T;
        double *restrict U = ws->active + (size_t)si * T;
        double *restrict I = ws->interactions + (size_t)si * T;
        const int L = s->launch + quarters_of(vals, s->delay); /* L_s = launch + delay */
        const double A = vals[s->addressable];
        const double quarterly_growth = fourth_root(1.0 + value_or(vals, s->growth, 0.0));
        const double c = vals[s->ceiling];
        const double p = vals[s->p], q = vals[s->q];
        const double q_over_p = q / p;
        const double f0 = value_or(vals, s->f0, 0.0);
        const double not_f0 = 1.0 - f0;
        const double E = value_or(vals, s->interactions, 0.0);
        const double decay = exp(-(p + q));
        /* the first quarter with k = t - L >= 0 */
        const int first = L < 0 ? 0 : (L < T ? L : T);

        /* Reach and the Bass exponential, with their running products advanced one
         * multiplication a quarter (growth from t = 0, the exponential from the
         * launch). unlocked_s(t) = share of the last stage with offset <= k is constant
         * between stages, so one loop per stage (stage -1: before the first, 0). */
        double growth = 1.0, e = decay; /* (1 + g_s)^(t/4), e^(-(p+q) tau) */
        int t = 0;
        for (; t < first; t++, growth *= quarterly_growth)
            R[t] = U[t] = I[t] = 0.0;
        for (int stage = -1; stage < s->n_stages && t < T; stage++) {
            const int end = stage + 1 < s->n_stages && L + s->stages[stage + 1].offset < T
                                ? L + s->stages[stage + 1].offset
                                : T;
            const double unlocked = stage >= 0 ? s->stages[stage].share : 0.0;
            for (; t < end; t++, growth *= quarterly_growth, e *= decay) {
                R[t] = A * growth * unlocked; /* R = A (1+g)^(t/4) unlocked */
                e_tau[t] = e;
            }
        }

        t = first;
#ifdef __SSE2__
        /* the scalar loop below, two quarters at a time: the same operations */
        const __m128d one = _mm_set1_pd(1.0), qp2 = _mm_set1_pd(q_over_p);
        const __m128d f02 = _mm_set1_pd(f0), not_f02 = _mm_set1_pd(not_f0);
        const __m128d c2 = _mm_set1_pd(c), E2 = _mm_set1_pd(E);
        for (; t + 2 <= T; t += 2) {
            __m128d r = _mm_loadu_pd(R + t);
            __m128d e2 = _mm_loadu_pd(e_tau + t);
            __m128d bass = _mm_div_pd(_mm_sub_pd(one, e2), _mm_add_pd(one, _mm_mul_pd(qp2, e2)));
            __m128d adopted = _mm_add_pd(f02, _mm_mul_pd(not_f02, bass));
            __m128d reachable = _mm_min_pd(_mm_mul_pd(c2, _mm_loadu_pd(mult + t)), one);
            __m128d u = _mm_mul_pd(_mm_mul_pd(r, reachable), adopted);
            _mm_storeu_pd(U + t, u);
            _mm_storeu_pd(I + t, _mm_mul_pd(u, E2));
        }
#endif
        for (; t < T; t++) {
            /* Bass(tau) = (1 - e^(-(p+q) tau)) / (1 + (q/p) e^(-(p+q) tau)) */
            double bass = (1.0 - e_tau[t]) / (1.0 + q_over_p * e_tau[t]);
            double adopted = f0 + not_f0 * bass; /* a_s(t) = f0 + (1-f0) Bass(k+1) */
            double reachable = c * mult[t];
            U[t] = R[t] * (reachable < 1.0 ? reachable : 1.0) * adopted; /* U = R min(1,c m) a */
            I[t] = U[t] * E;                                             /* I = U E */
        }
    }
}

/* Section 5: one spend line's amount in every quarter, added to Opex or Invest. */
static double spend_line(const roi_model *m, const roi_spend *l, const double *vals,
                         roi_trial_ws *ws, int t_launch, double *line)
{
    const int T = m->periods;
    double residual = 0.0;
    for (int t = 0; t < T; t++)
        line[t] = 0.0;

    switch (l->kind) {
    case ROI_SPEND_LUMP:
        if (l->from >= 0 && l->from < T)
            line[l->from] = vals[l->amount];
        if (l->residual_fraction != ROI_NONE) /* fraction * valuation at the horizon end */
            residual = vals[l->residual_fraction] * vals[l->residual_valuation];
        break;
    case ROI_SPEND_SCHEDULE: {
        /* amount (1+g)^((t - start)/4) for start <= t <= end */
        const double quarterly = fourth_root(1.0 + value_or(vals, l->growth, 0.0));
        double amount = vals[l->amount];
        for (int t = l->from; t <= l->to && t < T; t++, amount *= quarterly)
            if (t >= 0)
                line[t] = amount;
        break;
    }
    case ROI_SPEND_VESTING: {
        /* heads package / V (1 - a)^(t - start) for start <= t < start + V */
        const double keep = 1.0 - value_or(vals, l->attrition, 0.0);
        double amount = vals[l->heads] * vals[l->package] / l->vest_quarters;
        for (int t = l->from; t < l->from + l->vest_quarters && t < T; t++, amount *= keep)
            if (t >= 0)
                line[t] = amount;
        break;
    }
    case ROI_SPEND_INFERENCE: {
        /* sum_s I_{s,t} ((1 - rho_s) + k_r rho_s) c0 (1 - d)^(max(t - t_launch, 0)/4) */
        const double c0 = vals[l->unit_cost];
        const double k_r = value_or(vals, l->reasoning_cost, 1.0);
        const double quarterly_decline = fourth_root(1.0 - value_or(vals, l->cost_decline, 0.0));
        double *restrict weight = ws->surface_weight; /* (1 - rho_s) + k_r rho_s */
        for (int si = 0; si < m->n_surfaces; si++) {
            double rho = value_or(vals, m->surfaces[si].reasoning, 0.0);
            weight[si] = (1.0 - rho) + k_r * rho;
        }
        double *restrict decline = ws->chain_a; /* one multiplication a quarter after t_launch */
        double d = 1.0;
        for (int t = 0; t < T; t++) {
            if (t > t_launch)
                d *= quarterly_decline;
            decline[t] = d;
        }
        /* the weighted sum over surfaces in surface order, formed in line[] (zero) for
         * all quarters at once */
        const int t0 = l->from < 0 ? 0 : l->from;
        for (int si = 0; si < m->n_surfaces; si++) {
            const double *restrict I = ws->interactions + (size_t)si * T;
            for (int t = t0; t < T; t++)
                line[t] += I[t] * weight[si];
        }
        for (int t = t0; t < T; t++)
            line[t] = line[t] * c0 * decline[t];
        break;
    }
    }
    return residual;
}

/* line[t] = (sum over the stream's surfaces, in their order, of per_surface[s, t]) * per
 * from the stream's start on; line is zero on entry. Formed for all quarters at once,
 * surface by surface, so the inner loop runs over quarters. */
static void surfaces_times(const roi_stream *s, const double *per_surface, int T, double per,
                           double *line)
{
    const int t0 = s->from < 0 ? 0 : s->from;
    for (int k = 0; k < s->n_surfaces; k++) {
        const double *restrict x = per_surface + (size_t)s->surfaces[k] * T;
        for (int t = t0; t < T; t++)
            line[t] += x[t];
    }
    for (int t = t0; t < T; t++)
        line[t] *= per;
}

/* Section 6: one stream's revenue in every quarter. */
static void stream_revenue(const roi_model *m, const roi_stream *s, const double *vals,
                           const roi_trial_ws *ws, double *line)
{
    const int T = m->periods;
    const double quarterly_growth = fourth_root(1.0 + value_or(vals, s->growth, 0.0));
    for (int t = 0; t < T; t++)
        line[t] = 0.0;

    switch (s->kind) {
    case ROI_STREAM_UPLIFT: {
        /* B0 (1+g_B)^(t/4) u unique(U)_t / P_t, growth counted from t = 0 */
        const double B0 = vals[s->base], u = vals[s->lift];
        double growth = 1.0;
        int t = 0;
        for (; t < s->from && t < T; t++)
            growth *= quarterly_growth;
        for (; t < T; t++, growth *= quarterly_growth)
            line[t] = B0 * growth * u * ws->unique_active[t] / ws->people[t];
        break;
    }
    case ROI_STREAM_PER_INTERACTION: /* sum_{s in S} I_{s,t} rate ratio */
        surfaces_times(s, ws->interactions, T, vals[s->rate] * value_or(vals, s->ratio, 1.0),
                       line);
        break;
    case ROI_STREAM_SUBSCRIPTION: /* sum_{s in S} U_{s,t} conversion price */
        surfaces_times(s, ws->active, T, vals[s->conversion] * vals[s->price], line);
        break;
    case ROI_STREAM_MARKET_SHARE: {
        /* M0 (1+g_M)^((t - start)/4) share min(m_t, cap) */
        const double M0 = vals[s->market], share = vals[s->share];
        const double cap = value_or(vals, s->cap, INFINITY);
        double growth = 1.0;
        for (int t = s->from; t < T; t++, growth *= quarterly_growth) {
            if (t < 0)
                continue;
            double mt = ws->multiplier[t];
            line[t] = M0 * growth * share * (mt < cap ? mt : cap);
        }
        break;
    }
    }
}

void roi_model_trial(const roi_model *m, const double *vals, roi_trial_ws *ws, double *out,
                     double *series)
{
    const int T = m->periods;
    const int n_fixed = ROI_SERIES_FIXED_COUNT;
    double *line;

    /* Section 3 */
    const int t_launch = quality_track(m, vals, ws);

    /* Section 4: P_t = P0 (1 + g_P)^(t/4) */
    {
        const double quarterly = fourth_root(1.0 + value_or(vals, m->people_growth, 0.0));
        double P = vals[m->people];
        for (int t = 0; t < T; t++, P *= quarterly)
            ws->people[t] = P;
    }
    surfaces(m, vals, ws);
    unique_users(m, ws);
    for (int t = 0; t < T; t++)
        ws->revenue[t] = ws->opex[t] = ws->invest[t] = 0.0;

    /* Section 5: lines are computed into the cash-flow buffer (free until section 7)
     * or straight into their series. */
    double residuals = 0.0;
    for (int i = 0; i < m->n_spend; i++) {
        const roi_spend *l = &m->spend[i];
        line = series ? &SERIES(n_fixed + m->n_streams + i, 0) : ws->cash_flow;
        residuals += spend_line(m, l, vals, ws, t_launch, line);
        /* inference is always operating: it recurs with usage */
        double *sink = (l->cls == ROI_CLASS_INVESTMENT && l->kind != ROI_SPEND_INFERENCE)
                           ? ws->invest
                           : ws->opex;
        for (int t = 0; t < T; t++)
            sink[t] += line[t];
    }

    /* Section 6 */
    for (int i = 0; i < m->n_streams; i++) {
        line = series ? &SERIES(n_fixed + i, 0) : ws->cash_flow;
        stream_revenue(m, &m->streams[i], vals, ws, line);
        for (int t = 0; t < T; t++)
            ws->revenue[t] += line[t];
    }

    /* Section 7 */
    const double r = vals[m->discount];
    const double df_quarter = 1.0 / fourth_root(1.0 + r); /* 1/(1+q), q = (1+r)^(1/4) - 1 */
    double df = 1.0;                                    /* DF_t = (1+q)^(-t) */
    double df_last = 1.0;
    double npv_horizon = 0.0, pv_revenue = 0.0, pv_spend = 0.0;
    double total_spend = 0.0, total_revenue = 0.0, peak_active = 0.0;
    for (int t = 0; t < T; t++, df *= df_quarter) {
        double spend = ws->opex[t] + ws->invest[t];
        ws->cash_flow[t] = ws->revenue[t] - spend; /* CF = Revenue - Opex - Invest */
        npv_horizon += ws->cash_flow[t] * df;
        pv_revenue += ws->revenue[t] * df;
        pv_spend += spend * df;
        total_spend += spend;
        total_revenue += ws->revenue[t];
        if (ws->unique_active[t] > peak_active)
            peak_active = ws->unique_active[t];
        df_last = df;
    }

    /* TV = max(0, OCF (1 + g_tv) / (r - g_tv)), OCF over the last four quarters */
    double tv = 0.0;
    if (m->terminal) {
        const double g_tv = value_or(vals, m->tv_growth, 0.0);
        double ocf = 0.0;
        for (int t = T > 4 ? T - 4 : 0; t < T; t++)
            ocf += ws->revenue[t] - ws->opex[t];
        tv = ocf * (1.0 + g_tv) / (r - g_tv);
        if (!(tv > 0.0))
            tv = 0.0; /* abandonment floor */
    }
    const double end_value = tv + residuals;

    out[ROI_OUT_NPV] = npv_horizon + end_value * df_last;
    out[ROI_OUT_NPV_HORIZON] = npv_horizon;
    out[ROI_OUT_ROI_MULTIPLE] =
        pv_spend > 0.0 ? (pv_revenue + end_value * df_last) / pv_spend : NAN;

    /* irr: CF' = CF with TV and residuals added to the last quarter, annualised */
    for (int t = 0; t < T; t++)
        ws->irr_flows[t] = ws->cash_flow[t];
    ws->irr_flows[T - 1] += end_value;
    double x = roi_irr(ws->irr_flows, T);
    out[ROI_OUT_IRR] = isnan(x) ? NAN : fourth_power(1.0 + x) - 1.0;

    int payback = roi_payback(ws->cash_flow, T);
    out[ROI_OUT_PAYBACK] = payback < 0 ? NAN : (double)payback;
    out[ROI_OUT_TOTAL_SPEND] = total_spend;
    out[ROI_OUT_TOTAL_REVENUE] = total_revenue;
    out[ROI_OUT_PEAK_ACTIVE] = peak_active;

    if (!series)
        return;
    double cumulative = 0.0;
    for (int t = 0; t < T; t++) {
        cumulative += ws->cash_flow[t];
        SERIES(ROI_SERIES_CASH_FLOW, t) = ws->cash_flow[t];
        SERIES(ROI_SERIES_CUMULATIVE, t) = cumulative;
        SERIES(ROI_SERIES_REVENUE, t) = ws->revenue[t];
        SERIES(ROI_SERIES_SPEND, t) = ws->opex[t] + ws->invest[t];
        SERIES(ROI_SERIES_UNIQUE_REACH, t) = ws->unique_reach[t];
        SERIES(ROI_SERIES_UNIQUE_ACTIVE, t) = ws->unique_active[t];
        SERIES(ROI_SERIES_SCORE, t) = ws->score[t];
        SERIES(ROI_SERIES_QUALITY, t) = ws->multiplier[t];
    }
    for (int si = 0; si < m->n_surfaces; si++)
        for (int t = 0; t < T; t++)
            SERIES(n_fixed + m->n_streams + m->n_spend + si, t) = ws->active[(size_t)si * T + t];
}

/* ---- finance helpers ------------------------------------------------------------------------ */

double roi_bass(double p, double q, double tau)
{
    double e = exp(-(p + q) * tau);
    return (1.0 - e) / (1.0 + (q / p) * e);
}

double roi_npv(const double *cf, int n, double x)
{
    /* Horner in v = 1/(1+x): sum cf_t v^t */
    double v = 1.0 / (1.0 + x);
    double acc = 0.0;
    for (int t = n - 1; t >= 0; t--)
        acc = acc * v + cf[t];
    return acc;
}

/* npv(x) = sum cf_t v^t, v = 1/(1+x), and its first two derivatives in x. Horner in v
 * gives P(v), P'(v) and P''(v)/2 in one pass; dv/dx = -v^2, so
 * f' = -v^2 P'(v) and f'' = 2 v^3 P'(v) + v^4 P''(v). */
static void npv_derivatives(const double *cf, int n, double x, double *f, double *d1,
                            double *d2)
{
    double v = 1.0 / (1.0 + x);
    double p0 = 0.0, p1 = 0.0, half_p2 = 0.0;
    for (int t = n - 1; t >= 0; t--) {
        half_p2 = half_p2 * v + p1;
        p1 = p1 * v + p0;
        p0 = p0 * v + cf[t];
    }
    double v2 = v * v;
    *f = p0;
    *d1 = -v2 * p1;
    *d2 = v2 * v * (2.0 * p1 + v * 2.0 * half_p2);
}

/*
 * Root of npv in [a, b] where npv(a), npv(b) differ in sign, by Halley steps from x on
 * h(x) = (1+x)^k npv(x), which has the same roots and signs. With k = 0 that is npv
 * itself. For flows with one sign change at index k, h is monotone: its terms before k
 * are one sign times positive powers of 1+x, those from k on the other sign times
 * powers <= 0. npv itself need not be (it can dip between the root and 0), and Newton
 * or Halley on it can head for the dip; on h every Newton step points at the root.
 * With u = (1+x)^k, u'/u = k v, u''/u = k (k-1) v^2 (v = 1/(1+x)), so u cancels:
 *   h/u = f,  h'/u = f' + k v f,  h''/u = f'' + 2 k v f' + k (k-1) v^2 f.
 * Halley's step -2 h h' / (2 h'^2 - h h'') converges cubically near a simple root; one
 * that leaves the bracket (which shrinks with every evaluation) is replaced by Newton's
 * -h / h', and one that leaves it too by bisection; after 20 steps (never seen with one
 * sign change, where 4-7 evaluations are usual) only bisection, which guarantees the
 * end. Stops when a step is below 1e-15 relative to max(1, |x|). (The converged step
 * is tested before the bracket: the last iterate is usually an end of the bracket, and
 * a zero step from it is not inside.)
 */
static double solve_from(const double *cf, int n, int k, double a, double b, double fa,
                         double x)
{
    for (int iter = 0; iter < 200; iter++) {
        double f, d1, d2;
        npv_derivatives(cf, n, x, &f, &d1, &d2);
        if (f == 0.0)
            return x;
        if ((f < 0.0) == (fa < 0.0)) {
            a = x;
            fa = f;
        } else {
            b = x;
        }
        const double kv = k / (1.0 + x);
        const double h1 = d1 + kv * f;
        const double h2 = d2 + 2.0 * kv * d1 + kv * (kv - 1.0 / (1.0 + x)) * f;
        double next = x - 2.0 * f * h1 / (2.0 * h1 * h1 - f * h2);
        const double tol = 1e-15 * (fabs(x) > 1.0 ? fabs(x) : 1.0);
        if (fabs(next - x) <= tol)
            return next;
        if (!(next > a && next < b))
            next = x - f / h1;
        if (!(next > a && next < b) || iter >= 20) /* only bisection after 20 steps */
            next = 0.5 * (a + b);
        if (b - a <= tol)
            return next;
        x = next;
    }
    return x;
}

static double solve_bracket(const double *cf, int n, double a, double b, double fa)
{
    return solve_from(cf, n, 0, a, b, fa, 0.5 * (a + b));
}

/* The k-th grid point away from 0 on one side: steps of 0.01 up to 1, then 0.1. */
static double grid_point(int k, int side)
{
    if (side < 0)
        return -0.01 * k;                               /* down to -0.99 */
    return k <= 100 ? 0.01 * k : 1.0 + 0.1 * (k - 100); /* up to 10 */
}

double roi_irr(const double *cf, int n)
{
    int changes = 0, last = 0, k_change = 0;
    for (int t = 0; t < n; t++) {
        int sign = (cf[t] > 0.0) - (cf[t] < 0.0);
        if (sign != 0) {
            if (last != 0 && sign != last) {
                changes++;
                k_change = t; /* the first flow of the second sign */
            }
            last = sign;
        }
    }
    if (changes == 0)
        return NAN; /* flows never change sign: no rate makes them worth zero */

    double f0 = roi_npv(cf, n, 0.0);
    if (f0 == 0.0)
        return 0.0;
    if (changes == 1) {
        /* One sign change: by Descartes' rule of signs (in v = 1/(1+x)) there is one
         * root x > -1, so the scan below would find that root's bracket or none. As x
         * falls to -1, npv takes the sign of the last flow; it changes sign only at
         * the root. So the root is above 0 when npv(0) has that sign, below it if not:
         * test that end of the scanned range only, and solve from 0 (near the root
         * for the usual rates): the same root, in a fraction of the steps. */
        if ((f0 > 0.0) == (last > 0)) {
            double hi = grid_point(190, 1);
            double fhi = roi_npv(cf, n, hi);
            if (fhi == 0.0)
                return hi;
            return (fhi < 0.0) != (f0 < 0.0) ? solve_from(cf, n, k_change, 0.0, hi, f0, 0.0)
                                             : NAN;
        }
        double lo = grid_point(99, -1);
        double flo = roi_npv(cf, n, lo);
        if (flo == 0.0)
            return lo;
        return (flo < 0.0) != (f0 < 0.0) ? solve_from(cf, n, k_change, lo, 0.0, flo, 0.0) : NAN;
    }
    /* Scan outwards from 0, both sides in step, so the first bracket found holds the
     * root nearest 0. */
    double pos_prev = f0, neg_prev = f0;
    int pos_done = 0, neg_done = 0;
    for (int k = 1; !(pos_done && neg_done); k++) {
        if (!pos_done) {
            double x = grid_point(k, 1);
            double f = roi_npv(cf, n, x);
            if (f == 0.0)
                return x;
            if ((f < 0.0) != (pos_prev < 0.0))
                return solve_bracket(cf, n, grid_point(k - 1, 1), x, pos_prev);
            pos_prev = f;
            pos_done = k >= 190; /* x = 10 */
        }
        if (!neg_done) {
            double x = grid_point(k, -1);
            double f = roi_npv(cf, n, x);
            if (f == 0.0)
                return x;
            if ((f < 0.0) != (neg_prev < 0.0))
                return solve_bracket(cf, n, x, grid_point(k - 1, -1), f);
            neg_prev = f;
            neg_done = k >= 99; /* x = -0.99 */
        }
    }
    return NAN;
}

int roi_payback(const double *cf, int n)
{
    double cumulative = 0.0;
    for (int t = 0; t < n; t++) {
        cumulative += cf[t];
        if (cumulative >= 0.0)
            return t;
    }
    return -1;
}
