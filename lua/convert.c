/*
 * convert.c - the resolved description of a scenario (roisim.lua's M.load result) into
 * an engine model (see convert.h).
 *
 * Stack discipline: every function that touches the Lua stack says what it leaves
 * there; conversion helpers read fields of the table at a given absolute index and
 * leave the stack as they found it.
 */
#include "convert.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "condition.h"
#include "sampling.h"
#include "search.h"

/* ==== conversion helpers ================================================================ */

typedef struct conv {
    lua_State *L;
    roi_model *m;
    roi_error *err;
    int locs;  /* absolute index of the resolved `locs` table */
} conv;

/* Prefixes err->msg with the location of the longest prefix of err->path (or of
 * `key` when path is empty) found in the locs table: "file:line: path: ...". */
static void add_location(conv *c, const char *key)
{
    char path[256];
    snprintf(path, sizeof path, "%s", c->err->path[0] ? c->err->path : (key ? key : ""));
    while (path[0]) {
        lua_getfield(c->L, c->locs, path); /* +1 */
        const char *loc = lua_tostring(c->L, -1);
        if (loc) {
            char msg[sizeof c->err->msg + sizeof path + 64];
            snprintf(msg, sizeof msg, "%s: %s", loc, c->err->msg);
            size_t len = strlen(msg);
            if (len >= sizeof c->err->msg)
                len = sizeof c->err->msg - 1;
            memcpy(c->err->msg, msg, len);
            c->err->msg[len] = '\0';
            lua_pop(c->L, 1);
            return;
        }
        lua_pop(c->L, 1);
        char *dot = strrchr(path, '.');
        if (!dot)
            break;
        *dot = '\0';
    }
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Field `key` of the table at `t` as a node reference: the resolved description
 * holds 1-based node indices; absent means ROI_NONE, or a new constant `dflt` when
 * dflt is finite or infinite (pass NAN for "no default"). */
static roi_ref ref_field(conv *c, int t, const char *key, double dflt)
{
    lua_getfield(c->L, t, key);
    roi_ref r = ROI_NONE;
    if (lua_isinteger(c->L, -1))
        r = (roi_ref)lua_tointeger(c->L, -1) - 1;
    lua_pop(c->L, 1);
    if (r == ROI_NONE && !isnan(dflt))
        r = roi_graph_const(&c->m->graph, dflt, c->err);
    return r;
}

/* String field `key` of the table at `t`, borrowed from Lua (valid while the table is
 * referenced), or NULL. */
static const char *str_field(conv *c, int t, const char *key)
{
    lua_getfield(c->L, t, key);
    const char *s = lua_tostring(c->L, -1);
    lua_pop(c->L, 1);
    return s;
}

static double num_field(conv *c, int t, const char *key, double dflt)
{
    lua_getfield(c->L, t, key);
    double v = lua_isnumber(c->L, -1) ? lua_tonumber(c->L, -1) : dflt;
    lua_pop(c->L, 1);
    return v;
}

/* Parses quarter label field `key` of table t into a period; "end" -> last period
 * when allow_end. Path for messages: owner.key. */
static roi_status quarter_field(conv *c, int t, const char *owner, const char *key,
                                const char *label_key, int allow_end, roi_period *out)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", owner, label_key ? label_key : key);
    const char *label = str_field(c, t, key);
    if (!label)
        return roi_error_set(c->err, ROI_ERR_PARAM, path, "is missing");
    if (allow_end && strcmp(label, "end") == 0) {
        *out = c->m->periods - 1;
        return ROI_OK;
    }
    int year, q;
    roi_status s = roi_quarter_parse(label, &year, &q, path, c->err);
    if (s != ROI_OK)
        return s;
    *out = roi_model_period(c->m, year, q);
    return ROI_OK;
}

/* ==== nodes ================================================================================== */

