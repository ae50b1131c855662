/*
 * xlsx_compare.c - the Compare sheet: paired differences against the reference scenario
 * with their range chart, conditional views, stress tests.
 */
#include "xlsx_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
    *next = 0;
    if (np == 0) /* nothing to compare: the section is left out */
        return LXW_NO_ERROR;
    snprintf(line, sizeof line, "How each what-if differs from %s, trial by trial", ref);
    TRY(xl_put_str(ws, 0, 0, line, f->title));
    lxw_error e = LXW_NO_ERROR;
    int used = xl_put_lines(ws, 1, 0,
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
    TRY(xl_heads(ws, head, phead, PC_NCOL, 2, f));
    for (int c = 0; c < 6; c++)
        TRY(xl_put_str(ws, head, PC_PARTS + c, xl_range_parts[c], f->head));
    TRY(xl_put_str(ws, head - 1, PC_PARTS, "Chart data: the bars' parts (docs/report.md)", f->bold));
    for (int i = 0; i < np; i++) {
        const roi_run *run = x->res->sc[scen[i]].run;
        const roi_paired *p = &x->res->sc[scen[i]].paired;
        int row = first + i;
        double part[6];
        xl_range_split(p->p10, p->p50, p->p90, part);
        TRY(xl_put_str(ws, row, PC_NAME, xl_scen_name(run), f->text));
        TRY(xl_put_str(ws, row, PC_VS, p->other, f->text));
        TRY(xl_put_num(x, ws, row, PC_TRIALS, (double)p->n, f->count));
        TRY(xl_put_num(x, ws, row, PC_MEAN, p->mean, f->money_delta));
        TRY(xl_put_num(x, ws, row, PC_SE, p->se, f->money_se));
        TRY(xl_put_num(x, ws, row, PC_P10, p->p10, f->money_delta));
        TRY(xl_put_num(x, ws, row, PC_P50, p->p50, f->money_delta));
        TRY(xl_put_num(x, ws, row, PC_P90, p->p90, f->money_delta));
        TRY(xl_put_num(x, ws, row, PC_BEATS, p->prob_beats, f->pct));
        TRY(xl_put_num(x, ws, row, PC_BEATS_SE, p->prob_beats_se, f->pct_se));
        TRY(xl_put_num(x, ws, row, PC_TIES, p->prob_ties, f->pct));
        for (int c = 0; c < 6; c++)
            TRY(xl_put_num(x, ws, row, PC_PARTS + c, part[c] + 0.0, f->money)); /* no -0 */
    }
    snprintf(line, sizeof line, "NPV minus %s's, trial by trial: bar from p10 to p90, "
             "darker up to the median", ref);
    char axis[64];
    snprintf(axis, sizeof axis, "Difference in NPV, %s", x->unit);
    /* 100 px of axes and title plus 40 px per bar, at most the Summary chart's. */
    int px = 100 + 40 * np < 460 ? 100 + 40 * np : 460, at = first + np + 1;
    TRY(xl_range_bars(x, ws, at, "Compare", first, PC_PARTS, scen, np, line,
                      axis,
                      "Paired NPV difference of each what-if: p10 to p90", px / 288.0));
    *next = at + px / 20 + 2;
    return LXW_NO_ERROR;
}

/* Nonzero when some scenario has conditional views (sv 0) or stress tests (sv 1). */
static int any_of(const xctx *x, int sv)
{
    for (int k = 0; k < x->n; k++) {
        const roi_analysis *an = x->res->sc[k].analysis;
        if (an && (sv ? an->n_stress : an->n_views) > 0)
            return 1;
    }
    return 0;
}

/* One view's row: below ROI_REPORT_MIN_TRIALS trials its share only. */
static lxw_error view_row(xctx *x, lxw_worksheet *ws, int k, const roi_view_result *v, int row)
{
    const xfmt *f = &x->f;
    const roi_summary *s = &v->summary[ROI_OUT_NPV];
    int none = s->n_defined == 0, few = s->n_defined < 2;
    TRY(xl_put_str(ws, row, 0, xl_scen_name(x->res->sc[k].run), f->text));
    TRY(xl_put_str(ws, row, 1, v->name, f->text));
    TRY(xl_put_str(ws, row, 2, v->where, f->text));
    TRY(xl_put_num(x, ws, row, 3, (double)v->count, f->count));
    TRY(xl_put_num(x, ws, row, 4, v->share, f->pct));
    TRY(xl_put_num(x, ws, row, 5, v->share_se, f->pct_se));
    if (v->count < ROI_REPORT_MIN_TRIALS)
        return xl_put_str(ws, row, 6, "too few trials for statistics", f->note);
    TRY(xl_put_num(x, ws, row, 6, none ? NAN : s->mean, f->money));
    TRY(xl_put_num(x, ws, row, 7, few ? NAN : s->se, f->money_se));
    TRY(xl_put_num(x, ws, row, 8, none ? NAN : s->prob_positive, f->pct));
    TRY(xl_put_num(x, ws, row, 9, none ? NAN : v->ci[ROI_OUT_NPV].prob_positive_se, f->pct_se));
    return xl_put_num(x, ws, row, 10, none ? NAN : s->pct[P50], f->money);
}

