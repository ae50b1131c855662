/*
 * model.c - the reference model of MODEL.md sections 1-7 (see model.h): its structure
 * and its validation.
 *
 * Sections: construction, quarters, validation (the defaults and checks the parameter
 * table of model_params.c drives, then the rules that relate fields), series names.
 * One trial is computed in model_trial.c, the finance formulas in finance.c.
 */
#include "model.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_params.h"

/* ---- construction --------------------------------------------------------------- */

const char *const roi_output_names[ROI_OUT_COUNT + 1] = {
    "npv",     "npv_horizon", "roi_multiple",  "irr",
    "payback", "total_spend", "total_revenue", "peak_active", "total_savings", NULL,
};

int roi_output_always_defined(roi_output o)
{
    return o != ROI_OUT_ROI_MULTIPLE && o != ROI_OUT_IRR && o != ROI_OUT_PAYBACK &&
           (int)o >= 0 && o < ROI_OUT_COUNT;
}

const char *roi_output_name(roi_output o)
{
    if ((int)o < 0 || o >= ROI_OUT_COUNT)
        return "?";
    return roi_output_names[o];
}

roi_model *roi_model_new(void)
{
    roi_engine_init(); /* GSL errors as statuses from here on (roi_error.h) */
    roi_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    roi_graph_init(&m->graph);
    /* Every value of the sections absent; the other slots stay zero, as a model built
     * in C sets them. */
    for (int d = 0; d < roi_decl_count; d++) {
        if (roi_decls[d].style != ROI_DECL_SECTION)
            continue;
        for (int i = 0; i < roi_decls[d].n_params; i++) {
            const roi_param *p = &roi_decls[d].params[i];
            if (p->type == ROI_PARAM_VALUE)
                *(roi_ref *)roi_param_slot(p, m) = ROI_NONE;
        }
    }
    m->start_q = 1;
    return m;
}

void roi_cond_clear(roi_cond *c)
{
    if (!c)
        return;
    free(c->steps);
    free(c->refs);
    memset(c, 0, sizeof *c);
}

void roi_model_free(roi_model *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->title);
    free(m->file);
    for (int i = 0; i < m->n_sources; i++)
        free(m->sources[i]);
    free(m->sources);
    for (int i = 0; i < m->n_notes; i++)
        free(m->notes[i]);
    free(m->notes);
    for (int i = 0; i < m->n_changes; i++) {
        free(m->changes[i].path);
        free(m->changes[i].parent);
        free(m->changes[i].value);
    }
    free(m->changes);
    for (int d = 0; d < roi_decl_count; d++) {
        const roi_decl *decl = &roi_decls[d];
        int n = roi_decl_items(decl, m);
        for (int i = 0; i < n; i++) {
            void *item = roi_decl_item(decl, m, i);
            roi_param_free_all(decl, item);
            if (decl->style != ROI_DECL_SECTION)
                free(*(char **)((char *)item + decl->name_offset));
        }
        if (decl->style != ROI_DECL_SECTION)
            free(*(void **)((char *)m + decl->list_offset));
    }
    for (int i = 0; i < m->n_correlations; i++) {
        free(m->correlations[i].a);
        free(m->correlations[i].b);
    }
    free(m->correlations);
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

const char *roi_model_currency(const roi_model *m)
{
    return m && m->currency ? m->currency : "USD";
}

