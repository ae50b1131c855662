/*
 * graph.c - the expression graph of a scenario's inputs (see graph.h).
 */
#include "graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* ---- construction ---------------------------------------------------------------- */

void roi_graph_init(roi_graph *g)
{
    g->nodes = NULL;
    g->n = 0;
    g->cap = 0;
}

void roi_graph_free(roi_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n; i++) {
        if (g->nodes[i].kind == ROI_NODE_INPUT)
            roi_dist_free(&g->nodes[i].dist);
        free(g->nodes[i].name);
        free(g->nodes[i].written);
    }
    free(g->nodes);
    roi_graph_init(g);
}

static char *dup_string(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}

/* Appends a zeroed node; returns its index or -1 (err set). */
static int push_node(roi_graph *g, roi_node_kind kind, roi_error *err)
{
    if (g->n == g->cap) {
        int cap = g->cap ? 2 * g->cap : 32;
        roi_node *nodes = realloc(g->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes) {
            roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory growing the input graph");
            return -1;
        }
        g->nodes = nodes;
        g->cap = cap;
    }
    roi_node *node = &g->nodes[g->n];
    memset(node, 0, sizeof *node);
    node->kind = kind;
    node->a = node->b = node->c = -1;
    return g->n++;
}

int roi_graph_const(roi_graph *g, double value, roi_error *err)
{
    int i = push_node(g, ROI_NODE_CONST, err);
    if (i >= 0)
        g->nodes[i].value = value;
    return i;
}

int roi_graph_input(roi_graph *g, const char *name, roi_dist *dist, roi_error *err)
{
    int i = -1;
    char *copy = NULL;

    if (!name || !*name) {
        roi_error_set(err, ROI_ERR_PARAM, "", "an input needs a name");
        goto cleanup;
    }
    if (roi_graph_find_draw(g, name) >= 0) {
        roi_error_set(err, ROI_ERR_PARAM, name, "an input with this name already exists");
        goto cleanup;
    }
    copy = dup_string(name);
    if (!copy) {
        roi_error_set(err, ROI_ERR_NOMEM, name, "out of memory");
        goto cleanup;
    }
    i = push_node(g, ROI_NODE_INPUT, err);
    if (i < 0)
        goto cleanup;
    g->nodes[i].dist = *dist; /* ownership moves into the node */
    g->nodes[i].name = copy;
    return i;

cleanup:
    free(copy);
    roi_dist_free(dist);
    return -1;
}

/* Number of operands each operation reads. */
static int arity(roi_node_kind kind)
{
    switch (kind) {
    case ROI_NODE_CONST:
    case ROI_NODE_INPUT:
        return 0;
    case ROI_NODE_NEG:
    case ROI_NODE_NOT:
        return 1;
    case ROI_NODE_CLAMP:
    case ROI_NODE_CHOOSE:
        return 3;
    default:
        return 2;
    }
}

int roi_graph_op(roi_graph *g, roi_node_kind kind, int a, int b, int c, roi_error *err)
{
    int ops[3] = {a, b, c};
    int n_ops = arity(kind);
    if (n_ops == 0) {
        roi_error_set(err, ROI_ERR_INTERNAL, "", "roi_graph_op: kind %d is not an operation",
                      (int)kind);
        return -1;
    }
    for (int k = 0; k < n_ops; k++) {
        if (ops[k] < 0 || ops[k] >= g->n) {
            roi_error_set(err, ROI_ERR_INTERNAL, "",
                          "roi_graph_op: operand %d is not a node index (%d)", k, ops[k]);
            return -1;
        }
    }
    int i = push_node(g, kind, err);
    if (i < 0)
        return -1;
    g->nodes[i].a = a;
    g->nodes[i].b = n_ops >= 2 ? b : -1;
    g->nodes[i].c = n_ops >= 3 ? c : -1;
    return i;
}

int roi_graph_is_reported(const roi_graph *g, int i)
{
    const roi_node *nd = &g->nodes[i];
    if (nd->kind == ROI_NODE_INPUT)
        return !nd->hidden;
    return nd->kind != ROI_NODE_CONST && nd->name != NULL;
}

