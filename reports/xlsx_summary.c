/*
 * xlsx_summary.c - the Summary sheet: one row per scenario, its notes and the NPV range
 * chart (whose numbers are on Series).
 */
#include "xlsx_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

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

static lxw_error range_chart(xctx *x, lxw_worksheet *ws, int at)
{
    int *scen = calloc((size_t)x->n + 1, sizeof *scen);
    if (!scen)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (int k = 0; k < x->n; k++)
        scen[k] = k;
    lxw_error e = xl_range_bars(x, ws, at, "Series", x->range_row, 4, scen, x->n,
                                "NPV by scenario: bar from p10 to p90, darker up to the median",
                                "NPV (US$ billions)",
                                "NPV p10 to p90 of each scenario; the colour changes at the median",
                                1.6);
    free(scen);
    return e;
}

/* Row `first + k` of the table: scenario k's headline numbers. */
static lxw_error summary_row(xctx *x, lxw_worksheet *ws, int k, int first)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_model *m = run->model;
    const roi_summary *S = run->summary;
    int row = first + k;
    /* The scenario name links to its sheet. */
    char url[64], *owned = NULL;
    snprintf(url, sizeof url, "internal:'%s'!A1", x->sc[k].sheet);
    const char *shown = roi_text_clean(xl_scen_name(run), ROI_TEXT_XML, &owned);
    if (!shown)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error e = worksheet_write_url_opt(ws, (lxw_row_t)row, SC_NAME, url, NULL, shown,
                                          "Open this scenario's sheet");
    free(owned);
    TRY(e);
    TRY(xl_put_str(ws, row, SC_TITLE, m->title, f->text));
    const roi_summary *npv = &S[ROI_OUT_NPV];
    int has = npv->n_defined > 0;
    TRY(xl_put_num(x, ws, row, SC_PPOS, has ? npv->prob_positive : NAN, f->pct));
    /* A formula, so the reader sees where the difference comes from. */
    char formula[64];
    snprintf(formula, sizeof formula, "=C%d-C%d", row + 1, first + 1);
    double delta = has && S[ROI_OUT_NPV].n_defined && x->res->sc[0].run->summary[ROI_OUT_NPV].n_defined
                       ? npv->prob_positive - x->res->sc[0].run->summary[ROI_OUT_NPV].prob_positive
                       : 0;
    TRY(worksheet_write_formula_num(ws, (lxw_row_t)row, SC_PDELTA, formula, f->pct_delta,
                                    delta));
    TRY(xl_put_num(x, ws, row, SC_MEAN, has ? npv->mean : NAN, f->money));
    TRY(xl_put_num(x, ws, row, SC_P10, has ? npv->pct[P10] : NAN, f->money));
    TRY(xl_put_num(x, ws, row, SC_P50, has ? npv->pct[P50] : NAN, f->money));
    TRY(xl_put_num(x, ws, row, SC_P90, has ? npv->pct[P90] : NAN, f->money));
    const roi_summary *hz = &S[ROI_OUT_NPV_HORIZON], *roi = &S[ROI_OUT_ROI_MULTIPLE],
                      *irr = &S[ROI_OUT_IRR], *sp = &S[ROI_OUT_TOTAL_SPEND],
                      *rv = &S[ROI_OUT_TOTAL_REVENUE], *pk = &S[ROI_OUT_PEAK_ACTIVE];
    TRY(xl_put_num(x, ws, row, SC_HORIZON, hz->n_defined ? hz->pct[P50] : NAN, f->money));
    TRY(xl_put_num(x, ws, row, SC_ROI, roi->n_defined ? roi->pct[P50] : NAN, f->ratio));
    TRY(xl_put_num(x, ws, row, SC_IRR, irr->n_defined ? irr->pct[P50] : NAN, f->pct));
    TRY(xl_put_num(x, ws, row, SC_IRR_UNDEF, irr->undefined_share, f->pct));
    int period = -1;
    if (roi_results_median_payback(run, &period) != ROI_OK)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    char label[16] = "";
    if (period >= 0)
        roi_model_period_label(m, period, label, sizeof label);
    if (period >= 0)
        TRY(xl_put_str(ws, row, SC_PAYBACK, label, f->text));
    else
        TRY(worksheet_write_blank(ws, (lxw_row_t)row, SC_PAYBACK, f->text));
    TRY(xl_put_num(x, ws, row, SC_NEVER, S[ROI_OUT_PAYBACK].undefined_share, f->pct));
    TRY(xl_put_num(x, ws, row, SC_SPEND, sp->n_defined ? sp->pct[P50] : NAN, f->money));
    TRY(xl_put_num(x, ws, row, SC_REVENUE, rv->n_defined ? rv->pct[P50] : NAN, f->money));
    TRY(xl_put_num(x, ws, row, SC_PEAK, pk->n_defined ? pk->pct[P50] : NAN, f->users));
    return LXW_NO_ERROR;
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
    TRY(xl_put_str(ws, 2, 0,
                   "P(NPV > 0) is the share of simulated trials in which the investment's net "
                   "present value is positive: the probability that the bet pays off. "
                   "Money in US$ billions (B), users in billions (B) or millions (M).",
                   f->note));
    const int head = 4, first = 5;
    x->summary_first = first;
    for (int c = 0; c < SC_NCOL; c++)
        TRY(xl_put_str(ws, head, c, sc_head[c], c <= SC_TITLE ? f->head_left : f->head));
    TRY(worksheet_set_row(ws, (lxw_row_t)head, 45, NULL));

    size_t name_w = 10, title_w = 10;
    for (int k = 0; k < x->n; k++) {
        const roi_run *run = x->res->sc[k].run;
        if (strlen(xl_scen_name(run)) > name_w)
            name_w = strlen(xl_scen_name(run));
        if (run->model->title && strlen(run->model->title) > title_w)
            title_w = strlen(run->model->title);
        TRY(summary_row(x, ws, k, first));
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
        TRY(xl_put_str(ws, row + (int)i, 0, notes[i], f->note));

    /* The range chart: a bar from p10 to p90 per scenario, darker up to the median. */
    TRY(range_chart(x, ws, row + 5));
    TRY(xl_put_str(ws, row + 5 + 25, 0, line, f->note));

    if (name_w > 30)
        name_w = 30;
    if (title_w > 45)
        title_w = 45;
    TRY(worksheet_set_column(ws, SC_NAME, SC_NAME, (double)name_w + 3, NULL));
    TRY(worksheet_set_column(ws, SC_TITLE, SC_TITLE, (double)title_w + 2, NULL));
    TRY(worksheet_set_column(ws, SC_PPOS, SC_PEAK, 12.5, NULL));
    xl_page_setup(ws, first);
    worksheet_activate(ws);
    return LXW_NO_ERROR;
}