const char *roi_currency_symbol(const char *code)
{
    static const struct {
        const char *code, *symbol;
    } symbols[] = {{"USD", "$"},   {"EUR", "\u20ac"}, {"GBP", "\u00a3"}, {"JPY", "\u00a5"},
                   {"CNY", "\u00a5"}, {"INR", "\u20b9"}, {"KRW", "\u20a9"}, {"AUD", "A$"},
                   {"CAD", "C$"}, {"NZD", "NZ$"}, {"HKD", "HK$"}, {"SGD", "S$"},
                   {"BRL", "R$"}, {"MXN", "MX$"}};
    for (size_t i = 0; code && i < sizeof symbols / sizeof symbols[0]; i++)
        if (strcmp(symbols[i].code, code) == 0)
            return symbols[i].symbol;
    return NULL;
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

/* ---- validation: checks of one value ------------------------------------------------ */

#define CHECK(call)                                                                                \
    do {                                                                                           \
        roi_status st_ = (call);                                                                   \
        if (st_ != ROI_OK)                                                                         \
            return st_;                                                                            \
    } while (0)

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
static roi_status check(const roi_model *m, roi_ref ref, const char *path, roi_range r,
                        int whole, roi_error *err)
{
    char need[96], expr[256];
    double value, lo, hi;

    if (ref == ROI_NONE)
        return roi_error_set(err, ROI_ERR_PARAM, path, "is required");
    if (ref < 0 || ref >= m->graph.n)
        return roi_error_set(err, ROI_ERR_INTERNAL, path, "refers to no node (%d)", ref);
    roi_range_text(r, need, sizeof need);
    if (whole)
        snprintf(need + strlen(need), sizeof need - strlen(need), " and whole");

    if (roi_graph_is_constant(&m->graph, ref, &value)) {
        if (!isfinite(value) || !roi_range_contains(r, value) || (whole && floor(value) != value))
            return roi_error_set(err, ROI_ERR_PARAM, path, "%s, got %g", need, value);
        return ROI_OK;
    }
    roi_graph_describe(&m->graph, ref, expr, sizeof expr);
    roi_graph_bounds(&m->graph, ref, &lo, &hi);
    if (!roi_range_contains(r, lo) && !(isinf(lo) && isinf(r.lo) && !r.lo_open))
        return roi_error_set(err, ROI_ERR_PARAM, path, "%s, but %s can be %g", need, expr, lo);
    if (!roi_range_contains(r, hi) && !(isinf(hi) && isinf(r.hi) && !r.hi_open))
        return roi_error_set(err, ROI_ERR_PARAM, path, "%s, but %s can be %g", need, expr, hi);
    if (whole && !roi_graph_is_integer(&m->graph, ref))
        return roi_error_set(err, ROI_ERR_PARAM, path, "%s, but %s can be fractional", need, expr);
    return ROI_OK;
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

/* A quarter that may be an event: a quarter inside the horizon, or a version's release
 * plus a whole number of quarters, at most a century either way (the quarter may fall
 * outside the horizon: the line then starts or ends there). */
static roi_status check_when(const roi_model *m, roi_period t, const roi_event *e,
                             const char *path, roi_error *err)
{
    if (e->of <= 0) /* a fixed quarter (of == 0: set by a model built in C) */
        return check_period(m, t, path, err);
    if (e->of < 1 || e->of > m->n_versions)
        return roi_error_set(err, ROI_ERR_INTERNAL, path, "refers to no version (%d)", e->of);
    return check(m, e->offset, path, (roi_range){-400, 400, 0, 0}, 1, err);
}

/* Rollout stages: offsets whole, >= 0 and increasing, shares in (0, 1] and
 * nondecreasing in every trial (an uncertain share's lowest value is not below the
 * previous one's highest). */
static roi_status check_stages(const roi_model *m, const roi_stage *st, int n, const char *path,
                               roi_error *err)
{
    static const roi_range share_range = {0.0, 1.0, 1, 0};
    double prev_hi = 0.0;
    if (n < 1 || !st)
        return roi_error_set(err, ROI_ERR_PARAM, path, "must list at least one stage");
    for (int k = 0; k < n; k++) {
        if (st[k].offset < 0)
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "stage %d: the offset must be a whole number of quarters >= 0, "
                                 "got %d", k + 1, st[k].offset);
        double lo, hi;
        if (st[k].share < 0 || st[k].share >= m->graph.n)
            return roi_error_set(err, ROI_ERR_INTERNAL, path, "stage %d: no share", k + 1);
        roi_graph_bounds(&m->graph, st[k].share, &lo, &hi);
        if (!roi_range_contains(share_range, lo) || !roi_range_contains(share_range, hi)) {
            char expr[256];
            double v;
            if (roi_graph_is_constant(&m->graph, st[k].share, &v))
                return roi_error_set(err, ROI_ERR_PARAM, path,
                                     "stage %d: share must be in (0, 1], got %g", k + 1, v);
            roi_graph_describe(&m->graph, st[k].share, expr, sizeof expr);
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "stage %d: share must be in (0, 1], but %s can be %g", k + 1,
                                 expr, roi_range_contains(share_range, lo) ? hi : lo);
        }
        if (k > 0 && st[k].offset <= st[k - 1].offset)
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "stage %d: offsets must increase, got %d after %d", k + 1,
                                 st[k].offset, st[k - 1].offset);
        if (k > 0 && lo < prev_hi)
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "stage %d: shares must not decrease, got %g after %g", k + 1,
                                 lo, prev_hi);
        prev_hi = hi;
    }
    return ROI_OK;
}