static roi_status make_dist(conv *c, int t, const char *name, roi_dist *d)
{
    lua_State *L = c->L;
    const char *family = str_field(c, t, "family");
    lua_getfield(L, t, "args"); /* +1 args */
    int args = lua_gettop(L);
    double p[4] = {0, 0, 0, 1};
    int np = (int)lua_rawlen(L, args);
    for (int i = 0; i < np && i < 4; i++) {
        lua_rawgeti(L, args, i + 1);
        p[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    roi_status s = ROI_ERR_INTERNAL;
    memset(d, 0, sizeof *d);
    if (strcmp(family, "normal") == 0) {
        s = roi_dist_normal(d, p[0], p[1], name, c->err);
    } else if (strcmp(family, "uniform") == 0) {
        s = roi_dist_uniform(d, p[0], p[1], name, c->err);
    } else if (strcmp(family, "triangular") == 0) {
        s = roi_dist_triangular(d, p[0], p[1], p[2], name, c->err);
    } else if (strcmp(family, "pert") == 0) {
        s = roi_dist_pert(d, p[0], p[1], p[2], name, c->err);
    } else if (strcmp(family, "beta") == 0) {
        s = roi_dist_beta(d, p[0], p[1], np > 2 ? p[2] : 0.0, np > 2 ? p[3] : 1.0, name,
                          c->err);
    } else if (strcmp(family, "bernoulli") == 0) {
        s = roi_dist_bernoulli(d, p[0], name, c->err);
    } else if (strcmp(family, "lognormal") == 0) {
        const char *form = str_field(c, t, "form");
        if (form && strcmp(form, "meansd") == 0)
            s = roi_dist_lognormal_meansd(d, p[0], p[1], name, c->err);
        else
            s = roi_dist_lognormal_p5p95(d, p[0], p[1], name, c->err);
    } else if (strcmp(family, "discrete") == 0) {
        lua_getfield(L, args, "values");
        lua_getfield(L, args, "probs");
        size_t n = lua_rawlen(L, -2);
        double *values = calloc(n ? n : 1, sizeof *values);
        double *probs = calloc(n ? n : 1, sizeof *probs);
        if (!values || !probs) {
            s = roi_error_set(c->err, ROI_ERR_NOMEM, name, "out of memory");
        } else {
            for (size_t i = 0; i < n; i++) {
                lua_rawgeti(L, -2, (lua_Integer)i + 1);
                values[i] = lua_tonumber(L, -1);
                lua_rawgeti(L, -2, (lua_Integer)i + 1);
                probs[i] = lua_tonumber(L, -1);
                lua_pop(L, 2);
            }
            s = roi_dist_discrete(d, values, probs, n, name, c->err);
        }
        free(values);
        free(probs);
        lua_pop(L, 2);
    } else {
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, name, "unknown family '%s'", family);
    }
    lua_pop(L, 1); /* args */
    if (s != ROI_OK)
        return s;
    lua_getfield(L, t, "low");
    lua_getfield(L, t, "high");
    int has_low = lua_isnumber(L, -2), has_high = lua_isnumber(L, -1);
    double low = has_low ? lua_tonumber(L, -2) : -INFINITY;
    double high = has_high ? lua_tonumber(L, -1) : INFINITY;
    lua_pop(L, 2);
    if (has_low || has_high)
        s = roi_dist_truncate(d, low, high, name, c->err);
    return s;
}

static roi_node_kind op_kind(const char *op)
{
    static const struct {
        const char *name;
        roi_node_kind kind;
    } ops[] = {{"add", ROI_NODE_ADD},     {"sub", ROI_NODE_SUB},       {"mul", ROI_NODE_MUL},
               {"div", ROI_NODE_DIV},     {"pow", ROI_NODE_POW},       {"neg", ROI_NODE_NEG},
               {"min", ROI_NODE_MIN},     {"max", ROI_NODE_MAX},       {"clamp", ROI_NODE_CLAMP},
               {"lt", ROI_NODE_LT},       {"le", ROI_NODE_LE},         {"gt", ROI_NODE_GT},
               {"ge", ROI_NODE_GE},       {"eq", ROI_NODE_EQ},         {"ne", ROI_NODE_NE},
               {"and", ROI_NODE_AND},     {"or", ROI_NODE_OR},         {"not", ROI_NODE_NOT},
               {"choose", ROI_NODE_CHOOSE}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, op) == 0)
            return ops[i].kind;
    return (roi_node_kind)-1;
}

