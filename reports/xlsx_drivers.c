/*
 * xlsx_drivers.c - the Drivers sheet: per scenario, the tornado chart and its data, and
 * the sensitivity of NPV to every uncertain input.
 */
#include "xlsx_int.h"

#include <math.h>
#include <stdlib.h>

static const roi_tornado_row *tornado_of(const roi_analysis *an, int node)
{
    for (int t = 0; t < an->n_tornado; t++)
        if (an->tornado[t].node == node)
            return &an->tornado[t];
    return NULL;
}

/* -- Drivers: one block per scenario: tornado chart, its data, the sensitivity table -- */

enum { DV_INPUT, DV_RHO, DV_RHO_SE, DV_CONTRIB, DV_LOW, DV_HIGH, DV_SWING, DV_SWING_SE,
       DV_T10, DV_T90, DV_NCOL };
enum { TOP_TORNADO = 12, TORNADO_ROWS = 21 };
/* The tornado data table: the column of the inputs in words (the chart's labels). */
enum { TC_WORDS = 6 };

static lxw_error tornado_chart(xctx *x, lxw_worksheet *ws, int k, int at, int first, int m)
{
    const roi_analysis *an = x->res->sc[k].analysis;
    char title[256], base[32];
    roi_nf money = {ROI_NF_MONEY, 1, &x->mu};
    roi_numfmt(base, sizeof base, an->tornado_base, &money);
    snprintf(title, sizeof title, "%s: NPV with one input at its p10 or p90, the others at "
             "their medians (centre %s)", xl_scen_name(x->res->sc[k].run), base);
    lxw_chart *c = xl_new_chart(x, LXW_CHART_BAR, title);
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    static const char *const names[2] = {"Input at its p10", "Input at its p90"};
    for (int i = 0; i < 2; i++) {
        lxw_chart_series *s = chart_add_series(c, NULL, NULL);
        if (!s)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        chart_series_set_categories(s, "Drivers", (lxw_row_t)first, TC_WORDS,
                                    (lxw_row_t)(first + m - 1), TC_WORDS);
        chart_series_set_values(s, "Drivers", (lxw_row_t)first, (lxw_col_t)(3 + i),
                                (lxw_row_t)(first + m - 1), (lxw_col_t)(3 + i));
        chart_series_set_name(s, names[i]);
        lxw_chart_fill fill = {.color = i ? x->sc[k].color : xl_lighter(x->sc[k].color)};
        chart_series_set_fill(s, &fill);
        lxw_chart_line line = {.color = x->sc[k].color, .width = 0.75f};
        chart_series_set_line(s, &line);
    }
    /* Both bars of an input on one line, drawn from the all-medians NPV. */
    chart_set_series_overlap(c, 100);
    chart_set_series_gap(c, 40);
    lxw_chart_axis *cat = chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y);
    xl_style_axis(cat, NULL, NULL);
    chart_axis_set_reverse(cat); /* largest range on top */
    chart_axis_set_label_position(cat, LXW_CHART_AXIS_LABEL_POSITION_LOW);
    chart_axis_set_crossing_max(cat); /* the value axis below the last (smallest) bar */
    lxw_chart_axis *val = chart_axis_get(c, LXW_CHART_AXIS_TYPE_X);
    /* libxlsxwriter writes the value axis' crossing into the category axis: the
     * category axis (where bars start) crosses the value axis at the all-medians NPV. */
    chart_axis_set_crossing(val, an->tornado_base);
    char axis[96];
    snprintf(axis, sizeof axis, "NPV, %s; bars start at the all-medians NPV", x->unit);
    xl_style_axis(val, axis, x->money_code);
    /* The axis spans the bars (and their centre), not always $0. */
    double lo = an->tornado_base, hi = an->tornado_base;
    for (int t = 0; t < m; t++) {
        lo = fmin(lo, fmin(an->tornado[t].at_q10, an->tornado[t].at_q90));
        hi = fmax(hi, fmax(an->tornado[t].at_q10, an->tornado[t].at_q90));
    }
    xl_axis_range(val, lo, hi);
    lxw_chart_options o = {.x_scale = 960 / 480.0, .y_scale = (TORNADO_ROWS - 1) * 20 / 288.0,
                           .description = "Tornado chart of NPV: each input alone at its p10 "
                                          "and p90"};
    return worksheet_insert_chart_opt(ws, (lxw_row_t)at, 0, c, &o);
}