/* ---- validation: the rows ----------------------------------------------------------- */

/* Nonzero when some field of the group that row p belongs to ("residual.fraction": the
 * group "residual") is given, or p belongs to no group. */
static int group_given(const roi_decl *d, const roi_param *p, const void *item)
{
    const char *dot = strchr(p->name, '.');
    if (!dot)
        return 1;
    size_t len = (size_t)(dot - p->name) + 1;
    for (int i = 0; i < d->n_params; i++) {
        const roi_param *q = &d->params[i];
        if (q->type == ROI_PARAM_GROUP && strncmp(q->name, p->name, len - 1) == 0 &&
            q->name[len - 1] == '\0' && q->need == ROI_PARAM_REQUIRED)
            return 1;
        if (strncmp(q->name, p->name, len) == 0 && roi_param_is_set(q, item))
            return 1;
    }
    return 0;
}

/* Gives row p its default in item when it has one and is absent. */
static roi_status apply_default(roi_model *m, const roi_param *p, void *item, int kind,
                                roi_error *err)
{
    if (!roi_param_applies(p, kind) || roi_param_need_in(p, kind) != ROI_PARAM_DEFAULT ||
        roi_param_is_set(p, item))
        return ROI_OK;
    const double dflt = roi_param_default(p, kind);
    void *slot = roi_param_slot(p, item);
    switch (p->type) {
    case ROI_PARAM_VALUE: {
        int node = roi_graph_const(&m->graph, dflt, err);
        if (node < 0)
            return err ? err->status : ROI_ERR_NOMEM;
        *(roi_ref *)slot = node;
        break;
    }
    case ROI_PARAM_NUMBER:
        *(double *)slot = dflt;
        break;
    case ROI_PARAM_WHOLE:
    case ROI_PARAM_ENUM:
    case ROI_PARAM_BOOLEAN:
        *(int *)slot = (int)dflt;
        break;
    case ROI_PARAM_COUNT:
        *(size_t *)slot = (size_t)dflt;
        break;
    case ROI_PARAM_STAGES: { /* one stage at launch, unlocking `dflt` of the users */
        int share = roi_graph_const(&m->graph, dflt, err);
        if (share < 0)
            return err ? err->status : ROI_ERR_NOMEM;
        roi_stage *st = malloc(sizeof *st);
        if (!st)
            return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        *st = (roi_stage){0, share};
        free(*(roi_stage **)slot);
        *(roi_stage **)slot = st;
        *(int *)((char *)item + p->count) = 1;
        break;
    }
    case ROI_PARAM_SURFACES: { /* every surface */
        int n = m->n_surfaces;
        int *all = malloc((n ? (size_t)n : 1) * sizeof *all);
        if (!all)
            return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        for (int k = 0; k < n; k++)
            all[k] = k;
        free(*(int **)slot);
        *(int **)slot = all;
        *(int *)((char *)item + p->count) = n;
        break;
    }
    default:
        return roi_error_set(err, ROI_ERR_INTERNAL, p->name, "a %s field has no default",
                             roi_param_type_name(p->type));
    }
    return ROI_OK;
}

