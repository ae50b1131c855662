/*
 * xlsx_decisions.c - the Decisions sheet: per decision (engine/decision.h) its options,
 * the value without information (V0), with perfect information, EVPI, the signals in
 * rank order with their rules, the answer in words, and per signal a chart of the rule's
 * value V(t) against the threshold t beside the flat V0, drawn from the curve's data
 * written below the tables. Writes what the engine computed; computes nothing.
 */
#include "xlsx_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHEET "Decisions"

enum { SC_SIGNAL, SC_RANK, SC_EVPPI, SC_EVPPI_SE, SC_RULE, SC_T, SC_T_LOW, SC_T_HIGH, SC_CROSS,
       SC_CROSS_SE, SC_IN, SC_OPT, SC_BLOCKS, SC_NCOL };
/* Charts sit under a decision's tables, each on one printed page: a page break comes
 * before the first and before any that would cross the page's end. */
enum { CHART_ROWS = 16 };
/* Characters of a rule that surely fit a line of its column (30 wide, less the indent). */
enum { RULE_CHARS = 28 };

/* Page breaks and the rows a page holds. */
typedef struct pages {
    xl_breaks b;
    int per_page;
} pages;

/* The SE format that goes with an output's format. */
static lxw_format *se_format(const xfmt *f, lxw_format *fm)
{
    return fm == f->money ? f->money_se : fm;
}

/* The options, V0, perfect information and EVPI, from row on; returns the next row. */
static lxw_error options_table(xctx *x, lxw_worksheet *ws, const roi_decision_result *d,
                               int row, int *next)
{
    const xfmt *f = &x->f;
    lxw_format *fm = xl_output_format(f, d->output), *fse = se_format(f, fm);
    static const char *const head[] = {"Option", "Mean", "SE", "Best in (share of trials)"};
    TRY(xl_heads(ws, row, head, 4, 1, f));
    for (int k = 0; k < d->n_options; k++) {
        int at = row + 1 + k;
        TRY(xl_put_str(ws, at, 0, d->options[k], k == d->best ? f->bold : f->text));
        TRY(xl_put_num(x, ws, at, 1, d->mean[k], fm));
        TRY(xl_put_num(x, ws, at, 2, d->se[k], fse));
        TRY(xl_put_num(x, ws, at, 3, d->prob_best[k], f->pct));
        if (k == d->best)
            TRY(xl_put_str(ws, at, 4, "best without more information", f->note));
    }
    row += 1 + d->n_options + 1;
    char v0[256];
    snprintf(v0, sizeof v0, "V0, no more information: choose %s", d->options[d->best]);
    TRY(xl_put_str(ws, row, 0, v0, f->text));
    TRY(xl_put_num(x, ws, row, 1, d->v0, fm));
    TRY(xl_put_str(ws, row + 1, 0, "Value with perfect information", f->text));
    TRY(xl_put_num(x, ws, row + 1, 1, d->perfect, fm));
    TRY(xl_put_str(ws, row + 2, 0, "EVPI (perfect information minus V0)", f->bold));
    TRY(xl_put_num(x, ws, row + 2, 1, d->evpi, fm));
    TRY(xl_put_num(x, ws, row + 2, 2, d->evpi_se, fse));
    *next = row + 4;
    return LXW_NO_ERROR;
}

/* The model whose declaration the decision used (its signals are its inputs), or NULL. */
static const roi_model *home_model(const xctx *x, const roi_decision_result *d)
{
    for (int k = 0; d->home && k < x->n; k++)
        if (!strcmp(xl_scen_name(x->res->sc[k].run), d->home))
            return x->res->sc[k].run->model;
    return NULL;
}

/* The signal's input in words ("Core ad uplift: lift"), for titles and labels. */
static void signal_words(const xctx *x, const roi_decision_result *d,
                         const roi_decision_signal *s, char *buf, size_t size)
{
    const roi_model *m = home_model(x, d);
    if (m)
        xl_input_words(m, s->input, buf, size);
    else
        snprintf(buf, size, "%s", s->input);
}

/* "NPV, $B" for a money output, the output's name otherwise ("IRR"). */
static void output_axis_title(const xctx *x, roi_output o, char *buf, size_t size)
{
    char name[48];
    snprintf(name, sizeof name, "%s", roi_output_name(o));
    if (o == ROI_OUT_NPV)
        snprintf(name, sizeof name, "NPV");
    if (xl_output_format(&x->f, o) == x->f.money)
        snprintf(buf, size, "%s, %s", name, x->unit);
    else
        snprintf(buf, size, "%s", name);
}