roi_status roi_graph_name(roi_graph *g, int i, const char *name, roi_error *err)
{
    if (i < 0 || i >= g->n || g->nodes[i].kind == ROI_NODE_CONST ||
        g->nodes[i].kind == ROI_NODE_INPUT || g->nodes[i].name)
        return roi_error_set(err, ROI_ERR_PARAM, name ? name : "", "only an expression without "
                             "a name can be given one (node %d)", i);
    if (!name || !*name || roi_graph_find_input(g, name) >= 0)
        return roi_error_set(err, ROI_ERR_PARAM, name ? name : "", "the name of an expression "
                             "must be new and not empty");
    if (!(g->nodes[i].name = dup_string(name)))
        return roi_error_set(err, ROI_ERR_NOMEM, name, "out of memory");
    return ROI_OK;
}

int roi_graph_find_input(const roi_graph *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (roi_graph_is_reported(g, i) && strcmp(g->nodes[i].name, name) == 0)
            return i;
    return -1;
}

int roi_graph_find_draw(const roi_graph *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (g->nodes[i].kind == ROI_NODE_INPUT && strcmp(g->nodes[i].name, name) == 0)
            return i;
    return -1;
}

int roi_graph_input_count(const roi_graph *g)
{
    int count = 0;
    for (int i = 0; i < g->n; i++)
        count += roi_graph_is_reported(g, i);
    return count;
}

int roi_graph_input_node(const roi_graph *g, int i)
{
    for (int k = 0; k < g->n; k++)
        if (roi_graph_is_reported(g, k) && i-- == 0)
            return k;
    return -1;
}

int roi_graph_draw_count(const roi_graph *g)
{
    int count = 0;
    for (int i = 0; i < g->n; i++)
        count += g->nodes[i].kind == ROI_NODE_INPUT;
    return count;
}

int roi_graph_draw_node(const roi_graph *g, int i)
{
    for (int k = 0; k < g->n; k++)
        if (g->nodes[k].kind == ROI_NODE_INPUT && i-- == 0)
            return k;
    return -1;
}

/* ---- evaluation ------------------------------------------------------------------- */

/* The value of an operation node from its operands' values. */
static double apply(roi_node_kind kind, double a, double b, double c)
{
    switch (kind) {
    case ROI_NODE_ADD:
        return a + b;
    case ROI_NODE_SUB:
        return a - b;
    case ROI_NODE_MUL:
        return a * b;
    case ROI_NODE_DIV:
        return a / b;
    case ROI_NODE_POW:
        return pow(a, b);
    case ROI_NODE_NEG:
        return -a;
    case ROI_NODE_MIN:
        return a < b ? a : b;
    case ROI_NODE_MAX:
        return a > b ? a : b;
    case ROI_NODE_CLAMP: {
        double v = a > b ? a : b;
        return v < c ? v : c;
    }
    case ROI_NODE_LT:
        return a < b;
    case ROI_NODE_LE:
        return a <= b;
    case ROI_NODE_GT:
        return a > b;
    case ROI_NODE_GE:
        return a >= b;
    case ROI_NODE_EQ:
        return a == b;
    case ROI_NODE_NE:
        return a != b;
    case ROI_NODE_AND:
        return (a != 0.0) && (b != 0.0);
    case ROI_NODE_OR:
        return (a != 0.0) || (b != 0.0);
    case ROI_NODE_NOT:
        return a == 0.0;
    case ROI_NODE_CHOOSE:
        return a != 0.0 ? b : c;
    default:
        return NAN;
    }
}

void roi_graph_eval(const roi_graph *g, const uint64_t *keys, uint64_t trial, double *vals,
                    gsl_rng *scratch)
{
    for (int i = 0; i < g->n; i++) {
        const roi_node *nd = &g->nodes[i];
        if (nd->kind == ROI_NODE_CONST) {
            vals[i] = nd->value;
        } else if (nd->kind == ROI_NODE_INPUT) {
            vals[i] = roi_dist_sample(&nd->dist, keys[i], trial, scratch);
        } else {
            vals[i] = apply(nd->kind, vals[nd->a], nd->b >= 0 ? vals[nd->b] : 0.0,
                            nd->c >= 0 ? vals[nd->c] : 0.0);
        }
    }
}

