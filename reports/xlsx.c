/*
 * xlsx.c - the Excel workbook (libxlsxwriter): Summary, Drivers, Compare, Goals, one sheet
 * per scenario, Inputs, Series and Run (docs/report.md), with native charts only, so every
 * chart stays editable in Excel.
 *
 * Numbers are written as the exact doubles of the run (the JSON's values) and shown
 * through Excel number formats; nothing is rounded before writing. A value that cannot
 * exist (irr undefined, payback never) is an empty cell, with its share stated.
 * Every chart reads its data from a sheet with a fixed, plain name (Summary, Series,
 * Drivers, Compare), so scenario names never appear in chart formulas.
 *
 * Adding a sheet: write one `static lxw_error write_<name>(xctx *x)` and add it to
 * `sheet_writers` below; shared formats live in `xfmt`, shared layout in `xctx`.
 */
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "atomic.h"
#include "sha256.h"
#include "text.h"

/* The creation date written when none is recorded (2026-01-01T00:00:00Z), so that
 * a reproducible file is byte-identical run to run. */
#define ROI_XLSX_CREATED ((time_t)1767225600)

enum { P1, P5, P10, P25, P50, P75, P90, P95, P99 }; /* indices into roi_pct_levels */

/* ---- shared formats and context ---------------------------------------------------- */

typedef struct xfmt {
    lxw_format *title, *subtitle, *note, *head, *head_left, *text, *right, *bold, *changed;
    lxw_format *left_count, *small[4]; /* small: Inputs' values by magnitude */
    lxw_format *money, *users, *pct, *pct_delta, *ratio, *quarters, *score, *plain, *count;
    lxw_format *billions, *millions; /* unit-less large numbers (Inputs) */
    /* Analysis sheets (Drivers, Compare, Goals): signed correlations and shares, money
     * differences, and standard errors with one more digit than their estimates. */
    lxw_format *corr, *corr_se, *money_delta, *money_se, *pct_se, *wrap, *center, *bad;
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
} xctx;

typedef lxw_error (*sheet_writer)(xctx *x);

#define TRY(call)                    \
    do {                             \
        lxw_error e_ = (call);       \
        if (e_ != LXW_NO_ERROR)      \
            return e_;               \
    } while (0)

/* Colours: one per scenario (in run order), and one per component in stacked charts. */
static const unsigned scen_palette[] = {0x1F4E79, 0xC55A11, 0x548235, 0x7030A0, 0xBF9000,
                                        0x2E75B6, 0xC00000, 0x00B0A0, 0x7F6000, 0xFF66CC};
static const unsigned part_palette[] = {0x4472C4, 0xED7D31, 0xA5A5A5, 0xFFC000, 0x5B9BD5,
                                        0x70AD47, 0x264478, 0x9E480E, 0x636363, 0x997300};
#define NPALETTE(p) (sizeof p / sizeof p[0])

#define MONEY_FMT "$#,##0.0,,,\"B\";-$#,##0.0,,,\"B\""
#define MONEY_DELTA_FMT "+$#,##0.0,,,\"B\";-$#,##0.0,,,\"B\";$0.0\"B\""
#define USERS_FMT "[>=1000000000]#,##0.00,,,\"B\";[>=1000000]#,##0.0,,\"M\";#,##0"

static lxw_format *num_format(lxw_workbook *wb, const char *spec)
{
    lxw_format *fm = workbook_add_format(wb);
    format_set_num_format(fm, spec);
    return fm;
}

static void make_formats(lxw_workbook *wb, xfmt *f)
{
    f->title = workbook_add_format(wb);
    format_set_bold(f->title);
    format_set_font_size(f->title, 14);
    f->subtitle = workbook_add_format(wb);
    format_set_bold(f->subtitle);
    format_set_font_size(f->subtitle, 12);
    f->note = workbook_add_format(wb);
    format_set_italic(f->note);
    format_set_font_color(f->note, 0x595959);
    f->head = workbook_add_format(wb);
    format_set_bold(f->head);
    format_set_bottom(f->head, LXW_BORDER_THIN);
    format_set_align(f->head, LXW_ALIGN_RIGHT);
    format_set_align(f->head, LXW_ALIGN_VERTICAL_BOTTOM);
    format_set_text_wrap(f->head);
    format_set_bg_color(f->head, 0xDDEBF7);
    f->head_left = workbook_add_format(wb);
    format_set_bold(f->head_left);
    format_set_bottom(f->head_left, LXW_BORDER_THIN);
    format_set_align(f->head_left, LXW_ALIGN_VERTICAL_BOTTOM);
    format_set_text_wrap(f->head_left);
    format_set_bg_color(f->head_left, 0xDDEBF7);
    f->text = workbook_add_format(wb);
    f->right = workbook_add_format(wb);
    format_set_align(f->right, LXW_ALIGN_RIGHT);
    f->left_count = num_format(wb, "#,##0");
    format_set_align(f->left_count, LXW_ALIGN_LEFT);
    f->bold = workbook_add_format(wb);
    format_set_bold(f->bold);
    f->changed = workbook_add_format(wb);
    format_set_bold(f->changed);
    format_set_font_color(f->changed, 0xC00000);
    f->money = num_format(wb, MONEY_FMT);
    f->users = num_format(wb, USERS_FMT);
    f->pct = num_format(wb, "0.0%");
    f->pct_delta = num_format(wb, "+0.0%;-0.0%;0.0%");
    f->ratio = num_format(wb, "0.00\"x\"");
    f->quarters = num_format(wb, "0.0");
    f->score = num_format(wb, "0.0");
    f->plain = num_format(wb, "0.000");
    f->count = num_format(wb, "#,##0");
    f->billions = num_format(wb, "#,##0.00,,,\"B\"");
    f->small[0] = num_format(wb, "#,##0.0");
    f->small[1] = num_format(wb, "#,##0.00");
    f->small[2] = num_format(wb, "0.0000");
    f->small[3] = num_format(wb, "0.000000");
    f->millions = num_format(wb, "#,##0.00,,\"M\"");
    f->corr = num_format(wb, "+0.00;-0.00;0.00");
    f->corr_se = num_format(wb, "0.000");
    f->money_delta = num_format(wb, MONEY_DELTA_FMT);
    f->money_se = num_format(wb, "$#,##0.00,,,\"B\"");
    f->pct_se = num_format(wb, "0.00%");
    f->center = workbook_add_format(wb);
    format_set_align(f->center, LXW_ALIGN_CENTER);
    f->bad = workbook_add_format(wb);
    format_set_align(f->bad, LXW_ALIGN_CENTER);
    format_set_bold(f->bad);
    format_set_font_color(f->bad, 0xC00000);
    f->wrap = workbook_add_format(wb);
    format_set_text_wrap(f->wrap);
}

/* The number format of a series by its name (dollars, people, score, multiplier). */
static lxw_format *series_format(const xfmt *f, const char *name)
{
    if (!strncmp(name, "unique_", 7) || !strncmp(name, "active.", 7))
        return f->users;
    if (!strcmp(name, "score"))
        return f->score;
    if (!strcmp(name, "quality_multiplier"))
        return f->plain;
    return f->money;
}

static const char *series_unit(const char *name)
{
    if (!strncmp(name, "unique_", 7) || !strncmp(name, "active.", 7))
        return "people";
    if (!strcmp(name, "score"))
        return "points";
    if (!strcmp(name, "quality_multiplier"))
        return "ratio";
    return "US$";
}

/* Writes v with fmt, or an empty cell when v is not finite (never NaN, never a
 * sentinel). */
static lxw_error put_num(lxw_worksheet *ws, int row, int col, double v, lxw_format *fmt)
{
    if (!isfinite(v))
        return worksheet_write_blank(ws, (lxw_row_t)row, (lxw_col_t)col, fmt);
    return worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, fmt);
}

/* Every cell's text passes here: valid UTF-8 without what XML 1.0 forbids (text.h), so
 * the sheet parts stay well-formed XML, and no longer than a cell holds. */
static lxw_error put_str(lxw_worksheet *ws, int row, int col, const char *s, lxw_format *fmt)
{
    char *owned = NULL;
    const char *t = roi_text_clean(s ? s : "", ROI_TEXT_XML, &owned);
    if (!t)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error e = roi_text_utf16_len(t) > ROI_TEXT_EXCEL_CELL
                      ? LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED
                      : worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, t, fmt);
    free(owned);
    return e;
}

/*
 * A chart title or series name as libxlsxwriter must get it: valid XML text, and not
 * starting with '=', which libxlsxwriter would take for a cell reference (a scenario
 * or surface named "=..." would make the chart unreadable): such a name gets a leading
 * apostrophe, as in the CSV. Returns the text (name itself, or a copy that *owned
 * points to; caller frees), or NULL when out of memory.
 */
static const char *chart_text(const char *name, char **owned)
{
    const char *t = roi_text_clean(name ? name : "", ROI_TEXT_XML, owned);
    if (t && t[0] == '=') {
        char *c = malloc(strlen(t) + 2);
        if (c) {
            c[0] = '\'';
            strcpy(c + 1, t);
        }
        free(*owned);
        *owned = c;
        t = c;
    }
    return t;
}

/* Landscape, one page wide, header rows frozen and repeated on every page. */
static void page_setup(lxw_worksheet *ws, int frozen_rows)
{
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5);
    if (frozen_rows > 0) {
        worksheet_freeze_panes(ws, (lxw_row_t)frozen_rows, 0);
        worksheet_repeat_rows(ws, (lxw_row_t)(frozen_rows - 1), (lxw_row_t)(frozen_rows - 1));
    }
}

/* ---- sheet names ------------------------------------------------------------------- */

/* Case-insensitive (ASCII) equality, as Excel compares sheet names. */
static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Copies at most `chars` UTF-8 characters of s into out (size >= 4 * chars + 1). */
static void copy_chars(char *out, const char *s, int chars)
{
    int k = 0, c = 0;
    for (; s[k]; k++) {
        if (((unsigned char)s[k] & 0xC0) != 0x80 && c++ == chars)
            break;
        out[k] = s[k];
    }
    out[k] = '\0';
}

int roi_report_sheet_name(const char *scenario, const char *const *taken, int n_taken,
                          char out[32])
{
    char base[128], *owned = NULL;
    size_t k = 0;
    /* Sheet names reach workbook.xml and app.xml: valid UTF-8 first (text.h). */
    const char *name = roi_text_clean(scenario ? scenario : "", ROI_TEXT_XML, &owned);
    if (!name)
        return -1;
    for (const char *p = name; *p && k < sizeof base - 1; p++) {
        unsigned char ch = (unsigned char)*p;
        /* Excel forbids []:*?/\ ; apostrophes and control characters are replaced too,
         * since libxlsxwriter 1.1.x mishandles them in references. Non-ASCII is kept. */
        base[k++] = (ch < 0x20 || ch == 0x7F || strchr("[]:*?/\\'", ch)) ? '_' : (char)ch;
    }
    base[k] = '\0';
    free(owned);
    if (!base[0] || same_name(base, "History")) {
        /* Empty, or a name Excel reserves. */
        char orig[16];
        memcpy(orig, base, sizeof orig);
        orig[sizeof orig - 1] = '\0';
        snprintf(base, sizeof base, "Scenario%s%s", orig[0] ? " " : "", orig);
    }
    /* Only 31 characters fit; the budget shrinks to make room for "~2", "~3", ... */
    for (int i = 1; i < 1000; i++) {
        char suffix[8] = "";
        if (i > 1)
            snprintf(suffix, sizeof suffix, "~%d", i);
        char cut[128];
        copy_chars(cut, base, 31 - (int)strlen(suffix));
        /* The 31 characters must also fit in out's 31 bytes. */
        while (strlen(cut) + strlen(suffix) > 31) {
            size_t len = strlen(cut);
            do
                len--;
            while (len > 0 && ((unsigned char)cut[len] & 0xC0) == 0x80);
            cut[len] = '\0';
        }
        size_t len = strlen(cut);
        memcpy(out, cut, len);
        memcpy(out + len, suffix, strlen(suffix) + 1);
        int clash = 0;
        for (int j = 0; j < n_taken && !clash; j++)
            clash = same_name(out, taken[j]);
        if (!clash)
            return 0;
    }
    return -1;
}

/* ---- small helpers ------------------------------------------------------------------- */

static const char *scen_name(const roi_run *run)
{
    return run->model->name ? run->model->name : "";
}

