/*
 * xlsx_int.h - private to the workbook writer (reports/xlsx*.c): the context every
 * sheet writer gets, the shared cell formats, the Series layout that charts point into,
 * and the helpers more than one sheet uses. Nothing here is part of report.h; the xl_
 * names are the module's own and are not called from outside reports/xlsx*.c.
 *
 * One file per sheet (xlsx_<sheet>.c); xlsx.c names the sheets, fixes the layout
 * (plan), checks Excel's limits and writes the sheets in tab order.
 */
#ifndef ROI_XLSX_INT_H
#define ROI_XLSX_INT_H

#include "report.h"

#include <stdio.h>
#include <xlsxwriter.h>

#include "numfmt.h"

enum { P1, P5, P10, P25, P50, P75, P90, P95, P99 }; /* indices into roi_pct_levels */

/* ---- shared formats and context ---------------------------------------------------- */

typedef struct xfmt {
    lxw_format *title, *subtitle, *note, *head, *head_fit, *head_left, *text, *right, *bold, *bold_top, *changed;
    lxw_format *left_count, *small[4]; /* small: Inputs' values by magnitude */
    lxw_format *money, *users, *pct, *pct_delta, *ratio, *quarters, *score, *plain, *count;
    lxw_format *billions, *millions; /* unit-less large numbers (Inputs) */
    /* Analysis sheets (Drivers, Compare, Goals): signed correlations and shares, money
     * differences, and standard errors with one more digit than their estimates. */
    lxw_format *corr, *corr_se, *money_delta, *money_se, *pct_se, *wrap, *center, *bad;
    lxw_format *wrap_right; /* Summary's scenario titles */
    lxw_format *wrap_indent, *head_indent; /* text (and its header) after a number column */
    lxw_format *text_indent;
    lxw_format *pts; /* a difference of two probabilities, the cell holding 100 x it */
    /* Every number format above with its numfmt rule, and the variants of it that
     * xl_put_num picks per value (numfmt.h): made on first use. */
    struct xnum {
        lxw_format *base;
        roi_nf nf;
        lxw_format *var[ROI_NFV_COUNT];
    } num[64];
    int n_num;
} xfmt;


typedef struct xctx {
    lxw_workbook *wb;
    const roi_results *res;
    int n;                 /* res->n */
    const roi_report_meta *meta;
    xfmt f;
    struct xscen *sc;      /* n entries (owned) */
    char date[64];         /* "2026-11-26 14:30 UTC" or "not recorded" */
    int summary_first;     /* first table row on Summary */
    int range_row;         /* first data row of the Summary chart's block in Series */
    roi_money_unit mu;     /* the money unit of every table and chart (numfmt.h) */
    char money_code[64];   /* its Excel format, for chart axes */
    char unit[16];         /* "$B", for titles */
    double npv_lo, npv_hi; /* the NPV axis of every S-curve: all scenarios' p0.5 to p99.5 */
    double hist_share_max; /* the highest share of trials in an npv histogram bin */
    roi_money_unit in_mu[4]; /* money inputs' own units, smaller than mu (xl_input_fmt) */
    int n_in_mu;
} xctx;

typedef lxw_error (*sheet_writer)(xctx *x);

#define TRY(call)                    \
    do {                             \
        lxw_error e_ = (call);       \
        if (e_ != LXW_NO_ERROR)      \
            return e_;               \
    } while (0)

#define NPALETTE(p) (sizeof p / sizeof p[0])

#define USERS_FMT "[>=1000000000]#,##0.00,,,\"B\";[>=1000000]#,##0.0,,\"M\";#,##0"

/* Where the printed notes are cut into lines (characters). */
enum { NOTE_WIDTH = 130 };

/* ---- Series sheet layout (fixed before writing, so charts can point into it) -------- */

enum { SER_COL_DATA = 3 };           /* columns: series, statistic, unit, then data */
enum { ST_MEAN, ST_P10, ST_P50, ST_P90, N_ST };

