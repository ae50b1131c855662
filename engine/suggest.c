/*
 * suggest.c - "did you mean" (see suggest.h).
 */
#include "suggest.h"

#include <string.h>

/* Levenshtein distance of a and b (each at most ROI_SUGGEST_MAX_LEN bytes). */
static int distance(const char *a, size_t la, const char *b, size_t lb)
{
    int prev[ROI_SUGGEST_MAX_LEN + 1], cur[ROI_SUGGEST_MAX_LEN + 1];
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

const char *roi_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t lw = word ? strlen(word) : 0;
    if (!word || lw > ROI_SUGGEST_MAX_LEN)
        return NULL;
    const char *best = NULL;
    int bestd = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        size_t lc = c ? strlen(c) : 0;
        if (!c || lc > ROI_SUGGEST_MAX_LEN)
            continue;
        int d = distance(word, lw, c, lc);
        if (!best || d < bestd || (d == bestd && strcmp(c, best) < 0)) {
            best = c;
            bestd = d;
        }
    }
    int limit = (int)(lw / 3) > 2 ? (int)(lw / 3) : 2;
    return best && bestd <= limit ? best : NULL;
}