/* Checks row p of item (named `name` in paths) against its type and check. */
static roi_status check_row(const roi_model *m, const roi_decl *d, const roi_param *p,
                            const void *item, const char *name, int kind, roi_error *err)
{
    char path[300];
    join(path, sizeof path, name, p->name);
    if (!roi_param_applies(p, kind) || p->type == ROI_PARAM_GROUP)
        return ROI_OK;
    if (!roi_param_is_set(p, item)) {
        if (roi_param_need_in(p, kind) == ROI_PARAM_REQUIRED && group_given(d, p, item))
            return roi_error_set(err, ROI_ERR_PARAM, path, "is required");
        return ROI_OK;
    }
    const char *slot = (const char *)item + p->offset;
    const int count = p->count ? *(const int *)((const char *)item + p->count) : 0;
    char rule[128];
    switch (p->type) {
    case ROI_PARAM_VALUE:
        return check(m, *(const roi_ref *)slot, path, p->range, p->whole, err);
    case ROI_PARAM_NUMBER:
        if (!isfinite(*(const double *)slot) || !roi_range_contains(p->range, *(const double *)slot)) {
            roi_range_text(p->range, rule, sizeof rule);
            return roi_error_set(err, ROI_ERR_PARAM, path, "%s, got %g", rule,
                                 *(const double *)slot);
        }
        return ROI_OK;
    case ROI_PARAM_WHOLE:
    case ROI_PARAM_COUNT: {
        /* a default (trials 0: the run's) holds whatever the range says */
        double v = p->type == ROI_PARAM_WHOLE ? *(const int *)slot : (double)*(const size_t *)slot;
        if (v != roi_param_default(p, kind) && !roi_param_whole_ok(p, v)) {
            roi_param_whole_text(p, rule, sizeof rule);
            return roi_error_set(err, ROI_ERR_PARAM, path, "%s, got %.15g", rule, v);
        }
        return ROI_OK;
    }
    case ROI_PARAM_QUARTER:
    case ROI_PARAM_QUARTER_OR_END:
        return check_period(m, *(const roi_period *)slot, path, err);
    case ROI_PARAM_WHEN:
        return check_when(m, *(const roi_period *)slot,
                          (const roi_event *)((const char *)item + p->aux), path, err);
    case ROI_PARAM_ENUM: {
        int n = 0;
        while (p->names[n])
            n++;
        if (*(const int *)slot < 0 || *(const int *)slot >= n)
            return roi_error_set(err, ROI_ERR_INTERNAL, path, "unknown %s %d", p->name,
                                 *(const int *)slot);
        return ROI_OK;
    }
    case ROI_PARAM_STAGES:
        return check_stages(m, *(roi_stage *const *)slot, count, path, err);
    case ROI_PARAM_SURFACES:
        for (int k = 0; k < count; k++) {
            int s = (*(int *const *)slot)[k];
            if (s < 0 || s >= m->n_surfaces)
                return roi_error_set(err, ROI_ERR_PARAM, path, "surface index %d does not exist",
                                     s);
        }
        return ROI_OK;
    case ROI_PARAM_SERIES:
        if (*(const int *)slot < 0 || *(const int *)slot >= roi_model_series_count(m))
            return roi_error_set(err, ROI_ERR_PARAM, path, "refers to no series (%d)",
                                 *(const int *)slot);
        return ROI_OK;
    case ROI_PARAM_INPUT:
        if (roi_graph_find_input(&m->graph, *(char *const *)slot) < 0)
            return roi_error_set(err, ROI_ERR_PARAM, path, "'%s' is not an uncertain input",
                                 *(char *const *)slot);
        return ROI_OK;
    case ROI_PARAM_TARGET:
    case ROI_PARAM_TARGETS:
        for (int k = 0; k < (p->type == ROI_PARAM_TARGET ? 1 : count); k++) {
            roi_ref node = ((const roi_ref *)((const char *)item + p->aux))[k];
            if (node < 0 || node >= m->graph.n)
                return roi_error_set(err, ROI_ERR_INTERNAL, path, "input node out of range");
        }
        return ROI_OK;
    default:
        return ROI_OK;
    }
}

