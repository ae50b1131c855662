/*
 * convert.c - the parameter table's two crossings between C and Lua (see convert.h):
 * pushing it into the Lua state for the scenario language's schema, and reading the
 * resolved description of a scenario (roisim.lua's M.load result) back into a model.
 *
 * The resolved description is data the scenario library built while scenario code
 * ran, so nothing in it is trusted: every value is read without metamethods (raw
 * access) and its Lua type checked before use; a table where a number belongs is a
 * message, never a read through it.
 *
 * Stack discipline: every function that touches the Lua stack says what it leaves
 * there; readers take absolute indices and leave the stack as they found it.
 */
#include "convert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "condition.h"
#include "model_params.h"
#include "sampling.h"
#include "search.h"
#include "sipmath.h"

/* ==== the schema for the scenario language ========================================================= */

/* Pushes a list of the kind names set in `mask` (0: nil, every kind). */
static void push_kind_set(lua_State *L, const roi_decl *d, unsigned mask)
{
    if (!mask) {
        lua_pushnil(L);
        return;
    }
    lua_newtable(L); /* +1: { name = true } */
    for (int k = 0; d->kinds && d->kinds[k]; k++)
        if (mask & (1u << k)) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, d->kinds[k]);
        }
}

static void push_names(lua_State *L, const char *const *names)
{
    lua_newtable(L); /* +1 */
    for (int i = 0; names && names[i]; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

static void push_row(lua_State *L, const roi_decl *d, const roi_param *p)
{
    static const char *const needs[] = {"required", "optional", "default"};
    lua_newtable(L); /* +1: the row */
    lua_pushstring(L, p->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, roi_param_type_name(p->type));
    lua_setfield(L, -2, "type");
    lua_pushstring(L, needs[p->need]);
    lua_setfield(L, -2, "need");
    push_kind_set(L, d, p->kinds);
    lua_setfield(L, -2, "kinds");
    push_kind_set(L, d, p->required_in);
    lua_setfield(L, -2, "required_in");
    if (p->type == ROI_PARAM_ENUM) {
        push_names(L, p->names);
        lua_setfield(L, -2, "values");
    }
    if (p->type == ROI_PARAM_WHOLE || p->type == ROI_PARAM_COUNT) {
        char rule[128];
        roi_param_whole_text(p, rule, sizeof rule);
        lua_pushstring(L, rule);
        lua_setfield(L, -2, "rule");
        lua_pushnumber(L, p->range.lo);
        lua_setfield(L, -2, "low");
        lua_pushnumber(L, p->range.hi);
        lua_setfield(L, -2, "high");
    }
    lua_pushstring(L, p->doc ? p->doc : "");
    lua_setfield(L, -2, "doc");
}

void roi_convert_push_schema(lua_State *L)
{
    static const char *const styles[] = {"section", "object", "question"};
    lua_createtable(L, roi_decl_count, 0); /* +1: the list of declaration kinds */
    for (int i = 0; i < roi_decl_count; i++) {
        const roi_decl *d = &roi_decls[i];
        lua_newtable(L); /* +1: the kind */
        lua_pushstring(L, d->kind);
        lua_setfield(L, -2, "kind");
        lua_pushstring(L, styles[d->style]);
        lua_setfield(L, -2, "style");
        lua_pushboolean(L, d->required);
        lua_setfield(L, -2, "required");
        if (d->kinds) {
            push_names(L, d->kinds);
            lua_setfield(L, -2, "kinds");
        }
        lua_createtable(L, d->n_params, 0); /* +1: rows */
        for (int k = 0; k < d->n_params; k++) {
            push_row(L, d, &d->params[k]);
            lua_rawseti(L, -2, k + 1);
        }
        lua_setfield(L, -2, "rows");
        lua_rawseti(L, -2, i + 1);
    }
}

/* ==== reading the resolved description =============================================================== */

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
        lua_pushstring(c->L, path);
        const char *loc = lua_rawget(c->L, c->locs) == LUA_TSTRING ? lua_tostring(c->L, -1)
                                                                   : NULL; /* +1 */
        if (loc) {
            /* A --set option's location names its path already ("--set v2.score"):
             * "--set v2.score: sd must be > 0", not the path twice. */
            const char *body = c->err->msg;
            size_t n = strlen(path);
            if (strncmp(loc, "--set ", 6) == 0 && strcmp(loc + 6, path) == 0 &&
                strncmp(body, path, n) == 0 && body[n] == ':' && body[n + 1] == ' ')
                body += n + 2;
            char msg[sizeof c->err->msg + sizeof path + 64];
            snprintf(msg, sizeof msg, "%s: %s", loc, body);
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

static roi_status nomem(conv *c)
{
    return roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
}

/* A value of the wrong Lua type: the library (or code that changed what it handed
 * over) broke the shape of the description. */
static roi_status shape(conv *c, const char *path, int got, const char *expected)
{
    return roi_error_set(c->err, ROI_ERR_INTERNAL, path,
                         "the scenario library handed over a %s where %s belongs",
                         lua_typename(c->L, got), expected);
}

/* Pushes t[key] without metamethods (t: an absolute index of a table) and returns its
 * type. +1 */
static int raw_field(lua_State *L, int t, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, t);
}

/* Pushes t[key], which must be of type `want` or absent (LUA_TNIL). On success
 * returns ROI_OK with the value pushed (+1); else pops it and reports its type. */
static roi_status typed_field(conv *c, int t, const char *key, int want, const char *what,
                              const char *path)
{
    int got = raw_field(c->L, t, key);
    if (got == want || got == LUA_TNIL)
        return ROI_OK;
    lua_pop(c->L, 1);
    return shape(c, path, got, what);
}

/* The string t[key] (borrowed from Lua: valid while t holds it), or NULL when absent. */
static roi_status string_field(conv *c, int t, const char *key, const char *path,
                               const char **out)
{
    roi_status s = typed_field(c, t, key, LUA_TSTRING, "a string", path);
    if (s != ROI_OK)
        return s;
    *out = lua_tostring(c->L, -1);
    lua_pop(c->L, 1); /* the table still references the string */
    return ROI_OK;
}

/* The number t[key] into *out, left as it was when absent. */
static roi_status number_field(conv *c, int t, const char *key, const char *path, double *out)
{
    roi_status s = typed_field(c, t, key, LUA_TNUMBER, "a number", path);
    if (s == ROI_OK && !lua_isnil(c->L, -1))
        *out = lua_tonumber(c->L, -1);
    if (s == ROI_OK)
        lua_pop(c->L, 1);
    return s;
}

/* The node index t[key] (1-based in Lua) as a graph node, ROI_NONE when absent. */
static roi_status node_field(conv *c, int t, const char *key, const char *path, roi_ref *out)
{
    double v = NAN;
    roi_status s = number_field(c, t, key, path, &v);
    if (s != ROI_OK)
        return s;
    if (isnan(v)) {
        *out = ROI_NONE;
        return ROI_OK;
    }
    if (!(v >= 1 && v <= c->m->graph.n) || floor(v) != v)
        return roi_error_set(c->err, ROI_ERR_INTERNAL, path, "refers to no node (%g)", v);
    *out = (roi_ref)v - 1;
    return ROI_OK;
}

/* The i-th element (1-based) of the list at index t, which must be of type `want`;
 * pushed on success (+1). */
static roi_status typed_index(conv *c, int t, lua_Integer i, int want, const char *what,
                              const char *path)
{
    int got = lua_rawgeti(c->L, t, i);
    if (got == want)
        return ROI_OK;
    lua_pop(c->L, 1);
    return shape(c, path, got, what);
}

/* A quarter label into a period relative to the horizon's start (set by then). */
static roi_status read_quarter(conv *c, const char *label, const char *path, int allow_end,
                               roi_period *out)
{
    if (allow_end && strcmp(label, "end") == 0) {
        *out = c->m->periods - 1;
        return ROI_OK;
    }
    int year, q;
    roi_status s = roi_quarter_parse(label, &year, &q, path, c->err);
    if (s == ROI_OK)
        *out = roi_model_period(c->m, year, q);
    return s;
}

/* ---- nodes ------------------------------------------------------------------------------------------ */

/* The family's parameters: args[1..4] (numbers), or for discrete args.values and
 * args.probs (equal-length lists of numbers). */
static roi_status dist_params(conv *c, int args, const char *name, double p[4], int *np)
{
    lua_State *L = c->L;
    int n = (int)lua_rawlen(L, args);
    if (n > 4)
        return roi_error_set(c->err, ROI_ERR_INTERNAL, name, "%d parameters", n);
    for (int i = 0; i < n; i++) {
        roi_status s = typed_index(c, args, i + 1, LUA_TNUMBER, "a number", name); /* +1 */
        if (s != ROI_OK)
            return s;
        p[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    *np = n;
    return ROI_OK;
}

static roi_status discrete_dist(conv *c, int args, const char *name, roi_dist *d)
{
    lua_State *L = c->L;
    roi_status s = typed_field(c, args, "values", LUA_TTABLE, "a list", name); /* +1 */
    if (s != ROI_OK)
        return s;
    s = typed_field(c, args, "probs", LUA_TTABLE, "a list", name); /* +1 */
    if (s != ROI_OK) {
        lua_pop(L, 1);
        return s;
    }
    const int values_at = lua_gettop(L) - 1, probs_at = lua_gettop(L);
    size_t n = lua_istable(L, values_at) ? lua_rawlen(L, values_at) : 0;
    if (!lua_istable(L, probs_at) || lua_rawlen(L, probs_at) != n || n == 0 || n > 1000000)
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, name, "discrete outcomes and "
                          "probabilities do not match");
    double *values = s == ROI_OK ? calloc(n, sizeof *values) : NULL;
    double *probs = s == ROI_OK ? calloc(n, sizeof *probs) : NULL;
    if (s == ROI_OK && (!values || !probs))
        s = nomem(c);
    for (size_t i = 0; i < n && s == ROI_OK; i++) {
        if ((s = typed_index(c, values_at, (lua_Integer)i + 1, LUA_TNUMBER, "a number",
                             name)) != ROI_OK)
            break;
        values[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
        if ((s = typed_index(c, probs_at, (lua_Integer)i + 1, LUA_TNUMBER, "a number",
                             name)) != ROI_OK)
            break;
        probs[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    if (s == ROI_OK)
        s = roi_dist_discrete(d, values, probs, n, name, c->err);
    free(values);
    free(probs);
    lua_pop(L, 2);
    return s;
}

/* Appends path (taken) to the files the model was read from, once. */
static roi_status add_source(conv *c, char *path)
{
    roi_model *m = c->m;
    for (int i = 0; i < m->n_sources; i++)
        if (!strcmp(m->sources[i], path)) {
            free(path);
            return ROI_OK;
        }
    char **grown = realloc(m->sources, (size_t)(m->n_sources + 1) * sizeof *grown);
    if (!grown) {
        free(path);
        return nomem(c);
    }
    m->sources = grown;
    m->sources[m->n_sources++] = path;
    return ROI_OK;
}

/* sipmath{ library = ..., sip = ... }: the SIP read from the library beside the file
 * that wrote the input (its location "file:line"; a --set's: the scenario's). */
static roi_status sip_dist(conv *c, int t, int args, const char *name, roi_dist *d)
{
    const char *library = NULL, *sip = NULL, *loc = NULL;
    roi_status s = string_field(c, args, "library", name, &library);
    if (s == ROI_OK)
        s = string_field(c, args, "sip", name, &sip);
    if (s == ROI_OK)
        s = string_field(c, t, "loc", name, &loc);
    if (s == ROI_OK && (!library || !sip))
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, name, "a sipmath input without its names");
    if (s != ROI_OK)
        return s;
    char from[4096];
    const char *colon = loc ? strrchr(loc, ':') : NULL;
    if (loc && colon && strncmp(loc, "--set", 5) != 0)
        snprintf(from, sizeof from, "%.*s", (int)(colon - loc), loc);
    else
        snprintf(from, sizeof from, "%s", c->m->file ? c->m->file : "");
    roi_sipmath_sip in;
    char *path = NULL;
    s = roi_sipmath_read(from, library, sip, &in, &path, c->err);
    if (s == ROI_OK)
        s = add_source(c, path);
    else
        free(path);
    if (s == ROI_OK)
        s = in.w ? roi_dist_metalog_copula(d, &in.metalog, in.hdr, in.w, in.n, name, c->err)
                 : roi_dist_metalog(d, &in.metalog, in.hdr, name, c->err);
    roi_sipmath_sip_free(&in);
    return s;
}

/* The distribution of input node t (family, form, args, low, high). */
static roi_status make_dist(conv *c, int t, const char *name, roi_dist *d)
{
    lua_State *L = c->L;
    const char *family = NULL, *form = NULL;
    roi_status s = string_field(c, t, "family", name, &family);
    if (s == ROI_OK)
        s = string_field(c, t, "form", name, &form);
    if (s == ROI_OK && !family)
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, name, "an input without a family");
    if (s != ROI_OK)
        return s;
    if ((s = typed_field(c, t, "args", LUA_TTABLE, "a table", name)) != ROI_OK) /* +1 */
        return s;
    const int args = lua_gettop(L);
    double p[4] = {0, 0, 0, 1};
    int np = 0;
    if (lua_isnil(L, args))
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, name, "an input without parameters");
    else if (strcmp(family, "discrete") == 0)
        s = discrete_dist(c, args, name, d);
    else if (strcmp(family, "sipmath") == 0)
        s = sip_dist(c, t, args, name, d);
    else
        s = dist_params(c, args, name, p, &np);
    lua_pop(L, 1); /* args */
    if (s != ROI_OK || strcmp(family, "discrete") == 0 || strcmp(family, "sipmath") == 0)
        goto truncate;
    if (strcmp(family, "normal") == 0)
        s = roi_dist_normal(d, p[0], p[1], name, c->err);
    else if (strcmp(family, "uniform") == 0)
        s = roi_dist_uniform(d, p[0], p[1], name, c->err);
    else if (strcmp(family, "triangular") == 0)
        s = roi_dist_triangular(d, p[0], p[1], p[2], name, c->err);
    else if (strcmp(family, "pert") == 0)
        s = roi_dist_pert(d, p[0], p[1], p[2], name, c->err);
    else if (strcmp(family, "beta") == 0)
        s = roi_dist_beta(d, p[0], p[1], np > 2 ? p[2] : 0.0, np > 2 ? p[3] : 1.0, name,
                          c->err);
    else if (strcmp(family, "bernoulli") == 0)
        s = roi_dist_bernoulli(d, p[0], name, c->err);
    else if (strcmp(family, "gamma") == 0)
        s = roi_dist_gamma(d, p[0], p[1], name, c->err);
    else if (strcmp(family, "weibull") == 0)
        s = roi_dist_weibull(d, p[0], p[1], name, c->err);
    else if (strcmp(family, "lognormal") == 0 && form && strcmp(form, "meansd") == 0)
        s = roi_dist_lognormal_meansd(d, p[0], p[1], name, c->err);
    else if (strcmp(family, "lognormal") == 0)
        s = roi_dist_lognormal_p5p95(d, p[0], p[1], name, c->err);
    else
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, name, "unknown family '%s'", family);
truncate:
    if (s != ROI_OK)
        return s;
    double low = NAN, high = NAN;
    if ((s = number_field(c, t, "low", name, &low)) != ROI_OK ||
        (s = number_field(c, t, "high", name, &high)) != ROI_OK)
        return s;
    if (!isnan(low) || !isnan(high))
        s = roi_dist_truncate(d, isnan(low) ? -INFINITY : low, isnan(high) ? INFINITY : high,
                              name, c->err);
    return s;
}

/* The one vocabulary of operations: expression nodes and conditions use it. */
static int op_kind(const char *op, roi_node_kind *out)
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
               {"choose", ROI_NODE_CHOOSE}, {"const", ROI_NODE_CONST}};
    for (size_t i = 0; op && i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, op) == 0) {
            *out = ops[i].kind;
            return 1;
        }
    return 0;
}