double roi_graph_apply(roi_node_kind kind, double a, double b, double c)
{
    return apply(kind, a, b, c);
}

void roi_graph_keys(const roi_graph *g, uint64_t seed, uint64_t *keys)
{
    for (int i = 0; i < g->n; i++)
        keys[i] = g->nodes[i].kind == ROI_NODE_INPUT ? roi_rng_key(seed, g->nodes[i].name) : 0;
}

/* ---- static analysis ---------------------------------------------------------------- */

static double min2(double x, double y)
{
    return x < y ? x : y;
}
static double max2(double x, double y)
{
    return x > y ? x : y;
}

/* Product that treats 0 * inf as 0 (a zero factor bounds the product exactly). */
static double mul0(double x, double y)
{
    if (x == 0.0 || y == 0.0)
        return 0.0;
    return x * y;
}

static void interval_mul(double alo, double ahi, double blo, double bhi, double *lo, double *hi)
{
    double p[4] = {mul0(alo, blo), mul0(alo, bhi), mul0(ahi, blo), mul0(ahi, bhi)};
    *lo = *hi = p[0];
    for (int k = 1; k < 4; k++) {
        *lo = min2(*lo, p[k]);
        *hi = max2(*hi, p[k]);
    }
}

/* Bounds of node i from its operands' bounds (interval arithmetic). Over 80 lines: one
 * short case per node kind, side by side so that every kind's rule reads at a glance;
 * split up, the cases would only move apart. */
static void node_bounds(const roi_node *nd, const double *lo_of, const double *hi_of, double *lo,
                        double *hi)
{
    double alo = nd->a >= 0 ? lo_of[nd->a] : 0, ahi = nd->a >= 0 ? hi_of[nd->a] : 0;
    double blo = nd->b >= 0 ? lo_of[nd->b] : 0, bhi = nd->b >= 0 ? hi_of[nd->b] : 0;
    double clo = nd->c >= 0 ? lo_of[nd->c] : 0, chi = nd->c >= 0 ? hi_of[nd->c] : 0;

    switch (nd->kind) {
    case ROI_NODE_CONST:
        *lo = *hi = nd->value;
        return;
    case ROI_NODE_INPUT:
        roi_dist_support(&nd->dist, lo, hi);
        return;
    case ROI_NODE_ADD:
        *lo = alo + blo;
        *hi = ahi + bhi;
        break;
    case ROI_NODE_SUB:
        *lo = alo - bhi;
        *hi = ahi - blo;
        break;
    case ROI_NODE_MUL:
        interval_mul(alo, ahi, blo, bhi, lo, hi);
        break;
    case ROI_NODE_DIV:
        if (blo > 0.0 || bhi < 0.0) {
            /* divisor keeps one sign: a * [1/bhi, 1/blo] */
            interval_mul(alo, ahi, 1.0 / bhi, 1.0 / blo, lo, hi);
        } else if (blo == 0.0 && bhi > 0.0 && alo >= 0.0) {
            *lo = 0.0; /* nonnegative / nonnegative (0/0 aside) */
            *hi = INFINITY;
        } else {
            *lo = -INFINITY; /* divisor may be 0 or change sign */
            *hi = INFINITY;
        }
        break;
    case ROI_NODE_POW:
        if (alo >= 0.0) {
            /* on a >= 0, a^b is monotone in each argument: extremes at the corners */
            double p[4] = {pow(alo, blo), pow(alo, bhi), pow(ahi, blo), pow(ahi, bhi)};
            *lo = *hi = p[0];
            for (int k = 1; k < 4; k++) {
                *lo = min2(*lo, p[k]);
                *hi = max2(*hi, p[k]);
            }
            if (alo == 0.0 && blo <= 0.0 && bhi >= 0.0) {
                *lo = min2(*lo, 0.0); /* 0^b passes through 0, 1 and inf */
                *hi = INFINITY;
            }
        } else {
            *lo = -INFINITY;
            *hi = INFINITY;
        }
        break;
    case ROI_NODE_NEG:
        *lo = -ahi;
        *hi = -alo;
        break;
    case ROI_NODE_MIN:
        *lo = min2(alo, blo);
        *hi = min2(ahi, bhi);
        break;
    case ROI_NODE_MAX:
        *lo = max2(alo, blo);
        *hi = max2(ahi, bhi);
        break;
    case ROI_NODE_CLAMP:
        /* min(max(a, b), c) is monotone in every operand */
        *lo = min2(max2(alo, blo), clo);
        *hi = min2(max2(ahi, bhi), chi);
        break;
    case ROI_NODE_CHOOSE:
        if (alo == 0.0 && ahi == 0.0) {
            *lo = clo;
            *hi = chi;
        } else if (alo > 0.0 || ahi < 0.0) {
            *lo = blo;
            *hi = bhi;
        } else {
            *lo = min2(blo, clo);
            *hi = max2(bhi, chi);
        }
        break;
    default: /* comparisons and logic */
        *lo = 0.0;
        *hi = 1.0;
        break;
    }
    /* NaN from inf - inf and the like: give up conservatively */
    if (isnan(*lo))
        *lo = -INFINITY;
    if (isnan(*hi))
        *hi = INFINITY;
}