/* Builds the graph from resolved.nodes (table at index r). Node i of the Lua list
 * becomes graph node i - 1. */
static roi_status build_nodes(conv *c, int r)
{
    lua_State *L = c->L;
    lua_getfield(L, r, "nodes"); /* +1 */
    int nodes = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, nodes);
    roi_status s = ROI_OK;
    for (lua_Integer i = 1; i <= n && s == ROI_OK; i++) {
        lua_rawgeti(L, nodes, i); /* +1 node */
        int t = lua_gettop(L);
        const char *kind = str_field(c, t, "kind");
        int idx = -1;
        if (strcmp(kind, "const") == 0) {
            idx = roi_graph_const(&c->m->graph, num_field(c, t, "value", 0), c->err);
        } else if (strcmp(kind, "input") == 0) {
            const char *name = str_field(c, t, "name");
            roi_dist d;
            s = make_dist(c, t, name, &d);
            if (s != ROI_OK) {
                roi_dist_free(&d);
                add_location(c, name);
                lua_pop(L, 1);
                break;
            }
            idx = roi_graph_input(&c->m->graph, name, &d, c->err);
            if (idx >= 0) {
                lua_getfield(L, r, "changed"); /* +1 */
                lua_getfield(L, -1, name);     /* +1 */
                c->m->graph.nodes[idx].changed = lua_toboolean(L, -1);
                lua_pop(L, 2);
            }
        } else {
            roi_node_kind k = op_kind(str_field(c, t, "op"));
            int a = (int)num_field(c, t, "a", 0) - 1, b = (int)num_field(c, t, "b", 0) - 1,
                cc = (int)num_field(c, t, "c", 0) - 1;
            idx = roi_graph_op(&c->m->graph, k, a, b, cc, c->err);
        }
        if (s == ROI_OK && idx != (int)i - 1)
            s = c->err->status != ROI_OK
                    ? c->err->status
                    : roi_error_set(c->err, ROI_ERR_INTERNAL, "", "node order mismatch");
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* nodes */
    return s;
}

/* ==== structure ================================================================================ */

static roi_status build_horizon(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "horizon");
    int h = lua_gettop(L);
    roi_status s;
    int y1, q1, y2, q2;
    const char *from = str_field(c, h, "from"), *to = str_field(c, h, "to");
    s = roi_quarter_parse(from ? from : "", &y1, &q1, "horizon.from", c->err);
    if (s == ROI_OK)
        s = roi_quarter_parse(to ? to : "", &y2, &q2, "horizon.to", c->err);
    if (s == ROI_OK) {
        m->start_year = y1;
        m->start_q = q1;
        m->periods = roi_model_period(m, y2, q2) + 1;
        if (m->periods < 1)
            s = roi_error_set(c->err, ROI_ERR_PARAM, "horizon.to",
                              "must not be before horizon.from (%s), got %s", from, to);
    }
    if (s == ROI_OK) {
        m->discount = ref_field(c, h, "discount", NAN);
        lua_getfield(L, h, "terminal");
        m->terminal = lua_toboolean(L, -1);
        lua_pop(L, 1);
        m->tv_growth = ref_field(c, h, "terminal_growth", 0.0);
    }
    lua_pop(L, 1);
    if (s != ROI_OK)
        return s;

    lua_getfield(L, r, "family");
    m->people = ref_field(c, lua_gettop(L), "people", NAN);
    m->people_growth = ref_field(c, lua_gettop(L), "growth", 0.0);
    lua_pop(L, 1);
    lua_getfield(L, r, "frontier");
    m->frontier_score = ref_field(c, lua_gettop(L), "score", NAN);
    m->frontier_slope = ref_field(c, lua_gettop(L), "slope", NAN);
    lua_pop(L, 1);
    lua_getfield(L, r, "quality");
    int qt = lua_gettop(L);
    m->quality_beta = ref_field(c, qt, "beta", NAN);
    m->gap_ref = ref_field(c, qt, "gap_ref", NAN);
    m->m_lo = ref_field(c, qt, "min", 0.0);
    m->m_hi = ref_field(c, qt, "max", DBL_MAX); /* no upper clamp */
    lua_pop(L, 1);
    return ROI_OK;
}