/* Whether a what-if changed named node idx (resolved.changed[its name]). */
static roi_status read_changed(conv *c, int r, int idx)
{
    roi_status s = typed_field(c, r, "changed", LUA_TTABLE, "a table", "changed"); /* +1 */
    if (s != ROI_OK)
        return s;
    if (lua_istable(c->L, -1)) {
        raw_field(c->L, lua_gettop(c->L), c->m->graph.nodes[idx].name); /* +1 */
        c->m->graph.nodes[idx].changed = lua_toboolean(c->L, -1);
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
    return ROI_OK;
}

/* Input node t: its distribution, and whether a what-if changed it. */
static roi_status input_node(conv *c, int r, int t, int *idx)
{
    const char *name = NULL;
    roi_status s = string_field(c, t, "name", "nodes", &name);
    if (s == ROI_OK && !name)
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, "nodes", "an input without a name");
    if (s != ROI_OK)
        return s;
    roi_dist d;
    memset(&d, 0, sizeof d);
    if ((s = make_dist(c, t, name, &d)) != ROI_OK) {
        roi_dist_free(&d);
        add_location(c, name);
        return s;
    }
    *idx = roi_graph_input(&c->m->graph, name, &d, c->err);
    if (*idx < 0)
        return c->err->status;
    raw_field(c->L, t, "hidden"); /* +1 */
    c->m->graph.nodes[*idx].hidden = lua_toboolean(c->L, -1);
    lua_pop(c->L, 1);
    return read_changed(c, r, *idx);
}