/* "2026Q3" for a period index t, or "" when t is not a defined whole period. */
static void quarter_label(const roi_model *m, double t, char *buf, size_t size)
{
    if (!isfinite(t) || t < 0 || t > m->periods - 1) {
        snprintf(buf, size, "%s", "");
        return;
    }
    roi_model_period_label(m, (roi_period)floor(t), buf, size);
}

/* A value as text in the report's units, for labels (never for table cells). */
static void human(char *buf, size_t size, double v, const char *unit)
{
    if (!strcmp(unit, "people"))
        snprintf(buf, size, fabs(v) >= 1e9 ? "%.2fB" : "%.1fM", fabs(v) >= 1e9 ? v / 1e9 : v / 1e6);
    else if (!strcmp(unit, "US$"))
        snprintf(buf, size, "%s$%.1fB", v < 0 ? "-" : "", fabs(v) / 1e9);
    else
        snprintf(buf, size, "%g", v);
}

/* ---- the scalar outputs -------------------------------------------------------------- */

static const char *output_label(roi_output o)
{
    switch (o) {
    case ROI_OUT_NPV: return "NPV";
    case ROI_OUT_NPV_HORIZON: return "NPV over the horizon only";
    case ROI_OUT_ROI_MULTIPLE: return "ROI multiple";
    case ROI_OUT_IRR: return "IRR (annual)";
    case ROI_OUT_PAYBACK: return "Payback (quarters from start)";
    case ROI_OUT_TOTAL_SPEND: return "Total spend";
    case ROI_OUT_TOTAL_REVENUE: return "Total revenue";
    case ROI_OUT_PEAK_ACTIVE: return "Peak unique active users";
    default: return "";
    }
}

static lxw_format *output_format(const xfmt *f, roi_output o)
{
    switch (o) {
    case ROI_OUT_ROI_MULTIPLE: return f->ratio;
    case ROI_OUT_IRR: return f->pct;
    case ROI_OUT_PAYBACK: return f->quarters;
    case ROI_OUT_PEAK_ACTIVE: return f->users;
    default: return f->money;
    }
}

/* ---- Series sheet layout (fixed before writing, so charts can point into it) -------- */

enum { SER_COL_DATA = 3 };           /* columns: series, statistic, unit, then data */
enum { ST_MEAN, ST_P10, ST_P50, ST_P90, N_ST };
static const char *const st_names[N_ST] = {"mean", "p10", "p50", "p90"};

/* Rows of a block: title, header, the bands, a blank, then the npv distribution: title,
 * header, and one row per histogram bin / S-curve point (at most N_DIST_ROWS). */
enum { N_DIST_ROWS = 43 };
static int block_height(const roi_run *run)
{
    return 2 + N_ST * run->n_series + 1 + 2 + N_DIST_ROWS + 1;
}

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

/* Row in Series of series s, statistic st, of scenario k. */
static int series_row(const xctx *x, int k, int s, int st)
{
    return x->sc[k].block + 2 + N_ST * s + st;
}

static int hist_row(const xctx *x, int k)
{
    return x->sc[k].block + 2 + N_ST * x->res->sc[k].run->n_series + 1;
}

/* First data row of the histogram and S-curve tables (the header is the row before). */
static int dist_row(const xctx *x, int k)
{
    return hist_row(x, k) + 2;
}

/* ---- charts ---------------------------------------------------------------------------- */

static void style_axis(lxw_chart_axis *axis, const char *title, const char *num_format)
{
    if (title)
        chart_axis_set_name(axis, title);
    if (num_format)
        chart_axis_set_num_format(axis, num_format);
    lxw_chart_font font = {.size = 9};
    chart_axis_set_num_font(axis, &font);
    lxw_chart_font name_font = {.size = 9, .bold = 0};
    chart_axis_set_name_font(axis, &name_font);
}

static lxw_chart *new_chart(xctx *x, uint8_t type, const char *title)
{
    lxw_chart *c = workbook_add_chart(x->wb, type);
    char *owned = NULL;
    const char *text = chart_text(title, &owned);
    if (!c || !text) {
        free(owned);
        return NULL;
    }
    chart_title_set_name(c, text);
    free(owned);
    lxw_chart_font font = {.size = 11, .bold = 1};
    chart_title_set_name_font(c, &font);
    chart_legend_set_position(c, LXW_CHART_LEGEND_BOTTOM);
    return c;
}

/* Adds a series of Series-sheet row `row` (data columns) with quarter categories. */
static lxw_chart_series *row_series(xctx *x, lxw_chart *c, int k, int row, const char *name,
                                    unsigned color, int width_pt, uint8_t dash)
{
    const roi_run *run = x->res->sc[k].run;
    lxw_chart_series *s = chart_add_series(c, NULL, NULL);
    if (!s)
        return NULL;
    int head = x->sc[k].block + 1;
    chart_series_set_categories(s, "Series", (lxw_row_t)head, SER_COL_DATA, (lxw_row_t)head,
                                (lxw_col_t)(SER_COL_DATA + run->periods - 1));
    chart_series_set_values(s, "Series", (lxw_row_t)row, SER_COL_DATA, (lxw_row_t)row,
                            (lxw_col_t)(SER_COL_DATA + run->periods - 1));
    char *owned = NULL;
    const char *text = chart_text(name, &owned);
    if (!text)
        return NULL;
    chart_series_set_name(s, text);
    free(owned);
    if (width_pt > 0) {
        lxw_chart_line line = {.color = color, .width = (float)width_pt, .dash_type = dash};
        chart_series_set_line(s, &line);
    } else {
        lxw_chart_fill fill = {.color = color};
        chart_series_set_fill(s, &fill);
        lxw_chart_line line = {.color = 0xFFFFFF, .width = 0.5f};
        chart_series_set_line(s, &line);
    }
    return s;
}

/* Scenario-sheet charts, in pixels (rows are 20 px). */
enum { CHART_W = 780, CHART_H = 360, CHART_ROWS = 19 };

static lxw_error place(xctx *x, lxw_worksheet *ws, lxw_chart *c, int row, int col,
                       const char *alt)
{
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    (void)x;
    /* col is 0 (left) or 1 (right): both anchor in column A, the right one shifted. */
    lxw_chart_options o = {.x_offset = col ? CHART_W + 16 : 0, .x_scale = CHART_W / 480.0,
                           .y_scale = CHART_H / 288.0, .description = (char *)alt};
    return worksheet_insert_chart_opt(ws, (lxw_row_t)row, 0, c, &o);
}

/* ---- Summary ----------------------------------------------------------------------------- */

enum { SC_NAME, SC_TITLE, SC_PPOS, SC_PDELTA, SC_MEAN, SC_P10, SC_P50, SC_P90, SC_HORIZON,
       SC_ROI, SC_IRR, SC_IRR_UNDEF, SC_PAYBACK, SC_NEVER, SC_SPEND, SC_REVENUE, SC_PEAK,
       SC_NCOL };
static const char *const sc_head[SC_NCOL] = {
    "Scenario", "Title", "P(NPV > 0): pays off", "P(NPV > 0) minus the first row's", "NPV mean",
    "NPV p10", "NPV p50 (median)", "NPV p90", "NPV over horizon only (median)",
    "ROI multiple (median)", "IRR (median)", "IRR undefined (share of trials)",
    "Payback (median quarter)", "Never pays back (share)", "Total spend (median)",
    "Total revenue (median)", "Peak unique active users (median)"};

/*
 * The Summary chart: a horizontal bar from p10 to p90 for each scenario, p10 to median in
 * the scenario's colour and median to p90 lighter, so the median is the colour change.
 * Stacked bars stack positive and negative values apart, so each part is split at zero
 * into six stacked series (two transparent spacers): the helper table in Series says how.
 */
static const char *const range_parts[6] = {
    "spacer below 0 (hidden)", "spacer above 0 (hidden)", "median to p90, below 0",
    "p10 to median, above 0", "p10 to median, below 0", "median to p90, above 0"};

static void range_split(double p10, double p50, double p90, double part[6])
{
    part[0] = fmin(p90, 0);
    part[1] = fmax(p10, 0);
    part[2] = fmin(p50, 0) - fmin(p90, 0);
    part[3] = fmax(p50, 0) - fmax(p10, 0);
    part[4] = fmin(p10, 0) - fmin(p50, 0);
    part[5] = fmax(p90, 0) - fmax(p50, 0);
}

static unsigned lighter(unsigned c)
{
    unsigned r = (c >> 16) & 255, g = (c >> 8) & 255, b = c & 255;
    r = (r + 2 * 255) / 3, g = (g + 2 * 255) / 3, b = (b + 2 * 255) / 3;
    return r << 16 | g << 8 | b;
}

/* A p10-to-p90 bar chart (see range_split) of `count` rows of `sheet` from row `first`:
 * categories in column 0, the six parts in columns col0 .. col0 + 5; row i is coloured
 * as scenario scen[i]. */
static lxw_error range_bars(xctx *x, lxw_worksheet *ws, int at, const char *sheet, int first,
                            int col0, const int *scen, int count, const char *title,
                            const char *axis_title, const char *desc, double y_scale)
{
    lxw_chart *c = new_chart(x, LXW_CHART_BAR_STACKED, title);
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    int last = first + count - 1;
    lxw_chart_point *pts = calloc((size_t)count + 1, sizeof *pts);
    lxw_chart_point **ptr = calloc((size_t)count + 1, sizeof *ptr);
    lxw_chart_fill *fills = calloc((size_t)count + 1, sizeof *fills);
    lxw_error e = pts && ptr && fills ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (int i = 0; i < 6 && e == LXW_NO_ERROR; i++) {
        lxw_chart_series *s = chart_add_series(c, NULL, NULL);
        if (!s) {
            e = LXW_ERROR_MEMORY_MALLOC_FAILED;
            break;
        }
        chart_series_set_categories(s, sheet, (lxw_row_t)first, 0, (lxw_row_t)last, 0);
        chart_series_set_values(s, sheet, (lxw_row_t)first, (lxw_col_t)(col0 + i),
                                (lxw_row_t)last, (lxw_col_t)(col0 + i));
        chart_series_set_name(s, range_parts[i]);
        if (i < 2) {
            lxw_chart_fill none = {.none = 1};
            lxw_chart_line no_line = {.none = 1};
            chart_series_set_fill(s, &none);
            chart_series_set_line(s, &no_line);
            continue;
        }
        int dark = i == 3 || i == 4;
        lxw_chart_fill legend = {.color = dark ? 0x595959 : 0xBFBFBF};
        chart_series_set_fill(s, &legend);
        lxw_chart_line edge = {.color = 0xFFFFFF, .width = 0.5f};
        chart_series_set_line(s, &edge);
        for (int k = 0; k < count; k++) {
            unsigned color = x->sc[scen[k]].color;
            fills[k].color = dark ? color : lighter(color);
            pts[k].fill = &fills[k];
            ptr[k] = &pts[k];
        }
        ptr[count] = NULL;
        e = chart_series_set_points(s, ptr);
    }
    free(pts);
    free(ptr);
    free(fills);
    if (e != LXW_NO_ERROR)
        return e;
    /* Six series make a confusing legend; the title says what the shades mean. */
    chart_legend_set_position(c, LXW_CHART_LEGEND_NONE);
    chart_set_series_gap(c, 50);
    /* In a bar chart libxlsxwriter's Y axis is the (vertical) category axis. */
    lxw_chart_axis *cat = chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y);
    style_axis(cat, NULL, NULL);
    chart_axis_set_reverse(cat); /* first row on top, as in the table */
    chart_axis_set_label_position(cat, LXW_CHART_AXIS_LABEL_POSITION_LOW);
    chart_axis_set_crossing_max(cat); /* the value axis at the bottom */
    style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), axis_title, MONEY_FMT);
    lxw_chart_options o = {.x_scale = 2.0, .y_scale = y_scale, .description = (char *)desc};
    return worksheet_insert_chart_opt(ws, (lxw_row_t)at, 0, c, &o);
}

static lxw_error range_chart(xctx *x, lxw_worksheet *ws, int at)
{
    int *scen = calloc((size_t)x->n + 1, sizeof *scen);
    if (!scen)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (int k = 0; k < x->n; k++)
        scen[k] = k;
    lxw_error e = range_bars(x, ws, at, "Series", x->range_row, 4, scen, x->n,
                             "NPV by scenario: bar from p10 to p90, darker up to the median",
                             "NPV (US$ billions)",
                             "NPV p10 to p90 of each scenario; the colour changes at the median",
                             1.6);
    free(scen);
    return e;
}

