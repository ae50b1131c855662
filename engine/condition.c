/*
 * condition.c - conditions on a trial (see condition.h).
 *
 * Sections: building the postfix program step by step, checking a built program,
 * the text parser (recursive descent, emitting the same steps), evaluation on a small
 * fixed stack (a trial allocates nothing).
 */
#include "condition.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

#define MAX_NESTING (ROI_COND_MAX_STACK / 2) /* parentheses and nots a text may nest */

/* ---- building ---------------------------------------------------------------------------- */

static roi_status push(roi_cond *c, roi_cond_step step, roi_error *err)
{
    if (c->n_steps == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        roi_cond_step *p = realloc(c->steps, (size_t)cap * sizeof *p);
        if (!p)
            return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        c->steps = p;
        c->cap = cap;
    }
    c->steps[c->n_steps++] = step;
    return ROI_OK;
}

/* Index of reference r in c->refs, adding it when new; -1 when out of memory. */
static int ref_index(roi_cond *c, roi_cond_ref r)
{
    for (int i = 0; i < c->n_refs; i++)
        if (c->refs[i].kind == r.kind && c->refs[i].index == r.index)
            return i;
    roi_cond_ref *refs = realloc(c->refs, (size_t)(c->n_refs + 1) * sizeof *refs);
    if (!refs)
        return -1;
    c->refs = refs;
    c->refs[c->n_refs] = r;
    return c->n_refs++;
}

static int is_comparison(roi_node_kind op)
{
    return op == ROI_NODE_LT || op == ROI_NODE_LE || op == ROI_NODE_GT || op == ROI_NODE_GE ||
           op == ROI_NODE_EQ || op == ROI_NODE_NE;
}

roi_status roi_cond_push_compare(roi_cond *c, roi_cond_ref ref, roi_node_kind op, double value,
                                 roi_error *err)
{
    if (!is_comparison(op))
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "condition: %d is not a comparison",
                             (int)op);
    int k = ref_index(c, ref);
    if (k < 0)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    return push(c, (roi_cond_step){op, k, value}, err);
}

roi_status roi_cond_push_const(roi_cond *c, int truth, roi_error *err)
{
    return push(c, (roi_cond_step){ROI_NODE_CONST, -1, truth ? 1.0 : 0.0}, err);
}

roi_status roi_cond_push_logic(roi_cond *c, roi_node_kind op, roi_error *err)
{
    if (op != ROI_NODE_AND && op != ROI_NODE_OR && op != ROI_NODE_NOT)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "condition: %d is not and, or, not",
                             (int)op);
    return push(c, (roi_cond_step){op, -1, 0.0}, err);
}

/* ---- checking a built program --------------------------------------------------------------- */

roi_status roi_cond_check(const roi_cond *c, const roi_model *m, const char *path,
                          roi_error *err)
{
    const char *where = path ? path : "";
    int depth = 0;
    for (int i = 0; i < c->n_steps; i++) {
        const roi_cond_step *s = &c->steps[i];
        if (is_comparison(s->op)) {
            if (s->ref < 0 || s->ref >= c->n_refs)
                return roi_error_set(err, ROI_ERR_PARAM, where, "condition: step %d refers to "
                                     "nothing", i + 1);
            depth++;
        } else if (s->op == ROI_NODE_CONST) {
            depth++;
        } else if (s->op == ROI_NODE_NOT) {
            if (depth < 1)
                return roi_error_set(err, ROI_ERR_PARAM, where, "condition: 'not' of nothing");
        } else if (s->op == ROI_NODE_AND || s->op == ROI_NODE_OR) {
            if (depth < 2)
                return roi_error_set(err, ROI_ERR_PARAM, where,
                                     "condition: 'and' or 'or' needs two conditions");
            depth--;
        } else {
            return roi_error_set(err, ROI_ERR_PARAM, where, "condition: step %d is not a "
                                 "comparison, a constant, and, or or not", i + 1);
        }
        if (depth > ROI_COND_MAX_STACK)
            return roi_error_set(err, ROI_ERR_PARAM, where, "condition: too many terms");
    }
    if (depth != 1)
        return roi_error_set(err, ROI_ERR_PARAM, where, "condition: %s",
                             depth ? "more than one condition left uncombined" : "empty");
    for (int k = 0; k < c->n_refs; k++) {
        const roi_cond_ref *r = &c->refs[k];
        int ok = r->kind == ROI_COND_OUTPUT
                     ? r->index >= 0 && r->index < ROI_OUT_COUNT
                     : r->kind == ROI_COND_INPUT && r->index >= 0 && r->index < m->graph.n &&
                           roi_graph_is_reported(&m->graph, r->index);
        if (!ok)
            return roi_error_set(err, ROI_ERR_PARAM, where,
                                 "condition: reference %d is not an output or an uncertain input",
                                 k + 1);
    }
    return ROI_OK;
}

