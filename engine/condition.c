/*
 * condition.c - conditions written as text (see condition.h).
 *
 * A recursive-descent parser turns the text into a postfix program of comparisons
 * and logical operations; evaluation runs it on a small fixed stack, so evaluating a
 * trial allocates nothing.
 */
#include "condition.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STACK 64   /* deepest nesting a condition may have */

typedef enum op_kind { OP_CMP, OP_TRUTH, OP_CONST, OP_AND, OP_OR, OP_NOT } op_kind;
typedef enum cmp_kind { CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQ, CMP_NE } cmp_kind;

typedef struct op {
    op_kind kind;
    cmp_kind cmp;
    int ref;        /* index into refs */
    double value;
} op;

struct roi_cond {
    op *prog;
    int n, cap;
    roi_cond_ref *refs;
    int n_refs;
};

typedef struct parser {
    const char *text, *p;
    const roi_model *m;
    const char *path;
    roi_cond *c;
    roi_error *err;
    int depth, max_depth;
} parser;

/* ---- errors and tokens -------------------------------------------------------------- */

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

/* ---- program building ------------------------------------------------------------------ */

static roi_status emit(parser *ps, op o)
{
    roi_cond *c = ps->c;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        op *p = realloc(c->prog, (size_t)cap * sizeof *p);
        if (!p)
            return roi_error_set(ps->err, ROI_ERR_NOMEM, "", "out of memory");
        c->prog = p;
        c->cap = cap;
    }
    c->prog[c->n++] = o;
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

/* Levenshtein distance (bounded strings), for "did you mean". */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 127 || lb > 127)
        return 1000;
    int prev[128], cur[128];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            cur[j] = v;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* Resolves a name to an output or an input; on failure writes a message with the
 * nearest known name. */
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
    const char *best = NULL;
    int bestd = 1000;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        int d = distance(name, roi_output_name((roi_output)o));
        if (d < bestd) {
            bestd = d;
            best = roi_output_name((roi_output)o);
        }
    }
    const roi_graph *g = &ps->m->graph;
    for (int i = 0; i < g->n; i++) {
        if (g->nodes[i].kind != ROI_NODE_INPUT)
            continue;
        int d = distance(name, g->nodes[i].name);
        if (d < bestd) {
            bestd = d;
            best = g->nodes[i].name;
        }
    }
    int limit = (int)strlen(name) / 3 > 2 ? (int)strlen(name) / 3 : 2;
    char msg[384];
    if (best && bestd <= limit)
        snprintf(msg, sizeof msg, "unknown name '%s' (not an output or an uncertain input); "
                 "did you mean '%s'?", name, best);
    else
        snprintf(msg, sizeof msg, "unknown name '%s' (not an output or an uncertain input "
                 "of scenario %s)", name, ps->m->name ? ps->m->name : "?");
    return perr(ps, msg);
}

/* ---- grammar ----------------------------------------------------------------------------
 *   or_expr  := and_expr { ("or" | "||") and_expr }
 *   and_expr := unary { ("and" | "&&") unary }
 *   unary    := ("not" | "!") unary | "(" or_expr ")" | NAME [cmp NUMBER]
 */

static roi_status or_expr(parser *ps);

static roi_status number_atom(parser *ps);
static roi_status comparison(parser *ps, int k);

static roi_status atom(parser *ps)
{
    skip_space(ps);
    if (isdigit((unsigned char)*ps->p) || *ps->p == '-' || *ps->p == '+' || *ps->p == '.')
        return number_atom(ps);
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
    if (st != ROI_OK)
        return st;
    int k = ref_index(ps->c, r);
    if (k < 0)
        return roi_error_set(ps->err, ROI_ERR_NOMEM, "", "out of memory");

    return comparison(ps, k);
}

/* After an operand: an optional comparison with a number; emits the term for ref k
 * (k < 0: the constant *konst, e.g. a name a what-if fixed: "1 == 1"). */
static roi_status comparison_const(parser *ps, int k, double konst)
{
    static const struct { const char *sym; cmp_kind cmp; } cmps[] = {
        {"<=", CMP_LE}, {">=", CMP_GE}, {"==", CMP_EQ}, {"~=", CMP_NE}, {"!=", CMP_NE},
        {"<", CMP_LT},  {">", CMP_GT},  {"=", CMP_EQ}};
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
        if (k < 0) {
            int r = 0;
            switch (cmps[i].cmp) {
            case CMP_LT: r = konst < v; break;
            case CMP_LE: r = konst <= v; break;
            case CMP_GT: r = konst > v; break;
            case CMP_GE: r = konst >= v; break;
            case CMP_EQ: r = konst == v; break;
            case CMP_NE: r = konst != v; break;
            }
            return emit(ps, (op){OP_CONST, CMP_NE, -1, r});
        }
        return emit(ps, (op){OP_CMP, cmps[i].cmp, k, v});
    }
    if (k < 0)
        return emit(ps, (op){OP_CONST, CMP_NE, -1, konst != 0.0});
    return emit(ps, (op){OP_TRUTH, CMP_NE, k, 0.0});
}