static roi_status build_versions(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "versions");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->versions = calloc((size_t)n, sizeof *m->versions);
    roi_status s = m->versions ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_version *v = &m->versions[i];
        m->n_versions = i + 1;
        v->name = dupstr(str_field(c, t, "name"));
        v->planned = ROI_PERIOD_NONE;
        if (str_field(c, t, "planned"))
            s = quarter_field(c, t, v->name, "planned", NULL, 0, &v->planned);
        v->after = ref_field(c, t, "after", NAN);
        v->slip = ref_field(c, t, "slip", 0.0);
        v->score = ref_field(c, t, "score", NAN);
        v->improvement = ROI_NONE;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

static roi_status build_surfaces(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "surfaces");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->surfaces = calloc(n ? (size_t)n : 1, sizeof *m->surfaces);
    roi_status s = m->surfaces ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_surface *sf = &m->surfaces[i];
        m->n_surfaces = i + 1;
        sf->name = dupstr(str_field(c, t, "name"));
        s = quarter_field(c, t, sf->name, "launch", NULL, 0, &sf->launch);
        sf->delay = ref_field(c, t, "delay", 0.0);
        sf->addressable = ref_field(c, t, "addressable", NAN);
        sf->growth = ref_field(c, t, "growth", 0.0);
        sf->ceiling = ref_field(c, t, "ceiling", NAN);
        sf->p = ref_field(c, t, "p", NAN);
        sf->q = ref_field(c, t, "q", NAN);
        sf->f0 = ref_field(c, t, "f0", 0.0);
        sf->interactions = ref_field(c, t, "interactions", NAN);
        sf->reasoning = ref_field(c, t, "reasoning", 0.0);
        lua_getfield(L, t, "stages");
        int st = lua_gettop(L);
        int ns = (int)lua_rawlen(L, st);
        sf->stages = calloc(ns ? (size_t)ns : 1, sizeof *sf->stages);
        if (!sf->stages)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        for (int k = 0; k < ns && s == ROI_OK; k++) {
            lua_rawgeti(L, st, k + 1);
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            double off = lua_tonumber(L, -2);
            sf->stages[k].share = lua_tonumber(L, -1);
            lua_pop(L, 3);
            if (off != floor(off) || off < 0 || off > 1e6) {
                char path[256];
                snprintf(path, sizeof path, "%s.stages", sf->name);
                s = roi_error_set(c->err, ROI_ERR_PARAM, path,
                                  "stage %d: the offset must be a whole number of quarters >= 0, got %g",
                                  k + 1, off);
            }
            sf->stages[k].offset = (int)off;
            sf->n_stages = k + 1;
        }
        lua_pop(L, 2); /* stages, surface */
    }
    lua_pop(L, 1);
    return s;
}