/* ---- the text parser ------------------------------------------------------------------------ */

typedef struct parser {
    const char *text, *p;
    const roi_model *m;
    const char *path;
    roi_cond *c;
    roi_error *err;
    int depth;
} parser;

static roi_status perr(parser *ps, const char *what)
{
    return roi_error_set(ps->err, ROI_ERR_USAGE, ps->path ? ps->path : "",
                         "condition \"%s\", column %d: %s", ps->text,
                         (int)(ps->p - ps->text) + 1, what);
}

static void skip_space(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static int is_word_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '.';
}

/* Length of the word at s (letters, digits, _ and .; starting with a letter or _). */
static size_t word_len(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    size_t n = 0;
    while (is_word_char(s[n]))
        n++;
    return n;
}

static int word_is(const char *s, size_t n, const char *kw)
{
    return strlen(kw) == n && strncmp(s, kw, n) == 0;
}

static int is_keyword(const char *s, size_t n)
{
    return word_is(s, n, "and") || word_is(s, n, "or") || word_is(s, n, "not");
}

/* Accepts keyword kw (as a whole word) or symbol sym at the current position. */
static int accept(parser *ps, const char *kw, const char *sym)
{
    skip_space(ps);
    size_t n = word_len(ps->p);
    if (kw && n && word_is(ps->p, n, kw)) {
        ps->p += n;
        return 1;
    }
    if (sym && strncmp(ps->p, sym, strlen(sym)) == 0) {
        ps->p += strlen(sym);
        return 1;
    }
    return 0;
}

/* When `name` is not one value but the prefix of some ("x" of x.1 and x.2, the
 * distributions of x = normal(0, 1) + normal(0, 1), named by place), a message listing
 * them into msg; returns whether there are any. */
static int under(const roi_graph *g, const char *name, char *msg, size_t size)
{
    const size_t len = strlen(name);
    int count = 0;
    size_t used = (size_t)snprintf(msg, size, "'%s' is not one value; the uncertain inputs "
                                   "under it are", name);
    for (int i = 0; i < g->n && used < size; i++) {
        const char *nm = g->nodes[i].name;
        if (!roi_graph_is_reported(g, i) || strncmp(nm, name, len) != 0 || nm[len] != '.')
            continue;
        if (count++ == 4) {
            used += (size_t)snprintf(msg + used, size - used, ", ...");
            break;
        }
        used += (size_t)snprintf(msg + used, size - used, "%s %s", count > 1 ? "," : "", nm);
    }
    if (count && used < size)
        snprintf(msg + used, size - used, " (a condition names one of them)");
    return count > 0;
}

/* Resolves a name to an output or an input; on failure writes a message with the
 * nearest known name, or the values under it. */