static int is_whole(double v)
{
    return isfinite(v) && floor(v) == v;
}

/* Whole-number valued, given the flags of the operands. */
static int node_integer(const roi_node *nd, const char *int_of, double lo, double hi)
{
    switch (nd->kind) {
    case ROI_NODE_CONST:
        return is_whole(nd->value);
    case ROI_NODE_INPUT:
        return roi_dist_is_integer(&nd->dist);
    case ROI_NODE_ADD:
    case ROI_NODE_SUB:
    case ROI_NODE_MUL:
    case ROI_NODE_MIN:
    case ROI_NODE_MAX:
        return int_of[nd->a] && int_of[nd->b];
    case ROI_NODE_NEG:
        return int_of[nd->a];
    case ROI_NODE_CLAMP:
        return int_of[nd->a] && int_of[nd->b] && int_of[nd->c];
    case ROI_NODE_CHOOSE:
        return int_of[nd->b] && int_of[nd->c];
    case ROI_NODE_DIV:
    case ROI_NODE_POW:
        return lo == hi && is_whole(lo); /* only a constant whole result */
    default:                             /* comparisons and logic give 0 or 1 */
        return 1;
    }
}

/*
 * One pass over nodes 0..i (operands come first) computing bounds, integrality and
 * constness of node i. Conservative answers when the scratch cannot be allocated.
 */
static void analyse(const roi_graph *g, int i, double *lo, double *hi, int *integer, int *constant,
                    double *value)
{
    size_t n = (size_t)i + 1;
    double *val_of = malloc(n * sizeof *val_of);
    double *lo_of = malloc(n * sizeof *lo_of);
    double *hi_of = malloc(n * sizeof *hi_of);
    char *int_of = malloc(n);
    char *const_of = malloc(n);

    *value = NAN;
    if (!val_of || !lo_of || !hi_of || !int_of || !const_of) {
        *lo = -INFINITY;
        *hi = INFINITY;
        *integer = 0;
        *constant = 0;
        goto cleanup;
    }
    for (int k = 0; k <= i; k++) {
        const roi_node *nd = &g->nodes[k];
        node_bounds(nd, lo_of, hi_of, &lo_of[k], &hi_of[k]);
        int_of[k] = (char)node_integer(nd, int_of, lo_of[k], hi_of[k]);
        if (nd->kind == ROI_NODE_INPUT) {
            const_of[k] = 0;
        } else {
            const_of[k] = 1;
            if (nd->a >= 0 && !const_of[nd->a])
                const_of[k] = 0;
            if (nd->b >= 0 && !const_of[nd->b])
                const_of[k] = 0;
            if (nd->c >= 0 && !const_of[nd->c])
                const_of[k] = 0;
        }
        /* constant nodes evaluate exactly without draws */
        if (nd->kind == ROI_NODE_CONST)
            val_of[k] = nd->value;
        else if (const_of[k])
            val_of[k] = apply(nd->kind, val_of[nd->a], nd->b >= 0 ? val_of[nd->b] : 0.0,
                              nd->c >= 0 ? val_of[nd->c] : 0.0);
        else
            val_of[k] = NAN;
    }
    *value = val_of[i];
    *lo = lo_of[i];
    *hi = hi_of[i];
    *integer = int_of[i];
    *constant = const_of[i];

cleanup:
    free(val_of);
    free(lo_of);
    free(hi_of);
    free(int_of);
    free(const_of);
}