static lxw_error write_summary(xctx *x)
{
    const xfmt *f = &x->f;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Summary");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    const roi_report_meta *meta = x->meta;
    char line[512];
    snprintf(line, sizeof line, "%zu trials per scenario, seed %llu, %s; roisim %s",
             meta->trials, (unsigned long long)meta->seed, x->date,
             meta->version ? meta->version : ROI_VERSION);
    TRY(put_str(ws, 0, 0, "roisim: Monte Carlo ROI of the scenarios", f->title));
    TRY(put_str(ws, 1, 0, line, f->note));
    TRY(put_str(ws, 2, 0,
                "P(NPV > 0) is the share of simulated trials in which the investment's net "
                "present value is positive: the probability that the bet pays off. "
                "Money in US$ billions (B), users in billions (B) or millions (M).",
                f->note));
    const int head = 4, first = 5;
    x->summary_first = first;
    for (int c = 0; c < SC_NCOL; c++)
        TRY(put_str(ws, head, c, sc_head[c], c <= SC_TITLE ? f->head_left : f->head));
    TRY(worksheet_set_row(ws, (lxw_row_t)head, 45, NULL));

    size_t name_w = 10, title_w = 10;
    for (int k = 0; k < x->n; k++) {
        const roi_run *run = x->res->sc[k].run;
        const roi_model *m = run->model;
        const roi_summary *S = run->summary;
        int row = first + k;
        if (strlen(scen_name(run)) > name_w)
            name_w = strlen(scen_name(run));
        if (m->title && strlen(m->title) > title_w)
            title_w = strlen(m->title);
        /* The scenario name links to its sheet. */
        char url[64], *owned = NULL;
        snprintf(url, sizeof url, "internal:'%s'!A1", x->sc[k].sheet);
        const char *shown = roi_text_clean(scen_name(run), ROI_TEXT_XML, &owned);
        if (!shown)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        lxw_error e = worksheet_write_url_opt(ws, (lxw_row_t)row, SC_NAME, url, NULL, shown,
                                              "Open this scenario's sheet");
        free(owned);
        TRY(e);
        TRY(put_str(ws, row, SC_TITLE, m->title, f->text));
        const roi_summary *npv = &S[ROI_OUT_NPV];
        int has = npv->n_defined > 0;
        TRY(put_num(ws, row, SC_PPOS, has ? npv->prob_positive : NAN, f->pct));
        /* A formula, so the reader sees where the difference comes from. */
        char formula[64];
        snprintf(formula, sizeof formula, "=C%d-C%d", row + 1, first + 1);
        double delta = has && S[ROI_OUT_NPV].n_defined && x->res->sc[0].run->summary[ROI_OUT_NPV].n_defined
                           ? npv->prob_positive - x->res->sc[0].run->summary[ROI_OUT_NPV].prob_positive
                           : 0;
        TRY(worksheet_write_formula_num(ws, (lxw_row_t)row, SC_PDELTA, formula, f->pct_delta,
                                        delta));
        TRY(put_num(ws, row, SC_MEAN, has ? npv->mean : NAN, f->money));
        TRY(put_num(ws, row, SC_P10, has ? npv->pct[P10] : NAN, f->money));
        TRY(put_num(ws, row, SC_P50, has ? npv->pct[P50] : NAN, f->money));
        TRY(put_num(ws, row, SC_P90, has ? npv->pct[P90] : NAN, f->money));
        const roi_summary *hz = &S[ROI_OUT_NPV_HORIZON], *roi = &S[ROI_OUT_ROI_MULTIPLE],
                          *irr = &S[ROI_OUT_IRR], *sp = &S[ROI_OUT_TOTAL_SPEND],
                          *rv = &S[ROI_OUT_TOTAL_REVENUE], *pk = &S[ROI_OUT_PEAK_ACTIVE];
        TRY(put_num(ws, row, SC_HORIZON, hz->n_defined ? hz->pct[P50] : NAN, f->money));
        TRY(put_num(ws, row, SC_ROI, roi->n_defined ? roi->pct[P50] : NAN, f->ratio));
        TRY(put_num(ws, row, SC_IRR, irr->n_defined ? irr->pct[P50] : NAN, f->pct));
        TRY(put_num(ws, row, SC_IRR_UNDEF, irr->undefined_share, f->pct));
        int period = -1;
        if (roi_results_median_payback(run, &period) != ROI_OK)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        char label[16] = "";
        if (period >= 0)
            roi_model_period_label(m, period, label, sizeof label);
        if (period >= 0)
            TRY(put_str(ws, row, SC_PAYBACK, label, f->text));
        else
            TRY(worksheet_write_blank(ws, (lxw_row_t)row, SC_PAYBACK, f->text));
        TRY(put_num(ws, row, SC_NEVER, S[ROI_OUT_PAYBACK].undefined_share, f->pct));
        TRY(put_num(ws, row, SC_SPEND, sp->n_defined ? sp->pct[P50] : NAN, f->money));
        TRY(put_num(ws, row, SC_REVENUE, rv->n_defined ? rv->pct[P50] : NAN, f->money));
        TRY(put_num(ws, row, SC_PEAK, pk->n_defined ? pk->pct[P50] : NAN, f->users));
    }
    int row = first + x->n + 1;
    static const char *const notes[] = {
        "NPV: net present value of the cash flows (with terminal value and residuals); "
        "p10/p50/p90: 10% of trials fall below p10, half below p50, 90% below p90.",
        "IRR median: over the trials where IRR exists (the next column says how often it "
        "does not). Payback median counts never as beyond the horizon: empty when at least "
        "half the trials never pay back (share in the next column).",
        "Drivers: what drives NPV (tornado and sensitivity); Compare: each what-if against "
        "the base case trial by trial, conditional views, stress tests; Goals: goal seeks "
        "and sweeps.",
        "Each scenario's sheet (click its name) has the full statistics and charts; Inputs "
        "lists every assumption; Series the numbers behind every chart; Run how this file "
        "was made.",
    };
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
        TRY(put_str(ws, row + (int)i, 0, notes[i], f->note));

    /* The range chart: a bar from p10 to p90 per scenario, darker up to the median. */
    TRY(range_chart(x, ws, row + 5));
    TRY(put_str(ws, row + 5 + 25, 0, line, f->note));

    if (name_w > 30)
        name_w = 30;
    if (title_w > 45)
        title_w = 45;
    TRY(worksheet_set_column(ws, SC_NAME, SC_NAME, (double)name_w + 3, NULL));
    TRY(worksheet_set_column(ws, SC_TITLE, SC_TITLE, (double)title_w + 2, NULL));
    TRY(worksheet_set_column(ws, SC_PPOS, SC_PEAK, 12.5, NULL));
    page_setup(ws, first);
    worksheet_activate(ws);
    return LXW_NO_ERROR;
}

/* ---- one sheet per scenario ----------------------------------------------------------- */

enum { OC_LABEL, OC_KEY, OC_MEAN, OC_SD, OC_SE, OC_MIN, OC_PCT, OC_MAX = OC_PCT + ROI_NPCT,
       OC_PPOS, OC_CVAR, OC_UNDEF, OC_NCOL };

static lxw_error write_stats_table(xctx *x, lxw_worksheet *ws, int k, int head)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_model *m = run->model;
    TRY(put_str(ws, head, OC_LABEL, "Output", f->head_left));
    TRY(put_str(ws, head, OC_KEY, "JSON key", f->head_left));
    TRY(put_str(ws, head, OC_MEAN, "Mean", f->head));
    TRY(put_str(ws, head, OC_SD, "SD", f->head));
    TRY(put_str(ws, head, OC_SE, "SE of mean", f->head));
    TRY(put_str(ws, head, OC_MIN, "Min", f->head));
    for (int p = 0; p < ROI_NPCT; p++)
        TRY(put_str(ws, head, OC_PCT + p, roi_pct_names[p], f->head));
    TRY(put_str(ws, head, OC_MAX, "Max", f->head));
    TRY(put_str(ws, head, OC_PPOS, "P(> 0)", f->head));
    TRY(put_str(ws, head, OC_CVAR, "CVaR 5% (mean of worst 5%)", f->head));
    TRY(put_str(ws, head, OC_UNDEF, "Undefined / never (share)", f->head));
    TRY(worksheet_set_row(ws, (lxw_row_t)head, 45, NULL));

    int row = head + 1;
    for (int o = 0; o < ROI_OUT_COUNT; o++, row++) {
        const roi_summary *s = &run->summary[o];
        lxw_format *fm = output_format(f, (roi_output)o);
        int none = s->n_defined == 0, few = s->n_defined < 2;
        TRY(put_str(ws, row, OC_LABEL, output_label((roi_output)o), f->bold));
        TRY(put_str(ws, row, OC_KEY, roi_output_name((roi_output)o), f->text));
        TRY(put_num(ws, row, OC_MEAN, none ? NAN : s->mean, fm));
        TRY(put_num(ws, row, OC_SD, few ? NAN : s->sd, fm));
        TRY(put_num(ws, row, OC_SE, few ? NAN : s->se, fm));
        TRY(put_num(ws, row, OC_MIN, none ? NAN : s->min, fm));
        for (int p = 0; p < ROI_NPCT; p++)
            TRY(put_num(ws, row, OC_PCT + p, none ? NAN : s->pct[p], fm));
        TRY(put_num(ws, row, OC_MAX, none ? NAN : s->max, fm));
        TRY(put_num(ws, row, OC_PPOS, none ? NAN : s->prob_positive, f->pct));
        TRY(put_num(ws, row, OC_CVAR, none ? NAN : s->cvar5, fm));
        if (o == ROI_OUT_IRR || o == ROI_OUT_PAYBACK)
            TRY(put_num(ws, row, OC_UNDEF, s->undefined_share, f->pct));
        else
            TRY(worksheet_write_blank(ws, (lxw_row_t)row, OC_UNDEF, NULL));
    }
    /* Payback percentiles again as quarters: the quarter in which the period falls. */
    const roi_summary *pb = &run->summary[ROI_OUT_PAYBACK];
    TRY(put_str(ws, row, OC_LABEL, "Payback as a quarter", f->bold));
    TRY(put_str(ws, row, OC_KEY, "(from payback)", f->text));
    char label[16];
    if (pb->n_defined) {
        quarter_label(m, pb->min, label, sizeof label);
        TRY(put_str(ws, row, OC_MIN, label, f->right));
        for (int p = 0; p < ROI_NPCT; p++) {
            quarter_label(m, pb->pct[p], label, sizeof label);
            TRY(put_str(ws, row, OC_PCT + p, label, f->right));
        }
        quarter_label(m, pb->max, label, sizeof label);
        TRY(put_str(ws, row, OC_MAX, label, f->right));
    }
    char start[16];
    roi_model_period_label(m, 0, start, sizeof start);
    char note[256];
    snprintf(note, sizeof note,
             "Statistics over the trials where the output is defined; payback 0 = %s. "
             "Empty cells: no trial defines the value (see the last column).",
             start);
    TRY(put_str(ws, row + 1, OC_LABEL, note, f->note));
    return LXW_NO_ERROR;
}

/* Milestones: P(series >= threshold at quarter). Returns the next free row in *next. */
static lxw_error write_milestones(xctx *x, lxw_worksheet *ws, int k, int row, int *next)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_model *m = run->model;
    TRY(put_str(ws, row, OC_LABEL, "Milestones", f->subtitle));
    row++;
    if (m->n_milestones == 0) {
        TRY(put_str(ws, row, OC_LABEL, "(none defined in this scenario)", f->note));
        *next = row + 1;
        return LXW_NO_ERROR;
    }
    TRY(put_str(ws, row, OC_LABEL, "Milestone", f->head_left));
    TRY(put_str(ws, row, OC_KEY, "JSON key", f->head_left));
    TRY(put_str(ws, row, OC_MEAN, "Probability", f->head));
    row++;
    for (int i = 0; i < m->n_milestones; i++, row++) {
        const roi_milestone *ms = &m->milestones[i];
        char sname[128], q[16], thr[64], text[256];
        roi_model_series_name(m, ms->series, sname, sizeof sname);
        roi_model_period_label(m, ms->period, q, sizeof q);
        human(thr, sizeof thr, ms->threshold, series_unit(sname));
        for (char *p = sname; *p; p++)
            if (*p == '_')
                *p = ' ';
        snprintf(text, sizeof text, "P(%s >= %s in %s)", sname, thr, q);
        TRY(put_str(ws, row, OC_LABEL, text, f->text));
        TRY(put_str(ws, row, OC_KEY, ms->name, f->text));
        TRY(put_num(ws, row, OC_MEAN, run->milestone_prob[i], f->pct));
    }
    *next = row;
    return LXW_NO_ERROR;
}