static roi_status comparison(parser *ps, int k)
{
    return comparison_const(ps, k, 0.0);
}

/* A number standing for a constant operand. */
static roi_status number_atom(parser *ps)
{
    char *end = NULL;
    double v = strtod(ps->p, &end);
    if (end == ps->p || !isfinite(v))
        return perr(ps, "expected a name or a number");
    ps->p = end;
    return comparison_const(ps, -1, v);
}

static roi_status unary(parser *ps)
{
    if (++ps->depth > MAX_STACK / 2)
        return perr(ps, "nested too deeply");
    roi_status st;
    if (accept(ps, "not", "!")) {
        st = unary(ps);
        if (st == ROI_OK)
            st = emit(ps, (op){OP_NOT, CMP_NE, -1, 0.0});
    } else if (accept(ps, NULL, "(")) {
        st = or_expr(ps);
        if (st == ROI_OK && !accept(ps, NULL, ")"))
            st = perr(ps, "expected ')'");
    } else {
        st = atom(ps);
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
            st = emit(ps, (op){OP_AND, CMP_NE, -1, 0.0});
    }
    return st;
}

static roi_status or_expr(parser *ps)
{
    roi_status st = and_expr(ps);
    while (st == ROI_OK && accept(ps, "or", "||")) {
        st = and_expr(ps);
        if (st == ROI_OK)
            st = emit(ps, (op){OP_OR, CMP_NE, -1, 0.0});
    }
    return st;
}

/* Deepest stack the program reaches; the parser's depth limit keeps it small. */
static int stack_need(const roi_cond *c)
{
    int d = 0, mx = 0;
    for (int i = 0; i < c->n; i++) {
        if (c->prog[i].kind == OP_CMP || c->prog[i].kind == OP_TRUTH ||
            c->prog[i].kind == OP_CONST)
            d++;
        else if (c->prog[i].kind != OP_NOT)
            d--;
        if (d > mx)
            mx = d;
    }
    return mx;
}

/* ---- public API --------------------------------------------------------------------------- */

roi_status roi_cond_parse(const char *text, const roi_model *m, const char *path,
                          roi_cond **out, roi_error *err)
{
    *out = NULL;
    if (!text || !m)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "roi_cond_parse: NULL argument");
    roi_cond *c = calloc(1, sizeof *c);
    if (!c)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    parser ps = {text, text, m, path, c, err, 0, 0};
    roi_status st = or_expr(&ps);
    if (st == ROI_OK) {
        skip_space(&ps);
        if (*ps.p)
            st = perr(&ps, "expected 'and', 'or' or the end");
    }
    if (st == ROI_OK && stack_need(c) > MAX_STACK)
        st = perr(&ps, "too many terms");
    if (st != ROI_OK) {
        roi_cond_free(c);
        return st;
    }
    *out = c;
    return ROI_OK;
}

void roi_cond_free(roi_cond *c)
{
    if (!c)
        return;
    free(c->prog);
    free(c->refs);
    free(c);
}

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
    unsigned char stack[MAX_STACK + 1];
    int sp = 0;
    for (int i = 0; i < c->n; i++) {
        const op *o = &c->prog[i];
        switch (o->kind) {
        case OP_CMP: {
            double x = vals[o->ref];
            int r = 0;
            switch (o->cmp) {
            case CMP_LT: r = x < o->value; break;
            case CMP_LE: r = x <= o->value; break;
            case CMP_GT: r = x > o->value; break;
            case CMP_GE: r = x >= o->value; break;
            case CMP_EQ: r = x == o->value; break;
            case CMP_NE: r = !isnan(x) && x != o->value; break;
            }
            stack[sp++] = (unsigned char)r;
            break;
        }
        case OP_TRUTH:
            stack[sp++] = (unsigned char)(!isnan(vals[o->ref]) && vals[o->ref] != 0.0);
            break;
        case OP_CONST:
            stack[sp++] = (unsigned char)(o->value != 0.0);
            break;
        case OP_NOT:
            stack[sp - 1] = (unsigned char)!stack[sp - 1];
            break;
        case OP_AND:
            sp--;
            stack[sp - 1] = (unsigned char)(stack[sp - 1] && stack[sp]);
            break;
        case OP_OR:
            sp--;
            stack[sp - 1] = (unsigned char)(stack[sp - 1] || stack[sp]);
            break;
        }
    }
    return sp > 0 ? stack[0] : 0;
}
