/*
 * numfmt.h - how a number is shown, once for every report (private to reports/).
 *
 * Responsible for: the one rule that turns a statistic into the text a reader sees,
 * so the terminal, chart titles and the workbook's cells show the same digits for the
 * same value: the value's 15 significant decimal digits (what Excel keeps) rounded
 * half away from zero at the shown decimals; no signed zero ("-0.0", "+$0.0B" never
 * appear); a probability that is neither 0 nor 1 never shows as 0.0% or 100.0% ("< 0.1%",
 * "> 99.9%"); a change of probability in points ("-8.7 pts"); money in the unit that
 * fits the report's values (thousands, millions, billions: MODEL.md 10.5). The workbook
 * gets the Excel number format that shows exactly these digits (roi_numfmt_excel), and
 * picks it per cell by roi_numfmt_variant. Not responsible for the JSON, which keeps
 * every double as it is.
 */
#ifndef ROI_NUMFMT_H
#define ROI_NUMFMT_H

#include <stddef.h>

#include "model_params.h"
#include "results.h"

/* Below this many trials a conditional view reports its share and "too few trials"
 * instead of statistics (a mean of one trial is not a finding). */
enum { ROI_REPORT_MIN_TRIALS = 30 };

/* What a number is. */
typedef enum roi_nf_kind {
    ROI_NF_MONEY,       /* $12.3B, -$4.0B */
    ROI_NF_MONEY_DELTA, /* +$9.1B, -$2.0B, $0.0B */
    ROI_NF_PCT,         /* 19.5%, < 0.1%, > 99.9% */
    ROI_NF_PCT_DELTA,   /* +29.8% (a signed share) */
    ROI_NF_PTS,         /* a difference of two probabilities: +8.7 pts */
    ROI_NF_USERS,       /* 1.85B, 803.9M, 12,345 */
    ROI_NF_RATIO,       /* 0.91x */
    ROI_NF_NUMBER,      /* 20.0 (quarters, scores) */
    ROI_NF_SIGNED,      /* +0.50, -0.43, 0.00 (correlations) */
    ROI_NF_NKIND
} roi_nf_kind;

/* Which Excel format of a kind a value needs (the number itself is never changed). */
typedef enum roi_nf_variant {
    ROI_NFV_NORMAL,
    ROI_NFV_ZERO,      /* rounds to zero: shown without a sign */
    ROI_NFV_NEAR_ZERO, /* a probability in (0, 0.0005): "< 0.1%" */
    ROI_NFV_NEAR_ONE,  /* a probability in [0.9995, 1): "> 99.9%" */
    ROI_NFV_COUNT
} roi_nf_variant;

/* The money unit of a report: divisor, its letter, the currency's symbol. */
typedef struct roi_money_unit {
    double scale;       /* 1e9, 1e6, 1e3 or 1 */
    int commas;         /* Excel's thousands scaling: 3, 2, 1 or 0 */
    const char *letter; /* "B", "M", "K" or "" */
    char symbol[16];    /* "$", "\u20ac", or the code and a space: "CHF " */
} roi_money_unit;

/* How one column or chart shows its numbers. */
typedef struct roi_nf {
    roi_nf_kind kind;
    int decimals;             /* after the point, in the shown unit (pct: of the percent) */
    const roi_money_unit *mu; /* money kinds: the unit (NULL: billions, dollars) */
} roi_nf;

/* The money unit that fits values whose typical size is `typical` (absolute dollars):
 * billions from 1e9 up, millions from 1e6, thousands from 1e3, else dollars. */
roi_money_unit roi_numfmt_money_unit(double typical);

/* The money unit of a whole report: from the largest |NPV p10, p50, p90| and median
 * spend over the scenarios of res, in the first scenario's currency (MODEL.md 10.5). */
roi_money_unit roi_numfmt_report_unit(const roi_results *res);

/*
 * Writes v as the reader sees it into buf (always NUL-terminated): "n/a" when v is not
 * finite. For ROI_NF_PTS v is the difference of two probabilities (0.087 -> "+8.7 pts").
 * Returns buf.
 */
char *roi_numfmt(char *buf, size_t size, double v, const roi_nf *nf);

/*
 * Writes the digits of |v| * 10^shift rounded half away from zero at `decimals` places
 * from its 15 significant digits ("19.5" for 0.1945, shift 2, decimals 1), with the
 * integer part grouped by commas when `group`; returns 1 when they are all zero.
 */
int roi_numfmt_digits(char *buf, size_t size, double v, int shift, int decimals, int group);

/*
 * How an input's value is shown, from what it measures (model_params.h) and a typical
 * |value| of the column: money in the report's unit and currency ($0.67B), or in a
 * smaller unit of the same currency when the report's would show it as zero ($0.0021
 * per interaction); shares and rates as percent (1.6%); counts as users are (1.85B,
 * 12,345) or with the decimals a small count needs; quarters and scores with one
 * decimal; multipliers as 1.50x; coefficients to about three significant digits.
 * `own` keeps a money input's own unit when it needs one (the result's mu points to it
 * or to `report`, so own must outlive the result). ROI_MEASURE_NONE gives kind
 * ROI_NF_NKIND: the caller shows the value by its size.
 */
roi_nf roi_numfmt_input(roi_measure ms, double typical, const roi_money_unit *report,
                        roi_money_unit *own);

/*
 * Writes v, a value of input `input` of model m (a parameter path or an uncertain
 * input's name), as roi_numfmt_input shows it for a typical |value| `typical`; to four
 * significant digits when what the input measures is not known. Returns buf.
 */
char *roi_numfmt_input_text(char *buf, size_t size, double v, double typical,
                            const roi_model *m, const char *input,
                            const roi_money_unit *report);

/* The variant of nf's Excel format that shows v as roi_numfmt does. */
roi_nf_variant roi_numfmt_variant(double v, const roi_nf *nf);

/* The Excel number format (Excel's format code) of nf's variant into buf; returns buf. */
char *roi_numfmt_excel(char *buf, size_t size, const roi_nf *nf, roi_nf_variant var);

#endif