/* An operation node t: op and operands a, b, c (1-based, absent: none), and the name of
 * a named expression. */
static roi_status op_node(conv *c, int r, int t, int *idx)
{
    const char *op = NULL;
    roi_node_kind k = ROI_NODE_CONST;
    roi_ref a = ROI_NONE, b = ROI_NONE, cc = ROI_NONE;
    roi_status s = string_field(c, t, "op", "nodes", &op);
    if (s == ROI_OK && !op_kind(op, &k))
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, "nodes", "unknown operation '%s'",
                          op ? op : "");
    if (s == ROI_OK)
        s = node_field(c, t, "a", "nodes", &a);
    if (s == ROI_OK)
        s = node_field(c, t, "b", "nodes", &b);
    if (s == ROI_OK)
        s = node_field(c, t, "c", "nodes", &cc);
    if (s != ROI_OK)
        return s;
    *idx = roi_graph_op(&c->m->graph, k, a, b, cc, c->err);
    if (*idx < 0)
        return c->err->status;
    const char *name = NULL;
    if ((s = string_field(c, t, "name", "nodes", &name)) != ROI_OK || !name)
        return s;
    if ((s = roi_graph_name(&c->m->graph, *idx, name, c->err)) != ROI_OK)
        return s;
    return read_changed(c, r, *idx);
}

