/*
 * xlsx_summary.c - the Summary sheet: page 1 says in words what the first scenario's
 * numbers mean, then one column per scenario and one row per headline statistic;
 * page 2 holds the NPV range chart and the S-curves of every scenario on one axis
 * (their numbers are on Series).
 */
#include "xlsx_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* The rows of the table, in order: label, and how to get the value from a run. */
enum { SR_PPOS, SR_PDELTA, SR_MEAN, SR_P10, SR_P50, SR_P90, SR_AFTER, SR_HORIZON, SR_HPOS,
       SR_ROI, SR_IRR, SR_IRR_UNDEF, SR_PAYS, SR_SPEND, SR_REVENUE, SR_SAVINGS, SR_PEAK,
       SR_NROW };
static const char *const sr_label[SR_NROW] = {
    "P(NPV > 0): the bet pays off (share of trials)",
    "P(NPV > 0) minus the first column's, points",
    "NPV mean",
    "NPV p10 (1 trial in 10 is lower)",
    "NPV p50 (median)",
    "NPV p90 (1 trial in 10 is higher)",
    "NPV mean from after the horizon (terminal value and residuals)",
    "NPV within the horizon only (median)",
    "P(NPV within the horizon > 0)",
    "ROI multiple (median)",
    "IRR, annual (median where it exists)",
    "IRR does not exist (share of trials)",
    "Pays back within the horizon (share of trials)",
    "Total spend (median)",
    "Total revenue (median)",
    "Total savings (median)",
    "Peak unique active users (median)"};

enum { SUM_HEAD = 6, SUM_LABEL_W = 54, SUM_COL_W = 14, SUM_CHART_ROWS = 23 };

/* Row SR_* of scenario run: its value (NaN: empty) and format. */
static double stat_value(const xctx *x, const roi_run *run, int r, lxw_format **fm)
{
    const xfmt *f = &x->f;
    const roi_summary *S = run->summary;
    const roi_summary *npv = &S[ROI_OUT_NPV], *hz = &S[ROI_OUT_NPV_HORIZON];
    int has = npv->n_defined > 0;
    *fm = f->money;
    switch (r) {
    case SR_PPOS: *fm = f->pct; return has ? npv->prob_positive : NAN;
    case SR_MEAN: return has ? npv->mean : NAN;
    case SR_P10: return has ? npv->pct[P10] : NAN;
    case SR_P50: return has ? npv->pct[P50] : NAN;
    case SR_P90: return has ? npv->pct[P90] : NAN;
    case SR_AFTER: return has && hz->n_defined ? npv->mean - hz->mean : NAN;
    case SR_HORIZON: return hz->n_defined ? hz->pct[P50] : NAN;
    case SR_HPOS: *fm = f->pct; return hz->n_defined ? hz->prob_positive : NAN;
    case SR_ROI: *fm = f->ratio; return S[ROI_OUT_ROI_MULTIPLE].n_defined ? S[ROI_OUT_ROI_MULTIPLE].pct[P50] : NAN;
    case SR_IRR: *fm = f->pct; return S[ROI_OUT_IRR].n_defined ? S[ROI_OUT_IRR].pct[P50] : NAN;
    case SR_IRR_UNDEF: *fm = f->pct; return S[ROI_OUT_IRR].undefined_share;
    case SR_PAYS: *fm = f->pct; return S[ROI_OUT_PAYBACK].n ? 1 - S[ROI_OUT_PAYBACK].undefined_share : NAN;
    case SR_SPEND: return S[ROI_OUT_TOTAL_SPEND].n_defined ? S[ROI_OUT_TOTAL_SPEND].pct[P50] : NAN;
    case SR_REVENUE: return S[ROI_OUT_TOTAL_REVENUE].n_defined ? S[ROI_OUT_TOTAL_REVENUE].pct[P50] : NAN;
    case SR_SAVINGS: return S[ROI_OUT_TOTAL_SAVINGS].n_defined ? S[ROI_OUT_TOTAL_SAVINGS].pct[P50] : NAN;
    case SR_PEAK: *fm = f->users; return S[ROI_OUT_PEAK_ACTIVE].n_defined ? S[ROI_OUT_PEAK_ACTIVE].pct[P50] : NAN;
    default: return NAN;
    }
}

/* Nonzero when some scenario has users (surfaces; users 1) or savings streams (users
 * 0): else that row is left out. */
static int any_has(const xctx *x, int users)
{
    for (int k = 0; k < x->n; k++) {
        const roi_model *m = x->res->sc[k].run->model;
        if (users ? roi_model_series_present(m, ROI_SERIES_UNIQUE_ACTIVE)
                  : roi_model_output_present(m, ROI_OUT_TOTAL_SAVINGS))
            return 1;
    }
    return 0;
}

