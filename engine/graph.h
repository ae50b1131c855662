/*
 * graph.h - the expression graph of a scenario's inputs.
 *
 * Responsible for: the values a model reads. Every model parameter is a node: a
 * constant, a named uncertain input (a distribution drawn once per trial from its own
 * stream), or an operation on other nodes (arithmetic, min/max, comparisons, choose).
 * Nodes are stored in topological order (operands before the node), so one pass
 * evaluates a trial. Also static analysis used for validation: the interval of values
 * a node can take, and whether it is whole-number valued. Not responsible for the
 * model's structure (model.h) or for running trials (sim.h).
 */
#ifndef ROI_GRAPH_H
#define ROI_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "dist.h"
#include "roi_error.h"

typedef enum roi_node_kind {
    ROI_NODE_CONST,   /* value */
    ROI_NODE_INPUT,   /* named distribution: drawn once per trial */
    ROI_NODE_ADD,     /* a + b */
    ROI_NODE_SUB,     /* a - b */
    ROI_NODE_MUL,     /* a * b */
    ROI_NODE_DIV,     /* a / b */
    ROI_NODE_POW,     /* a ^ b */
    ROI_NODE_NEG,     /* -a */
    ROI_NODE_MIN,     /* min(a, b) */
    ROI_NODE_MAX,     /* max(a, b) */
    ROI_NODE_CLAMP,   /* min(max(a, b), c): pile at the bounds (unlike truncation) */
    ROI_NODE_LT,      /* a < b  -> 1 or 0 */
    ROI_NODE_LE,      /* a <= b -> 1 or 0 */
    ROI_NODE_GT,      /* a > b  -> 1 or 0 */
    ROI_NODE_GE,      /* a >= b -> 1 or 0 */
    ROI_NODE_EQ,      /* a == b -> 1 or 0 */
    ROI_NODE_NE,      /* a ~= b -> 1 or 0 */
    ROI_NODE_AND,     /* a != 0 and b != 0 -> 1 or 0 */
    ROI_NODE_OR,      /* a != 0 or b != 0 -> 1 or 0 */
    ROI_NODE_NOT,     /* a == 0 -> 1 or 0 */
    ROI_NODE_CHOOSE   /* a != 0 ? b : c (both branches are drawn every trial) */
} roi_node_kind;

typedef struct roi_node {
    roi_node_kind kind;
    int a, b, c;       /* operand node indices (-1 when unused); always < own index */
    double value;      /* ROI_NODE_CONST */
    roi_dist dist;     /* ROI_NODE_INPUT (owned) */
    char *name;        /* ROI_NODE_INPUT: the name its stream is keyed by (owned); an
                        * operation: the name of a named expression (owned), or NULL */
    char *written;     /* optional: the value as the author wrote it (owned), or NULL */
    int changed;       /* input or named expression: a what-if (or --set) changed it */
    int hidden;        /* ROI_NODE_INPUT: drawn under the name of the named expression
                        * it sits in, which is reported in its place */
} roi_node;

/* A graph owns its nodes. Zero-initialise, or use roi_graph_init. */
typedef struct roi_graph {
    roi_node *nodes;
    int n, cap;
} roi_graph;

void roi_graph_init(roi_graph *g);
/* Frees every node (distributions, names) and the array. NULL is allowed. */
void roi_graph_free(roi_graph *g);

/*
 * Appending nodes. Each returns the new node's index, or -1 on allocation failure or
 * an invalid operand index (err set). roi_graph_input takes ownership of *dist (the
 * caller must not free it afterwards, even on failure) and copies name. Input names
 * must be unique within a graph: a duplicate is ROI_ERR_PARAM.
 */
int roi_graph_const(roi_graph *g, double value, roi_error *err);
int roi_graph_input(roi_graph *g, const char *name, roi_dist *dist, roi_error *err);
int roi_graph_op(roi_graph *g, roi_node_kind kind, int a, int b, int c, roi_error *err);

/*
 * Named values. An input is drawn from its own stream, keyed by its name. A named
 * expression (regulator_delay = bernoulli(0.3) * 4) is an operation node with a name:
 * the value the scenario named, which reports, conditions, sensitivity and the trials
 * CSV show. The one distribution inside it is drawn under the same name (so its draws
 * do not depend on the expression) and is hidden: not reported apart from it.
 *
 * roi_graph_name: gives operation node i the name `name` (copied). ROI_ERR_PARAM when i
 * is not an operation or already named, or the name belongs to a reported value.
 */
roi_status roi_graph_name(roi_graph *g, int i, const char *name, roi_error *err);

/* The node of the reported value named `name` (a named expression, or an input that
 * is not hidden), or -1. */
int roi_graph_find_input(const roi_graph *g, const char *name);

/* The ROI_NODE_INPUT drawn under `name` (hidden or not), or -1. */
int roi_graph_find_draw(const roi_graph *g, const char *name);

/* Whether node i is reported: an input that is not hidden, or a named expression. */
int roi_graph_is_reported(const roi_graph *g, int i);

/* The reported values (inputs that are not hidden, and named expressions): how many,
 * and the node index of the i-th one in node order. */
int roi_graph_input_count(const roi_graph *g);
int roi_graph_input_node(const roi_graph *g, int i);

/* Every ROI_NODE_INPUT (what a trial draws): how many, and the i-th one in order. */
int roi_graph_draw_count(const roi_graph *g);
int roi_graph_draw_node(const roi_graph *g, int i);

/*
 * Evaluates trial `trial`: vals[i] receives node i's value. keys[i] is the stream
 * key of node i (roi_rng_key(seed, name) for inputs; ignored for other nodes), as
 * prepared by roi_graph_keys. scratch: a roi_rng_philox generator owned by the caller.
 */
void roi_graph_eval(const roi_graph *g, const uint64_t *keys, uint64_t trial,
                    double *vals, gsl_rng *scratch);

/* The value of an operation node of kind `kind` from its operands' values (b and c
 * are ignored by operations that do not read them). Used by sampling.c's evaluator. */
double roi_graph_apply(roi_node_kind kind, double a, double b, double c);

/* Fills keys[0..n-1] for a run seed (0 for nodes that are not inputs). */
void roi_graph_keys(const roi_graph *g, uint64_t seed, uint64_t *keys);

/* The interval [*lo, *hi] that node i's values always lie in (interval arithmetic;
 * may be infinite; conservative). */
void roi_graph_bounds(const roi_graph *g, int i, double *lo, double *hi);

/* Nonzero when node i only takes whole-number values. */
int roi_graph_is_integer(const roi_graph *g, int i);

/* Nonzero when node i is a constant (no input below it); its value in *value. */
int roi_graph_is_constant(const roi_graph *g, int i, double *value);

/* Writes node i as an expression in the scenario language ("v2.score + 3",
 * "normal(58, 3.5)"); inputs below the top node are written by name, and levels
 * below the 64th as "...". Returns the length written; when the description does
 * not fit, a length of at least `size`, and buf holds its start (it stops there, so
 * its cost is bounded by `size` however large or shared the graph is). */
int roi_graph_describe(const roi_graph *g, int i, char *buf, size_t size);

/*
 * Evaluates the graph with every input node i at the value fixed[i] (entries of other
 * nodes are ignored): vals[i] receives node i's value. Deterministic; draws nothing.
 */
void roi_graph_eval_fixed(const roi_graph *g, const double *fixed, double *vals);

#endif