/* Where the Drivers sheet's pages break: before each scenario, before its sensitivity
 * table, and every `chunk` rows of that table (each page repeating its header). */
typedef struct pager {
    xl_breaks b;
    int chunk;
} pager;

/* The sensitivity of NPV to every input from row srow on, its own pages. */
static lxw_error sens_table(xctx *x, lxw_worksheet *ws, int k, int srow, pager *pg, int *next)
{
    const xfmt *f = &x->f;
    const roi_analysis *an = x->res->sc[k].analysis;
    xl_break_at(&pg->b, srow); /* the sensitivity table starts a page */
    const roi_sens_output *so = &an->sens[ROI_OUT_NPV];
    TRY(xl_put_str(ws, srow, 0, "Sensitivity of NPV to every uncertain input, most important first "
                   "(by contribution to variance)", f->bold));
    if (!so->computed) {
        TRY(xl_put_str(ws, srow + 1, 0, "(not computed: NPV is undefined in some trial)", f->note));
        *next = srow + 3;
        return LXW_NO_ERROR;
    }
    static const char *const shead[DV_NCOL] = {
        "Input", "Rank correlation (Spearman)", "SE", "Contribution to variance",
        "Mean NPV, input in its bottom decile", "Mean NPV, input in its top decile",
        "Decile swing (top minus bottom)", "SE", "Tornado: NPV at input p10",
        "Tornado: NPV at input p90"};
    TRY(xl_heads(ws, srow + 1, shead, DV_NCOL, 1, f));
    int row = srow + 2;
    for (int i = 0; i < so->n; i++, row++) {
        const roi_sens *sr = &so->rows[i];
        const roi_tornado_row *tr = tornado_of(an, sr->node);
        if (i > 0 && i % pg->chunk == 0) { /* a new page, with the table's header again */
            xl_break_at(&pg->b, row);
            TRY(xl_heads(ws, row++, shead, DV_NCOL, 1, f));
        }
        TRY(xl_put_str(ws, row, DV_INPUT, sr->name, f->text));
        TRY(xl_put_num(x, ws, row, DV_RHO, sr->rank_corr, f->corr));
        TRY(xl_put_num(x, ws, row, DV_RHO_SE, sr->rank_corr_se, f->corr_se));
        TRY(xl_put_num(x, ws, row, DV_CONTRIB, sr->contribution, f->pct_delta));
        TRY(xl_put_num(x, ws, row, DV_LOW, sr->low_mean, f->money));
        TRY(xl_put_num(x, ws, row, DV_HIGH, sr->high_mean, f->money));
        TRY(xl_put_num(x, ws, row, DV_SWING, sr->swing, f->money_delta));
        TRY(xl_put_num(x, ws, row, DV_SWING_SE, sr->swing_se, f->money_se));
        TRY(xl_put_num(x, ws, row, DV_T10, tr ? tr->at_q10 : NAN, f->money));
        TRY(xl_put_num(x, ws, row, DV_T90, tr ? tr->at_q90 : NAN, f->money));
    }
    *next = row + 2;
    return LXW_NO_ERROR;
}

