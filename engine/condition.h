/*
 * condition.h - conditions on a trial's inputs and outputs, written as text.
 *
 * Responsible for: parsing a condition such as "v2.score >= 60", "moat",
 * "npv > 0 and not moat" or "(v2.score < 54 or v2.slip >= 1) and moat" against a
 * model, and evaluating it for one trial from the values of the names it refers to.
 * Names are scalar outputs ("npv", "total_spend", ...) or the model's uncertain
 * inputs ("v2.score", "moat"); words separated by spaces join with a dot, so
 * "v2 score >= 60" means "v2.score >= 60". A bare name is true when its value is
 * nonzero. Comparisons: < <= > >= == ~= (and != as a synonym). Combinators: and, or,
 * not (also &&, ||, !), with parentheses. Not responsible for computing the values
 * (analysis.h does).
 */
#ifndef ROI_CONDITION_H
#define ROI_CONDITION_H

#include "model.h"
#include "roi_error.h"

/* What a condition refers to: a scalar output or an input node of the graph. */
typedef enum roi_cond_ref_kind { ROI_COND_OUTPUT, ROI_COND_INPUT } roi_cond_ref_kind;

typedef struct roi_cond_ref {
    roi_cond_ref_kind kind;
    int index;   /* roi_output for ROI_COND_OUTPUT; graph node index for ROI_COND_INPUT */
} roi_cond_ref;

typedef struct roi_cond roi_cond;

/*
 * Parses `text` against model m. On success *out is a new condition the caller frees
 * with roi_cond_free. Errors: ROI_ERR_USAGE with a message that quotes the text and
 * says what was expected where ("unknown name 'v2.scor'; did you mean 'v2.score'?"),
 * ROI_ERR_NOMEM. `path` (may be NULL) prefixes the message.
 */
roi_status roi_cond_parse(const char *text, const roi_model *m, const char *path,
                          roi_cond **out, roi_error *err);

/* Frees a condition. NULL is allowed. */
void roi_cond_free(roi_cond *c);

/* The names the condition refers to, each once, in order of first appearance
 * (borrowed, valid until roi_cond_free). */
int roi_cond_ref_count(const roi_cond *c);
const roi_cond_ref *roi_cond_refs(const roi_cond *c);

/* The condition for one trial: vals[k] is the value of reference k. NaN compares
 * false (an undefined irr satisfies neither "irr > 0" nor "irr <= 0"). Allocates
 * nothing; thread safe. */
int roi_cond_eval(const roi_cond *c, const double *vals);

#endif