/* ---- validation: rules that relate fields -------------------------------------------- */

/* A currency is an ISO 4217 code: three capital letters. */
static roi_status currency_rule(const char *code, roi_error *err)
{
    int ok = code && strlen(code) == 3;
    for (int k = 0; ok && k < 3; k++)
        ok = code[k] >= 'A' && code[k] <= 'Z';
    if (ok)
        return ROI_OK;
    char upper[4] = "";
    int fixable = code && strlen(code) == 3;
    for (int k = 0; fixable && k < 3; k++) {
        fixable = isalpha((unsigned char)code[k]);
        upper[k] = (char)toupper((unsigned char)code[k]);
    }
    if (fixable)
        return roi_error_set(err, ROI_ERR_PARAM, "horizon.currency",
                             "must be an ISO 4217 code in capitals, got '%s'; did you mean "
                             "'%s'?", code, upper);
    return roi_error_set(err, ROI_ERR_PARAM, "horizon.currency",
                         "must be an ISO 4217 code of three capital letters such as USD, "
                         "EUR or GBP, got '%.40s'", code ? code : "");
}

static roi_status horizon_rules(const roi_model *m, roi_error *err)
{
    double r, g, r_lo, r_hi, g_lo, g_hi;
    if (m->currency)
        CHECK(currency_rule(m->currency, err));
    /* a percent typed as a number (10 for 10%) would discount at 1000% a year */
    if (roi_graph_is_constant(&m->graph, m->discount, &r) && r > 1.0)
        return roi_error_set(err, ROI_ERR_PARAM, "horizon.discount",
                             "is an annual rate as a fraction, got %g (%g%%); did you mean "
                             "%g?", r, 100.0 * r, r / 100.0);
    roi_graph_bounds(&m->graph, m->discount, &r_lo, &r_hi);
    if (r_hi > 1.0)
        return roi_error_set(err, ROI_ERR_PARAM, "horizon.discount",
                             "is an annual rate as a fraction, but can be %g (%g%%); rates "
                             "above 1 are refused as percents typed as numbers", r_hi,
                             100.0 * r_hi);

    if (m->periods < 1) {
        char from[16], to[16];
        roi_model_period_label(m, 0, from, sizeof from);
        roi_model_period_label(m, m->periods - 1, to, sizeof to);
        return roi_error_set(err, ROI_ERR_PARAM, "horizon.to",
                             "must not be before horizon.from (%s), got %s", from, to);
    }
    if (!m->terminal || m->tv_growth == ROI_NONE)
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

static roi_status quality_rules(const roi_model *m, roi_error *err)
{
    double lo_min, lo_max, hi_min, hi_max;
    if (m->m_lo == ROI_NONE || m->m_hi == ROI_NONE)
        return ROI_OK;
    /* every draw of the upper clamp must be >= every draw of the lower one */
    roi_graph_bounds(&m->graph, m->m_lo, &lo_min, &lo_max);
    roi_graph_bounds(&m->graph, m->m_hi, &hi_min, &hi_max);
    if (!(lo_max <= hi_min))
        return roi_error_set(err, ROI_ERR_PARAM, "quality.max",
                             "must be >= quality.min (%g), got %g", lo_max, hi_min);
    return ROI_OK;
}

/* A version's release: planned, or (after the first) `after` quarters after the previous
 * release; its score: given, or (after the first) the previous score + improvement. */
static roi_status version_rules(const roi_model *m, int i, roi_error *err)
{
    char path[300];
    const roi_version *v = &m->versions[i];
    if (v->planned == ROI_PERIOD_NONE) {
        if (i == 0)
            return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, v->name, "planned"),
                                 "the first version needs a planned quarter");
        if (v->after == ROI_NONE)
            return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, v->name, "after"),
                                 "is required");
    }
    if (v->score == ROI_NONE) {
        if (i == 0)
            return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, v->name, "score"),
                                 "the first version needs a score");
        if (v->improvement == ROI_NONE)
            return roi_error_set(err, ROI_ERR_PARAM,
                                 join(path, sizeof path, v->name, "improvement"), "is required");
    }
    return ROI_OK;
}