/* "base when V2: score >= 61.2, else stop_after_v2", or "always stop_after_v2". */
static void rule_words(const xctx *x, char *buf, size_t size, const roi_decision_result *d,
                       const roi_decision_signal *s)
{
    char words[256], t[48];
    signal_words(x, d, s, words, sizeof words);
    if (s->above == s->below || !isfinite(s->threshold)) {
        snprintf(buf, size, "always %s (no threshold on it beats that)", d->options[s->above]);
        return;
    }
    roi_numfmt_input_text(t, sizeof t, s->threshold, fabs(s->threshold), home_model(x, d),
                          s->input, &x->mu);
    snprintf(buf, size, "%s when %s >= %s, else %s", d->options[s->above], words, t,
             d->options[s->below]);
}

/* One signal's row of the signals table. */
static lxw_error signal_row(xctx *x, lxw_worksheet *ws, const roi_decision_result *d,
                            const roi_decision_signal *s, int row, lxw_format *fm)
{
    const xfmt *f = &x->f;
    lxw_format *fse = fm;
    lxw_format *tf = xl_input_fmt(x, home_model(x, d), s->input,
                                  isfinite(s->threshold) ? fabs(s->threshold) : 1);
    char words[512], name[256];
    rule_words(x, words, sizeof words, d, s);
    signal_words(x, d, s, name, sizeof name);
    TRY(xl_put_num(x, ws, row, SC_RANK, s->rank, f->count));
    TRY(xl_put_str(ws, row, SC_SIGNAL, name, f->text));
    TRY(xl_put_num(x, ws, row, SC_EVPPI, s->evppi, fm));
    TRY(xl_put_num(x, ws, row, SC_EVPPI_SE, s->evppi_se, fse));
    TRY(xl_put_str(ws, row, SC_RULE, words, f->wrap_indent));
    /* the rule wraps in its column: a row tall enough for its lines (LibreOffice does not
     * grow a row for wrapped text) */
    int lines = (int)(strlen(words) + RULE_CHARS - 1) / RULE_CHARS;
    if (lines > 1)
        TRY(worksheet_set_row(ws, (lxw_row_t)row, 15.0 * lines, NULL));
    TRY(xl_put_num(x, ws, row, SC_T, s->threshold, tf));
    TRY(xl_put_num(x, ws, row, SC_T_LOW, s->threshold_low, tf));
    TRY(xl_put_num(x, ws, row, SC_T_HIGH, s->threshold_high, tf));
    TRY(xl_put_num(x, ws, row, SC_CROSS, s->cross_value, fm));
    TRY(xl_put_num(x, ws, row, SC_CROSS_SE, s->cross_value_se, fse));
    TRY(xl_put_num(x, ws, row, SC_IN, s->option_value, fm));
    TRY(xl_put_num(x, ws, row, SC_OPT, s->optimism, fm));
    TRY(xl_put_num(x, ws, row, SC_BLOCKS, s->blocks, f->count));
    return LXW_NO_ERROR;
}

/* The answer in words, as the terminal gives it. */
static void answer_text(const xctx *x, char *buf, size_t size, const roi_decision_result *d)
{
    char best[32];
    roi_nf pct = {ROI_NF_PCT, 1, NULL};
    roi_numfmt(best, sizeof best, d->prob_best[d->best], &pct);
    size_t n = (size_t)snprintf(buf, size, "Answer: choose %s (best in %s of trials). ",
                                d->options[d->best], best);
    if (d->n_signals == 0 || n >= size)
        return;
    const roi_decision_signal *top = &d->signals[d->order[0]];
    int worth = isfinite(top->evppi_se) ? top->evppi > 2 * top->evppi_se : top->evppi > 0;
    char words[512], name[256];
    rule_words(x, words, sizeof words, d, top);
    signal_words(x, d, top, name, sizeof name);
    if (worth)
        snprintf(buf + n, size - n, "Worth most to learn first: %s (EVPPI above two SEs); "
                 "then %s.", name, words);
    else
        snprintf(buf + n, size - n, "No single signal is worth learning first: every EVPPI "
                 "is within two SEs of 0; EVPI bounds what any study is worth.");
}