static roi_status build_spend(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "spend");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->spend = calloc(n ? (size_t)n : 1, sizeof *m->spend);
    roi_status s = m->spend ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_spend *sp = &m->spend[i];
        m->n_spend = i + 1;
        sp->name = dupstr(str_field(c, t, "name"));
        const char *kind = str_field(c, t, "kind");
        sp->kind = strcmp(kind, "lump") == 0       ? ROI_SPEND_LUMP
                   : strcmp(kind, "schedule") == 0 ? ROI_SPEND_SCHEDULE
                   : strcmp(kind, "vesting") == 0  ? ROI_SPEND_VESTING
                                                   : ROI_SPEND_INFERENCE;
        sp->cls = strcmp(str_field(c, t, "class"), "investment") == 0 ? ROI_CLASS_INVESTMENT
                                                                      : ROI_CLASS_OPERATING;
        /* A lump's quarter is written `quarter` in the scenario. */
        s = quarter_field(c, t, sp->name, "from", sp->kind == ROI_SPEND_LUMP ? "quarter" : NULL,
                          0, &sp->from);
        sp->to = sp->from;
        if (s == ROI_OK && sp->kind == ROI_SPEND_SCHEDULE)
            s = quarter_field(c, t, sp->name, "to", NULL, 1, &sp->to);
        sp->amount = ref_field(c, t, "amount", NAN);
        sp->growth = ref_field(c, t, "growth", 0.0);
        sp->residual_fraction = ref_field(c, t, "residual_fraction", NAN);
        sp->residual_valuation = ref_field(c, t, "residual_valuation", NAN);
        sp->heads = ref_field(c, t, "heads", NAN);
        sp->package = ref_field(c, t, "package", NAN);
        double vq = num_field(c, t, "quarters", 0);
        if (sp->kind == ROI_SPEND_VESTING && (vq != floor(vq) || vq < 1 || vq > 400)) {
            char path[256];
            snprintf(path, sizeof path, "%s.quarters", sp->name);
            s = roi_error_set(c->err, ROI_ERR_PARAM, path,
                              "must be a whole number of quarters >= 1, got %g", vq);
        }
        sp->vest_quarters = (int)vq;
        sp->attrition = ref_field(c, t, "attrition", 0.0);
        sp->unit_cost = ref_field(c, t, "unit_cost", NAN);
        sp->reasoning_cost = ref_field(c, t, "reasoning_cost", 1.0);
        sp->cost_decline = ref_field(c, t, "decline", 0.0);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

static roi_status build_streams(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "revenue");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->streams = calloc(n ? (size_t)n : 1, sizeof *m->streams);
    roi_status s = m->streams ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_stream *st = &m->streams[i];
        m->n_streams = i + 1;
        st->name = dupstr(str_field(c, t, "name"));
        const char *kind = str_field(c, t, "kind");
        st->kind = strcmp(kind, "uplift") == 0            ? ROI_STREAM_UPLIFT
                   : strcmp(kind, "per_interaction") == 0 ? ROI_STREAM_PER_INTERACTION
                   : strcmp(kind, "subscription") == 0    ? ROI_STREAM_SUBSCRIPTION
                                                          : ROI_STREAM_MARKET_SHARE;
        s = quarter_field(c, t, st->name, "from", NULL, 0, &st->from);
        st->base = ref_field(c, t, "base", NAN);
        st->growth = ref_field(c, t, "growth", 0.0);
        st->lift = ref_field(c, t, "lift", NAN);
        st->rate = ref_field(c, t, "rate", NAN);
        st->ratio = ref_field(c, t, "ratio", 1.0);
        st->conversion = ref_field(c, t, "conversion", NAN);
        st->price = ref_field(c, t, "price", NAN);
        st->market = ref_field(c, t, "market", NAN);
        st->share = ref_field(c, t, "share", NAN);
        st->cap = ref_field(c, t, "cap", DBL_MAX); /* no cap */
        lua_getfield(L, t, "surfaces");
        int sl = lua_gettop(L);
        int ns = (int)lua_rawlen(L, sl);
        st->surfaces = calloc(ns ? (size_t)ns : 1, sizeof *st->surfaces);
        if (!st->surfaces && s == ROI_OK)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        for (int k = 0; k < ns && s == ROI_OK; k++) {
            lua_rawgeti(L, sl, k + 1);
            const char *sname = lua_tostring(L, -1);
            int found = -1;
            for (int j = 0; j < m->n_surfaces; j++)
                if (sname && strcmp(m->surfaces[j].name, sname) == 0)
                    found = j;
            lua_pop(L, 1);
            st->surfaces[st->n_surfaces++] = found;
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    return s;
}