/* Builds the graph from resolved.nodes (r: the resolved table). Node i of the Lua list
 * becomes graph node i - 1; operands come before the nodes that use them. */
static roi_status build_nodes(conv *c, int r)
{
    lua_State *L = c->L;
    roi_status s = typed_field(c, r, "nodes", LUA_TTABLE, "a list", "nodes"); /* +1 */
    if (s != ROI_OK)
        return s;
    const int nodes = lua_gettop(L);
    lua_Integer n = lua_istable(L, nodes) ? (lua_Integer)lua_rawlen(L, nodes) : 0;
    for (lua_Integer i = 1; i <= n && s == ROI_OK; i++) {
        if ((s = typed_index(c, nodes, i, LUA_TTABLE, "a node", "nodes")) != ROI_OK) /* +1 */
            break;
        const int t = lua_gettop(L);
        const char *kind = NULL;
        int idx = -1;
        s = string_field(c, t, "kind", "nodes", &kind);
        if (s == ROI_OK && kind && strcmp(kind, "const") == 0) {
            double v = NAN;
            s = number_field(c, t, "value", "nodes", &v);
            if (s == ROI_OK && (idx = roi_graph_const(&c->m->graph, v, c->err)) < 0)
                s = c->err->status;
        } else if (s == ROI_OK && kind && strcmp(kind, "input") == 0) {
            s = input_node(c, r, t, &idx);
        } else if (s == ROI_OK) {
            s = op_node(c, r, t, &idx);
        }
        if (s == ROI_OK && idx != (int)i - 1)
            s = roi_error_set(c->err, ROI_ERR_INTERNAL, "", "node order mismatch");
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* nodes */
    return s;
}

/* ---- one field of a declaration ------------------------------------------------------------------- */

/* STAGES: a list of {offset, share node}; offsets are whole quarters (checked here, where
 * the number becomes an int; shares and order are validation's). */
static roi_status read_stages(conv *c, const roi_param *p, void *item, const char *path)
{
    lua_State *L = c->L;
    const int t = lua_gettop(L);
    int n = (int)lua_rawlen(L, t);
    roi_stage *st = calloc(n ? (size_t)n : 1, sizeof *st);
    if (!st)
        return nomem(c);
    *(roi_stage **)roi_param_slot(p, item) = st;
    for (int k = 0; k < n; k++) {
        roi_status s = typed_index(c, t, k + 1, LUA_TTABLE, "a stage", path); /* +1 */
        double pair[2] = {NAN, NAN};
        for (int j = 0; j < 2 && s == ROI_OK; j++) {
            if ((s = typed_index(c, t + 1, j + 1, LUA_TNUMBER, "a number", path)) == ROI_OK) {
                pair[j] = lua_tonumber(L, -1);
                lua_pop(L, 1);
            }
        }
        if (s != ROI_OK) {
            lua_settop(L, t);
            return s;
        }
        lua_pop(L, 1);
        if (pair[0] != floor(pair[0]) || pair[0] < 0 || pair[0] > 1e6)
            return roi_error_set(c->err, ROI_ERR_PARAM, path,
                                 "stage %d: the offset must be a whole number of quarters >= 0, "
                                 "got %g", k + 1, pair[0]);
        if (!(pair[1] >= 1 && pair[1] <= c->m->graph.n) || floor(pair[1]) != pair[1])
            return roi_error_set(c->err, ROI_ERR_INTERNAL, path, "stage %d: refers to no node "
                                 "(%g)", k + 1, pair[1]);
        st[k] = (roi_stage){(int)pair[0], (roi_ref)pair[1] - 1};
        *(int *)((char *)item + p->count) = k + 1;
    }
    return ROI_OK;
}

/* SURFACES: "all", or a list of the names of surfaces (converted before streams). */
static roi_status read_surfaces(conv *c, const roi_param *p, void *item, const char *path)
{
    lua_State *L = c->L;
    const int t = lua_gettop(L);
    const roi_model *m = c->m;
    int all = lua_type(L, t) == LUA_TSTRING && strcmp(lua_tostring(L, t), "all") == 0;
    if (!all && !lua_istable(L, t))
        return shape(c, path, lua_type(L, t), "\"all\" or a list of surface names");
    int n = all ? m->n_surfaces : (int)lua_rawlen(L, t);
    int *idx = calloc(n ? (size_t)n : 1, sizeof *idx);
    if (!idx)
        return nomem(c);
    *(int **)roi_param_slot(p, item) = idx;
    for (int k = 0; k < n; k++) {
        int found = all ? k : -1;
        if (!all) {
            roi_status s = typed_index(c, t, k + 1, LUA_TSTRING, "a surface name", path); /* +1 */
            if (s != ROI_OK)
                return s;
            for (int j = 0; j < m->n_surfaces && found < 0; j++)
                if (strcmp(m->surfaces[j].name, lua_tostring(L, -1)) == 0)
                    found = j;
            if (found < 0)
                s = roi_error_set(c->err, ROI_ERR_PARAM, path, "'%s' is not a surface",
                                  lua_tostring(L, -1));
            lua_pop(L, 1);
            if (s != ROI_OK)
                return s;
        }
        idx[k] = found;
        *(int *)((char *)item + p->count) = k + 1;
    }
    return ROI_OK;
}

/* SERIES: a series name, as an index into the model's series. */
static roi_status read_series(conv *c, const char *name, int *out, const char *path)
{
    *out = roi_model_series_index(c->m, name);
    if (*out >= 0)
        return ROI_OK;
    char names[512] = "";
    size_t off = 0;
    for (int k = 0; k < ROI_SERIES_FIXED_COUNT && off < sizeof names; k++) {
        char nm[64];
        roi_model_series_name(c->m, k, nm, sizeof nm);
        off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", k ? ", " : "", nm);
    }
    return roi_error_set(c->err, ROI_ERR_PARAM, path,
                         "unknown series '%s'; series are %s, revenue.<stream>, spend.<line>, "
                         "active.<surface>",
                         name, names);
}

/* TARGET(S): { path = "...", node = k } per target, one or (TARGETS) up to two. */
static roi_status read_targets(conv *c, const roi_param *p, void *item, const char *path)
{
    lua_State *L = c->L;
    const int t = lua_gettop(L);
    const int many = p->type == ROI_PARAM_TARGETS;
    int n = many ? (int)lua_rawlen(L, t) : 1;
    if (n < 1 || n > 2)
        return roi_error_set(c->err, ROI_ERR_INTERNAL, path, "%d targets", n);
    for (int k = 0; k < n; k++) {
        int at = t;
        if (many) {
            roi_status s = typed_index(c, t, k + 1, LUA_TTABLE, "a target", path); /* +1 */
            if (s != ROI_OK)
                return s;
            at = lua_gettop(L);
        }
        const char *target = NULL;
        roi_ref node = ROI_NONE;
        roi_status s = string_field(c, at, "path", path, &target);
        if (s == ROI_OK)
            s = node_field(c, at, "node", path, &node);
        char *copy = s == ROI_OK ? dupstr(target ? target : "") : NULL;
        if (many)
            lua_pop(L, 1);
        if (s != ROI_OK)
            return s;
        if (!copy)
            return nomem(c);
        ((char **)roi_param_slot(p, item))[k] = copy;
        ((roi_ref *)((char *)item + p->aux))[k] = node;
        if (many)
            *(int *)((char *)item + p->count) = k + 1;
    }
    return ROI_OK;
}

/* NAMES: a list of strings; INPUTS: a list of { path = "...", node = k } (at most 1000). */
static roi_status read_names(conv *c, const roi_param *p, void *item, const char *path)
{
    lua_State *L = c->L;
    const int t = lua_gettop(L);
    const int inputs = p->type == ROI_PARAM_INPUTS;
    size_t n = lua_rawlen(L, t);
    if (n > 1000)
        return roi_error_set(c->err, ROI_ERR_PARAM, path, "lists %zu names; at most 1000", n);
    char **names = calloc(n + 1, sizeof *names);
    roi_ref *nodes = inputs ? calloc(n + 1, sizeof *nodes) : NULL;
    *(char ***)roi_param_slot(p, item) = names;
    if (inputs)
        *(roi_ref **)((char *)item + p->aux) = nodes;
    if (!names || (inputs && !nodes))
        return nomem(c);
    for (size_t k = 0; k < n; k++) {
        const char *name = NULL;
        roi_ref node = ROI_NONE;
        roi_status s = typed_index(c, t, (lua_Integer)k + 1, inputs ? LUA_TTABLE : LUA_TSTRING,
                                   inputs ? "an input" : "a name", path); /* +1 */
        if (s != ROI_OK)
            return s;
        if (inputs) {
            s = string_field(c, lua_gettop(L), "path", path, &name);
            if (s == ROI_OK)
                s = node_field(c, lua_gettop(L), "node", path, &node);
            if (s == ROI_OK && (!name || node == ROI_NONE))
                s = roi_error_set(c->err, ROI_ERR_INTERNAL, path, "an input without its node");
        } else {
            name = lua_tostring(L, -1);
        }
        if (s == ROI_OK && !(names[k] = dupstr(name)))
            s = nomem(c);
        lua_pop(L, 1);
        if (s != ROI_OK)
            return s;
        if (inputs)
            nodes[k] = node;
        *(int *)((char *)item + p->count) = (int)k + 1;
    }
    return ROI_OK;
}

/* GRID: per target a list of numbers (1 to 1000 of them). */
static roi_status read_grid(conv *c, const roi_param *p, void *item, const char *path)
{
    lua_State *L = c->L;
    const int t = lua_gettop(L);
    int n = (int)lua_rawlen(L, t);
    if (n < 1 || n > 2)
        return roi_error_set(c->err, ROI_ERR_INTERNAL, path, "%d lists of values", n);
    for (int k = 0; k < n; k++) {
        roi_status s = typed_index(c, t, k + 1, LUA_TTABLE, "a list of values", path); /* +1 */
        if (s != ROI_OK)
            return s;
        int nv = (int)lua_rawlen(L, -1);
        double *v = nv >= 1 && nv <= 1000 ? malloc((size_t)nv * sizeof *v) : NULL;
        if (!v) {
            lua_pop(L, 1);
            return nv >= 1 && nv <= 1000
                       ? nomem(c)
                       : roi_error_set(c->err, ROI_ERR_INTERNAL, path, "%d values", nv);
        }
        ((double **)roi_param_slot(p, item))[k] = v;
        for (int j = 0; j < nv && s == ROI_OK; j++)
            if ((s = typed_index(c, t + 1, j + 1, LUA_TNUMBER, "a number", path)) == ROI_OK) {
                v[j] = lua_tonumber(L, -1);
                lua_pop(L, 1);
            }
        lua_pop(L, 1);
        if (s != ROI_OK)
            return s;
        ((int *)((char *)item + p->count))[k] = nv;
    }
    return ROI_OK;
}

/* One step of a condition's program, { op =, node =, value = }, into cond. */
static roi_status condition_step(conv *c, int t, roi_cond *cond, const char *path)
{
    const char *op = NULL;
    roi_node_kind k = ROI_NODE_CONST;
    roi_ref node = ROI_NONE;
    double value = NAN;
    roi_status s = string_field(c, t, "op", path, &op);
    if (s == ROI_OK && !op_kind(op, &k))
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, path, "condition: unknown step '%s'",
                          op ? op : "");
    if (s == ROI_OK)
        s = node_field(c, t, "node", path, &node);
    if (s == ROI_OK)
        s = number_field(c, t, "value", path, &value);
    if (s != ROI_OK)
        return s;
    if (k == ROI_NODE_CONST)
        return roi_cond_push_const(cond, value != 0.0 && !isnan(value), c->err);
    if (k == ROI_NODE_AND || k == ROI_NODE_OR || k == ROI_NODE_NOT)
        return roi_cond_push_logic(cond, k, c->err);
    if (node == ROI_NONE || isnan(value))
        return roi_error_set(c->err, ROI_ERR_INTERNAL, path, "condition: a comparison of nothing");
    return roi_cond_push_compare(cond, (roi_cond_ref){ROI_COND_INPUT, node}, k, value, c->err);
}