/* Signal s's V(t) and V0 against t, from its curve's columns (t, V(t), V0) at data_row. */
static lxw_error curve_chart(xctx *x, lxw_worksheet *ws, const roi_decision_result *d,
                             const roi_decision_signal *s, int data_row, int col, int at)
{
    char title[768], words[256];
    signal_words(x, d, s, words, sizeof words);
    snprintf(title, sizeof title, "%s: value of choosing %s when %s >= t, else %s",
             d->title ? d->title : d->name, d->options[s->curve_above], words,
             d->options[s->curve_below]);
    lxw_chart *c = xl_new_chart(x, LXW_CHART_SCATTER_STRAIGHT, title);
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    static const char *const names[2] = {"V(t): the rule's value", "V0: best option now"};
    static const unsigned colors[2] = {0x1F4E79, 0xC00000};
    const lxw_row_t first = (lxw_row_t)(data_row + 1), last = (lxw_row_t)(data_row + s->n_curve);
    for (int i = 0; i < 2; i++) {
        lxw_chart_series *cs = chart_add_series(c, NULL, NULL);
        if (!cs)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        chart_series_set_categories(cs, SHEET, first, (lxw_col_t)col, last, (lxw_col_t)col);
        chart_series_set_values(cs, SHEET, first, (lxw_col_t)(col + 1 + i), last,
                                (lxw_col_t)(col + 1 + i));
        chart_series_set_name(cs, names[i]);
        lxw_chart_line line = {.color = colors[i], .width = i ? 1.25f : 2.0f,
                               .dash_type = i ? LXW_CHART_LINE_DASH_DASH : 0};
        chart_series_set_line(cs, &line);
    }
    char *owned = NULL, ytitle[96];
    const char *axis = xl_chart_text(words, &owned);
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), axis ? axis : "t", NULL);
    free(owned);
    output_axis_title(x, d->output, ytitle, sizeof ytitle);
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y), ytitle,
                  xl_output_format(&x->f, d->output) == x->f.money ? x->money_code : NULL);
    lxw_chart_options o = {.x_scale = 1.4, .y_scale = (CHART_ROWS - 1) * 20 / 288.0,
                           .description = "Value of the threshold rule against its threshold"};
    return worksheet_insert_chart_opt(ws, (lxw_row_t)at, 0, c, &o);
}

/* Each signal's curve as columns t, V(t), V0 (three columns per signal, in rank order)
 * from row on, its chart placed from chart_at on; *next is the row after the longest. */
static lxw_error curve_data(xctx *x, lxw_worksheet *ws, const roi_decision_result *d, int row,
                            const int *chart_at, int *next)
{
    const xfmt *f = &x->f;
    lxw_format *fm = xl_output_format(f, d->output);
    TRY(xl_put_str(ws, row, 0, "Data of the charts: the rule's value V(t) at each threshold t "
                   "of the grid, and V0", f->subtitle));
    int longest = 0;
    for (int r = 0; r < d->n_signals; r++) {
        const roi_decision_signal *s = &d->signals[d->order[r]];
        const int col = 3 * r, head = row + 1;
        char tname[300];
        snprintf(tname, sizeof tname, "t (%s)", s->input);
        TRY(xl_put_str(ws, head, col, tname, f->head_left));
        TRY(xl_put_str(ws, head, col + 1, "V(t)", f->head));
        TRY(xl_put_str(ws, head, col + 2, "V0", f->head));
        double typ = 0;
        for (int j = 0; j < s->n_curve; j++)
            typ = fmax(typ, fabs(s->curve_t[j]));
        lxw_format *tf = xl_input_fmt(x, home_model(x, d), s->input, typ);
        for (int j = 0; j < s->n_curve; j++) {
            TRY(xl_put_num(x, ws, head + 1 + j, col, s->curve_t[j], tf));
            TRY(xl_put_num(x, ws, head + 1 + j, col + 1, s->curve_v[j], fm));
            TRY(xl_put_num(x, ws, head + 1 + j, col + 2, d->v0, fm));
        }
        if (s->n_curve > longest)
            longest = s->n_curve;
        if (s->n_curve > 0)
            TRY(curve_chart(x, ws, d, s, head, col, chart_at[r]));
    }
    *next = row + 2 + longest + 1;
    return LXW_NO_ERROR;
}