/* Rows of a block: title, header, the bands, a blank, then the npv distribution: title,
 * header, and one row per histogram bin / S-curve point (at most N_DIST_ROWS). */
enum { N_DIST_ROWS = 43 };


/* Columns of the npv distribution tables in a Series block. */
enum { HC_LABEL, HC_FROM, HC_TO, HC_TRIALS, HC_SHARE, SC_LEVEL = 6, SC_VALUE };

/* The histogram and S-curve tables (results.h) fit the block's distribution rows. */
_Static_assert(ROI_HIST_MAX_BINS <= N_DIST_ROWS && ROI_SCURVE_POINTS <= N_DIST_ROWS,
               "the npv distribution tables need more rows in a Series block");

/* One scenario's layout and derived chart data, fixed before any sheet is written. */
typedef struct xscen {
    char sheet[32];        /* sanitized sheet name */
    int block;             /* first row of its block in Series */
    unsigned color;        /* its colour in every chart */
    roi_distribution npv;  /* npv's histogram and S-curve (npv.hist.bins == 0: none) */
} xscen;

/* ---- formats and cell writers (xlsx_format.c) ------------------------------------------ */

/* Makes every shared format of x (x->mu set). */
void xl_make_formats(xctx *x);
/* Writes v with fmt, or an empty cell when v is not finite. When fmt is one of the
 * number formats of x->f, the variant that shows v as numfmt.h does is used (no signed
 * zero, "> 99.9%"); the number written is v itself. */
lxw_error xl_put_num(xctx *x, lxw_worksheet *ws, int row, int col, double v, lxw_format *fmt);
/* The variant of fmt (one of x->f's number formats) that shows v; fmt itself otherwise. */
lxw_format *xl_num_variant(xctx *x, lxw_format *fmt, double v);
/* Writes text cleaned for XML; refuses text longer than a cell holds. */
lxw_error xl_put_str(lxw_worksheet *ws, int row, int col, const char *s, lxw_format *fmt);
/* The printed page (inches) and the default row (pixels at 96 dpi). */
#define XL_PAPER_LETTER 1
#define XL_PAGE_W 11.0
#define XL_PAGE_H 8.5
#define XL_MARGIN_LR 0.4
#define XL_MARGIN_TOP 0.5
#define XL_MARGIN_BOTTOM 0.7
#define XL_MARGIN_FOOTER 0.3
#define XL_ROW_PX 20
/*
 * Letter, landscape, at the print scale that fits width_px (the sheet's printed width,
 * pixels) on one page wide; header rows frozen (and repeated on every printed page when
 * repeat is set); a footer with the sheet's name, the page number and the date.
 * Returns the scale (percent).
 */
int xl_page_setup(xctx *x, lxw_worksheet *ws, const char *sheet, int frozen_rows, int repeat,
                  double width_px);
/* Prints columns 0 .. last_col only (text running past them is cut, not paginated). */
void xl_print_columns(lxw_worksheet *ws, int last_col);
/* Default (20 px) rows that fit a printed page at scale (percent). */
int xl_rows_per_page(int scale);
/*
 * A sheet's manual page breaks: the rows that start a printed page, ascending and
 * 0-ended as worksheet_set_h_pagebreaks wants, at most LXW_BREAKS_MAX of them
 * (libxlsxwriter's limit; past it the pages break on their own).
 */
