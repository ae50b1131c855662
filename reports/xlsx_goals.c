/*
 * xlsx_goals.c - the Goals sheet: goal seeks, sweeps as coloured data tables, and the
 * convergence of --precision runs.
 */
#include "xlsx_int.h"

#include <math.h>
#include <string.h>

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
    lxw_format *fm = xl_output_format(f, st->output);
    return se && fm == f->money ? f->money_se : fm;
}

/* -- Goals: goal seeks, sweeps as coloured data tables, convergence ------------------- */

enum { GC_NAME, GC_GOAL, GC_INPUT, GC_STAT, GC_TARGET, GC_LOW, GC_HIGH, GC_STATUS, GC_VALUE,
       GC_VALUE_SE, GC_AT, GC_AT_SE, GC_EVALS, GC_TRIALS, GC_NOTE, GC_CODE, GC_NCOL };

static const char *goal_status_text(roi_goal_status st)
{
    return st == ROI_GOAL_FOUND ? "found"
           : st == ROI_GOAL_NOT_BRACKETED ? "not reached" : "not converged";
}

/* The format of the values tried for `input` of scenario k: what the input measures,
 * or multipliers when the mode scales its draws. */
static lxw_format *target_fmt(xctx *x, int k, const char *input, roi_override_mode mode,
                              double typical)
{
    if (mode == ROI_OVERRIDE_SCALE)
        return xl_measure_fmt(x, ROI_MEASURE_MULTIPLIER, typical);
    return xl_input_fmt(x, x->res->sc[k].run->model, input, typical);
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
                 "%zu trials per cell", xl_scen_name(x->res->sc[k].run), sp->name, what, sp->input[0],
                 sp->input[1], roi_override_mode_name(sp->mode), w->trials);
    else
        snprintf(line, sizeof line, "%s: sweep %s: %s by %s, mode %s; %zu trials per cell",
                 xl_scen_name(x->res->sc[k].run), sp->name, what, sp->input[0],
                 roi_override_mode_name(sp->mode), w->trials);
    TRY(xl_put_str(ws, row, 0, line, f->bold));
    int head = row + 1, c_se = w->cols + 2;
    char corner[256];
    if (sp->n_inputs > 1)
        snprintf(corner, sizeof corner, "%s \\ %s", sp->input[0], sp->input[1]);
    else
        snprintf(corner, sizeof corner, "%s", sp->input[0]);
    TRY(xl_put_str(ws, head, 0, corner, f->head_left));
    TRY(xl_put_str(ws, head, c_se, "SE of each cell", f->head_left));
    double row_typ = 0, col_typ = 0; /* one format per row and column of values */
    for (int r = 0; r < w->rows; r++)
        row_typ = fmax(row_typ, fabs(sp->values[0][r]));
    for (int c = 0; sp->n_inputs > 1 && c < w->cols; c++)
        col_typ = fmax(col_typ, fabs(sp->values[1][c]));
    TRY(worksheet_set_row(ws, (lxw_row_t)head, 30, NULL));
    for (int c = 0; c < w->cols; c++) {
        if (sp->n_inputs > 1) {
            double v = sp->values[1][c];
            lxw_format *cf = target_fmt(x, k, sp->input[1], sp->mode, col_typ);
            TRY(xl_put_num(x, ws, head, 1 + c, v, cf));
            TRY(xl_put_num(x, ws, head, c_se + 1 + c, v, cf));
        } else {
            TRY(xl_put_str(ws, head, 1 + c, what, f->head));
            TRY(xl_put_str(ws, head, c_se + 1 + c, "SE", f->head));
        }
    }
    lxw_format *fm = stat_format(f, &sp->stat, 0), *fse = stat_format(f, &sp->stat, 1);
    for (int r = 0; r < w->rows; r++) {
        double v = sp->values[0][r];
        int at = head + 1 + r;
        lxw_format *rf = target_fmt(x, k, sp->input[0], sp->mode, row_typ);
        TRY(xl_put_num(x, ws, at, 0, v, rf));
        TRY(xl_put_num(x, ws, at, c_se, v, rf));
        for (int c = 0; c < w->cols; c++) {
            size_t i = (size_t)r * (size_t)w->cols + (size_t)c;
            TRY(xl_put_num(x, ws, at, 1 + c, w->stat[i], fm));
            TRY(xl_put_num(x, ws, at, c_se + 1 + c, w->se[i], fse));
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

/* One goal seek's row. */
static lxw_error goal_row(xctx *x, lxw_worksheet *ws, int k, const roi_goal_result *r, int row)
{
    const xfmt *f = &x->f;
    const roi_goal_spec *sp = r->spec;
    char what[128];
    stat_label(what, sizeof what, sp->stat_name, sp->stat.output);
    lxw_format *inf = target_fmt(x, k, sp->input, sp->mode, fmax(fabs(sp->low), fabs(sp->high)));
    int found = r->status != ROI_GOAL_NOT_BRACKETED;
    TRY(xl_put_str(ws, row, GC_NAME, xl_scen_name(x->res->sc[k].run), f->text));
    TRY(xl_put_str(ws, row, GC_GOAL, sp->name, f->text));
    char words[256];
    xl_input_words(x->res->sc[k].run->model, sp->input, words, sizeof words);
    TRY(xl_put_str(ws, row, GC_INPUT, words, f->text));
    TRY(xl_put_str(ws, row, GC_CODE, sp->input, f->text));
    TRY(xl_put_str(ws, row, GC_STAT, what, f->text));
    TRY(xl_put_num(x, ws, row, GC_TARGET, sp->target, stat_format(f, &sp->stat, 0)));
    TRY(xl_put_num(x, ws, row, GC_LOW, sp->low, inf));
    TRY(xl_put_num(x, ws, row, GC_HIGH, sp->high, inf));
    TRY(xl_put_str(ws, row, GC_STATUS, goal_status_text(r->status),
                   r->status == ROI_GOAL_FOUND ? f->center : f->bad));
    /* the answer and its SE to the digits the SE needs ("5.415%" +- "0.040%"), the
     * SE's own size deciding them, so a small SE never shows as "< 0.1%" */
    lxw_format *rf = found && isfinite(r->root_se) && r->root_se > 0
                         ? target_fmt(x, k, sp->input, sp->mode, r->root_se)
                         : inf;
    TRY(xl_put_num(x, ws, row, GC_VALUE, found ? r->root : NAN, rf));
    TRY(xl_put_num(x, ws, row, GC_VALUE_SE, found ? r->root_se : NAN, rf));
    TRY(xl_put_num(x, ws, row, GC_AT, found ? r->stat_at_root : NAN,
                   stat_format(f, &sp->stat, 0)));
    TRY(xl_put_num(x, ws, row, GC_AT_SE, found ? r->stat_se : NAN,
                   stat_format(f, &sp->stat, 1)));
    TRY(xl_put_num(x, ws, row, GC_EVALS, r->evaluations, f->count));
    TRY(xl_put_num(x, ws, row, GC_TRIALS, (double)r->trials, f->count));
    if (r->message[0]) {
        /* Wrapped in its 36-character column; rows do not grow by themselves. */
        int lines = ((int)strlen(r->message) + 33) / 34;
        TRY(xl_put_str(ws, row, GC_NOTE, r->message, f->wrap));
        TRY(worksheet_set_row(ws, (lxw_row_t)row, 15.0 * lines, NULL));
    }
    return LXW_NO_ERROR;
}

/* The --precision runs' convergence, from row on (nothing when no run used it). */
static lxw_error convergence_block(xctx *x, lxw_worksheet *ws, int row)
{
    const xfmt *f = &x->f;
    int nc = 0;
    for (int k = 0; k < x->n; k++)
        nc += x->res->sc[k].convergence.used;
    if (nc > 0) {
        row += 1;
        TRY(xl_put_str(ws, row, 0, "Convergence (--precision): trials grown until SE / |mean| of "
                       "NPV meets the target", f->subtitle));
        static const char *const chead[] = {"Scenario", "Target (SE / |mean|)", "Trials",
                                            "Runs", "NPV mean", "SE", "SE / |mean|",
                                            "Reached"};
        TRY(xl_heads(ws, row + 1, chead, 8, 1, f));
        row += 2;
        for (int k = 0; k < x->n; k++, row++) {
            const roi_convergence *c = &x->res->sc[k].convergence;
            if (!c->used) {
                row--;
                continue;
            }
            TRY(xl_put_str(ws, row, 0, xl_scen_name(x->res->sc[k].run), f->text));
            TRY(xl_put_num(x, ws, row, 1, c->target, f->pct_se));
            TRY(xl_put_num(x, ws, row, 2, (double)c->trials, f->count));
            TRY(xl_put_num(x, ws, row, 3, c->rounds, f->count));
            TRY(xl_put_num(x, ws, row, 4, c->mean, f->money));
            TRY(xl_put_num(x, ws, row, 5, c->se, f->money_se));
            TRY(xl_put_num(x, ws, row, 6, c->rel, f->pct_se));
            TRY(xl_put_str(ws, row, 7, c->reached ? "yes" : "no (trial cap reached)",
                           c->reached ? f->right : f->changed));
        }
    }
    return LXW_NO_ERROR;
}

/* The goal seeks of every scenario from row on; *next: the first free row below. */
static lxw_error goals_section(xctx *x, lxw_worksheet *ws, int row, int *next)
{
    const xfmt *f = &x->f;
    lxw_error e = LXW_NO_ERROR;
    int used = xl_put_lines(ws, row, 0,
                "Goal seek: the value of one input at which a statistic of an output reaches "
                "its target (Brent's method; every evaluation reruns the scenario with the same "
                "seed). SE: Monte Carlo standard error. Each number can be reproduced with "
                "roisim run --set input=value.", NOTE_WIDTH, f->note, &e);
    TRY(e);
    const int head = row + used;
    static const char *const ghead[GC_NCOL] = {
        "Scenario", "Goal", "Input", "Statistic", "Target", "Search from", "Search to",
        "Status", "Value of the input", "SE", "Statistic at the value", "SE", "Evaluations",
        "Trials per evaluation", "Why not reached", "Input (code name)"};
    TRY(xl_heads(ws, head, ghead, GC_NCOL, 4, f));
    TRY(xl_put_str(ws, head, GC_NOTE, ghead[GC_NOTE], f->head_left));
    TRY(xl_put_str(ws, head, GC_CODE, ghead[GC_CODE], f->head_left));
    row = head + 1;
    for (int k = 0; k < x->n; k++) {
        const roi_search *s = &x->res->sc[k].search;
        for (int g = 0; g < s->n_goals; g++, row++)
            TRY(goal_row(x, ws, k, &s->goals[g], row));
    }
    TRY(xl_put_str(ws, row++, 0, "Not reached: the target is not between the statistic at the "
                   "two ends of the search range (the value is then left empty).", f->note));
    *next = row + 1;
    return LXW_NO_ERROR;
}

lxw_error xl_write_goals(xctx *x)
{
    const xfmt *f = &x->f;
    int ng = 0, nw = 0, nc = 0;
    for (int k = 0; k < x->n; k++) {
        ng += x->res->sc[k].search.n_goals;
        nw += x->res->sc[k].search.n_sweeps;
        nc += x->res->sc[k].convergence.used;
    }
    if (ng + nw + nc == 0)
        return LXW_NO_ERROR; /* nothing sought or swept: no sheet */
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Goals");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(xl_put_str(ws, 0, 0, "Goal seeks and sweeps", f->title));
    int row = 1;
    if (ng > 0)
        TRY(goals_section(x, ws, row, &row));
    if (nw > 0) {
        TRY(xl_put_str(ws, row, 0, "Sweeps: a statistic over a grid of input values (red low, "
                       "green high)", f->subtitle));
        row += 1;
        for (int k = 0; k < x->n; k++) {
            const roi_search *s = &x->res->sc[k].search;
            for (int i = 0; i < s->n_sweeps; i++)
                TRY(sweep_block(x, ws, k, &s->sweeps[i], row, &row));
        }
    }
    TRY(convergence_block(x, ws, row));

    /* name, goal, input, statistic, target .. high, status, value .. trials, note, code */
    static const double width[GC_NCOL] = {18, 18, 24, 18, 10, 10, 10, 12, 10, 10, 10, 10, 10,
                                          10, 36, 24};
    double px = 0;
    for (int c = 0; c < GC_NCOL; c++) {
        TRY(worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width[c], NULL));
        if (c <= GC_NOTE) /* the code names, for traceability, are not printed */
            px += xl_col_px(width[c]);
    }
    xl_print_columns(ws, GC_NOTE);
    xl_page_setup(x, ws, "Goals", 1, 1, px);
    return LXW_NO_ERROR;
}