static lxw_error decision_block(xctx *x, lxw_worksheet *ws, const roi_decision_result *d,
                                int row, pages *pg, int *next)
{
    const xfmt *f = &x->f;
    char line[600];
    if (d->missing) {
        snprintf(line, sizeof line, "Decision \"%s\": not evaluated, its option '%s' was not "
                 "run", d->name, d->missing);
        TRY(xl_put_str(ws, row, 0, line, f->subtitle));
        *next = row + 2;
        return LXW_NO_ERROR;
    }
    snprintf(line, sizeof line, "Decision \"%s\": maximising %s over %zu trials on common "
             "random numbers", d->title ? d->title : d->name, roi_output_name(d->output),
             d->trials);
    TRY(xl_put_str(ws, row, 0, line, f->subtitle));
    TRY(options_table(x, ws, d, row + 1, &row));
    static const char *const head[SC_NCOL] = {
        "Signal", "Rank", "EVPPI", "SE", "Best rule", "t*", "t* from", "t* to",
        "Cross-fitted option value", "SE", "In-sample option value", "Optimism", "Blocks"};
    if (d->n_signals > 0) { /* no signals: no table */
        TRY(xl_put_str(ws, row, 0, "Signals, most worth learning first", f->bold));
        TRY(xl_heads(ws, row + 1, head, SC_NCOL, 1, f));
        TRY(xl_put_str(ws, row + 1, SC_RULE, head[SC_RULE], f->head_indent));
        row += 2;
    }
    /* The values of information are small beside the options' means: one money format
     * that fits them (millions where the means are billions). */
    lxw_format *fm = xl_output_format(f, d->output);
    if (fm == f->money) {
        double typ = 0;
        for (int r = 0; r < d->n_signals; r++) {
            const roi_decision_signal *s = &d->signals[r];
            const double v[] = {s->evppi, s->cross_value, s->option_value, s->optimism};
            for (int i = 0; i < 4; i++)
                if (isfinite(v[i]))
                    typ = fmax(typ, fabs(v[i]));
        }
        fm = xl_measure_fmt(x, ROI_MEASURE_MONEY, typ);
    }
    for (int r = 0; r < d->n_signals; r++, row++)
        TRY(signal_row(x, ws, d, &d->signals[d->order[r]], row, fm));
    char answer[1024];
    answer_text(x, answer, sizeof answer, d);
    lxw_error e_lines = LXW_NO_ERROR;
    row += 2 + xl_put_lines(ws, row + 1, 0, answer, NOTE_WIDTH, f->bold, &e_lines);
    TRY(e_lines);
    /* the charts, a page break before the first and wherever the next would not fit */
    int *chart_at = calloc((size_t)d->n_signals + 1, sizeof *chart_at);
    if (!chart_at)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (int r = 0; r < d->n_signals; r++) {
        if (r == 0 || row + CHART_ROWS - xl_page_top(&pg->b) > pg->per_page)
            xl_break_at(&pg->b, row);
        chart_at[r] = row;
        row += CHART_ROWS;
    }
    xl_break_at(&pg->b, row);
    int data_end = row;
    lxw_error e = curve_data(x, ws, d, row, chart_at, &data_end);
    free(chart_at);
    *next = data_end + 1;
    return e;
}

lxw_error xl_write_decisions(xctx *x)
{
    const xfmt *f = &x->f;
    if (x->res->n_decisions == 0)
        return LXW_NO_ERROR; /* nothing to decide: no sheet */
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, SHEET);
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(xl_put_str(ws, 0, 0, "Decisions and the value of information", f->title));
    lxw_error e = LXW_NO_ERROR;
    int used = xl_put_lines(ws, 1, 0,
                "Options are scenarios of this run on common random numbers (trial i of each "
                "sees the same inputs). EVPI: what knowing everything before choosing is worth. "
                "EVPPI: what learning one signal alone first is worth (sorted blocks; SE from 16 "
                "batches of trials). Best rule: the threshold on the signal that maximises the "
                "value; its option value in sample, and cross-fitted (threshold chosen on the "
                "other half of the trials), whose difference is the optimism of choosing it in "
                "sample. docs/decisions.md.", NOTE_WIDTH, f->note, &e);
    TRY(e);
    int row = 2 + used;
    /* Signal, rank, EVPPI, SE, the rule (wrapped), t*, its range, the option values and
     * the blocks: every column printed, none past the page's edge. */
    static const double width[SC_NCOL] = {42, 6, 11, 10, 30, 10, 10, 10, 12, 10, 12, 11, 7};
    double px = 0;
    for (int c = 0; c < SC_NCOL; c++)
        px += xl_col_px(width[c]);
    int scale = xl_page_setup(x, ws, "Decisions", 1, 1, px);
    /* a page's rows less the repeated title and a margin for taller rows */
    pages pg = {.per_page = xl_rows_per_page(scale) - 4};
    if (pg.per_page < CHART_ROWS)
        pg.per_page = CHART_ROWS;
    for (int k = 0; k < x->res->n_decisions; k++)
        TRY(decision_block(x, ws, &x->res->decisions[k], row, &pg, &row));
    TRY(xl_set_breaks(ws, &pg.b));
    for (int c = 0; c < SC_NCOL; c++)
        TRY(worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width[c], NULL));
    xl_print_columns(ws, SC_BLOCKS);
    return LXW_NO_ERROR;
}