static roi_status spend_rules(const roi_model *m, const roi_spend *l, roi_error *err)
{
    char path[300];
    if (l->kind == ROI_SPEND_INFERENCE && l->cls == ROI_CLASS_INVESTMENT)
        return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, l->name, "class"),
                             "an inference line recurs with usage, so it is operating; "
                             "remove class = \"investment\"");
    if (l->kind == ROI_SPEND_INFERENCE && m->n_surfaces == 0)
        return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, l->name, "kind"),
                             "an inference line costs the interactions of surfaces' users, "
                             "and the scenario declares no surface \"...\" { ... }");
    /* fixed quarters only: an event's quarter is known per trial, and a line that would
     * end before it starts is simply empty in that trial */
    if (l->kind == ROI_SPEND_SCHEDULE && l->from_event.of <= 0 && l->to_event.of <= 0 &&
        l->to < l->from) {
        char a[16], b[16];
        roi_model_period_label(m, l->from, a, sizeof a);
        roi_model_period_label(m, l->to, b, sizeof b);
        return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, l->name, "to"),
                             "must not be before from (%s), got %s", a, b);
    }
    return ROI_OK;
}

static roi_status stream_rules(const roi_model *m, const roi_stream *s, roi_error *err)
{
    char path[300];
    static const char *const kinds[] = {"uplift", "per_interaction", "subscription"};
    if ((s->kind == ROI_STREAM_UPLIFT || s->kind == ROI_STREAM_PER_INTERACTION ||
         s->kind == ROI_STREAM_SUBSCRIPTION) && m->n_surfaces == 0)
        return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, s->name, "kind"),
                             "a %s stream earns from the users of surfaces, and the scenario "
                             "declares no surface \"...\" { ... }", kinds[s->kind]);
    if (s->kind == ROI_STREAM_UPLIFT && m->people == ROI_NONE)
        return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, s->name, "kind"),
                             "an uplift stream lifts a business in proportion to the share of "
                             "its people who are active users, and the scenario declares no "
                             "family { people = ... }");
    /* fixed quarters only (of <= 0), as for spend lines; a stream other than a schedule
     * has an end only when given one */
    if ((s->kind == ROI_STREAM_SCHEDULE || s->to_event.of == ROI_EVENT_QUARTER) &&
        s->from_event.of <= 0 && s->to_event.of <= 0 && s->to < s->from) {
        char a[16], b[16];
        roi_model_period_label(m, s->from, a, sizeof a);
        roi_model_period_label(m, s->to, b, sizeof b);
        return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, s->name, "to"),
                             "must not be before from (%s), got %s", a, b);
    }
    if ((s->kind == ROI_STREAM_PER_INTERACTION || s->kind == ROI_STREAM_SUBSCRIPTION) &&
        s->n_surfaces < 1)
        return roi_error_set(err, ROI_ERR_PARAM, join(path, sizeof path, s->name, "surfaces"),
                             "must list at least one surface");
    return ROI_OK;
}

static roi_status stress_rules(const roi_stress *s, roi_error *err)
{
    if (!(s->low >= 0.0 && s->high <= 1.0 && s->low < s->high))
        return roi_error_set(err, ROI_ERR_PARAM, s->name,
                             "the band must satisfy 0 <= low < high <= 1 (percentile levels), "
                             "got low = %g, high = %g",
                             s->low, s->high);
    return ROI_OK;
}