static roi_status build_milestones(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "milestones");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->milestones = calloc(n ? (size_t)n : 1, sizeof *m->milestones);
    roi_status s = m->milestones ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_milestone *ms = &m->milestones[i];
        m->n_milestones = i + 1;
        ms->name = dupstr(str_field(c, t, "name"));
        const char *series = str_field(c, t, "series");
        ms->series = roi_model_series_index(m, series);
        char path[256];
        snprintf(path, sizeof path, "%s.series", ms->name);
        if (ms->series < 0) {
            char names[512] = "";
            size_t off = 0;
            for (int k = 0; k < ROI_SERIES_FIXED_COUNT && off < sizeof names; k++) {
                char nm[64];
                roi_model_series_name(m, k, nm, sizeof nm);
                off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", k ? ", " : "", nm);
            }
            s = roi_error_set(c->err, ROI_ERR_PARAM, path,
                              "unknown series '%s'; series are %s, revenue.<stream>, "
                              "spend.<line>, active.<surface>",
                              series, names);
        }
        if (s == ROI_OK)
            s = quarter_field(c, t, ms->name, "quarter", NULL, 0, &ms->period);
        if (s == ROI_OK && (ms->period < 0 || ms->period >= m->periods)) {
            char label[16];
            snprintf(path, sizeof path, "%s.quarter", ms->name);
            roi_model_period_label(m, ms->period, label, sizeof label);
            s = roi_error_set(c->err, ROI_ERR_PARAM, path, "must lie inside the horizon, got %s",
                              label);
        }
        ms->threshold = num_field(c, t, "at_least", 0);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

/* ==== analysis declarations (issue 4) ================================================== */

static roi_override_mode mode_of(const char *mode)
{
    if (mode && strcmp(mode, "shift") == 0)
        return ROI_OVERRIDE_SHIFT;
    if (mode && strcmp(mode, "scale") == 0)
        return ROI_OVERRIDE_SCALE;
    return ROI_OVERRIDE_VALUE;
}

/* Node index (1-based in Lua) of field `key` of table t as a graph index. */
static roi_ref node_field(conv *c, int t, const char *key)
{
    return (roi_ref)num_field(c, t, key, 0) - 1;
}