/* CONDITION: { text = as written, steps = its program }. A condition the scenario
 * built (v2.score:at_least(60)) crosses as its steps; one written as text has none
 * and is parsed here, as --given is. */
static roi_status read_condition(conv *c, const roi_param *p, void *item, const char *path)
{
    lua_State *L = c->L;
    const int t = lua_gettop(L);
    const char *text = NULL;
    roi_cond *cond = (roi_cond *)((char *)item + p->aux);
    roi_status s = string_field(c, t, "text", path, &text);
    if (s == ROI_OK && !text)
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, path, "a condition without its text");
    if (s == ROI_OK && !(*(char **)roi_param_slot(p, item) = dupstr(text)))
        s = nomem(c);
    if (s == ROI_OK)
        s = typed_field(c, t, "steps", LUA_TTABLE, "a list of steps", path); /* +1 */
    if (s != ROI_OK)
        return s;
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        roi_cond *parsed = NULL;
        if (roi_cond_parse(text, c->m, path, &parsed, c->err) != ROI_OK)
            return c->err->status = ROI_ERR_PARAM;
        *cond = *parsed;
        free(parsed); /* its arrays now belong to the item */
        return ROI_OK;
    }
    const int steps = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, steps);
    for (lua_Integer i = 1; i <= n && s == ROI_OK; i++) {
        if ((s = typed_index(c, steps, i, LUA_TTABLE, "a step", path)) != ROI_OK) /* +1 */
            break;
        s = condition_step(c, lua_gettop(L), cond, path);
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* steps */
    return s == ROI_OK ? roi_cond_check(cond, c->m, path, c->err) : s;
}