/* A decision: two or more distinct options, an output defined in every trial, distinct
 * signals; in a scenario that is one of its options, each signal an uncertain input or
 * a number a what-if fixed (worth nothing to learn); a what-if that is not an option
 * carries its parent's decision without evaluating it. */
static roi_status decision_rules(const roi_model *m, const roi_decision_spec *d, roi_error *err)
{
    char path[300];
    snprintf(path, sizeof path, "decision '%s'", d->name ? d->name : "?");
    if (d->n_options < 2)
        return roi_error_set(err, ROI_ERR_PARAM, path, "needs two or more options, got %d",
                             d->n_options);
    int home = 0;
    for (int i = 0; i < d->n_options; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(d->options[i], d->options[j]) == 0)
                return roi_error_set(err, ROI_ERR_PARAM, path, "lists option '%s' twice",
                                     d->options[i]);
        home |= m->name && strcmp(d->options[i], m->name) == 0;
    }
    if (!roi_output_always_defined(d->output))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "output must be defined in every trial (npv, npv_horizon, "
                             "total_spend, total_revenue, peak_active), got %s",
                             roi_output_name(d->output));
    for (int i = 0; i < d->n_signals; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(d->signals[i], d->signals[j]) == 0)
                return roi_error_set(err, ROI_ERR_PARAM, path, "lists signal '%s' twice",
                                     d->signals[i]);
        roi_ref node = d->signal_nodes[i];
        if (node < 0 || node >= m->graph.n)
            return roi_error_set(err, ROI_ERR_INTERNAL, path, "signal node out of range");
        if (home && m->graph.nodes[node].kind != ROI_NODE_INPUT &&
            m->graph.nodes[node].kind != ROI_NODE_CONST)
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "signal '%s' is computed from other inputs in scenario '%s'",
                                 d->signals[i], m->name);
    }
    return ROI_OK;
}

/* The optional parts (MODEL.md 10.1): versions make a quality track, which needs a
 * frontier and a quality section; without versions m_t = 1 and those sections mean
 * nothing, so they are refused rather than silently ignored. */
static roi_status parts_rules(const roi_model *m, roi_error *err)
{
    const int frontier = roi_model_has_section(m, "frontier");
    const int quality = roi_model_has_section(m, "quality");
    if (m->n_versions == 0 && (frontier || quality))
        return roi_error_set(err, ROI_ERR_PARAM, frontier ? "frontier" : "quality",
                             "the scenario declares no version \"...\" { ... }, so it has no "
                             "quality track (the quality multiplier is 1 in every quarter) "
                             "and %s { ... } means nothing: declare the versions, or remove it",
                             frontier ? "frontier" : "quality");
    if (m->n_versions > 0 && !frontier)
        return roi_error_set(err, ROI_ERR_PARAM, "frontier",
                             "the versions make a quality track, which measures each "
                             "version's gap to the frontier: declare frontier { score = ..., "
                             "slope = ... }");
    if (m->n_versions > 0 && !quality)
        return roi_error_set(err, ROI_ERR_PARAM, "quality",
                             "the versions make a quality track: declare quality { beta = "
                             "... } (how fast adoption falls with the gap to the frontier)");
    return ROI_OK;
}

/* The rules of item i of kind d, after its rows are checked. */
static roi_status rules(const roi_model *m, const roi_decl *d, int i, roi_error *err)
{
    if (strcmp(d->kind, "horizon") == 0)
        return horizon_rules(m, err);
    if (strcmp(d->kind, "quality") == 0)
        return quality_rules(m, err);
    if (strcmp(d->kind, "version") == 0)
        return version_rules(m, i, err);
    if (strcmp(d->kind, "spend") == 0)
        return spend_rules(m, &m->spend[i], err);
    if (strcmp(d->kind, "revenue") == 0)
        return stream_rules(m, &m->streams[i], err);
    if (strcmp(d->kind, "stress") == 0)
        return stress_rules(&m->stresses[i], err);
    if (strcmp(d->kind, "decision") == 0)
        return decision_rules(m, &m->decisions[i], err);
    return ROI_OK;
}