/* The histogram and S-curve of npv (data in Series). */
static lxw_error npv_charts(xctx *x, lxw_worksheet *ws, int k, int row, int col2)
{
    const roi_run *run = x->res->sc[k].run;
    unsigned color = x->sc[k].color;
    int dr = dist_row(x, k);
    if (x->sc[k].npv.hist.bins > 0) {
        lxw_chart *c = new_chart(x, LXW_CHART_COLUMN, "NPV: distribution over trials");
        if (!c)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        lxw_chart_series *s = chart_add_series(c, NULL, NULL);
        if (!s)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        int last = dr + x->sc[k].npv.hist.bins - 1;
        chart_series_set_categories(s, "Series", (lxw_row_t)dr, HC_LABEL, (lxw_row_t)last,
                                    HC_LABEL);
        chart_series_set_values(s, "Series", (lxw_row_t)dr, HC_SHARE, (lxw_row_t)last,
                                HC_SHARE);
        chart_series_set_name(s, "Share of trials");
        lxw_chart_fill fill = {.color = color};
        lxw_chart_line line = {.color = 0xFFFFFF, .width = 0.5f};
        chart_series_set_fill(s, &fill);
        chart_series_set_line(s, &line);
        chart_set_series_gap(c, 0);
        chart_legend_set_position(c, LXW_CHART_LEGEND_NONE);
        style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), "NPV, US$ billions (bin centre; "
                   "edge bins hold the tails)", NULL);
        style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y), "Share of trials", "0%");
        TRY(place(x, ws, c, row, 0, "Histogram of NPV over the trials"));
    }
    if (run->summary[ROI_OUT_NPV].n_defined > 0) {
        char title[128];
        snprintf(title, sizeof title, "NPV S-curve: P(NPV <= x); P(NPV > 0) = %.1f%%",
                 100 * run->summary[ROI_OUT_NPV].prob_positive);
        lxw_chart *c = new_chart(x, LXW_CHART_SCATTER_STRAIGHT, title);
        if (!c)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        lxw_chart_series *s = chart_add_series(c, NULL, NULL);
        if (!s)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        chart_series_set_categories(s, "Series", (lxw_row_t)dr, SC_VALUE,
                                    (lxw_row_t)(dr + ROI_SCURVE_POINTS - 1), SC_VALUE);
        chart_series_set_values(s, "Series", (lxw_row_t)dr, SC_LEVEL,
                                (lxw_row_t)(dr + ROI_SCURVE_POINTS - 1), SC_LEVEL);
        chart_series_set_name(s, "Cumulative probability");
        lxw_chart_line line = {.color = color, .width = 2.25f};
        chart_series_set_line(s, &line);
        chart_series_set_marker_type(s, LXW_CHART_MARKER_NONE);
        chart_legend_set_position(c, LXW_CHART_LEGEND_NONE);
        style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), "NPV", MONEY_FMT);
        lxw_chart_axis *y = chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y);
        style_axis(y, "Cumulative probability", "0%");
        chart_axis_set_min(y, 0);
        chart_axis_set_max(y, 1);
        TRY(place(x, ws, c, row, col2, "Cumulative distribution of NPV"));
    }
    return LXW_NO_ERROR;
}

/* Stacked chart of the medians of the series whose names start with prefix. */
static lxw_chart *stacked(xctx *x, int k, uint8_t type, const char *title, const char *prefix,
                          const char *axis_title, const char *num_fmt)
{
    const roi_run *run = x->res->sc[k].run;
    lxw_chart *c = new_chart(x, type, title);
    if (!c)
        return NULL;
    size_t plen = strlen(prefix);
    int part = 0;
    for (int s = 0; s < run->n_series; s++) {
        char name[128];
        roi_model_series_name(run->model, s, name, sizeof name);
        if (strncmp(name, prefix, plen) != 0)
            continue;
        unsigned color = part_palette[(size_t)part++ % NPALETTE(part_palette)];
        if (!row_series(x, c, k, series_row(x, k, s, ST_P50), name + plen, color, 0, 0))
            return NULL;
    }
    if (type == LXW_CHART_COLUMN_STACKED) {
        chart_set_series_gap(c, 50);
        chart_set_series_overlap(c, 100);
    }
    style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y), axis_title, num_fmt);
    style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), NULL, NULL);
    chart_axis_set_label_position(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X),
                                  LXW_CHART_AXIS_LABEL_POSITION_LOW);
    return c;
}

static lxw_error period_charts(xctx *x, lxw_worksheet *ws, int k, int row, int col2, int step)
{
    unsigned color = x->sc[k].color;
    /* Fan chart of cumulative cash flow. */
    lxw_chart *c = new_chart(x, LXW_CHART_LINE,
                             "Cumulative cash flow by quarter: p10, median, p90 and mean");
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    static const struct { int st; const char *name; int w; uint8_t dash; int grey; } fan[] = {
        {ST_P90, "p90", 1, LXW_CHART_LINE_DASH_DASH, 0},
        {ST_P50, "median (p50)", 3, LXW_CHART_LINE_DASH_SOLID, 0},
        {ST_P10, "p10", 1, LXW_CHART_LINE_DASH_DASH, 0},
        {ST_MEAN, "mean", 1, LXW_CHART_LINE_DASH_ROUND_DOT, 1}};
    for (size_t i = 0; i < sizeof fan / sizeof fan[0]; i++)
        if (!row_series(x, c, k, series_row(x, k, ROI_SERIES_CUMULATIVE, fan[i].st),
                        fan[i].name, fan[i].grey ? 0x595959 : color, fan[i].w, fan[i].dash))
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
    style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y), "Cumulative cash flow", MONEY_FMT);
    style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), NULL, NULL);
    chart_axis_set_label_position(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X),
                                  LXW_CHART_AXIS_LABEL_POSITION_LOW);
    TRY(place(x, ws, c, row, 0, "Fan chart of cumulative cash flow"));

    /* Unique reach and unique active users (medians). */
    c = new_chart(x, LXW_CHART_LINE, "Unique reach and unique active users (medians)");
    if (!c ||
        !row_series(x, c, k, series_row(x, k, ROI_SERIES_UNIQUE_REACH, ST_P50), "unique reach",
                    0x7F7F7F, 2, LXW_CHART_LINE_DASH_DASH) ||
        !row_series(x, c, k, series_row(x, k, ROI_SERIES_UNIQUE_ACTIVE, ST_P50),
                    "unique active users", color, 3, LXW_CHART_LINE_DASH_SOLID))
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y), "People", USERS_FMT);
    style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), NULL, NULL);
    TRY(place(x, ws, c, row, col2, "Unique reach and active users"));

    row += step;
    c = stacked(x, k, LXW_CHART_AREA_STACKED, "Active users per surface (medians, stacked)",
                "active.", "People", USERS_FMT);
    TRY(place(x, ws, c, row, 0, "Active users per surface"));
    c = stacked(x, k, LXW_CHART_COLUMN_STACKED, "Revenue per stream by quarter (medians)",
                "revenue.", "Revenue per quarter", MONEY_FMT);
    TRY(place(x, ws, c, row, col2, "Revenue per stream"));
    row += step;
    c = stacked(x, k, LXW_CHART_COLUMN_STACKED, "Spend per line by quarter (medians)", "spend.",
                "Spend per quarter", MONEY_FMT);
    TRY(place(x, ws, c, row, 0, "Spend per line"));
    return LXW_NO_ERROR;
}

static lxw_error write_scenario(xctx *x, int k)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_model *m = run->model;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, x->sc[k].sheet);
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    char line[1024], start[16], end[16];
    snprintf(line, sizeof line, "%s: %s", scen_name(run), m->title ? m->title : "");
    TRY(put_str(ws, 0, 0, line, f->title));
    roi_model_period_label(m, 0, start, sizeof start);
    roi_model_period_label(m, m->periods - 1, end, sizeof end);
    snprintf(line, sizeof line, "Scenario file %s; horizon %s to %s (%d quarters); %zu trials, "
             "seed %llu. Per-quarter numbers behind the charts: sheet Series.",
             m->file ? m->file : "(none)", start, end, m->periods, run->trials,
             (unsigned long long)run->seed);
    TRY(put_str(ws, 1, 0, line, f->note));
    worksheet_set_tab_color(ws, x->sc[k].color);

    const int head = 3;
    TRY(write_stats_table(x, ws, k, head));
    int row = head + ROI_OUT_COUNT + 4;
    TRY(write_milestones(x, ws, k, row, &row));
    row += 1;

    /* Charts: two per band, 1.25 x 480 px wide, 1.1 x 288 px (16 rows) high. */
    const int col2 = 1, step = CHART_ROWS;
    TRY(npv_charts(x, ws, k, row, col2));
    TRY(period_charts(x, ws, k, row + step, col2, step));

    TRY(worksheet_set_column(ws, OC_LABEL, OC_LABEL, 30, NULL));
    TRY(worksheet_set_column(ws, OC_KEY, OC_KEY, 27, NULL));
    TRY(worksheet_set_column(ws, OC_MEAN, OC_UNDEF, 10.5, NULL));
    page_setup(ws, head + 1);
    return LXW_NO_ERROR;
}

static lxw_error write_scenarios(xctx *x)
{
    for (int k = 0; k < x->n; k++)
        TRY(write_scenario(x, k));
    return LXW_NO_ERROR;
}

/* ---- Inputs ----------------------------------------------------------------------------- */

static lxw_format *input_format(const xfmt *f, double typical)
{
    double a = fabs(typical);
    if (a >= 1e9)
        return f->billions;
    if (a >= 1e6)
        return f->millions;
    if (a >= 1000)
        return f->small[0];
    if (a >= 10)
        return f->small[1];
    if (a >= 0.01 || a == 0)
        return f->small[2];
    return f->small[3];
}

static lxw_error write_inputs(xctx *x)
{
    const xfmt *f = &x->f;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Inputs");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(put_str(ws, 0, 0, "Uncertain inputs of every scenario", f->title));
    TRY(put_str(ws, 1, 0,
                "Distribution as written in the scenario file; sampled mean, p5 and p95 over "
                "the trials. \"changed\": a what-if (or --set) changed it from its parent "
                "scenario. B = billions, M = millions.",
                f->note));
    static const char *const head[] = {"Scenario", "Input", "Distribution (as written)",
                                       "Sampled mean", "p5", "p95", "Changed by what-if"};
    for (int c = 0; c < 7; c++)
        TRY(put_str(ws, 3, c, head[c], c < 3 ? f->head_left : f->head));
    int row = 4;
    size_t name_w = 12, dist_w = 20;
    for (int k = 0; k < x->n; k++) {
        const roi_run *run = x->res->sc[k].run;
        const roi_graph *g = &run->model->graph;
        for (int i = 0; i < run->n_inputs; i++) {
            const roi_input_stats *in = &run->inputs[i];
            if (in->node < 0 || in->node >= g->n || g->nodes[in->node].kind != ROI_NODE_INPUT)
                continue;
            const roi_node *node = &g->nodes[in->node];
            char desc[512];
            roi_dist_describe(&node->dist, desc, sizeof desc);
            if (strlen(desc) > dist_w)
                dist_w = strlen(desc);
            if (node->name && strlen(node->name) > name_w)
                name_w = strlen(node->name);
            lxw_format *nf = input_format(f, fabs(in->p95) > fabs(in->p5) ? in->p95 : in->p5);
            lxw_format *tf = node->changed ? f->changed : f->text;
            TRY(put_str(ws, row, 0, scen_name(run), tf));
            TRY(put_str(ws, row, 1, node->name, tf));
            TRY(put_str(ws, row, 2, desc, tf));
            TRY(put_num(ws, row, 3, in->mean, nf));
            TRY(put_num(ws, row, 4, in->p5, nf));
            TRY(put_num(ws, row, 5, in->p95, nf));
            if (node->changed)
                TRY(put_str(ws, row, 6, "changed", f->changed));
            row++;
        }
    }
    if (name_w > 40)
        name_w = 40;
    if (dist_w > 60)
        dist_w = 60;
    TRY(worksheet_set_column(ws, 0, 0, 22, NULL));
    TRY(worksheet_set_column(ws, 1, 1, (double)name_w + 2, NULL));
    TRY(worksheet_set_column(ws, 2, 2, (double)dist_w + 2, NULL));
    TRY(worksheet_set_column(ws, 3, 5, 13, NULL));
    TRY(worksheet_set_column(ws, 6, 6, 12, NULL));
    if (row > 4)
        TRY(worksheet_autofilter(ws, 3, 0, (lxw_row_t)(row - 1), 6));
    page_setup(ws, 4);
    return LXW_NO_ERROR;
}