/* Column 1 + k: scenario k's name (a link to its sheet), title and statistics. */
static lxw_error summary_column(xctx *x, lxw_worksheet *ws, int k, const int *row_of)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    int col = 1 + k;
    char url[64], *owned = NULL;
    snprintf(url, sizeof url, "internal:'%s'!A1", x->sc[k].sheet);
    const char *shown = roi_text_clean(xl_scen_name(run), ROI_TEXT_XML, &owned);
    if (!shown)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error e = worksheet_write_url_opt(ws, SUM_HEAD, (lxw_col_t)col, url, f->head_fit, shown,
                                          "Open this scenario's sheet");
    free(owned);
    TRY(e);
    TRY(xl_put_str(ws, SUM_HEAD + 1, col, run->model->title, f->wrap_right));
    for (int r = 0; r < SR_NROW; r++) {
        if (row_of[r] < 0)
            continue;
        if (r == SR_PDELTA) {
            /* A formula, so the reader sees where the difference comes from. */
            char formula[96], c0[8], ck[8];
            lxw_col_to_name(c0, 1, 0);
            lxw_col_to_name(ck, (lxw_col_t)col, 0);
            int rr = row_of[SR_PPOS] + 1;
            snprintf(formula, sizeof formula, "=(%s%d-%s%d)*100", ck, rr, c0, rr);
            const roi_summary *a = &run->summary[ROI_OUT_NPV];
            const roi_summary *b = &x->res->sc[0].run->summary[ROI_OUT_NPV];
            double d = a->n_defined && b->n_defined ? a->prob_positive - b->prob_positive : 0;
            TRY(worksheet_write_formula_num(ws, (lxw_row_t)row_of[r], (lxw_col_t)col, formula,
                                            xl_num_variant(x, f->pts, 100 * d), 100 * d));
            continue;
        }
        lxw_format *fm;
        double v = stat_value(x, run, r, &fm);
        TRY(xl_put_num(x, ws, row_of[r], col, v, fm));
    }
    return LXW_NO_ERROR;
}

/* What the first scenario's numbers mean, in words, from row 3 on; returns the rows. */
static int plain_words(xctx *x, lxw_worksheet *ws, lxw_error *e)
{
    const roi_run *run = x->res->sc[0].run;
    const roi_summary *npv = &run->summary[ROI_OUT_NPV], *hz = &run->summary[ROI_OUT_NPV_HORIZON];
    if (!npv->n_defined || !hz->n_defined)
        return 0;
    roi_nf pct = {ROI_NF_PCT, 1, NULL}, money = {ROI_NF_MONEY, 1, &x->mu};
    char p[32], mean[32], after[32], hpos[32], pays[32], text[1024];
    roi_numfmt(p, sizeof p, npv->prob_positive, &pct);
    roi_numfmt(mean, sizeof mean, npv->mean, &money);
    roi_numfmt(after, sizeof after, npv->mean - hz->mean, &money);
    roi_numfmt(hpos, sizeof hpos, hz->prob_positive, &pct);
    roi_numfmt(pays, sizeof pays, 1 - run->summary[ROI_OUT_PAYBACK].undefined_share, &pct);
    snprintf(text, sizeof text,
             "In %.60s, NPV is positive in %s of the trials. Of its mean NPV of %s, %s comes "
             "after the horizon (terminal value and residuals): the cash flows within the "
             "horizon alone are positive in %s of the trials, and %s of the trials pay back "
             "within the horizon.", xl_scen_name(run), p, mean, after, hpos, pays);
    return xl_put_lines(ws, 3, 0, text, NOTE_WIDTH, x->f.bold, e);
}

/* Every scenario's S-curve on one NPV axis (data in Series), height px. */
static lxw_error scurves_chart(xctx *x, lxw_worksheet *ws, int at, int px)
{
    lxw_chart *c = xl_new_chart(x, LXW_CHART_SCATTER_STRAIGHT,
                                "NPV S-curves of the scenarios: P(NPV <= x), on one axis");
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    int any = 0;
    for (int k = 0; k < x->n; k++) {
        if (x->sc[k].npv.n == 0)
            continue;
        lxw_chart_line line = {.color = x->sc[k].color, .width = k == 0 ? 3.0f : 1.75f};
        if (!xl_scurve_series(x, c, k, xl_scen_name(x->res->sc[k].run), &line))
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        any = 1;
    }
    if (!any)
        return LXW_NO_ERROR;
    xl_scurve_axes(x, c);
    chart_legend_set_position(c, LXW_CHART_LEGEND_RIGHT);
    lxw_chart_options o = {.x_scale = 2.0, .y_scale = px / 288.0,
                           .description = "Cumulative distribution of NPV, every scenario"};
    return worksheet_insert_chart_opt(ws, (lxw_row_t)at, 0, c, &o);
}