/* Goal seeks, sweeps and correlations: resolved.goals / sweeps / correlations. */
static roi_status build_analyses(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    roi_status s = ROI_OK;
    char path[320];

    lua_getfield(L, r, "goals"); /* +1 */
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->goals = calloc(n ? (size_t)n : 1, sizeof *m->goals);
    if (!m->goals)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 goal */
        int t = lua_gettop(L);
        roi_goal_spec *g = &m->goals[i];
        m->n_goals = i + 1;
        g->name = dupstr(str_field(c, t, "name"));
        g->input = dupstr(str_field(c, t, "input"));
        g->stat_name = dupstr(str_field(c, t, "stat"));
        if (!g->name || !g->input || !g->stat_name)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        g->node = node_field(c, t, "node");
        g->mode = mode_of(str_field(c, t, "mode"));
        g->target = num_field(c, t, "target", NAN);
        g->low = num_field(c, t, "low", NAN);
        g->high = num_field(c, t, "high", NAN);
        g->trials = (size_t)num_field(c, t, "trials", 0);
        snprintf(path, sizeof path, "goal '%s'", g->name ? g->name : "");
        if (s == ROI_OK)
            s = roi_stat_parse(str_field(c, t, "output"), g->stat_name, path, &g->stat, c->err);
        if (s == ROI_OK && (g->node < 0 || g->node >= m->graph.n))
            s = roi_error_set(c->err, ROI_ERR_INTERNAL, path, "input node out of range");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    lua_getfield(L, r, "sweeps"); /* +1 */
    list = lua_gettop(L);
    n = (int)lua_rawlen(L, list);
    m->sweeps = calloc(n ? (size_t)n : 1, sizeof *m->sweeps);
    if (!m->sweeps && s == ROI_OK)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 sweep */
        int t = lua_gettop(L);
        roi_sweep_spec *sw = &m->sweeps[i];
        m->n_sweeps = i + 1;
        sw->name = dupstr(str_field(c, t, "name"));
        sw->stat_name = dupstr(str_field(c, t, "stat"));
        sw->mode = mode_of(str_field(c, t, "mode"));
        sw->trials = (size_t)num_field(c, t, "trials", 0);
        snprintf(path, sizeof path, "sweep '%s'", sw->name ? sw->name : "");
        if (!sw->name || !sw->stat_name)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        if (s == ROI_OK)
            s = roi_stat_parse(str_field(c, t, "output"), sw->stat_name, path, &sw->stat, c->err);
        lua_getfield(L, t, "inputs"); /* +1 */
        lua_getfield(L, t, "nodes");  /* +1 */
        lua_getfield(L, t, "values"); /* +1 */
        int ni = (int)lua_rawlen(L, -3);
        sw->n_inputs = ni > 2 ? 2 : ni;
        for (int k = 0; k < sw->n_inputs && s == ROI_OK; k++) {
            lua_rawgeti(L, -3, k + 1); /* +1 path */
            sw->input[k] = dupstr(lua_tostring(L, -1));
            lua_rawgeti(L, -3, k + 1); /* +1 node */
            sw->node[k] = (roi_ref)lua_tointeger(L, -1) - 1;
            lua_rawgeti(L, -3, k + 1); /* +1 values list */
            int nv = (int)lua_rawlen(L, -1);
            sw->values[k] = malloc((nv ? (size_t)nv : 1) * sizeof *sw->values[k]);
            if (!sw->input[k] || !sw->values[k]) {
                s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
            } else {
                for (int v = 0; v < nv; v++) {
                    lua_rawgeti(L, -1, v + 1);
                    sw->values[k][v] = lua_tonumber(L, -1);
                    lua_pop(L, 1);
                }
                sw->n_values[k] = nv;
            }
            lua_pop(L, 3);
            if (s == ROI_OK && (sw->node[k] < 0 || sw->node[k] >= m->graph.n))
                s = roi_error_set(c->err, ROI_ERR_INTERNAL, path, "input node out of range");
        }
        lua_pop(L, 4); /* values, nodes, inputs, sweep */
    }
    lua_pop(L, 1);

    lua_getfield(L, r, "correlations"); /* +1 */
    list = lua_gettop(L);
    n = (int)lua_rawlen(L, list);
    m->correlations = calloc(n ? (size_t)n : 1, sizeof *m->correlations);
    if (!m->correlations && s == ROI_OK)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 pair */
        int t = lua_gettop(L);
        roi_correlation *cr = &m->correlations[i];
        m->n_correlations = i + 1;
        cr->a = dupstr(str_field(c, t, "a"));
        cr->b = dupstr(str_field(c, t, "b"));
        cr->rank = num_field(c, t, "rank", 0);
        if (!cr->a || !cr->b)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (s == ROI_OK)
        s = roi_sampling_check(m, c->err);
    return s;
}

/* Views and stresses (analysis.h): copied as written; each view's condition is parsed
 * once here so a mistake fails at load time with the declaration's location. */