/* WHEN: a quarter label ("end" allowed), or an event { version = "v2", offset = node }:
 * that version's release plus the node's whole quarters (versions are converted first). */
static roi_status read_when(conv *c, const roi_param *p, void *item, const char *path)
{
    lua_State *L = c->L;
    const int t = lua_gettop(L);
    roi_event *e = (roi_event *)((char *)item + p->aux);
    if (lua_type(L, t) == LUA_TSTRING) {
        roi_status s = read_quarter(c, lua_tostring(L, t), path, 1, (roi_period *)roi_param_slot(p, item));
        if (s == ROI_OK)
            e->of = ROI_EVENT_QUARTER;
        return s;
    }
    if (!lua_istable(L, t))
        return shape(c, path, lua_type(L, t), "a quarter or an event");
    const char *version = NULL;
    roi_ref offset = ROI_NONE;
    roi_status s = string_field(c, t, "version", path, &version);
    if (s == ROI_OK)
        s = node_field(c, t, "offset", path, &offset);
    if (s != ROI_OK)
        return s;
    if (!version || offset == ROI_NONE)
        return roi_error_set(c->err, ROI_ERR_INTERNAL, path, "an event without its version");
    for (int k = 0; k < c->m->n_versions; k++)
        if (strcmp(c->m->versions[k].name, version) == 0) {
            *e = (roi_event){k + 1, offset};
            return ROI_OK;
        }
    return roi_error_set(c->err, ROI_ERR_PARAM, path, "release('%s'): there is no version '%s'",
                         version, version);
}

/* The Lua type a field of type t is handed over as. */
static int lua_type_of(roi_param_type t, const char **what)
{
    switch (t) {
    case ROI_PARAM_VALUE:
    case ROI_PARAM_NUMBER:
    case ROI_PARAM_WHOLE:
    case ROI_PARAM_COUNT:
        *what = "a number";
        return LUA_TNUMBER;
    case ROI_PARAM_BOOLEAN:
        *what = "true or false";
        return LUA_TBOOLEAN;
    case ROI_PARAM_STAGES:
    case ROI_PARAM_TARGET:
    case ROI_PARAM_TARGETS:
    case ROI_PARAM_GRID:
    case ROI_PARAM_CONDITION:
    case ROI_PARAM_NAMES:
    case ROI_PARAM_INPUTS:
        *what = "a table";
        return LUA_TTABLE;
    case ROI_PARAM_SURFACES: /* "all" or a table: read_surfaces checks */
        *what = "\"all\" or a list";
        return LUA_TNONE;
    case ROI_PARAM_WHEN: /* a label or an event: read_when checks */
        *what = "a quarter or an event";
        return LUA_TNONE;
    default:
        *what = "a string";
        return LUA_TSTRING;
    }
}

/* A field held in one slot: the value at the top of the stack (of the right Lua
 * type) into row p's slot of item. */
static roi_status read_scalar(conv *c, const roi_param *p, void *item, const char *path)
{
    lua_State *L = c->L;
    void *slot = roi_param_slot(p, item);
    const double num = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0.0;
    const char *str = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    char rule[128];
    switch (p->type) {
    case ROI_PARAM_NUMBER:
        *(double *)slot = num;
        return ROI_OK;
    case ROI_PARAM_WHOLE:
    case ROI_PARAM_COUNT:
        /* where the number becomes an int, it must be one */
        if (!roi_param_whole_ok(p, num)) {
            roi_param_whole_text(p, rule, sizeof rule);
            return roi_error_set(c->err, ROI_ERR_PARAM, path, "%s, got %g", rule, num);
        }
        if (p->type == ROI_PARAM_WHOLE)
            *(int *)slot = (int)num;
        else
            *(size_t *)slot = (size_t)num;
        return ROI_OK;
    case ROI_PARAM_QUARTER:
    case ROI_PARAM_QUARTER_OR_END:
        return read_quarter(c, str, path, p->type == ROI_PARAM_QUARTER_OR_END, (roi_period *)slot);
    case ROI_PARAM_START:
        return roi_quarter_parse(str, (int *)slot, (int *)((char *)item + p->aux), path, c->err);
    case ROI_PARAM_END: {
        roi_period last = 0;
        roi_status s = read_quarter(c, str, path, 0, &last);
        if (s == ROI_OK)
            *(int *)slot = last + 1;
        return s;
    }
    case ROI_PARAM_BOOLEAN:
        *(int *)slot = lua_toboolean(L, -1);
        return ROI_OK;
    case ROI_PARAM_ENUM:
        for (int k = 0; p->names[k]; k++)
            if (strcmp(p->names[k], str) == 0) {
                *(int *)slot = k;
                return ROI_OK;
            }
        return roi_error_set(c->err, ROI_ERR_PARAM, path, "unknown %s '%s'", p->name, str);
    case ROI_PARAM_SERIES:
        return read_series(c, str, (int *)slot, path);
    default: /* STRING, INPUT, STAT: text the model keeps */
        return (*(char **)slot = dupstr(str)) ? ROI_OK : nomem(c);
    }
}