/* The conditional views from row on (none: nothing); *next: the first free row. */
static lxw_error views_section(xctx *x, lxw_worksheet *ws, int row, int *next)
{
    const xfmt *f = &x->f;
    *next = row;
    if (!any_of(x, 0))
        return LXW_NO_ERROR;
    TRY(xl_put_str(ws, row, 0, "Conditional views: NPV over the trials where a condition holds",
                   f->subtitle));
    static const char *const vhead[] = {"Scenario", "View", "Condition", "Trials",
                                        "Share of trials", "SE", "Mean NPV", "SE",
                                        "P(NPV > 0)", "SE", "NPV p50 (median)"};
    TRY(xl_heads(ws, row + 1, vhead, 11, 3, f));
    row += 2;
    for (int k = 0; k < x->n; k++) {
        const roi_analysis *an = x->res->sc[k].analysis;
        for (int i = 0; an && i < an->n_views; i++, row++)
            TRY(view_row(x, ws, k, &an->views[i], row));
    }
    char note[160];
    snprintf(note, sizeof note, "Statistics only over %d trials or more; empty cells: no trial "
             "satisfies the condition (its share is 0%%).", (int)ROI_REPORT_MIN_TRIALS);
    TRY(xl_put_str(ws, row++, 0, note, f->note));
    *next = row + 1;
    return LXW_NO_ERROR;
}

/* The stress tests from row on (none: nothing). */
static lxw_error stress_section(xctx *x, lxw_worksheet *ws, int row)
{
    const xfmt *f = &x->f;
    if (!any_of(x, 1))
        return LXW_NO_ERROR;
    TRY(xl_put_str(ws, row, 0, "Stress tests: reruns with one input restricted to a band of its "
                   "percentiles", f->subtitle));
    static const char *const shead[] = {"Scenario", "Stress test", "Input", "Band from (level)",
                                        "Band to (level)", "Input from", "Input to",
                                        "NPV mean", "P(NPV > 0)", "Mean change in NPV (paired)",
                                        "SE", "Input (code name)"};
    TRY(xl_heads(ws, row + 1, shead, 11, 3, f));
    TRY(xl_put_str(ws, row + 1, 11, shead[11], f->head_left));
    row += 2;
    for (int k = 0; k < x->n; k++) {
        const roi_analysis *an = x->res->sc[k].analysis;
        for (int i = 0; an && i < an->n_stress; i++, row++) {
            const roi_stress_result *r = &an->stress[i];
            const roi_summary *s = &r->summary[ROI_OUT_NPV];
            lxw_format *inf = xl_input_fmt(x, x->res->sc[k].run->model, r->input,
                                            isfinite(r->q_high) ? r->q_high : r->q_low);
            TRY(xl_put_str(ws, row, 0, xl_scen_name(x->res->sc[k].run), f->text));
            TRY(xl_put_str(ws, row, 1, r->name, f->text));
            char words[256];
            xl_input_words(x->res->sc[k].run->model, r->input, words, sizeof words);
            TRY(xl_put_str(ws, row, 2, words, f->text));
            TRY(xl_put_str(ws, row, 11, r->input, f->text));
            TRY(xl_put_num(x, ws, row, 3, r->low, f->pct));
            TRY(xl_put_num(x, ws, row, 4, r->high, f->pct));
            TRY(xl_put_num(x, ws, row, 5, r->q_low, inf));
            TRY(xl_put_num(x, ws, row, 6, r->q_high, inf));
            TRY(xl_put_num(x, ws, row, 7, s->n_defined ? s->mean : NAN, f->money));
            TRY(xl_put_num(x, ws, row, 8, s->n_defined ? s->prob_positive : NAN, f->pct));
            TRY(xl_put_num(x, ws, row, 9, r->npv_diff_mean, f->money_delta));
            TRY(xl_put_num(x, ws, row, 10, r->npv_diff_se, f->money_se));
        }
    }
    return xl_put_str(ws, row, 0, "Input from / to: the band in the input's units; empty for "
                      "an open end (level 0% or 100%).", f->note);
}

lxw_error xl_write_compare(xctx *x)
{
    int paired = 0;
    for (int k = 0; k < x->n; k++)
        paired |= x->res->sc[k].paired.done;
    if (!paired && !any_of(x, 0) && !any_of(x, 1))
        return LXW_NO_ERROR; /* nothing to compare: no sheet */
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
    if (row == 0) /* no paired comparison: the sheet starts with the views */
        TRY(xl_put_str(ws, row++, 0, "Conditional views and stress tests", x->f.title));
    TRY(views_section(x, ws, row, &row));
    TRY(stress_section(x, ws, row));
    TRY(worksheet_set_column(ws, 0, 0, 22, NULL));
    TRY(worksheet_set_column(ws, 1, 1, 22, NULL));
    TRY(worksheet_set_column(ws, 2, 2, 24, NULL));
    TRY(worksheet_set_column(ws, 3, PC_NCOL, 12, NULL));
    TRY(worksheet_set_column(ws, PC_PARTS, PC_PARTS + 5, 12, NULL));
    /* The chart's parts (right of the table) are not printed. */
    xl_print_columns(ws, PC_NCOL - 1);
    xl_page_setup(x, ws, "Compare", 1, 1,
                  2 * xl_col_px(22) + xl_col_px(24) + (PC_NCOL - 3) * xl_col_px(12));
    return LXW_NO_ERROR;
}