/* ---- Series ------------------------------------------------------------------------------ */

static lxw_error write_series_block(xctx *x, lxw_worksheet *ws, int k)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_model *m = run->model;
    int r0 = x->sc[k].block;
    char line[512];
    snprintf(line, sizeof line, "%s: %s", scen_name(run), m->title ? m->title : "");
    TRY(put_str(ws, r0, 0, line, f->subtitle));
    TRY(put_str(ws, r0 + 1, 0, "Series", f->head_left));
    TRY(put_str(ws, r0 + 1, 1, "Statistic", f->head_left));
    TRY(put_str(ws, r0 + 1, 2, "Unit", f->head_left));
    for (int t = 0; t < run->periods; t++) {
        char q[16];
        roi_model_period_label(m, t, q, sizeof q);
        TRY(put_str(ws, r0 + 1, SER_COL_DATA + t, q, f->head));
    }
    for (int s = 0; s < run->n_series; s++) {
        char name[128];
        roi_model_series_name(m, s, name, sizeof name);
        lxw_format *fm = series_format(f, name);
        for (int st = 0; st < N_ST; st++) {
            int row = series_row(x, k, s, st);
            TRY(put_str(ws, row, 0, name, st == 0 ? f->bold : f->text));
            TRY(put_str(ws, row, 1, st_names[st], f->text));
            TRY(put_str(ws, row, 2, series_unit(name), f->text));
            for (int t = 0; t < run->periods; t++) {
                const roi_band *b = &run->bands[(size_t)s * (size_t)run->periods + (size_t)t];
                double v = st == ST_MEAN ? b->mean : st == ST_P10 ? b->p10
                         : st == ST_P50 ? b->p50 : b->p90;
                TRY(put_num(ws, row, SER_COL_DATA + t, v, fm));
            }
        }
    }

    /* The npv histogram and S-curve (computed by plan). */
    const roi_histogram h = x->sc[k].npv.hist;
    size_t nd = x->sc[k].npv.n;
    int hr = hist_row(x, k), dr = dist_row(x, k);
    TRY(put_str(ws, hr, 0, "npv distribution (histogram and S-curve charts)", f->bold));
    static const struct { int col; const char *text; } dhead[] = {
        {HC_LABEL, "Histogram bin ($B; edge bins hold the tails)"}, {HC_FROM, "Bin from"},
        {HC_TO, "Bin to"}, {HC_TRIALS, "Trials"}, {HC_SHARE, "Share of trials"},
        {SC_LEVEL, "P(npv <= value)"}, {SC_VALUE, "npv value (PERCENTILE.INC)"}};
    for (size_t i = 0; i < sizeof dhead / sizeof dhead[0]; i++)
        TRY(put_str(ws, hr + 1, dhead[i].col, dhead[i].text,
                    dhead[i].col == HC_LABEL ? f->head_left : f->head));
    TRY(worksheet_set_row(ws, (lxw_row_t)(hr + 1), 30, NULL));
    int digits = h.width > 0 && h.width < 0.1e9 ? 2 : 1;
    for (int j = 0; j < h.bins; j++) {
        double from = h.start + h.width * j, to = from + h.width;
        char label[64];
        if (j == 0 && h.tail_lo && h.bins > 1)
            snprintf(label, sizeof label, "<%.*f", digits, to / 1e9);
        else if (j == h.bins - 1 && h.tail_hi && h.bins > 1)
            snprintf(label, sizeof label, ">=%.*f", digits, from / 1e9);
        else
            snprintf(label, sizeof label, "%.*f", digits, (from + to) / 2e9);
        int row = dr + j;
        TRY(put_str(ws, row, HC_LABEL, label, f->right));
        TRY(put_num(ws, row, HC_FROM, from, f->money));
        TRY(put_num(ws, row, HC_TO, to, f->money));
        TRY(put_num(ws, row, HC_TRIALS, (double)h.count[j], f->count));
        TRY(put_num(ws, row, HC_SHARE, nd ? (double)h.count[j] / (double)nd : 0, f->pct));
    }
    for (int j = 0; j < ROI_SCURVE_POINTS && nd > 0; j++) {
        TRY(put_num(ws, dr + j, SC_LEVEL, roi_scurve_levels[j], f->pct));
        TRY(put_num(ws, dr + j, SC_VALUE, x->sc[k].npv.scurve[j], f->money));
    }
    return LXW_NO_ERROR;
}

static lxw_error write_series(xctx *x)
{
    const xfmt *f = &x->f;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Series");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(put_str(ws, 0, 0, "The numbers behind every chart, one block per scenario", f->title));
    TRY(put_str(ws, 1, 0,
                "Per quarter: mean and p10/p50/p90 over trials of each series (the value in "
                "that quarter; flows per quarter). Then the npv histogram bins and S-curve.",
                f->note));
    /* The Summary chart's numbers. */
    int r = x->range_row;
    TRY(put_str(ws, r - 2, 0, "Summary chart: NPV p10 to p90 (parts as stacked bars)",
                f->subtitle));
    static const char *const rhead[4] = {"Scenario", "NPV p10", "NPV p50", "NPV p90"};
    for (int c = 0; c < 4; c++)
        TRY(put_str(ws, r - 1, c, rhead[c], c ? f->head : f->head_left));
    for (int c = 0; c < 6; c++)
        TRY(put_str(ws, r - 1, 4 + c, range_parts[c], f->head));
    TRY(worksheet_set_row(ws, (lxw_row_t)(r - 1), 45, NULL));
    for (int k = 0; k < x->n; k++) {
        const roi_summary *npv = &x->res->sc[k].run->summary[ROI_OUT_NPV];
        int has = npv->n_defined > 0;
        double part[6];
        range_split(npv->pct[P10], npv->pct[P50], npv->pct[P90], part);
        TRY(put_str(ws, r + k, 0, scen_name(x->res->sc[k].run), f->text));
        TRY(put_num(ws, r + k, 1, has ? npv->pct[P10] : NAN, f->money));
        TRY(put_num(ws, r + k, 2, has ? npv->pct[P50] : NAN, f->money));
        TRY(put_num(ws, r + k, 3, has ? npv->pct[P90] : NAN, f->money));
        for (int c = 0; c < 6; c++)
            TRY(put_num(ws, r + k, 4 + c, has ? part[c] : NAN, f->money));
    }
    for (int k = 0; k < x->n; k++)
        TRY(write_series_block(x, ws, k));
    TRY(worksheet_set_column(ws, 0, 0, 26, NULL));
    TRY(worksheet_set_column(ws, 1, 1, 20, NULL));
    TRY(worksheet_set_column(ws, 2, 2, 9, NULL));
    TRY(worksheet_set_column(ws, SER_COL_DATA, SER_COL_DATA + 40, 9, NULL));
    worksheet_freeze_panes(ws, 2, SER_COL_DATA);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    return LXW_NO_ERROR;
}

/* ---- analysis sheets: Drivers, Compare, Goals ---------------------------------------- */

/* "prob_positive of npv" */
static void stat_label(char *buf, size_t size, const char *stat_name, roi_output o)
{
    snprintf(buf, size, "%s of %s", stat_name ? stat_name : "", roi_output_name(o));
}

/* The format of a goal-seek or sweep statistic (se: of its standard error). */
static lxw_format *stat_format(const xfmt *f, const roi_stat *st, int se)
{
    if (st->kind == ROI_STAT_PROB_POSITIVE)
        return se ? f->pct_se : f->pct;
    lxw_format *fm = output_format(f, st->output);
    return se && fm == f->money ? f->money_se : fm;
}

static const roi_tornado_row *tornado_of(const roi_analysis *an, int node)
{
    for (int t = 0; t < an->n_tornado; t++)
        if (an->tornado[t].node == node)
            return &an->tornado[t];
    return NULL;
}

static lxw_error heads(lxw_worksheet *ws, int row, const char *const *text, int n, int left,
                       const xfmt *f)
{
    for (int c = 0; c < n; c++)
        TRY(put_str(ws, row, c, text[c], c < left ? f->head_left : f->head));
    return worksheet_set_row(ws, (lxw_row_t)row, 45, NULL);
}

/* Writes text in column col from row on, cut at spaces into lines of at most `width`
 * characters (so a note never runs past the printed width); returns the lines used. */
static int put_lines(lxw_worksheet *ws, int row, int col, const char *text, int width,
                     lxw_format *fmt, lxw_error *e)
{
    int lines = 0;
    const char *p = text;
    while (*p && *e == LXW_NO_ERROR) {
        int len = (int)strlen(p), cut = len;
        if (len > width) {
            cut = width;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = width;
        }
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", cut < (int)sizeof buf - 1 ? cut : (int)sizeof buf - 1, p);
        *e = put_str(ws, row + lines++, col, buf, fmt);
        p += cut;
        while (*p == ' ')
            p++;
    }
    return lines;
}

/* -- Drivers: one block per scenario: tornado chart, its data, the sensitivity table -- */

enum { DV_INPUT, DV_RHO, DV_RHO_SE, DV_CONTRIB, DV_LOW, DV_HIGH, DV_SWING, DV_SWING_SE,
       DV_T10, DV_T90, DV_NCOL };
enum { TOP_TORNADO = 12, TORNADO_ROWS = 21, NOTE_WIDTH = 150 };

static lxw_error tornado_chart(xctx *x, lxw_worksheet *ws, int k, int at, int first, int m)
{
    const roi_analysis *an = x->res->sc[k].analysis;
    char title[256], base[32];
    human(base, sizeof base, an->tornado_base, "US$");
    snprintf(title, sizeof title, "%s: NPV with one input at its p10 or p90, the others at "
             "their medians (centre %s)", scen_name(x->res->sc[k].run), base);
    lxw_chart *c = new_chart(x, LXW_CHART_BAR, title);
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    static const char *const names[2] = {"Input at its p10", "Input at its p90"};
    for (int i = 0; i < 2; i++) {
        lxw_chart_series *s = chart_add_series(c, NULL, NULL);
        if (!s)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        chart_series_set_categories(s, "Drivers", (lxw_row_t)first, 0,
                                    (lxw_row_t)(first + m - 1), 0);
        chart_series_set_values(s, "Drivers", (lxw_row_t)first, (lxw_col_t)(3 + i),
                                (lxw_row_t)(first + m - 1), (lxw_col_t)(3 + i));
        chart_series_set_name(s, names[i]);
        lxw_chart_fill fill = {.color = i ? x->sc[k].color : lighter(x->sc[k].color)};
        chart_series_set_fill(s, &fill);
        lxw_chart_line line = {.color = x->sc[k].color, .width = 0.75f};
        chart_series_set_line(s, &line);
    }
    /* Both bars of an input on one line, drawn from the all-medians NPV. */
    chart_set_series_overlap(c, 100);
    chart_set_series_gap(c, 40);
    lxw_chart_axis *cat = chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y);
    style_axis(cat, NULL, NULL);
    chart_axis_set_reverse(cat); /* largest range on top */
    chart_axis_set_label_position(cat, LXW_CHART_AXIS_LABEL_POSITION_LOW);
    chart_axis_set_crossing_max(cat); /* the value axis below the last (smallest) bar */
    lxw_chart_axis *val = chart_axis_get(c, LXW_CHART_AXIS_TYPE_X);
    /* libxlsxwriter writes the value axis' crossing into the category axis: the
     * category axis (where bars start) crosses the value axis at the all-medians NPV. */
    chart_axis_set_crossing(val, an->tornado_base);
    style_axis(val, "NPV (US$ billions); bars start at the all-medians NPV", MONEY_FMT);
    lxw_chart_options o = {.x_scale = 960 / 480.0, .y_scale = (TORNADO_ROWS - 1) * 20 / 288.0,
                           .description = "Tornado chart of NPV: each input alone at its p10 "
                                          "and p90"};
    return worksheet_insert_chart_opt(ws, (lxw_row_t)at, 0, c, &o);
}