/* ---- validation: the whole model ------------------------------------------------------ */

/* Nonzero when the scenario gave section d: it is required, or one of its rows is set.
 * An optional section none of whose rows is set is absent (MODEL.md 10.1): it gets no
 * defaults, so it stays absent however often the defaults are applied. */
static int section_given(const roi_decl *d, const roi_model *m)
{
    if (d->required)
        return 1;
    for (int k = 0; k < d->n_params; k++)
        if (roi_param_is_set(&d->params[k], m))
            return 1;
    return 0;
}

int roi_model_has_section(const roi_model *m, const char *kind)
{
    const roi_decl *d = roi_decl_find(kind);
    return d && d->style == ROI_DECL_SECTION && section_given(d, m);
}

/* The defaults of every item, in table order (a stream's default surfaces are every
 * surface: surfaces come first). */
roi_status roi_model_defaults(roi_model *m, roi_error *err)
{
    for (int d = 0; d < roi_decl_count; d++) {
        const roi_decl *decl = &roi_decls[d];
        if (decl->style == ROI_DECL_SECTION && !section_given(decl, m))
            continue;
        for (int i = 0; i < roi_decl_items(decl, m); i++) {
            void *item = roi_decl_item(decl, m, i);
            int kind = roi_decl_item_kind(decl, item);
            for (int k = 0; k < decl->n_params; k++)
                CHECK(apply_default(m, &decl->params[k], item, kind, err));
        }
    }
    return ROI_OK;
}

roi_status roi_model_validate(roi_model *m, roi_error *err)
{
    CHECK(roi_model_defaults(m, err));
    for (int d = 0; d < roi_decl_count; d++) {
        const roi_decl *decl = &roi_decls[d];
        int n = roi_decl_items(decl, m);
        if (decl->style == ROI_DECL_OBJECT && decl->required && n < 1) {
            char path[64];
            snprintf(path, sizeof path, "%ss", decl->kind);
            return roi_error_set(err, ROI_ERR_PARAM, path, "at least one %s is required",
                                 decl->kind);
        }
        if (decl->style == ROI_DECL_SECTION && !section_given(decl, m))
            continue; /* an absent optional section: parts_rules says what that needs */
        for (int i = 0; i < n; i++) {
            const void *item = roi_decl_item(decl, m, i);
            const char *name = roi_decl_item_name(decl, item);
            int kind = roi_decl_item_kind(decl, item);
            if (decl->kinds && kind < 0)
                return roi_error_set(err, ROI_ERR_INTERNAL, name, "unknown %s kind %d",
                                     decl->kind, *(const int *)((const char *)item + decl->kind_offset));
            for (int k = 0; k < decl->n_params; k++)
                CHECK(check_row(m, decl, &decl->params[k], item, name, kind, err));
            CHECK(rules(m, decl, i, err));
        }
    }
    return parts_rules(m, err);
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

int roi_model_output_present(const roi_model *m, roi_output o)
{
    if (o != ROI_OUT_TOTAL_SAVINGS)
        return (int)o >= 0 && o < ROI_OUT_COUNT;
    for (int i = 0; i < m->n_streams; i++)
        if (m->streams[i].cls == ROI_STREAM_SAVINGS)
            return 1;
    return 0;
}

int roi_model_series_present(const roi_model *m, int s)
{
    switch (s) {
    case ROI_SERIES_UNIQUE_REACH:
    case ROI_SERIES_UNIQUE_ACTIVE:
        return m->n_surfaces > 0;
    case ROI_SERIES_SCORE:
    case ROI_SERIES_QUALITY:
        return m->n_versions > 0;
    default:
        return s >= 0 && s < roi_model_series_count(m);
    }
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
        snprintf(buf, size, "%s.%s",
                 m->streams[i].cls == ROI_STREAM_SAVINGS ? "savings" : "revenue",
                 m->streams[i].name);
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