/* Row p of item from the resolved entry at index t (nothing when absent there). */
static roi_status read_field(conv *c, const roi_param *p, int t, void *item, const char *path)
{
    lua_State *L = c->L;
    const char *what;
    const int want = lua_type_of(p->type, &what);
    int got = raw_field(L, t, p->name); /* +1 */
    if (got == LUA_TNIL) {
        lua_pop(L, 1);
        return ROI_OK;
    }
    if (want != LUA_TNONE && got != want) {
        lua_pop(L, 1);
        return shape(c, path, got, what);
    }
    roi_status s;
    switch (p->type) {
    case ROI_PARAM_VALUE:
        lua_pop(L, 1);
        return node_field(c, t, p->name, path, (roi_ref *)roi_param_slot(p, item));
    case ROI_PARAM_STAGES:
        s = read_stages(c, p, item, path);
        break;
    case ROI_PARAM_SURFACES:
        s = read_surfaces(c, p, item, path);
        break;
    case ROI_PARAM_TARGET:
    case ROI_PARAM_TARGETS:
        s = read_targets(c, p, item, path);
        break;
    case ROI_PARAM_GRID:
        s = read_grid(c, p, item, path);
        break;
    case ROI_PARAM_CONDITION:
        s = read_condition(c, p, item, path);
        break;
    case ROI_PARAM_WHEN:
        s = read_when(c, p, item, path);
        break;
    case ROI_PARAM_NAMES:
    case ROI_PARAM_INPUTS:
        s = read_names(c, p, item, path);
        break;
    case ROI_PARAM_GROUP:
    case ROI_PARAM_TYPE_COUNT:
        s = ROI_OK;
        break;
    default:
        s = read_scalar(c, p, item, path);
        break;
    }
    lua_pop(L, 1);
    return s;
}

/* ---- declarations ----------------------------------------------------------------------------------- */

/* Item `item` of kind d from the resolved entry at index t: its name, its kind (which
 * decides the rows that apply), then every row in table order. */
static roi_status read_item(conv *c, const roi_decl *d, int t, void *item)
{
    char path[300];
    roi_param_unset_all(d, item);
    const char *name = d->kind;
    if (d->style != ROI_DECL_SECTION) {
        roi_status s = string_field(c, t, "name", d->kind, &name);
        if (s == ROI_OK && !name)
            s = roi_error_set(c->err, ROI_ERR_INTERNAL, d->kind, "a %s without a name", d->kind);
        if (s != ROI_OK)
            return s;
        if (!(*(char **)((char *)item + d->name_offset) = dupstr(name)))
            return nomem(c);
    }
    const roi_param *kind_row = roi_decl_kind_param(d);
    if (kind_row) {
        snprintf(path, sizeof path, "%s.%s", name, kind_row->name);
        roi_status s = read_field(c, kind_row, t, item, path);
        if (s != ROI_OK)
            return s;
    }
    const int kind = roi_decl_item_kind(d, item);
    for (int k = 0; k < d->n_params; k++) {
        const roi_param *p = &d->params[k];
        if (p == kind_row || p->type == ROI_PARAM_GROUP || !roi_param_applies(p, kind))
            continue;
        snprintf(path, sizeof path, "%s.%s", name, p->name);
        roi_status s = read_field(c, p, t, item, path);
        if (s != ROI_OK)
            return s;
    }
    return ROI_OK;
}

/* Every declaration of kind d: resolved.declarations[kind], a list of entries. */
static roi_status read_decl(conv *c, int decls, const roi_decl *d)
{
    lua_State *L = c->L;
    roi_status s = typed_field(c, decls, d->kind, LUA_TTABLE, "a list", d->kind); /* +1 */
    if (s != ROI_OK)
        return s;
    const int list = lua_gettop(L);
    int n = lua_istable(L, list) ? (int)lua_rawlen(L, list) : 0;
    if (d->style == ROI_DECL_SECTION && n > 1)
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, d->kind, "%d %s sections", n, d->kind);
    if (s == ROI_OK && d->style != ROI_DECL_SECTION) {
        void *items = calloc(n ? (size_t)n : 1, d->size);
        if (!items)
            s = nomem(c);
        else
            *(void **)((char *)c->m + d->list_offset) = items;
    }
    for (int i = 0; i < n && s == ROI_OK; i++) {
        if ((s = typed_index(c, list, i + 1, LUA_TTABLE, "a declaration", d->kind)) != ROI_OK)
            break; /* +1 */
        void *item = roi_decl_item(d, c->m, d->style == ROI_DECL_SECTION ? 0 : i);
        if (d->style != ROI_DECL_SECTION)
            *(int *)((char *)c->m + d->count_offset) = i + 1;
        s = read_item(c, d, lua_gettop(L), item);
        lua_pop(L, 1);
    }
    if (s == ROI_OK && d->style == ROI_DECL_SECTION && n == 0)
        roi_param_unset_all(d, c->m);
    lua_pop(L, 1); /* the list */
    return s;
}

/* Goal seeks and sweeps: their statistic (the output and stat fields together). */
static roi_status parse_stats(conv *c)
{
    roi_model *m = c->m;
    char path[320];
    for (int i = 0; i < m->n_goals; i++) {
        roi_goal_spec *g = &m->goals[i];
        snprintf(path, sizeof path, "goal '%s'", g->name);
        roi_status s = roi_stat_parse(roi_output_name(g->stat.output), g->stat_name, path,
                                      &g->stat, c->err);
        if (s != ROI_OK)
            return s;
    }
    for (int i = 0; i < m->n_sweeps; i++) {
        roi_sweep_spec *sw = &m->sweeps[i];
        snprintf(path, sizeof path, "sweep '%s'", sw->name);
        roi_status s = roi_stat_parse(roi_output_name(sw->stat.output), sw->stat_name, path,
                                      &sw->stat, c->err);
        if (s != ROI_OK)
            return s;
    }
    return ROI_OK;
}

