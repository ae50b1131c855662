/*
 * xlsx_series.c - the Series sheet: the numbers behind every chart, laid out by plan()
 * before any sheet is written so that charts can point into it.
 */
#include "xlsx_int.h"

#include <math.h>
#include <string.h>

static const char *const st_names[N_ST] = {"mean", "p10", "p50", "p90"};

/*
 * A scenario's block is printed a page at a time: its title and the quarters' header,
 * ser_group() series (N_ST rows each), then for every further group a page break and
 * the header again, so that every printed page of bands says which quarter each column
 * is; then, on a page of its own, the npv histogram and S-curve table (2 + N_DIST_ROWS
 * rows, one of them twice as tall: 46 of the 50 a page holds at SER_SCALE).
 */
enum { SER_SCALE = 70 }; /* percent: too wide for one page at a readable size */

/* Series a printed page holds: its rows less the title, the header and two to spare. */
static int ser_group(void)
{
    return (xl_rows_per_page(SER_SCALE) - 4) / N_ST;
}

/* The header rows repeated inside a block of n_series series. */
static int extra_heads(int n_series)
{
    return n_series > 0 ? (n_series - 1) / ser_group() : 0;
}

int xl_block_height(const roi_run *run)
{
    return 2 + N_ST * run->n_series + extra_heads(run->n_series) + 1 + 2 + N_DIST_ROWS + 1;
}

/* Row in Series of series s, statistic st, of scenario k. */
int xl_series_row(const xctx *x, int k, int s, int st)
{
    return x->sc[k].block + 2 + N_ST * s + s / ser_group() + st;
}

/* The row of the quarters' header above group g of scenario k's series. */
static int group_head_row(const xctx *x, int k, int g)
{
    return xl_series_row(x, k, g * ser_group(), 0) - 1;
}

int xl_hist_row(const xctx *x, int k)
{
    int n = x->res->sc[k].run->n_series;
    return x->sc[k].block + 2 + N_ST * n + extra_heads(n) + 1;
}

/* First data row of the histogram and S-curve tables (the header is the row before). */
int xl_dist_row(const xctx *x, int k)
{
    return xl_hist_row(x, k) + 2;
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

/* ---- Series ------------------------------------------------------------------------------ */

static lxw_error write_series_block(xctx *x, lxw_worksheet *ws, int k)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_model *m = run->model;
    int r0 = x->sc[k].block;
    char line[512];
    snprintf(line, sizeof line, "%s: %s", xl_scen_name(run), m->title ? m->title : "");
    TRY(xl_put_str(ws, r0, 0, line, f->subtitle));
    for (int g = 0; g <= extra_heads(run->n_series); g++) {
        int hr = group_head_row(x, k, g);
        TRY(xl_put_str(ws, hr, 0, "Series", f->head_left));
        TRY(xl_put_str(ws, hr, 1, "Statistic", f->head_left));
        TRY(xl_put_str(ws, hr, 2, "Unit", f->head_left));
        for (int t = 0; t < run->periods; t++) {
            char q[16];
            roi_model_period_label(m, t, q, sizeof q);
            TRY(xl_put_str(ws, hr, SER_COL_DATA + t, q, f->head));
        }
    }
    for (int s = 0; s < run->n_series; s++) {
        char name[128];
        if (!roi_model_series_present(m, s))
            continue; /* score, quality_multiplier of a case without versions: rows left empty */
        roi_model_series_name(m, s, name, sizeof name);
        lxw_format *fm = series_format(f, name);
        for (int st = 0; st < N_ST; st++) {
            int row = xl_series_row(x, k, s, st);
            TRY(xl_put_str(ws, row, 0, name, st == 0 ? f->bold : f->text));
            TRY(xl_put_str(ws, row, 1, st_names[st], f->text));
            TRY(xl_put_str(ws, row, 2, xl_series_unit(name), f->text));
            for (int t = 0; t < run->periods; t++) {
                const roi_band *b = &run->bands[(size_t)s * (size_t)run->periods + (size_t)t];
                double v = st == ST_MEAN ? b->mean : st == ST_P10 ? b->p10
                         : st == ST_P50 ? b->p50 : b->p90;
                TRY(xl_put_num(x, ws, row, SER_COL_DATA + t, v, fm));
            }
        }
    }

    /* The npv histogram and S-curve (computed by plan). */
    const roi_histogram h = x->sc[k].npv.hist;
    size_t nd = x->sc[k].npv.n;
    int hr = xl_hist_row(x, k), dr = xl_dist_row(x, k);
    TRY(xl_put_str(ws, hr, 0, "npv distribution (histogram and S-curve charts)", f->bold));
    static const struct { int col; const char *text; } dhead[] = {
        {HC_LABEL, NULL}, {HC_FROM, "Bin from"},
        {HC_TO, "Bin to"}, {HC_TRIALS, "Trials"}, {HC_SHARE, "Share of trials"},
        {SC_LEVEL, "P(npv <= value)"}, {SC_VALUE, "npv value (PERCENTILE.INC)"}};
    char bin_head[64];
    snprintf(bin_head, sizeof bin_head, "Histogram bin (%s; edge bins hold the tails)", x->unit);
    for (size_t i = 0; i < sizeof dhead / sizeof dhead[0]; i++)
        TRY(xl_put_str(ws, hr + 1, dhead[i].col, dhead[i].text ? dhead[i].text : bin_head,
                       dhead[i].col == HC_LABEL ? f->head_left : f->head));
    TRY(worksheet_set_row(ws, (lxw_row_t)(hr + 1), 30, NULL));
    /* labels in the report's money unit; two decimals for bins under a tenth of it */
    const double unit = x->mu.scale;
    int digits = h.width > 0 && h.width < 0.1 * unit ? 2 : 1;
    for (int j = 0; j < h.bins; j++) {
        double from = h.start + h.width * j, to = from + h.width;
        char label[64];
        if (j == 0 && h.tail_lo && h.bins > 1)
            snprintf(label, sizeof label, "<%.*f", digits, to / unit);
        else if (j == h.bins - 1 && h.tail_hi && h.bins > 1)
            snprintf(label, sizeof label, ">=%.*f", digits, from / unit);
        else
            snprintf(label, sizeof label, "%.*f", digits, (from + to) / 2 / unit);
        int row = dr + j;
        TRY(xl_put_str(ws, row, HC_LABEL, label, f->right));
        TRY(xl_put_num(x, ws, row, HC_FROM, from, f->money));
        TRY(xl_put_num(x, ws, row, HC_TO, to, f->money));
        TRY(xl_put_num(x, ws, row, HC_TRIALS, (double)h.count[j], f->count));
        TRY(xl_put_num(x, ws, row, HC_SHARE, nd ? (double)h.count[j] / (double)nd : 0, f->pct));
    }
    for (int j = 0; j < ROI_SCURVE_POINTS && nd > 0; j++) {
        TRY(xl_put_num(x, ws, dr + j, SC_LEVEL, roi_scurve_levels[j], f->pct));
        TRY(xl_put_num(x, ws, dr + j, SC_VALUE, x->sc[k].npv.scurve[j], f->money));
    }
    return LXW_NO_ERROR;
}