static lxw_error drivers_block(xctx *x, lxw_worksheet *ws, int k, int r, int *next)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_analysis *an = x->res->sc[k].analysis;
    char line[512];
    snprintf(line, sizeof line, "%s: %s", scen_name(run), run->model->title ? run->model->title : "");
    TRY(put_str(ws, r, 0, line, f->subtitle));
    if (!an) {
        TRY(put_str(ws, r + 1, 0, "Not analysed (--no-analysis).", f->note));
        *next = r + 3;
        return LXW_NO_ERROR;
    }
    TRY(put_str(ws, r + 1, DV_INPUT, "All-medians NPV", f->bold));
    TRY(put_num(ws, r + 1, DV_RHO, an->tornado_base, f->money));
    TRY(put_str(ws, r + 1, DV_RHO_SE,
                "every input at its median: the tornado's centre. Bars: one input alone at its "
                "p10 (light) or p90 (dark); exact, no sampling.", f->note));
    int at = r + 2;
    int m = an->n_tornado < TOP_TORNADO ? an->n_tornado : TOP_TORNADO;
    int drow = at + TORNADO_ROWS + 1; /* chart data title */
    snprintf(line, sizeof line, "Tornado chart data: the %d inputs with the largest NPV range, "
             "largest first (every input is in the table below)", m);
    TRY(put_str(ws, drow, 0, line, f->bold));
    static const char *const thead[] = {"Input", "Input at its p10", "Input at its p90",
                                        "NPV, input at p10", "NPV, input at p90", "NPV range"};
    TRY(heads(ws, drow + 1, thead, 6, 1, f));
    for (int t = 0; t < m; t++) {
        const roi_tornado_row *tr = &an->tornado[t];
        lxw_format *inf = input_format(f, fabs(tr->q90) > fabs(tr->q10) ? tr->q90 : tr->q10);
        int row = drow + 2 + t;
        TRY(put_str(ws, row, 0, tr->name, f->text));
        TRY(put_num(ws, row, 1, tr->q10, inf));
        TRY(put_num(ws, row, 2, tr->q90, inf));
        TRY(put_num(ws, row, 3, tr->at_q10, f->money));
        TRY(put_num(ws, row, 4, tr->at_q90, f->money));
        TRY(put_num(ws, row, 5, tr->range, f->money));
    }
    if (m > 0)
        TRY(tornado_chart(x, ws, k, at, drow + 2, m));
    else
        TRY(put_str(ws, at, 0, "(no uncertain inputs: no tornado)", f->note));

    int srow = drow + 2 + m + 1;
    const roi_sens_output *so = &an->sens[ROI_OUT_NPV];
    TRY(put_str(ws, srow, 0, "Sensitivity of NPV to every uncertain input, most important first "
                "(by contribution to variance)", f->bold));
    if (!so->computed) {
        TRY(put_str(ws, srow + 1, 0, "(not computed: NPV is undefined in some trial)", f->note));
        *next = srow + 3;
        return LXW_NO_ERROR;
    }
    static const char *const shead[DV_NCOL] = {
        "Input", "Rank correlation (Spearman)", "SE", "Contribution to variance",
        "Mean NPV, input in its bottom decile", "Mean NPV, input in its top decile",
        "Decile swing (top minus bottom)", "SE", "Tornado: NPV at input p10",
        "Tornado: NPV at input p90"};
    TRY(heads(ws, srow + 1, shead, DV_NCOL, 1, f));
    for (int i = 0; i < so->n; i++) {
        const roi_sens *sr = &so->rows[i];
        const roi_tornado_row *tr = tornado_of(an, sr->node);
        int row = srow + 2 + i;
        TRY(put_str(ws, row, DV_INPUT, sr->name, f->text));
        TRY(put_num(ws, row, DV_RHO, sr->rank_corr, f->corr));
        TRY(put_num(ws, row, DV_RHO_SE, sr->rank_corr_se, f->corr_se));
        TRY(put_num(ws, row, DV_CONTRIB, sr->contribution, f->pct_delta));
        TRY(put_num(ws, row, DV_LOW, sr->low_mean, f->money));
        TRY(put_num(ws, row, DV_HIGH, sr->high_mean, f->money));
        TRY(put_num(ws, row, DV_SWING, sr->swing, f->money_delta));
        TRY(put_num(ws, row, DV_SWING_SE, sr->swing_se, f->money_se));
        TRY(put_num(ws, row, DV_T10, tr ? tr->at_q10 : NAN, f->money));
        TRY(put_num(ws, row, DV_T90, tr ? tr->at_q90 : NAN, f->money));
    }
    *next = srow + 2 + so->n + 2;
    return LXW_NO_ERROR;
}

static lxw_error write_drivers(xctx *x)
{
    const xfmt *f = &x->f;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Drivers");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(put_str(ws, 0, 0, "What drives NPV, scenario by scenario", f->title));
    lxw_error e = LXW_NO_ERROR;
    int row = 1 + put_lines(ws, 1, 0,
                "Rank correlation: Spearman's, input against NPV over the trials. Contribution "
                "to variance: its square as a share of the sum over inputs, signed. Decile "
                "swing: mean NPV where the input is in its top 10% minus where it is in its "
                "bottom 10% (the other inputs vary). Tornado: one input at a time, the others "
                "at their medians. SE: Monte Carlo standard error. Money in US$ billions.",
                NOTE_WIDTH, f->note, &e);
    TRY(e);
    row += 1;
    lxw_row_t *breaks = calloc((size_t)x->n + 1, sizeof *breaks);
    if (!breaks)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    int nb = 0;
    for (int k = 0; k < x->n && e == LXW_NO_ERROR; k++) {
        if (k > 0 && nb < 1000)
            breaks[nb++] = (lxw_row_t)row; /* each scenario starts a page */
        e = drivers_block(x, ws, k, row, &row);
    }
    if (e == LXW_NO_ERROR && nb > 0)
        e = worksheet_set_h_pagebreaks(ws, breaks);
    free(breaks);
    TRY(e);
    TRY(worksheet_set_column(ws, DV_INPUT, DV_INPUT, 34, NULL));
    TRY(worksheet_set_column(ws, DV_RHO, DV_T90, 12.5, NULL));
    page_setup(ws, 1);
    return LXW_NO_ERROR;
}

/* -- Compare: paired differences, conditional views, stress tests -------------------- */

enum { PC_NAME, PC_VS, PC_TRIALS, PC_MEAN, PC_SE, PC_P10, PC_P50, PC_P90, PC_BEATS,
       PC_BEATS_SE, PC_TIES, PC_NCOL, PC_PARTS = PC_NCOL + 1 };

/* The paired comparison table and its chart; *next: the first free row below. scen
 * receives the indices of the compared runs (room for x->n). */
static lxw_error compare_paired(xctx *x, lxw_worksheet *ws, int *scen, int *next)
{
    const xfmt *f = &x->f;
    const char *ref = NULL;
    int np = 0;
    for (int k = 0; k < x->n; k++) {
        const roi_paired *p = &x->res->sc[k].paired;
        if (p->done) {
            scen[np++] = k;
            if (!ref)
                ref = p->other;
        }
    }
    char line[512];
    snprintf(line, sizeof line, "How each what-if differs from %s, trial by trial",
             ref ? ref : "the reference scenario");
    TRY(put_str(ws, 0, 0, line, f->title));
    lxw_error e = LXW_NO_ERROR;
    int used = put_lines(ws, 1, 0,
                    "Every scenario uses the same seed, and an input draws the same numbers in "
                    "every scenario, so trial i of a what-if and trial i of the reference are a "
                    "pair: the difference is NPV(what-if) - NPV(reference) in the same trial. "
                    "SE: Monte Carlo standard error. P(beats): share of trials where the "
                    "what-if's NPV is higher; P(tie): equal.", NOTE_WIDTH, f->note, &e);
    TRY(e);
    const int head = 2 + used, first = head + 1;
    static const char *const phead[PC_NCOL] = {
        "Scenario", "Versus", "Trials", "Mean difference in NPV", "SE", "Difference p10",
        "Difference p50 (median)", "Difference p90", "P(beats the reference)", "SE", "P(tie)"};
    TRY(heads(ws, head, phead, PC_NCOL, 2, f));
    for (int c = 0; c < 6; c++)
        TRY(put_str(ws, head, PC_PARTS + c, range_parts[c], f->head));
    TRY(put_str(ws, head - 1, PC_PARTS, "Chart data: the bars' parts (docs/report.md)", f->bold));
    for (int i = 0; i < np; i++) {
        const roi_run *run = x->res->sc[scen[i]].run;
        const roi_paired *p = &x->res->sc[scen[i]].paired;
        int row = first + i;
        double part[6];
        range_split(p->p10, p->p50, p->p90, part);
        TRY(put_str(ws, row, PC_NAME, scen_name(run), f->text));
        TRY(put_str(ws, row, PC_VS, p->other, f->text));
        TRY(put_num(ws, row, PC_TRIALS, (double)p->n, f->count));
        TRY(put_num(ws, row, PC_MEAN, p->mean, f->money_delta));
        TRY(put_num(ws, row, PC_SE, p->se, f->money_se));
        TRY(put_num(ws, row, PC_P10, p->p10, f->money_delta));
        TRY(put_num(ws, row, PC_P50, p->p50, f->money_delta));
        TRY(put_num(ws, row, PC_P90, p->p90, f->money_delta));
        TRY(put_num(ws, row, PC_BEATS, p->prob_beats, f->pct));
        TRY(put_num(ws, row, PC_BEATS_SE, p->prob_beats_se, f->pct_se));
        TRY(put_num(ws, row, PC_TIES, p->prob_ties, f->pct));
        for (int c = 0; c < 6; c++)
            TRY(put_num(ws, row, PC_PARTS + c, part[c] + 0.0, f->money)); /* no -0 */
    }
    if (np == 0) {
        TRY(put_str(ws, first, 0, "(no what-if in this run, or --no-analysis: nothing to "
                    "compare)", f->note));
        *next = first + 2;
        return LXW_NO_ERROR;
    }
    snprintf(line, sizeof line, "NPV minus %s's, trial by trial: bar from p10 to p90, "
             "darker up to the median", ref);
    /* 100 px of axes and title plus 40 px per bar, at most the Summary chart's. */
    int px = 100 + 40 * np < 460 ? 100 + 40 * np : 460, at = first + np + 1;
    TRY(range_bars(x, ws, at, "Compare", first, PC_PARTS, scen, np, line,
                   "Difference in NPV (US$ billions)",
                   "Paired NPV difference of each what-if: p10 to p90", px / 288.0));
    *next = at + px / 20 + 2;
    return LXW_NO_ERROR;
}

/* Conditional views and stress tests, from row on. */
static lxw_error compare_views(xctx *x, lxw_worksheet *ws, int row)
{
    const xfmt *f = &x->f;
    /* Conditional views. */
    TRY(put_str(ws, row, 0, "Conditional views: NPV over the trials where a condition holds",
                f->subtitle));
    static const char *const vhead[] = {"Scenario", "View", "Condition", "Trials",
                                        "Share of trials", "SE", "Mean NPV", "SE",
                                        "P(NPV > 0)", "SE", "NPV p50 (median)"};
    TRY(heads(ws, row + 1, vhead, 11, 3, f));
    row += 2;
    int nv = 0;
    for (int k = 0; k < x->n; k++) {
        const roi_analysis *an = x->res->sc[k].analysis;
        for (int i = 0; an && i < an->n_views; i++, row++, nv++) {
            const roi_view_result *v = &an->views[i];
            const roi_summary *s = &v->summary[ROI_OUT_NPV];
            int none = s->n_defined == 0, few = s->n_defined < 2;
            TRY(put_str(ws, row, 0, scen_name(x->res->sc[k].run), f->text));
            TRY(put_str(ws, row, 1, v->name, f->text));
            TRY(put_str(ws, row, 2, v->where, f->text));
            TRY(put_num(ws, row, 3, (double)v->count, f->count));
            TRY(put_num(ws, row, 4, v->share, f->pct));
            TRY(put_num(ws, row, 5, v->share_se, f->pct_se));
            TRY(put_num(ws, row, 6, none ? NAN : s->mean, f->money));
            TRY(put_num(ws, row, 7, few ? NAN : s->se, f->money_se));
            TRY(put_num(ws, row, 8, none ? NAN : s->prob_positive, f->pct));
            TRY(put_num(ws, row, 9, none ? NAN : v->ci[ROI_OUT_NPV].prob_positive_se, f->pct_se));
            TRY(put_num(ws, row, 10, none ? NAN : s->pct[P50], f->money));
        }
    }
    if (nv == 0)
        TRY(put_str(ws, row++, 0, "(no views: declare view \"name\" { where = ... } in a "
                    "scenario, or --given \"condition\")", f->note));
    TRY(put_str(ws, row++, 0, "Empty cells: no trial satisfies the condition (its share is "
                "0%).", f->note));

    /* Stress tests. */
    row += 1;
    TRY(put_str(ws, row, 0, "Stress tests: reruns with one input restricted to a band of its "
                "percentiles", f->subtitle));
    static const char *const shead[] = {"Scenario", "Stress test", "Input", "Band from (level)",
                                        "Band to (level)", "Input from", "Input to",
                                        "NPV mean", "P(NPV > 0)", "Mean change in NPV (paired)",
                                        "SE"};
    TRY(heads(ws, row + 1, shead, 11, 3, f));
    row += 2;
    int ns = 0;
    for (int k = 0; k < x->n; k++) {
        const roi_analysis *an = x->res->sc[k].analysis;
        for (int i = 0; an && i < an->n_stress; i++, row++, ns++) {
            const roi_stress_result *r = &an->stress[i];
            const roi_summary *s = &r->summary[ROI_OUT_NPV];
            lxw_format *inf = input_format(f, isfinite(r->q_high) ? r->q_high : r->q_low);
            TRY(put_str(ws, row, 0, scen_name(x->res->sc[k].run), f->text));
            TRY(put_str(ws, row, 1, r->name, f->text));
            TRY(put_str(ws, row, 2, r->input, f->text));
            TRY(put_num(ws, row, 3, r->low, f->pct));
            TRY(put_num(ws, row, 4, r->high, f->pct));
            TRY(put_num(ws, row, 5, r->q_low, inf));
            TRY(put_num(ws, row, 6, r->q_high, inf));
            TRY(put_num(ws, row, 7, s->n_defined ? s->mean : NAN, f->money));
            TRY(put_num(ws, row, 8, s->n_defined ? s->prob_positive : NAN, f->pct));
            TRY(put_num(ws, row, 9, r->npv_diff_mean, f->money_delta));
            TRY(put_num(ws, row, 10, r->npv_diff_se, f->money_se));
        }
    }
    if (ns == 0)
        TRY(put_str(ws, row++, 0, "(no stress tests in this run: --stress input=0:10% or "
                    "stress \"name\" { input = ..., low = 0, high = 0.1 } in a scenario)",
                    f->note));
    else
        TRY(put_str(ws, row++, 0, "Input from / to: the band in the input's units; empty for "
                    "an open end (level 0% or 100%).", f->note));

    return LXW_NO_ERROR;
}

