/*
 * suggest.h - "did you mean": the name nearest to one that was not found.
 *
 * Responsible for: picking, from a list of known names, the one a misspelt name most
 * likely meant (edit distance), or none when nothing is close. The one implementation
 * of the rule: messages from C (conditions) and from the scenario library (roisim.lua
 * calls it through its host table) agree. Not responsible for the message around it.
 */
#ifndef ROI_SUGGEST_H
#define ROI_SUGGEST_H

#include <stddef.h>

/* Names longer than this are not compared (no suggestion): the distance costs
 * length squared, and no name a scenario means is this long. */
#define ROI_SUGGEST_MAX_LEN 128

/*
 * The candidate nearest `word` in Levenshtein distance over bytes, when that distance
 * is at most max(2, strlen(word) / 3); of equally near ones, the first in strcmp order.
 * NULL when none is near enough. NULL candidates are skipped. Borrows everything; the
 * result points into `candidates`.
 */
const char *roi_suggest(const char *word, const char *const *candidates, size_t n);

#endif