static roi_status resolve(parser *ps, const char *name, roi_cond_ref *r)
{
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        if (strcmp(name, roi_output_name((roi_output)o)) == 0) {
            r->kind = ROI_COND_OUTPUT;
            r->index = o;
            return ROI_OK;
        }
    int node = roi_graph_find_input(&ps->m->graph, name);
    if (node >= 0) {
        r->kind = ROI_COND_INPUT;
        r->index = node;
        return ROI_OK;
    }
    /* the candidates: every output, then every input */
    const roi_graph *g = &ps->m->graph;
    const char **names = malloc(((size_t)ROI_OUT_COUNT + (size_t)g->n) * sizeof *names);
    if (!names)
        return roi_error_set(ps->err, ROI_ERR_NOMEM, "", "out of memory");
    size_t n = 0;
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        names[n++] = roi_output_name((roi_output)o);
    for (int i = 0; i < g->n; i++)
        if (roi_graph_is_reported(g, i))
            names[n++] = g->nodes[i].name;
    const char *best = roi_suggest(name, names, n);
    char msg[384];
    if (under(g, name, msg, sizeof msg)) {
        free(names);
        return perr(ps, msg);
    }
    if (best)
        snprintf(msg, sizeof msg, "unknown name '%s' (not an output or an uncertain input); "
                 "did you mean '%s'?", name, best);
    else
        snprintf(msg, sizeof msg, "unknown name '%s' (not an output or an uncertain input "
                 "of scenario %s)", name, ps->m->name ? ps->m->name : "?");
    free(names);
    return perr(ps, msg);
}

/* ---- grammar ----------------------------------------------------------------------------
 *   or_expr  := and_expr { ("or" | "||") and_expr }
 *   and_expr := unary { ("and" | "&&") unary }
 *   unary    := ("not" | "!") unary | "(" or_expr ")" | operand [cmp NUMBER]
 *   operand  := NAME | NUMBER
 */

static roi_status or_expr(parser *ps);

/* After an operand: an optional comparison with a number. Emits the comparison of
 * reference r, or (r NULL) the truth folded now of the number `konst` (e.g. a name a
 * what-if fixed: "1 == 1"). */
static roi_status comparison(parser *ps, const roi_cond_ref *r, double konst)
{
    static const struct {
        const char *sym;
        roi_node_kind op;
    } cmps[] = {{"<=", ROI_NODE_LE}, {">=", ROI_NODE_GE}, {"==", ROI_NODE_EQ},
                {"~=", ROI_NODE_NE}, {"!=", ROI_NODE_NE}, {"<", ROI_NODE_LT},
                {">", ROI_NODE_GT},  {"=", ROI_NODE_EQ}};
    skip_space(ps);
    for (size_t i = 0; i < sizeof cmps / sizeof cmps[0]; i++) {
        if (strncmp(ps->p, cmps[i].sym, strlen(cmps[i].sym)) != 0)
            continue;
        ps->p += strlen(cmps[i].sym);
        skip_space(ps);
        char *end = NULL;
        double v = strtod(ps->p, &end);
        if (end == ps->p || !isfinite(v))
            return perr(ps, "expected a number after the comparison");
        ps->p = end;
        if (*ps->p == '%') { /* "share >= 5%" */
            v /= 100.0;
            ps->p++;
        }
        if (r)
            return roi_cond_push_compare(ps->c, *r, cmps[i].op, v, ps->err);
        return roi_cond_push_const(ps->c, roi_graph_apply(cmps[i].op, konst, v, 0.0) != 0.0,
                                   ps->err);
    }
    if (r)
        return roi_cond_push_compare(ps->c, *r, ROI_NODE_NE, 0.0, ps->err);
    return roi_cond_push_const(ps->c, konst != 0.0, ps->err);
}

static roi_status operand(parser *ps)
{
    skip_space(ps);
    if (isdigit((unsigned char)*ps->p) || *ps->p == '-' || *ps->p == '+' || *ps->p == '.') {
        char *end = NULL;
        double v = strtod(ps->p, &end);
        if (end == ps->p || !isfinite(v))
            return perr(ps, "expected a name or a number");
        ps->p = end;
        return comparison(ps, NULL, v);
    }
    /* NAME: words joined with '.', so "v2 score" reads as "v2.score". */
    char name[256];
    size_t len = 0;
    for (;;) {
        skip_space(ps);
        size_t n = word_len(ps->p);
        if (!n || is_keyword(ps->p, n))
            break;
        if (len + n + 2 > sizeof name)
            return perr(ps, "name too long");
        if (len)
            name[len++] = '.';
        memcpy(name + len, ps->p, n);
        len += n;
        ps->p += n;
    }
    if (!len)
        return perr(ps, *ps->p ? "expected a name (an output or an input)"
                               : "expected a name (an output or an input), got the end");
    name[len] = '\0';
    roi_cond_ref r = {ROI_COND_OUTPUT, 0};
    roi_status st = resolve(ps, name, &r);
    return st != ROI_OK ? st : comparison(ps, &r, 0.0);
}