static lxw_error drivers_block(xctx *x, lxw_worksheet *ws, int k, int r, pager *pg, int *next)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_analysis *an = x->res->sc[k].analysis;
    char line[512];
    snprintf(line, sizeof line, "%s: %s", xl_scen_name(run), run->model->title ? run->model->title : "");
    TRY(xl_put_str(ws, r, 0, line, f->subtitle));
    if (!an) {
        TRY(xl_put_str(ws, r + 1, 0, "Not analysed (--no-analysis).", f->note));
        *next = r + 3;
        return LXW_NO_ERROR;
    }
    TRY(xl_put_str(ws, r + 1, DV_INPUT, "All-medians NPV", f->bold));
    TRY(xl_put_num(x, ws, r + 1, DV_RHO, an->tornado_base, f->money));
    TRY(xl_put_str(ws, r + 1, DV_RHO_SE,
                   "every input at its median: the tornado's centre. Bars: one input "
                   "alone at its p10 (light) or p90 (dark).", f->note));
    int at = r + 2;
    int m = an->n_tornado < TOP_TORNADO ? an->n_tornado : TOP_TORNADO;
    int drow = at + TORNADO_ROWS + 1; /* chart data title */
    snprintf(line, sizeof line, "Tornado chart data: the %d inputs with the largest NPV range, "
             "largest first (every input is in the table below)", m);
    TRY(xl_put_str(ws, drow, 0, line, f->bold));
    static const char *const thead[] = {"Input", "Input at its p10", "Input at its p90",
                                        "NPV, input at p10", "NPV, input at p90", "NPV range",
                                        "Input in words (the chart's labels)"};
    TRY(xl_heads(ws, drow + 1, thead, 7, 1, f));
    TRY(xl_put_str(ws, drow + 1, TC_WORDS, thead[TC_WORDS], f->head_indent));
    for (int t = 0; t < m; t++) {
        const roi_tornado_row *tr = &an->tornado[t];
        lxw_format *inf = xl_input_fmt(x, run->model, tr->name,
                                        fmax(fabs(tr->q10), fabs(tr->q90)));
        int row = drow + 2 + t;
        TRY(xl_put_str(ws, row, 0, tr->name, f->text));
        TRY(xl_put_num(x, ws, row, 1, tr->q10, inf));
        TRY(xl_put_num(x, ws, row, 2, tr->q90, inf));
        TRY(xl_put_num(x, ws, row, 3, tr->at_q10, f->money));
        TRY(xl_put_num(x, ws, row, 4, tr->at_q90, f->money));
        TRY(xl_put_num(x, ws, row, 5, tr->range, f->money));
        char words[256];
        xl_input_words(run->model, tr->name, words, sizeof words);
        TRY(xl_put_str(ws, row, TC_WORDS, words, f->text_indent));
    }
    if (m > 0)
        TRY(tornado_chart(x, ws, k, at, drow + 2, m));
    else
        TRY(xl_put_str(ws, at, 0, "No uncertain input, so no tornado.", f->note));

    return sens_table(x, ws, k, drow + 2 + m + 1, pg, next);
}

lxw_error xl_write_drivers(xctx *x)
{
    const xfmt *f = &x->f;
    int analysed = 0;
    for (int k = 0; k < x->n; k++)
        analysed |= x->res->sc[k].analysis != NULL;
    if (!analysed)
        return LXW_NO_ERROR; /* --no-analysis: no sheet */
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Drivers");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(xl_put_str(ws, 0, 0, "What drives NPV, scenario by scenario", f->title));
    lxw_error e = LXW_NO_ERROR;
    int row = 1 + xl_put_lines(ws, 1, 0,
                "Rank correlation: Spearman's, input against NPV over the trials. Contribution "
                "to variance: its square as a share of the sum over inputs, signed. Decile "
                "swing: mean NPV where the input is in its top 10% minus where it is in its "
                "bottom 10% (the other inputs vary). Tornado: one input at a time, the others "
                "at their medians. SE: Monte Carlo standard error.",
                NOTE_WIDTH, f->note, &e);
    TRY(e);
    row += 1;
    int scale = xl_page_setup(x, ws, "Drivers", 1, 1,
                              xl_col_px(34) + (DV_T90 - DV_RHO + 1) * xl_col_px(12.5));
    /* Rows of a page less the repeated title, the table's header (three rows high) and
     * one to spare. */
    pager pg = {.chunk = xl_rows_per_page(scale) - 6};
    if (pg.chunk < 10)
        pg.chunk = 10;
    for (int k = 0; k < x->n && e == LXW_NO_ERROR; k++) {
        if (k > 0)
            xl_break_at(&pg.b, row); /* each scenario starts a page */
        e = drivers_block(x, ws, k, row, &pg, &row);
    }
    TRY(e);
    TRY(xl_set_breaks(ws, &pg.b));
    TRY(worksheet_set_column(ws, DV_INPUT, DV_INPUT, 34, NULL));
    TRY(worksheet_set_column(ws, DV_RHO, DV_T90, 12.5, NULL));
    xl_print_columns(ws, DV_T90);
    return LXW_NO_ERROR;
}