static lxw_error write_compare(xctx *x)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Compare");
    int *scen = calloc((size_t)x->n + 1, sizeof *scen);
    if (!ws || !scen) {
        free(scen);
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    }
    int row = 0;
    lxw_error e = compare_paired(x, ws, scen, &row);
    free(scen);
    TRY(e);
    TRY(compare_views(x, ws, row));
    TRY(worksheet_set_column(ws, 0, 0, 22, NULL));
    TRY(worksheet_set_column(ws, 1, 1, 22, NULL));
    TRY(worksheet_set_column(ws, 2, 2, 24, NULL));
    TRY(worksheet_set_column(ws, 3, PC_NCOL, 12, NULL));
    TRY(worksheet_set_column(ws, PC_PARTS, PC_PARTS + 5, 12, NULL));
    page_setup(ws, 1);
    return LXW_NO_ERROR;
}

/* -- Goals: goal seeks, sweeps as coloured data tables, convergence ------------------- */

enum { GC_NAME, GC_GOAL, GC_INPUT, GC_STAT, GC_TARGET, GC_LOW, GC_HIGH, GC_STATUS, GC_VALUE,
       GC_VALUE_SE, GC_AT, GC_AT_SE, GC_EVALS, GC_TRIALS, GC_NOTE, GC_NCOL };

static const char *goal_status_text(roi_goal_status st)
{
    return st == ROI_GOAL_FOUND ? "found"
           : st == ROI_GOAL_NOT_BRACKETED ? "not reached" : "not converged";
}

static lxw_error sweep_block(xctx *x, lxw_worksheet *ws, int k, const roi_sweep_result *w,
                             int row, int *next)
{
    const xfmt *f = &x->f;
    const roi_sweep_spec *sp = w->spec;
    char what[128], line[768];
    stat_label(what, sizeof what, sp->stat_name, sp->stat.output);
    if (sp->n_inputs > 1)
        snprintf(line, sizeof line, "%s: sweep %s: %s by %s (rows) and %s (columns), mode %s; "
                 "%zu trials per cell", scen_name(x->res->sc[k].run), sp->name, what, sp->input[0],
                 sp->input[1], roi_override_mode_name(sp->mode), w->trials);
    else
        snprintf(line, sizeof line, "%s: sweep %s: %s by %s, mode %s; %zu trials per cell",
                 scen_name(x->res->sc[k].run), sp->name, what, sp->input[0],
                 roi_override_mode_name(sp->mode), w->trials);
    TRY(put_str(ws, row, 0, line, f->bold));
    int head = row + 1, c_se = w->cols + 2;
    char corner[256];
    if (sp->n_inputs > 1)
        snprintf(corner, sizeof corner, "%s \\ %s", sp->input[0], sp->input[1]);
    else
        snprintf(corner, sizeof corner, "%s", sp->input[0]);
    TRY(put_str(ws, head, 0, corner, f->head_left));
    TRY(put_str(ws, head, c_se, "SE of each cell", f->head_left));
    TRY(worksheet_set_row(ws, (lxw_row_t)head, 30, NULL));
    for (int c = 0; c < w->cols; c++) {
        if (sp->n_inputs > 1) {
            double v = sp->values[1][c];
            TRY(put_num(ws, head, 1 + c, v, input_format(f, v)));
            TRY(put_num(ws, head, c_se + 1 + c, v, input_format(f, v)));
        } else {
            TRY(put_str(ws, head, 1 + c, what, f->head));
            TRY(put_str(ws, head, c_se + 1 + c, "SE", f->head));
        }
    }
    lxw_format *fm = stat_format(f, &sp->stat, 0), *fse = stat_format(f, &sp->stat, 1);
    for (int r = 0; r < w->rows; r++) {
        double v = sp->values[0][r];
        int at = head + 1 + r;
        TRY(put_num(ws, at, 0, v, input_format(f, v)));
        TRY(put_num(ws, at, c_se, v, input_format(f, v)));
        for (int c = 0; c < w->cols; c++) {
            size_t i = (size_t)r * (size_t)w->cols + (size_t)c;
            TRY(put_num(ws, at, 1 + c, w->stat[i], fm));
            TRY(put_num(ws, at, c_se + 1 + c, w->se[i], fse));
        }
    }
    if (w->rows > 0 && w->cols > 0) {
        /* Red (low) through yellow to green (high). */
        lxw_conditional_format cf = {.type = LXW_CONDITIONAL_3_COLOR_SCALE,
                                     .min_color = 0xF8696B, .mid_color = 0xFFEB84,
                                     .max_color = 0x63BE7B};
        TRY(worksheet_conditional_format_range(ws, (lxw_row_t)(head + 1), 1,
                                               (lxw_row_t)(head + w->rows), (lxw_col_t)w->cols,
                                               &cf));
    }
    *next = head + 1 + w->rows + 1;
    return LXW_NO_ERROR;
}

static lxw_error write_goals(xctx *x)
{
    const xfmt *f = &x->f;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Goals");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(put_str(ws, 0, 0, "Goal seeks and sweeps", f->title));
    lxw_error e = LXW_NO_ERROR;
    int used = put_lines(ws, 1, 0,
                "Goal seek: the value of one input at which a statistic of an output reaches "
                "its target (Brent's method; every evaluation reruns the scenario with the same "
                "seed). SE: Monte Carlo standard error. Each number can be reproduced with "
                "roisim run --set input=value.", NOTE_WIDTH, f->note, &e);
    TRY(e);
    const int head = 2 + used;
    static const char *const ghead[GC_NCOL] = {
        "Scenario", "Goal", "Input", "Statistic", "Target", "Search from", "Search to",
        "Status", "Value of the input", "SE", "Statistic at the value", "SE", "Evaluations",
        "Trials per evaluation", "Why not reached"};
    TRY(heads(ws, head, ghead, GC_NCOL, 4, f));
    TRY(put_str(ws, head, GC_NOTE, ghead[GC_NOTE], f->head_left));
    int row = head + 1, ng = 0, nw = 0;
    for (int k = 0; k < x->n; k++) {
        const roi_search *s = &x->res->sc[k].search;
        for (int g = 0; g < s->n_goals; g++, row++, ng++) {
            const roi_goal_result *r = &s->goals[g];
            const roi_goal_spec *sp = r->spec;
            char what[128];
            stat_label(what, sizeof what, sp->stat_name, sp->stat.output);
            lxw_format *inf = input_format(f, fmax(fabs(sp->low), fabs(sp->high)));
            int found = r->status != ROI_GOAL_NOT_BRACKETED;
            TRY(put_str(ws, row, GC_NAME, scen_name(x->res->sc[k].run), f->text));
            TRY(put_str(ws, row, GC_GOAL, sp->name, f->text));
            TRY(put_str(ws, row, GC_INPUT, sp->input, f->text));
            TRY(put_str(ws, row, GC_STAT, what, f->text));
            TRY(put_num(ws, row, GC_TARGET, sp->target, stat_format(f, &sp->stat, 0)));
            TRY(put_num(ws, row, GC_LOW, sp->low, inf));
            TRY(put_num(ws, row, GC_HIGH, sp->high, inf));
            TRY(put_str(ws, row, GC_STATUS, goal_status_text(r->status),
                        r->status == ROI_GOAL_FOUND ? f->center : f->bad));
            TRY(put_num(ws, row, GC_VALUE, found ? r->root : NAN, inf));
            TRY(put_num(ws, row, GC_VALUE_SE, found ? r->root_se : NAN, inf));
            TRY(put_num(ws, row, GC_AT, found ? r->stat_at_root : NAN,
                        stat_format(f, &sp->stat, 0)));
            TRY(put_num(ws, row, GC_AT_SE, found ? r->stat_se : NAN,
                        stat_format(f, &sp->stat, 1)));
            TRY(put_num(ws, row, GC_EVALS, r->evaluations, f->count));
            TRY(put_num(ws, row, GC_TRIALS, (double)r->trials, f->count));
            if (r->message[0]) {
                /* Wrapped in its 50-character column; rows do not grow by themselves. */
                int lines = ((int)strlen(r->message) + 47) / 48;
                TRY(put_str(ws, row, GC_NOTE, r->message, f->wrap));
                TRY(worksheet_set_row(ws, (lxw_row_t)row, 15.0 * lines, NULL));
            }
        }
    }
    if (ng == 0)
        TRY(put_str(ws, row++, 0, "(no goal seeks: declare goal \"name\" { input = ..., "
                    "output = ..., stat = ..., target = ..., low = ..., high = ... } in a "
                    "scenario; docs/search.md)", f->note));
    TRY(put_str(ws, row++, 0, "Not reached: the target is not between the statistic at the "
                "two ends of the search range (the value is then left empty).", f->note));

    row += 1;
    TRY(put_str(ws, row, 0, "Sweeps: a statistic over a grid of input values (red low, green "
                "high)", f->subtitle));
    row += 1;
    for (int k = 0; k < x->n; k++) {
        const roi_search *s = &x->res->sc[k].search;
        for (int i = 0; i < s->n_sweeps; i++, nw++)
            TRY(sweep_block(x, ws, k, &s->sweeps[i], row, &row));
    }
    if (nw == 0)
        TRY(put_str(ws, row++, 0, "(no sweeps: declare sweep \"name\" { inputs = {...}, values "
                    "= {...}, output = ..., stat = ... } in a scenario; docs/search.md)",
                    f->note));

    int nc = 0;
    for (int k = 0; k < x->n; k++)
        nc += x->res->sc[k].convergence.used;
    if (nc > 0) {
        row += 1;
        TRY(put_str(ws, row, 0, "Convergence (--precision): trials grown until SE / |mean| of "
                    "NPV meets the target", f->subtitle));
        static const char *const chead[] = {"Scenario", "Target (SE / |mean|)", "Trials",
                                            "Runs", "NPV mean", "SE", "SE / |mean|",
                                            "Reached"};
        TRY(heads(ws, row + 1, chead, 8, 1, f));
        row += 2;
        for (int k = 0; k < x->n; k++, row++) {
            const roi_convergence *c = &x->res->sc[k].convergence;
            if (!c->used) {
                row--;
                continue;
            }
            TRY(put_str(ws, row, 0, scen_name(x->res->sc[k].run), f->text));
            TRY(put_num(ws, row, 1, c->target, f->pct_se));
            TRY(put_num(ws, row, 2, (double)c->trials, f->count));
            TRY(put_num(ws, row, 3, c->rounds, f->count));
            TRY(put_num(ws, row, 4, c->mean, f->money));
            TRY(put_num(ws, row, 5, c->se, f->money_se));
            TRY(put_num(ws, row, 6, c->rel, f->pct_se));
            TRY(put_str(ws, row, 7, c->reached ? "yes" : "no (trial cap reached)",
                        c->reached ? f->right : f->changed));
        }
    }
    TRY(worksheet_set_column(ws, GC_NAME, GC_NAME, 24, NULL));
    TRY(worksheet_set_column(ws, GC_GOAL, GC_GOAL, 20, NULL));
    TRY(worksheet_set_column(ws, GC_INPUT, GC_INPUT, 22, NULL));
    TRY(worksheet_set_column(ws, GC_STAT, GC_STAT, 20, NULL));
    TRY(worksheet_set_column(ws, GC_TARGET, GC_HIGH, 11.5, NULL));
    TRY(worksheet_set_column(ws, GC_STATUS, GC_STATUS, 14, NULL));
    TRY(worksheet_set_column(ws, GC_VALUE, GC_TRIALS, 11.5, NULL));
    TRY(worksheet_set_column(ws, GC_NOTE, GC_NOTE, 50, NULL));
    page_setup(ws, 1);
    return LXW_NO_ERROR;
}