/* Rank correlations: resolved.correlations, a list of { a =, b =, rank = }. */
static roi_status read_correlations(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    roi_status s = typed_field(c, r, "correlations", LUA_TTABLE, "a list", "correlate"); /* +1 */
    if (s != ROI_OK)
        return s;
    const int list = lua_gettop(L);
    int n = lua_istable(L, list) ? (int)lua_rawlen(L, list) : 0;
    if (!(m->correlations = calloc(n ? (size_t)n : 1, sizeof *m->correlations)))
        s = nomem(c);
    for (int i = 0; i < n && s == ROI_OK; i++) {
        if ((s = typed_index(c, list, i + 1, LUA_TTABLE, "a pair", "correlate")) != ROI_OK)
            break; /* +1 */
        const int t = lua_gettop(L);
        roi_correlation *cr = &m->correlations[i];
        m->n_correlations = i + 1;
        const char *a = NULL, *b = NULL;
        cr->rank = NAN;
        s = string_field(c, t, "a", "correlate", &a);
        if (s == ROI_OK)
            s = string_field(c, t, "b", "correlate", &b);
        if (s == ROI_OK)
            s = number_field(c, t, "rank", "correlate", &cr->rank);
        if (s == ROI_OK && (!(cr->a = dupstr(a ? a : "")) || !(cr->b = dupstr(b ? b : ""))))
            s = nomem(c);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

/* The notes of the load: resolved.notes, a list of strings, into m->notes. */
static roi_status read_notes(conv *c, int r)
{
    lua_State *L = c->L;
    roi_status s = typed_field(c, r, "notes", LUA_TTABLE, "a list", "notes"); /* +1 */
    if (s != ROI_OK)
        return s;
    const int list = lua_gettop(L);
    int n = lua_istable(L, list) ? (int)lua_rawlen(L, list) : 0;
    if (n > 0 && !(c->m->notes = calloc((size_t)n, sizeof *c->m->notes)))
        s = nomem(c);
    for (int i = 0; i < n && s == ROI_OK; i++) {
        if ((s = typed_index(c, list, i + 1, LUA_TSTRING, "a string", "notes")) != ROI_OK)
            break; /* +1 */
        if (!(c->m->notes[i] = dupstr(lua_tostring(L, -1))))
            s = nomem(c);
        else
            c->m->n_notes = i + 1;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

/* One change (the table at the top of the stack): its three strings. */
static roi_status read_change(conv *c, roi_change *ch)
{
    const int t = lua_gettop(c->L);
    const char *text[3] = {NULL, NULL, NULL};
    static const char *const key[3] = {"path", "parent", "value"};
    for (int k = 0; k < 3; k++) {
        roi_status s = string_field(c, t, key[k], "changes", &text[k]);
        if (s != ROI_OK)
            return s;
        if (!text[k])
            return roi_error_set(c->err, ROI_ERR_INTERNAL, "changes", "a change without %s",
                                 key[k]);
    }
    if (!(ch->path = dupstr(text[0])) || !(ch->parent = dupstr(text[1])) ||
        !(ch->value = dupstr(text[2])))
        return nomem(c);
    return ROI_OK;
}

/* What the scenario changes from its parents: resolved.changes, a list of
 * { path, parent, value }, into m->changes. */
static roi_status read_changes(conv *c, int r)
{
    lua_State *L = c->L;
    roi_status s = typed_field(c, r, "changes", LUA_TTABLE, "a list", "changes"); /* +1 */
    if (s != ROI_OK)
        return s;
    const int list = lua_gettop(L);
    int n = lua_istable(L, list) ? (int)lua_rawlen(L, list) : 0;
    if (n > 0 && !(c->m->changes = calloc((size_t)n, sizeof *c->m->changes)))
        s = nomem(c);
    for (int i = 0; i < n && s == ROI_OK; i++) {
        if ((s = typed_index(c, list, i + 1, LUA_TTABLE, "a change", "changes")) != ROI_OK)
            break; /* +1 */
        c->m->n_changes = i + 1; /* freed with the model, even when partly read */
        s = read_change(c, &c->m->changes[i]);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

/* Converts the resolved table at index r into c->m, then validates it. */
static roi_status convert(conv *c, int r)
{
    roi_model *m = c->m;
    const char *name = NULL, *title = NULL, *file = NULL;
    roi_status s = string_field(c, r, "name", "name", &name);
    if (s == ROI_OK)
        s = string_field(c, r, "title", "title", &title);
    if (s == ROI_OK)
        s = string_field(c, r, "file", "file", &file);
    if (s != ROI_OK)
        return s;
    if (!(m->name = dupstr(name ? name : "")) || !(m->title = dupstr(title ? title : "")) ||
        !(m->file = dupstr(file ? file : "")))
        return nomem(c);
    if ((s = build_nodes(c, r)) != ROI_OK || (s = read_notes(c, r)) != ROI_OK ||
        (s = read_changes(c, r)) != ROI_OK)
        return s;
    if ((s = typed_field(c, r, "declarations", LUA_TTABLE, "a table", "declarations")) !=
        ROI_OK) /* +1 */
        return s;
    const int decls = lua_gettop(c->L);
    if (!lua_istable(c->L, decls))
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, "", "no declarations");
    for (int d = 0; d < roi_decl_count && s == ROI_OK; d++)
        s = read_decl(c, decls, &roi_decls[d]);
    lua_pop(c->L, 1);
    if (s == ROI_OK) /* the statistics read their output's default */
        s = roi_model_defaults(m, c->err);
    if (s == ROI_OK)
        s = parse_stats(c);
    if (s == ROI_OK)
        s = read_correlations(c, r);
    if (s == ROI_OK)
        s = roi_sampling_check(m, c->err);
    if (s == ROI_OK)
        s = roi_model_validate(m, c->err);
    if (s != ROI_OK)
        add_location(c, NULL);
    return s;
}

/* ==== entry point ======================================================================================= */

roi_status roi_convert_model(lua_State *L, int resolved, roi_model *m, roi_error *err)
{
    int r = lua_absindex(L, resolved);
    if (!lua_istable(L, r))
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "the scenario library returned a %s",
                             luaL_typename(L, r));
    lua_pushstring(L, "locs");
    if (lua_rawget(L, r) != LUA_TTABLE) { /* +1 */
        lua_pop(L, 1);
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "the resolved scenario has no locations");
    }
    conv c = {L, m, err, lua_gettop(L)};
    roi_status s = convert(&c, r);
    lua_pop(L, 1); /* -1: locs */
    return s;
}