/* Page 2: the NPV range chart and every scenario's S-curve on one axis. */
static lxw_error summary_charts(xctx *x, lxw_worksheet *ws, int at, int rows_per_page,
                                lxw_row_t *breaks)
{
    int *scen = calloc((size_t)x->n + 1, sizeof *scen);
    if (!scen)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (int k = 0; k < x->n; k++)
        scen[k] = k;
    char axis[64];
    snprintf(axis, sizeof axis, "NPV, %s", x->unit);
    breaks[0] = (lxw_row_t)at;
    lxw_error e = xl_range_bars(x, ws, at, "Series", x->range_row, 4, scen, x->n,
                                "NPV by scenario: bar from p10 to p90, darker up to the median",
                                axis, "NPV p10 to p90 of each scenario; the colour changes at "
                                "the median", (SUM_CHART_ROWS - 1) * XL_ROW_PX / 288.0);
    free(scen);
    TRY(e);
    int second = at + SUM_CHART_ROWS;
    if (2 * SUM_CHART_ROWS > rows_per_page)
        breaks[1] = (lxw_row_t)second; /* the two do not fit one page */
    return scurves_chart(x, ws, second, (SUM_CHART_ROWS - 1) * XL_ROW_PX);
}

static lxw_error summary_notes(xctx *x, lxw_worksheet *ws, int row, const char *line,
                               int *next)
{
    static const char *const notes[] = {
        "NPV: net present value of the cash flows, with the terminal value and residuals at "
        "the end of the horizon. p10/p50/p90: a tenth of the trials fall below p10, half "
        "below p50, nine tenths below p90.",
        "IRR median: over the trials where IRR exists (the next row says how often it does "
        "not). Pays back: the cumulative cash flow turns positive within the horizon.",
        "Drivers: what drives NPV; Compare: each what-if against the base case trial by "
        "trial; Goals: goal seeks and sweeps; each scenario's sheet (click its name) has the "
        "full statistics and charts; Inputs every assumption; Run how this file was made."};
    lxw_error e = LXW_NO_ERROR;
    for (size_t i = 0; i < sizeof notes / sizeof notes[0] && e == LXW_NO_ERROR; i++)
        row += xl_put_lines(ws, row, 0, notes[i], NOTE_WIDTH, x->f.note, &e);
    TRY(e);
    *next = row + 1;
    return xl_put_str(ws, row, 0, line, x->f.note);
}

lxw_error xl_write_summary(xctx *x)
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
    TRY(xl_put_str(ws, 0, 0, "roisim: Monte Carlo ROI of the scenarios", f->title));
    TRY(xl_put_str(ws, 1, 0, line, f->note));
    char units[512];
    snprintf(units, sizeof units, "P(NPV > 0) is the share of simulated trials in which the "
             "investment's net present value is positive. Money in %s (%s%s)%s", x->unit,
             x->mu.symbol,
             x->mu.letter[0] == 'B' ? " billions" : x->mu.letter[0] == 'M' ? " millions"
             : x->mu.letter[0] == 'K' ? " thousands" : "",
             any_has(x, 1) ? "; users as counts, marked M (millions) or B (billions) where "
                             "that large." : ".");
    TRY(xl_put_str(ws, 2, 0, units, f->note));
    lxw_error e = LXW_NO_ERROR;
    plain_words(x, ws, &e);
    TRY(e);

    TRY(xl_put_str(ws, SUM_HEAD, 0, "Scenario", f->head_left));
    TRY(xl_put_str(ws, SUM_HEAD + 1, 0, "Title", f->bold_top));
    TRY(worksheet_set_row(ws, SUM_HEAD + 1, 45, NULL));
    int row_of[SR_NROW], row = SUM_HEAD + 2;
    int users = any_has(x, 1), savings = any_has(x, 0);
    x->summary_first = row;
    for (int r = 0; r < SR_NROW; r++) {
        row_of[r] = (r == SR_PEAK && !users) || (r == SR_SAVINGS && !savings) ? -1 : row++;
        if (row_of[r] >= 0)
            TRY(xl_put_str(ws, row_of[r], 0, sr_label[r], f->text));
    }
    for (int k = 0; k < x->n; k++)
        TRY(summary_column(x, ws, k, row_of));
    TRY(summary_notes(x, ws, row + 1, line, &row));

    TRY(worksheet_set_column(ws, 0, 0, SUM_LABEL_W, NULL));
    TRY(worksheet_set_column(ws, 1, (lxw_col_t)x->n, SUM_COL_W, NULL));
    double width = xl_col_px(SUM_LABEL_W) + x->n * xl_col_px(SUM_COL_W);
    int scale = xl_page_setup(x, ws, "Summary", SUM_HEAD + 2, 0, fmax(width, 970));
    worksheet_freeze_panes(ws, SUM_HEAD + 2, 1);
    if (scale < 60) { /* many scenarios: across pages, the labels repeated on each */
        scale = 60;
        worksheet_set_print_scale(ws, 60);
        worksheet_repeat_columns(ws, 0, 0);
    }
    lxw_row_t breaks[3] = {0};
    TRY(summary_charts(x, ws, row + 1, xl_rows_per_page(scale), breaks));
    TRY(worksheet_set_h_pagebreaks(ws, breaks));
    worksheet_activate(ws);
    return LXW_NO_ERROR;
}