static roi_status build_analysis(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    roi_status s = ROI_OK;
    lua_getfield(L, r, "views"); /* +1 */
    int list = lua_gettop(L);
    int n = lua_istable(L, list) ? (int)lua_rawlen(L, list) : 0;
    m->views = calloc((size_t)n + 1, sizeof *m->views);
    if (!m->views)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 */
        int t = lua_gettop(L);
        roi_view *v = &m->views[i];
        m->n_views = i + 1;
        v->name = dupstr(str_field(c, t, "name"));
        v->where = dupstr(str_field(c, t, "where"));
        lua_pop(L, 1); /* -1 */
        if (!v->name || !v->where) {
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
            break;
        }
        char path[300];
        snprintf(path, sizeof path, "%s.where", v->name);
        roi_cond *cond = NULL;
        s = roi_cond_parse(v->where, m, path, &cond, c->err);
        roi_cond_free(cond);
        if (s != ROI_OK)
            s = c->err->status = ROI_ERR_PARAM;
    }
    lua_pop(L, 1); /* -1: views */
    if (s != ROI_OK)
        return s;
    lua_getfield(L, r, "stresses"); /* +1 */
    list = lua_gettop(L);
    n = lua_istable(L, list) ? (int)lua_rawlen(L, list) : 0;
    m->stresses = calloc((size_t)n + 1, sizeof *m->stresses);
    if (!m->stresses)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 */
        int t = lua_gettop(L);
        roi_stress *st = &m->stresses[i];
        m->n_stresses = i + 1;
        st->name = dupstr(str_field(c, t, "name"));
        st->input = dupstr(str_field(c, t, "input"));
        st->low = num_field(c, t, "low", NAN);
        st->high = num_field(c, t, "high", NAN);
        lua_pop(L, 1); /* -1 */
        if (!st->name || !st->input) {
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
            break;
        }
        char path[300];
        snprintf(path, sizeof path, "%s.input", st->name);
        if (roi_graph_find_input(&m->graph, st->input) < 0) {
            s = roi_error_set(c->err, ROI_ERR_PARAM, path, "'%s' is not an uncertain input",
                              st->input);
        } else if (!(st->low >= 0.0 && st->high <= 1.0 && st->low < st->high)) {
            snprintf(path, sizeof path, "%s", st->name);
            s = roi_error_set(c->err, ROI_ERR_PARAM, path,
                              "the band must satisfy 0 <= low < high <= 1 (percentile levels), "
                              "got low = %g, high = %g", st->low, st->high);
        }
    }
    lua_pop(L, 1); /* -1: stresses */
    return s;
}

/* Converts the resolved table at index r into c->m, then validates it. */
static roi_status convert(conv *c, int r)
{
    roi_model *m = c->m;
    m->name = dupstr(str_field(c, r, "name"));
    m->title = dupstr(str_field(c, r, "title"));
    m->file = dupstr(str_field(c, r, "file"));
    if (!m->name || !m->title || !m->file)
        return roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    roi_status s = build_nodes(c, r);
    if (s != ROI_OK)
        return s;
    s = build_horizon(c, r);
    if (s == ROI_OK)
        s = build_versions(c, r);
    if (s == ROI_OK)
        s = build_surfaces(c, r);
    if (s == ROI_OK)
        s = build_spend(c, r);
    if (s == ROI_OK)
        s = build_streams(c, r);
    if (s == ROI_OK)
        s = build_milestones(c, r);
    if (s == ROI_OK)
        s = build_analyses(c, r);
    if (s == ROI_OK)
        s = build_analysis(c, r);
    if (s == ROI_OK)
        s = roi_model_validate(m, c->err);
    if (s != ROI_OK)
        add_location(c, NULL);
    return s;
}

/* ==== entry point ================================================================================ */

roi_status roi_convert_model(lua_State *L, int resolved, roi_model *m, roi_error *err)
{
    int r = lua_absindex(L, resolved);
    lua_getfield(L, r, "locs"); /* +1 */
    conv c = {L, m, err, lua_gettop(L)};
    roi_status s = convert(&c, r);
    lua_pop(L, 1); /* -1: locs */
    return s;
}