/* ---- Run -------------------------------------------------------------------------------- */

static lxw_error write_run(xctx *x)
{
    const xfmt *f = &x->f;
    const roi_report_meta *meta = x->meta;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Run");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(put_str(ws, 0, 0, "How this workbook was made", f->title));
    char seed[32], threads[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)meta->seed);
    /* Results never depend on threads; a reproducible file must not either. */
    if (!meta->created)
        snprintf(threads, sizeof threads, "not recorded");
    else if (meta->threads > 0)
        snprintf(threads, sizeof threads, "%d", meta->threads);
    else
        snprintf(threads, sizeof threads, "all cores");
    const char *keys[] = {"roisim version", "Command line", "Seed", "Trials per scenario",
                          "Threads", "Date and time"};
    for (int i = 0; i < 6; i++)
        TRY(put_str(ws, 2 + i, 0, keys[i], f->bold));
    TRY(put_str(ws, 2, 1, meta->version ? meta->version : ROI_VERSION, f->text));
    TRY(put_str(ws, 3, 1, meta->command ? meta->command : "(not recorded)", f->text));
    TRY(put_str(ws, 4, 1, seed, f->text)); /* text: a double would round seeds >= 2^53 */
    TRY(put_num(ws, 5, 1, (double)meta->trials, f->left_count));
    TRY(put_str(ws, 6, 1, threads, f->text));
    TRY(put_str(ws, 7, 1, x->date, f->text));
    TRY(put_str(ws, 8, 1,
                "Results do not depend on the thread count: the same seed gives the same "
                "numbers.",
                f->note));

    int head = 10;
    static const char *const head_txt[] = {"Scenario", "Title", "File", "SHA-256 of the file"};
    for (int c = 0; c < 4; c++)
        TRY(put_str(ws, head, c, head_txt[c], f->head_left));
    size_t file_w = 10;
    for (int k = 0; k < x->n; k++) {
        const roi_model *m = x->res->sc[k].run->model;
        char hex[65];
        int row = head + 1 + k;
        TRY(put_str(ws, row, 0, scen_name(x->res->sc[k].run), f->text));
        TRY(put_str(ws, row, 1, m->title, f->text));
        TRY(put_str(ws, row, 2, m->file ? m->file : "(none)", f->text));
        if (m->file && strlen(m->file) > file_w)
            file_w = strlen(m->file);
        if (m->file && roi_sha256_file(m->file, hex) == 0)
            TRY(put_str(ws, row, 3, hex, f->text));
        else
            TRY(put_str(ws, row, 3, "(file not readable)", f->note));
    }
    TRY(worksheet_set_column(ws, 0, 0, 22, NULL));
    TRY(worksheet_set_column(ws, 1, 1, 36, NULL));
    TRY(worksheet_set_column(ws, 2, 2, (double)(file_w > 70 ? 70 : file_w) + 2, NULL));
    TRY(worksheet_set_column(ws, 3, 3, 68, NULL));
    page_setup(ws, 0);
    return LXW_NO_ERROR;
}

/* ---- the workbook ------------------------------------------------------------------------- */

/* The sheets in tab order; a new sheet is one more writer here. */
static const sheet_writer sheet_writers[] = {write_summary, write_drivers, write_compare,
                                             write_goals, write_scenarios, write_inputs,
                                             write_series, write_run};

/* Names every scenario's sheet and fixes the Series layout. */
static roi_status plan(xctx *x)
{
    x->sc = calloc((size_t)x->n + 1, sizeof *x->sc);
    const char **taken = calloc((size_t)x->n + 8, sizeof *taken);
    if (!x->sc || !taken) {
        free(taken);
        return ROI_ERR_NOMEM;
    }
    /* The fixed sheets come first so no scenario takes their names. */
    static const char *const fixed[] = {"Summary", "Drivers", "Compare", "Goals",
                                        "Inputs", "Series", "Run"};
    int n_taken = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        taken[n_taken++] = fixed[i];
    x->range_row = 5;
    int row = x->range_row + x->n + 1;
    for (int k = 0; k < x->n; k++) {
        if (roi_report_sheet_name(scen_name(x->res->sc[k].run), taken, n_taken, x->sc[k].sheet) != 0) {
            free(taken);
            return ROI_ERR_PARAM;
        }
        taken[n_taken++] = x->sc[k].sheet;
        x->sc[k].block = row;
        x->sc[k].color = scen_palette[(size_t)k % NPALETTE(scen_palette)];
        row += block_height(x->res->sc[k].run);
        if (roi_results_distribution(x->res->sc[k].run, ROI_OUT_NPV, &x->sc[k].npv) != ROI_OK) {
            free(taken);
            return ROI_ERR_NOMEM;
        }
    }
    free(taken);
    return ROI_OK;
}

/* ---- Excel's limits, checked before anything is written -------------------------------- */

enum { XL_MAX_ROWS = 1048576, XL_MAX_COLS = 16384 };

/* Text longer than a cell holds: refused with the field named (put_str refuses any
 * other such text too, with libxlsxwriter's message). */
static roi_status check_text(const char *text, const char *what, const char *scenario,
                             const char *path, roi_error *err)
{
    size_t len = roi_text_utf16_len(text);
    if (len <= ROI_TEXT_EXCEL_CELL)
        return ROI_OK;
    return roi_error_set(err, ROI_ERR_PARAM, NULL,
                         "cannot write the workbook '%s': the %s%s%.40s%s is %zu characters "
                         "long, and an Excel cell holds at most %d; shorten it or leave out "
                         "--xlsx", path, what, scenario ? " of scenario '" : "",
                         scenario ? scenario : "", scenario ? "'" : "", len, ROI_TEXT_EXCEL_CELL);
}

/*
 * Refuses, before the workbook is started, what Excel cannot hold: a horizon with more
 * quarters than the Series sheet has columns, more rows than a sheet has, and a
 * scenario's name, title, file name, input names or the command line longer than a
 * cell. Whatever else exceeds a limit still fails the write cleanly (nothing replaced).
 */
static roi_status check_limits(const xctx *x, const char *path, roi_error *err)
{
    roi_status st = ROI_OK;
    size_t input_rows = 4;
    for (int k = 0; k < x->n && st == ROI_OK; k++) {
        const roi_run *run = x->res->sc[k].run;
        const roi_model *m = run->model;
        const char *name = scen_name(run);
        if (SER_COL_DATA + run->periods > XL_MAX_COLS)
            return roi_error_set(err, ROI_ERR_PARAM, NULL,
                                 "cannot write the workbook '%s': scenario '%.40s' has %d "
                                 "quarters, and the Series sheet has a column for each: Excel "
                                 "allows %d columns (at most %d quarters); shorten the horizon "
                                 "or leave out --xlsx", path, name, run->periods, XL_MAX_COLS,
                                 XL_MAX_COLS - SER_COL_DATA);
        st = check_text(name, "name", NULL, path, err);
        if (st == ROI_OK)
            st = check_text(m->title ? m->title : "", "title", name, path, err);
        if (st == ROI_OK)
            st = check_text(m->file ? m->file : "", "file name", name, path, err);
        const roi_graph *g = &m->graph;
        for (int i = 0; i < roi_graph_input_count(g) && st == ROI_OK; i++)
            st = check_text(g->nodes[roi_graph_input_node(g, i)].name, "name of an input",
                            name, path, err);
        input_rows += (size_t)run->n_inputs;
    }
    if (st == ROI_OK && x->meta->command)
        st = check_text(x->meta->command, "command line", NULL, path, err);
    if (st != ROI_OK)
        return st;
    size_t series_rows = x->n > 0 ? (size_t)x->sc[x->n - 1].block +
                                        (size_t)block_height(x->res->sc[x->n - 1].run)
                                  : 0;
    if (series_rows > XL_MAX_ROWS || input_rows > XL_MAX_ROWS)
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "cannot write the workbook '%s': its %s sheet would need %zu rows, "
                             "and Excel allows %d; run fewer scenarios or leave out --xlsx",
                             path, series_rows > XL_MAX_ROWS ? "Series" : "Inputs",
                             series_rows > XL_MAX_ROWS ? series_rows : input_rows, XL_MAX_ROWS);
    return ROI_OK;
}

/* ---- the workbook file -------------------------------------------------------------------- */

roi_status roi_report_xlsx_write(const roi_results *res, const roi_report_meta *meta,
                                 const char *path, roi_error *err)
{
    roi_atomic_file af = {0};
    xctx x = {.res = res, .n = res->n, .meta = meta};
    roi_status st = plan(&x);
    if (st != ROI_OK) {
        free(x.sc);
        return roi_error_set(err, st, NULL, st == ROI_ERR_NOMEM ? "out of memory writing '%s'"
                                                : "cannot name the sheets of '%s'", path);
    }
    st = check_limits(&x, path, err);
    if (st != ROI_OK) {
        free(x.sc);
        return st;
    }
    time_t created = meta->created ? (time_t)meta->created : ROI_XLSX_CREATED;
    if (meta->created) {
        struct tm tm;
        gmtime_r(&created, &tm);
        strftime(x.date, sizeof x.date, "%Y-%m-%d %H:%M UTC", &tm);
    } else {
        snprintf(x.date, sizeof x.date, "date not recorded (--reproducible)");
    }

    /* libxlsxwriter creates the file by name: it gets one inside a private directory,
     * reached through the directory's descriptor (atomic.h), never a name another user
     * of the folder could replace with a link. */
    st = roi_atomic_open_named(&af, path, err);
    if (st != ROI_OK) {
        free(x.sc);
        return st;
    }
    lxw_workbook_options opts = {.constant_memory = 0, .tmpdir = NULL, .use_zip64 = 0};
    x.wb = workbook_new_opt(af.name, &opts);
    if (!x.wb) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "cannot start the workbook '%s'", path);
        goto fail;
    }
    lxw_doc_properties props = {.title = "roisim report", .author = "roisim",
                                .created = created};
    lxw_error e = workbook_set_properties(x.wb, &props);
    if (e == LXW_NO_ERROR)
        make_formats(x.wb, &x.f);
    for (size_t i = 0; e == LXW_NO_ERROR && i < sizeof sheet_writers / sizeof *sheet_writers;
         i++)
        e = sheet_writers[i](&x);
    errno = 0;
    lxw_error closed = workbook_close(x.wb); /* frees wb whatever happens */
    int saved = errno;
    x.wb = NULL;
    if (e == LXW_NO_ERROR)
        e = closed;
    if (e != LXW_NO_ERROR) {
        /* The file errors come with errno set: say why ("No space left on device"). */
        int sys = e == closed && saved &&
                  (e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE ||
                   e == LXW_ERROR_READING_TMPFILE || e == LXW_ERROR_ZIP_FILE_OPERATION ||
                   e == LXW_ERROR_ZIP_FILE_ADD || e == LXW_ERROR_ZIP_CLOSE);
        st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write the workbook '%s': %s%s%s%s",
                           path, lxw_strerror(e), sys ? " (" : "", sys ? strerror(saved) : "",
                           sys ? ")" : "");
        goto fail;
    }
    st = roi_atomic_commit(&af, err);
    free(x.sc);
    return st;

fail:
    roi_atomic_abort(&af);
    free(x.sc);
    return st;
}