void roi_graph_bounds(const roi_graph *g, int i, double *lo, double *hi)
{
    int integer, constant;
    double value;
    analyse(g, i, lo, hi, &integer, &constant, &value);
}

int roi_graph_is_integer(const roi_graph *g, int i)
{
    double lo, hi, value;
    int integer, constant;
    analyse(g, i, &lo, &hi, &integer, &constant, &value);
    return integer;
}

int roi_graph_is_constant(const roi_graph *g, int i, double *value)
{
    double lo, hi, v;
    int integer, constant;
    analyse(g, i, &lo, &hi, &integer, &constant, &v);
    if (constant && value)
        *value = v;
    return constant;
}

/* ---- description ----------------------------------------------------------------------- */

/* Lua operator precedence (higher binds tighter). */
enum { PREC_OR = 1, PREC_AND, PREC_CMP, PREC_ADD, PREC_MUL, PREC_UNARY, PREC_POW, PREC_ATOM };

typedef struct {
    char *buf;
    size_t size;
    size_t len; /* length the full text would have */
} text;

static void emit(text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len < t->size) {
        size_t room = t->size - t->len - 1;
        size_t k = n < room ? n : room;
        memcpy(t->buf + t->len, s, k);
        t->buf[t->len + k] = '\0';
    }
    t->len += n;
}

static int precedence(roi_node_kind kind)
{
    switch (kind) {
    case ROI_NODE_OR:
        return PREC_OR;
    case ROI_NODE_AND:
        return PREC_AND;
    case ROI_NODE_LT:
    case ROI_NODE_LE:
    case ROI_NODE_GT:
    case ROI_NODE_GE:
    case ROI_NODE_EQ:
    case ROI_NODE_NE:
        return PREC_CMP;
    case ROI_NODE_ADD:
    case ROI_NODE_SUB:
        return PREC_ADD;
    case ROI_NODE_MUL:
    case ROI_NODE_DIV:
        return PREC_MUL;
    case ROI_NODE_NEG:
    case ROI_NODE_NOT:
        return PREC_UNARY;
    case ROI_NODE_POW:
        return PREC_POW;
    default:
        return PREC_ATOM;
    }
}

static const char *binary_symbol(roi_node_kind kind)
{
    switch (kind) {
    case ROI_NODE_ADD:
        return " + ";
    case ROI_NODE_SUB:
        return " - ";
    case ROI_NODE_MUL:
        return " * ";
    case ROI_NODE_DIV:
        return " / ";
    case ROI_NODE_POW:
        return "^";
    case ROI_NODE_LT:
        return " < ";
    case ROI_NODE_LE:
        return " <= ";
    case ROI_NODE_GT:
        return " > ";
    case ROI_NODE_GE:
        return " >= ";
    case ROI_NODE_EQ:
        return " == ";
    case ROI_NODE_NE:
        return " ~= ";
    case ROI_NODE_AND:
        return " and ";
    case ROI_NODE_OR:
        return " or ";
    default:
        return " ? ";
    }
}

/* The description stops where the buffer is full, and below DESCRIBE_DEPTH levels
 * ("..."): each call then emits something or returns at once, so the work is bounded
 * by the buffer's size, however much of the graph is shared (x = x + x*0 nested 40
 * deep has 2^40 paths) or however deep it is (the C stack). */
enum { DESCRIBE_DEPTH = 64 };

/* A constant (as the author wrote it, else %g) or an input (at the top: its
 * distribution or the author's words; inside an expression: its name). */
static void describe_leaf(const roi_node *nd, int top, int min_prec, text *t)
{
    if (nd->kind == ROI_NODE_CONST && nd->written) {
        emit(t, nd->written);
    } else if (nd->kind == ROI_NODE_CONST) {
        char num[64];
        snprintf(num, sizeof num, "%g", nd->value);
        /* a negative literal under an operator reads better in parentheses */
        int paren = nd->value < 0 && min_prec > PREC_ADD;
        emit(t, paren ? "(" : "");
        emit(t, num);
        emit(t, paren ? ")" : "");
    } else if ((top || nd->hidden) && nd->written) {
        emit(t, nd->written); /* the author's own words */
    } else if (top || nd->hidden) { /* a hidden input has no name of its own to show */
        char dist_text[256];
        roi_dist_describe(&nd->dist, dist_text, sizeof dist_text);
        emit(t, dist_text);
    } else {
        emit(t, nd->name);
    }
}