lxw_error xl_write_series(xctx *x)
{
    const xfmt *f = &x->f;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Series");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(xl_put_str(ws, 0, 0, "The numbers behind every chart, one block per scenario", f->title));
    TRY(xl_put_str(ws, 1, 0,
                   "Per quarter: mean and p10/p50/p90 over trials of each series (the value in "
                   "that quarter; flows per quarter). Then the npv histogram bins and S-curve.",
                   f->note));
    /* The Summary chart's numbers. */
    int r = x->range_row;
    TRY(xl_put_str(ws, r - 2, 0, "Summary chart: NPV p10 to p90 (parts as stacked bars)",
                   f->subtitle));
    static const char *const rhead[4] = {"Scenario", "NPV p10", "NPV p50", "NPV p90"};
    for (int c = 0; c < 4; c++)
        TRY(xl_put_str(ws, r - 1, c, rhead[c], c ? f->head : f->head_left));
    for (int c = 0; c < 6; c++)
        TRY(xl_put_str(ws, r - 1, 4 + c, xl_range_parts[c], f->head));
    TRY(worksheet_set_row(ws, (lxw_row_t)(r - 1), 45, NULL));
    for (int k = 0; k < x->n; k++) {
        const roi_summary *npv = &x->res->sc[k].run->summary[ROI_OUT_NPV];
        int has = npv->n_defined > 0;
        double part[6];
        xl_range_split(npv->pct[P10], npv->pct[P50], npv->pct[P90], part);
        TRY(xl_put_str(ws, r + k, 0, xl_scen_name(x->res->sc[k].run), f->text));
        TRY(xl_put_num(x, ws, r + k, 1, has ? npv->pct[P10] : NAN, f->money));
        TRY(xl_put_num(x, ws, r + k, 2, has ? npv->pct[P50] : NAN, f->money));
        TRY(xl_put_num(x, ws, r + k, 3, has ? npv->pct[P90] : NAN, f->money));
        for (int c = 0; c < 6; c++)
            TRY(xl_put_num(x, ws, r + k, 4 + c, has ? part[c] : NAN, f->money));
    }
    for (int k = 0; k < x->n; k++)
        TRY(write_series_block(x, ws, k));
    /* A page break before each block, each repeated header and each distribution table. */
    xl_breaks b = {0};
    for (int k = 0; k < x->n; k++) {
        xl_break_at(&b, x->sc[k].block);
        for (int g = 1; g <= extra_heads(x->res->sc[k].run->n_series); g++)
            xl_break_at(&b, group_head_row(x, k, g));
        xl_break_at(&b, xl_hist_row(x, k));
    }
    TRY(xl_set_breaks(ws, &b));
    TRY(worksheet_set_column(ws, 0, 0, 26, NULL));
    TRY(worksheet_set_column(ws, 1, 1, 20, NULL));
    TRY(worksheet_set_column(ws, 2, 2, 9, NULL));
    TRY(worksheet_set_column(ws, SER_COL_DATA, SER_COL_DATA + 40, 9, NULL));
    /* Printed at SER_SCALE, across pages, with the series, statistic and unit columns
     * repeated on each. */
    xl_page_setup(x, ws, "Series", 0, 0, 0);
    worksheet_fit_to_pages(ws, 0, 0);
    worksheet_set_print_scale(ws, SER_SCALE);
    worksheet_repeat_columns(ws, 0, SER_COL_DATA - 1);
    worksheet_freeze_panes(ws, 2, SER_COL_DATA);
    return LXW_NO_ERROR;
}