typedef struct xl_breaks {
    lxw_row_t row[LXW_BREAKS_MAX + 1];
    int n;
} xl_breaks;
/* A page starts at row (ignored unless below every earlier break: row 0 never is). */
void xl_break_at(xl_breaks *b, int row);
/* The row the current page starts at: the last break, 0 before any. */
int xl_page_top(const xl_breaks *b);
/* Gives ws the breaks (when there are any). */
lxw_error xl_set_breaks(lxw_worksheet *ws, xl_breaks *b);
/* The last part of a path (a file's name, never the folders of the machine that ran). */
const char *xl_file_name(const char *path);
/* A column `chars` wide in pixels, as Excel draws it (Calibri 11). */
double xl_col_px(double chars);
const char *xl_scen_name(const roi_run *run);
/* The scenario's title, for legends (its name when it has none). */
const char *xl_scen_title(const roi_run *run);
void xl_human(char *buf, size_t size, double v, const char *unit);
const char *xl_series_unit(const char *name);
lxw_format *xl_output_format(const xfmt *f, roi_output o);
lxw_format *xl_input_format(const xfmt *f, double typical);
/*
 * The format of input `input` of model m (a parameter path or an uncertain input's
 * name) for a column whose typical |value| is `typical`: by what the field it feeds
 * measures (roi_numfmt_input: $0.67B, 1.6%, 2.0, 1.50x), by size (xl_input_format)
 * when that is not known. xl_measure_fmt: the same for a measure already known (a
 * goal seek's "scale" mode tries multipliers).
 */
lxw_format *xl_input_fmt(xctx *x, const roi_model *m, const char *input, double typical);
lxw_format *xl_measure_fmt(xctx *x, roi_measure ms, double typical);
lxw_error xl_heads(lxw_worksheet *ws, int row, const char *const *text, int n, int left,
                   const xfmt *f);
int xl_put_lines(lxw_worksheet *ws, int row, int col, const char *text, int width,
                 lxw_format *fmt, lxw_error *e);

/* ---- charts (xlsx_chart.c) ------------------------------------------------------------- */

extern const char *const xl_range_parts[6];
void xl_style_axis(lxw_chart_axis *axis, const char *title, const char *num_format);
lxw_chart *xl_new_chart(xctx *x, uint8_t type, const char *title);
/* A chart title or series name as libxlsxwriter must get it (caller frees *owned). */
const char *xl_chart_text(const char *name, char **owned);
unsigned xl_lighter(unsigned c);
/* Gives axis the NPV range shared by every S-curve (x->npv_lo .. x->npv_hi), if any. */
void xl_npv_range(const xctx *x, lxw_chart_axis *axis);
/* Gives axis the range lo .. hi rounded out to whole steps of 1, 2 or 5 x 10^k. */
void xl_axis_range(lxw_chart_axis *axis, double lo, double hi);
/* An input's name in words, for labels: its part's title and the field, "Core ad
 * uplift: lift" for core_ad_uplift.lift (the name itself, cleaned, when untitled). */
void xl_input_words(const roi_model *m, const char *input, char *buf, size_t size);
/* Adds scenario k's npv S-curve (its points in Series) to c, named `name` (cleaned for
 * a chart) and drawn with line; NULL when out of memory. */
lxw_chart_series *xl_scurve_series(const xctx *x, lxw_chart *c, int k, const char *name,
                                   lxw_chart_line *line);
/* The axes of an S-curve chart: NPV on the range every S-curve shares, crossed at its
 * low end (not on the $0 line over the curve); the probability from 0 to 1. */
void xl_scurve_axes(const xctx *x, lxw_chart *c);
void xl_range_split(double p10, double p50, double p90, double part[6]);
lxw_error xl_range_bars(xctx *x, lxw_worksheet *ws, int at, const char *sheet, int first,
                        int col0, const int *scen, int count, const char *title,
                        const char *axis_title, const char *desc, double y_scale);

/* ---- Series layout (xlsx_series.c) ----------------------------------------------------- */

int xl_block_height(const roi_run *run);
int xl_series_row(const xctx *x, int k, int s, int st);
int xl_hist_row(const xctx *x, int k);
int xl_dist_row(const xctx *x, int k);

/* ---- the sheets, in their own files ---------------------------------------------------- */

lxw_error xl_write_summary(xctx *x);
lxw_error xl_write_drivers(xctx *x);
lxw_error xl_write_compare(xctx *x);
lxw_error xl_write_goals(xctx *x);
lxw_error xl_write_decisions(xctx *x);
lxw_error xl_write_scenarios(xctx *x);
lxw_error xl_write_inputs(xctx *x);
lxw_error xl_write_series(xctx *x);
lxw_error xl_write_run(xctx *x);

#endif