static void describe_at(const roi_graph *g, int i, int top, int min_prec, int depth, text *t);

static void describe_rec(const roi_graph *g, int i, int top, int min_prec, text *t)
{
    describe_at(g, i, top, min_prec, 0, t);
}

static void describe_at(const roi_graph *g, int i, int top, int min_prec, int depth, text *t)
{
    if (t->len + 1 >= t->size)
        return;
    if (depth > DESCRIBE_DEPTH) {
        emit(t, "...");
        return;
    }
    const roi_node *nd = &g->nodes[i];
    if (!top && nd->kind != ROI_NODE_INPUT && nd->kind != ROI_NODE_CONST && nd->name) {
        emit(t, nd->name); /* a named expression below the top reads as its name */
        return;
    }
    int prec = precedence(nd->kind);
    int paren = prec < min_prec;

    if (paren)
        emit(t, "(");
    switch (nd->kind) {
    case ROI_NODE_CONST:
    case ROI_NODE_INPUT:
        describe_leaf(nd, top, min_prec, t);
        break;
    case ROI_NODE_NEG:
        emit(t, "-");
        describe_at(g, nd->a, 0, PREC_UNARY, depth + 1, t);
        break;
    case ROI_NODE_NOT:
        emit(t, "not ");
        describe_at(g, nd->a, 0, PREC_UNARY, depth + 1, t);
        break;
    case ROI_NODE_MIN:
    case ROI_NODE_MAX:
        emit(t, nd->kind == ROI_NODE_MIN ? "min(" : "max(");
        describe_at(g, nd->a, 0, 0, depth + 1, t);
        emit(t, ", ");
        describe_at(g, nd->b, 0, 0, depth + 1, t);
        emit(t, ")");
        break;
    case ROI_NODE_CLAMP:
    case ROI_NODE_CHOOSE:
        emit(t, nd->kind == ROI_NODE_CLAMP ? "clamp(" : "choose(");
        describe_at(g, nd->a, 0, 0, depth + 1, t);
        emit(t, ", ");
        describe_at(g, nd->b, 0, 0, depth + 1, t);
        emit(t, ", ");
        describe_at(g, nd->c, 0, 0, depth + 1, t);
        emit(t, ")");
        break;
    default: {
        /* left-associative operators except ^ (right-associative); comparisons do
         * not chain meaningfully, so both sides bind tighter */
        int left = prec, right = prec + 1;
        if (nd->kind == ROI_NODE_POW) {
            left = prec + 1;
            right = prec;
        } else if (prec == PREC_CMP) {
            left = prec + 1;
        }
        describe_at(g, nd->a, 0, left, depth + 1, t);
        emit(t, binary_symbol(nd->kind));
        describe_at(g, nd->b, 0, right, depth + 1, t);
        break;
    }
    }
    if (paren)
        emit(t, ")");
}

int roi_graph_describe(const roi_graph *g, int i, char *buf, size_t size)
{
    text t = {buf, size, 0};
    if (buf && size)
        buf[0] = '\0';
    if (i < 0 || i >= g->n)
        return snprintf(buf, size, "?");
    describe_rec(g, i, 1, 0, &t);
    return (int)t.len;
}

/* ---- evaluation at given input values (what-if points: the tornado's swings) ------ */

void roi_graph_eval_fixed(const roi_graph *g, const double *fixed, double *vals)
{
    for (int i = 0; i < g->n; i++) {
        const roi_node *nd = &g->nodes[i];
        if (nd->kind == ROI_NODE_CONST)
            vals[i] = nd->value;
        else if (nd->kind == ROI_NODE_INPUT)
            vals[i] = fixed[i];
        else
            vals[i] = apply(nd->kind, vals[nd->a], nd->b >= 0 ? vals[nd->b] : 0.0,
                            nd->c >= 0 ? vals[nd->c] : 0.0);
    }
}
