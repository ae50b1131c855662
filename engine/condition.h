/*
 * condition.h - conditions on a trial's inputs and outputs.
 *
 * Responsible for: building a condition (model.h's roi_cond, a postfix program of
 * comparisons and logical operations) step by step, which is how a scenario's own
 * conditions arrive (v2.score:at_least(60), built by the scenario language), or by
 * parsing text such as "v2.score >= 60", "moat", "npv > 0 and not moat" or
 * "(v2.score < 54 or v2.slip >= 1) and moat" against a model, which is how
 * conditions written as text arrive (a scenario's strings, the command line's
 * --given); and evaluating it for one trial from the values of the names it refers
 * to. One language: the comparisons and combinators are the expression graph's
 * (roi_node_kind). In text, names are scalar outputs ("npv", "total_spend", ...) or
 * the model's uncertain inputs ("v2.score", "moat"); words separated by spaces join
 * with a dot, so "v2 score >= 60" means "v2.score >= 60". A bare name is true when
 * its value is nonzero. Comparisons: < <= > >= == ~= (and != as a synonym).
 * Combinators: and, or, not (also &&, ||, !), with parentheses. Not responsible for
 * computing the values (analysis.h does).
 */
#ifndef ROI_CONDITION_H
#define ROI_CONDITION_H

#include "model.h"
#include "roi_error.h"

/* The most truth values a condition's evaluation holds at once (its stack). */
#define ROI_COND_MAX_STACK 64

/*
 * Parses `text` against model m. On success *out is a new condition the caller frees
 * with roi_cond_free. Errors: ROI_ERR_USAGE with a message that quotes the text and
 * says what was expected where ("unknown name 'v2.scor' ...; did you mean
 * 'v2.score'?"), ROI_ERR_NOMEM. `path` (may be NULL) prefixes the message.
 */
roi_status roi_cond_parse(const char *text, const roi_model *m, const char *path,
                          roi_cond **out, roi_error *err);

/* Frees a condition that roi_cond_parse made. NULL is allowed. */
void roi_cond_free(roi_cond *c);

/*
 * Building a condition one step at a time into c (zero-initialised, or a condition
 * being built; released with roi_cond_clear). Each returns ROI_OK or ROI_ERR_NOMEM.
 * push_compare: the truth of `ref op value`, op one of ROI_NODE_LT .. ROI_NODE_NE (a
 * reference alone is ROI_NODE_NE 0); push_const: a truth fixed when the scenario
 * loads; push_logic: ROI_NODE_AND or ROI_NODE_OR of the two values before, or
 * ROI_NODE_NOT of the one before.
 */
roi_status roi_cond_push_compare(roi_cond *c, roi_cond_ref ref, roi_node_kind op, double value,
                                 roi_error *err);
roi_status roi_cond_push_const(roi_cond *c, int truth, roi_error *err);
roi_status roi_cond_push_logic(roi_cond *c, roi_node_kind op, roi_error *err);

/*
 * Checks that c is one well-formed condition: every step's operands exist, exactly one
 * value is left, references are in range for m, and its evaluation holds at most
 * ROI_COND_MAX_STACK values at once. ROI_ERR_PARAM naming `path` otherwise.
 */
roi_status roi_cond_check(const roi_cond *c, const roi_model *m, const char *path,
                          roi_error *err);

/* The names the condition refers to, each once, in order of first appearance
 * (borrowed, valid until the condition is freed or cleared). */
int roi_cond_ref_count(const roi_cond *c);
const roi_cond_ref *roi_cond_refs(const roi_cond *c);

/* The condition for one trial: vals[k] is the value of reference k. NaN compares
 * false (an undefined irr satisfies neither "irr > 0" nor "irr <= 0"). Allocates
 * nothing; thread safe. The condition must pass roi_cond_check. */
int roi_cond_eval(const roi_cond *c, const double *vals);

#endif