static roi_status unary(parser *ps)
{
    if (++ps->depth > MAX_NESTING)
        return perr(ps, "nested too deeply");
    roi_status st;
    if (accept(ps, "not", "!")) {
        st = unary(ps);
        if (st == ROI_OK)
            st = roi_cond_push_logic(ps->c, ROI_NODE_NOT, ps->err);
    } else if (accept(ps, NULL, "(")) {
        st = or_expr(ps);
        if (st == ROI_OK && !accept(ps, NULL, ")"))
            st = perr(ps, "expected ')'");
    } else {
        st = operand(ps);
    }
    ps->depth--;
    return st;
}

static roi_status and_expr(parser *ps)
{
    roi_status st = unary(ps);
    while (st == ROI_OK && accept(ps, "and", "&&")) {
        st = unary(ps);
        if (st == ROI_OK)
            st = roi_cond_push_logic(ps->c, ROI_NODE_AND, ps->err);
    }
    return st;
}

static roi_status or_expr(parser *ps)
{
    roi_status st = and_expr(ps);
    while (st == ROI_OK && accept(ps, "or", "||")) {
        st = and_expr(ps);
        if (st == ROI_OK)
            st = roi_cond_push_logic(ps->c, ROI_NODE_OR, ps->err);
    }
    return st;
}

roi_status roi_cond_parse(const char *text, const roi_model *m, const char *path,
                          roi_cond **out, roi_error *err)
{
    *out = NULL;
    if (!text || !m)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "roi_cond_parse: NULL argument");
    roi_cond *c = calloc(1, sizeof *c);
    if (!c)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    parser ps = {text, text, m, path, c, err, 0};
    roi_status st = or_expr(&ps);
    if (st == ROI_OK) {
        skip_space(&ps);
        if (*ps.p)
            st = perr(&ps, "expected 'and', 'or' or the end");
    }
    if (st == ROI_OK) {
        roi_error check_err;
        if (roi_cond_check(c, m, path, &check_err) != ROI_OK)
            st = perr(&ps, "too many terms");
    }
    if (st != ROI_OK) {
        roi_cond_free(c);
        return st;
    }
    *out = c;
    return ROI_OK;
}

void roi_cond_free(roi_cond *c)
{
    roi_cond_clear(c);
    free(c);
}

/* ---- evaluation -------------------------------------------------------------------------------- */

int roi_cond_ref_count(const roi_cond *c)
{
    return c->n_refs;
}

const roi_cond_ref *roi_cond_refs(const roi_cond *c)
{
    return c->refs;
}

int roi_cond_eval(const roi_cond *c, const double *vals)
{
    unsigned char stack[ROI_COND_MAX_STACK + 1];
    int sp = 0;
    for (int i = 0; i < c->n_steps; i++) {
        const roi_cond_step *s = &c->steps[i];
        switch (s->op) {
        case ROI_NODE_CONST:
            stack[sp++] = (unsigned char)(s->value != 0.0);
            break;
        case ROI_NODE_NOT:
            stack[sp - 1] = (unsigned char)!stack[sp - 1];
            break;
        case ROI_NODE_AND:
            sp--;
            stack[sp - 1] = (unsigned char)(stack[sp - 1] && stack[sp]);
            break;
        case ROI_NODE_OR:
            sp--;
            stack[sp - 1] = (unsigned char)(stack[sp - 1] || stack[sp]);
            break;
        default: { /* a comparison; NaN compares false, and is not ~= anything */
            const double x = vals[s->ref], v = s->value;
            int r = 0;
            switch (s->op) {
            case ROI_NODE_LT: r = x < v; break;
            case ROI_NODE_LE: r = x <= v; break;
            case ROI_NODE_GT: r = x > v; break;
            case ROI_NODE_GE: r = x >= v; break;
            case ROI_NODE_EQ: r = x == v; break;
            default: r = !isnan(x) && x != v; break; /* ROI_NODE_NE */
            }
            stack[sp++] = (unsigned char)r;
            break;
        }
        }
    }
    return sp > 0 ? stack[0] : 0;
}
