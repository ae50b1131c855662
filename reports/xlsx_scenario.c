/*
 * xlsx_scenario.c - one sheet per scenario: the statistics of every output, the
 * milestones, and the charts (histogram, S-curve, fan chart, users, revenue, spend).
 */
#include "xlsx_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Colours of the components in stacked charts: greys, slates and taupes, so that no
 * component takes a colour that means a scenario elsewhere. */
static const unsigned part_palette[] = {0x404040, 0x7F9FB3, 0xA6A6A6, 0x8C7B6B, 0x2F4F5F,
                                        0xC9B8A6, 0x666666, 0xB7CCD9, 0x5C4A3A, 0xD9D9D9};

/* "2026Q3" for a period index t, or "" when t is not a defined whole period. */
static void quarter_label(const roi_model *m, double t, char *buf, size_t size)
{
    if (!isfinite(t) || t < 0 || t > m->periods - 1) {
        snprintf(buf, size, "%s", "");
        return;
    }
    roi_model_period_label(m, (roi_period)floor(t), buf, size);
}

/* ---- the scalar outputs -------------------------------------------------------------- */

static const char *output_label(roi_output o)
{
    switch (o) {
    case ROI_OUT_NPV: return "NPV";
    case ROI_OUT_NPV_HORIZON: return "NPV over the horizon only";
    case ROI_OUT_ROI_MULTIPLE: return "ROI multiple";
    case ROI_OUT_IRR: return "IRR (annual)";
    case ROI_OUT_PAYBACK: return "Payback (quarters; trials that pay back)";
    case ROI_OUT_TOTAL_SPEND: return "Total spend";
    case ROI_OUT_TOTAL_REVENUE: return "Total revenue";
    case ROI_OUT_PEAK_ACTIVE: return "Peak unique active users";
    case ROI_OUT_TOTAL_SAVINGS: return "Total savings";
    default: return roi_output_name(o);
    }
}

/* Where an output's bad outcomes lie: high spend and a late payback; low otherwise. */
static int adverse_high(roi_output o)
{
    return o == ROI_OUT_TOTAL_SPEND || o == ROI_OUT_PAYBACK;
}

/* P(> 0) tells something only where the output can be negative. */
static int sign_informs(roi_output o)
{
    return o == ROI_OUT_NPV || o == ROI_OUT_NPV_HORIZON || o == ROI_OUT_IRR;
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
    const char *text = xl_chart_text(name, &owned);
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
enum { CHART_W = 780, CHART_H = 360, CHART_ROWS = 19, CHART_GAP = 16 };

static lxw_error place(xctx *x, lxw_worksheet *ws, lxw_chart *c, int row, int col,
                       const char *alt)
{
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    (void)x;
    /* col is 0 (left) or 1 (right): both anchor in column A, the right one shifted. */
    lxw_chart_options o = {.x_offset = col ? CHART_W + CHART_GAP : 0, .x_scale = CHART_W / 480.0,
                           .y_scale = CHART_H / 288.0, .description = (char *)alt};
    return worksheet_insert_chart_opt(ws, (lxw_row_t)row, 0, c, &o);
}

/* ---- one sheet per scenario ----------------------------------------------------------- */

enum { OC_LABEL, OC_KEY, OC_MEAN, OC_SD, OC_SE, OC_MIN, OC_PCT, OC_MAX = OC_PCT + ROI_NPCT,
       OC_PPOS, OC_CVAR, OC_UNDEF, OC_NCOL };

static lxw_error write_stats_table(xctx *x, lxw_worksheet *ws, int k, int head)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_model *m = run->model;
    TRY(xl_put_str(ws, head, OC_LABEL, "Output", f->head_left));
    TRY(xl_put_str(ws, head, OC_KEY, "JSON key", f->head_left));
    TRY(xl_put_str(ws, head, OC_MEAN, "Mean", f->head));
    TRY(xl_put_str(ws, head, OC_SD, "SD", f->head));
    TRY(xl_put_str(ws, head, OC_SE, "SE of mean", f->head));
    TRY(xl_put_str(ws, head, OC_MIN, "Min", f->head));
    for (int p = 0; p < ROI_NPCT; p++)
        TRY(xl_put_str(ws, head, OC_PCT + p, roi_pct_names[p], f->head));
    TRY(xl_put_str(ws, head, OC_MAX, "Max", f->head));
    TRY(xl_put_str(ws, head, OC_PPOS, "P(> 0), where it can be negative", f->head));
    TRY(xl_put_str(ws, head, OC_CVAR, "Mean of the worst 5% (lowest; highest for spend, "
                   "payback)", f->head));
    TRY(xl_put_str(ws, head, OC_UNDEF, "Undefined / never (share)", f->head));
    TRY(worksheet_set_row(ws, (lxw_row_t)head, 60, NULL));

    int row = head + 1;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        if (!roi_model_output_present(m, (roi_output)o))
            continue; /* total_savings without savings streams */
        const roi_summary *s = &run->summary[o];
        lxw_format *fm = xl_output_format(f, (roi_output)o);
        int none = s->n_defined == 0, few = s->n_defined < 2;
        TRY(xl_put_str(ws, row, OC_LABEL, output_label((roi_output)o), f->bold));
        TRY(xl_put_str(ws, row, OC_KEY, roi_output_name((roi_output)o), f->text));
        TRY(xl_put_num(x, ws, row, OC_MEAN, none ? NAN : s->mean, fm));
        TRY(xl_put_num(x, ws, row, OC_SD, few ? NAN : s->sd, fm));
        TRY(xl_put_num(x, ws, row, OC_SE, few ? NAN : s->se, fm));
        TRY(xl_put_num(x, ws, row, OC_MIN, none ? NAN : s->min, fm));
        for (int p = 0; p < ROI_NPCT; p++)
            TRY(xl_put_num(x, ws, row, OC_PCT + p, none ? NAN : s->pct[p], fm));
        TRY(xl_put_num(x, ws, row, OC_MAX, none ? NAN : s->max, fm));
        int informs = sign_informs((roi_output)o);
        TRY(xl_put_num(x, ws, row, OC_PPOS, none || !informs ? NAN : s->prob_positive, f->pct));
        double worst = s->cvar5;
        if (adverse_high((roi_output)o) &&
            roi_results_upper_tail_mean(run, (roi_output)o, &worst) != ROI_OK)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        TRY(xl_put_num(x, ws, row, OC_CVAR, none ? NAN : worst, fm));
        if (o == ROI_OUT_IRR || o == ROI_OUT_PAYBACK ||
            (o == ROI_OUT_ROI_MULTIPLE && s->undefined_share > 0)) /* no spend */
            TRY(xl_put_num(x, ws, row, OC_UNDEF, s->undefined_share, f->pct));
        else
            TRY(worksheet_write_blank(ws, (lxw_row_t)row, OC_UNDEF, NULL));
        row++;
    }
    /* Payback percentiles again as quarters: the quarter in which the period falls. */
    const roi_summary *pb = &run->summary[ROI_OUT_PAYBACK];
    TRY(xl_put_str(ws, row, OC_LABEL, "Payback as a quarter (same trials)", f->bold));
    TRY(xl_put_str(ws, row, OC_KEY, "(from payback)", f->text));
    char label[16];
    if (pb->n_defined) {
        quarter_label(m, pb->min, label, sizeof label);
        TRY(xl_put_str(ws, row, OC_MIN, label, f->right));
        for (int p = 0; p < ROI_NPCT; p++) {
            quarter_label(m, pb->pct[p], label, sizeof label);
            TRY(xl_put_str(ws, row, OC_PCT + p, label, f->right));
        }
        quarter_label(m, pb->max, label, sizeof label);
        TRY(xl_put_str(ws, row, OC_MAX, label, f->right));
    }
    char start[16];
    roi_model_period_label(m, 0, start, sizeof start);
    char note[256];
    snprintf(note, sizeof note,
             "Statistics over the trials where the output is defined: payback's over the "
             "trials that pay back within the horizon (0 = %s). Empty cells: no trial "
             "defines the value (see the last column).",
             start);
    TRY(xl_put_str(ws, row + 1, OC_LABEL, note, f->note));
    return LXW_NO_ERROR;
}

/* Milestones: P(series >= threshold at quarter). Returns the next free row in *next. */
static lxw_error write_milestones(xctx *x, lxw_worksheet *ws, int k, int row, int *next)
{
    const xfmt *f = &x->f;
    const roi_run *run = x->res->sc[k].run;
    const roi_model *m = run->model;
    if (m->n_milestones == 0) { /* an empty section is left out */
        *next = row;
        return LXW_NO_ERROR;
    }
    TRY(xl_put_str(ws, row, OC_LABEL, "Milestones", f->subtitle));
    row++;
    TRY(xl_put_str(ws, row, OC_LABEL, "Milestone", f->head_left));
    TRY(xl_put_str(ws, row, OC_KEY, "JSON key", f->head_left));
    TRY(xl_put_str(ws, row, OC_MEAN, "Probability", f->head));
    row++;
    for (int i = 0; i < m->n_milestones; i++, row++) {
        const roi_milestone *ms = &m->milestones[i];
        char sname[128], q[16], thr[64], text[256];
        roi_model_series_name(m, ms->series, sname, sizeof sname);
        roi_model_period_label(m, ms->period, q, sizeof q);
        xl_human(thr, sizeof thr, ms->threshold, xl_series_unit(sname));
        for (char *p = sname; *p; p++)
            if (*p == '_')
                *p = ' ';
        snprintf(text, sizeof text, "P(%s >= %s in %s)", sname, thr, q);
        TRY(xl_put_str(ws, row, OC_LABEL, text, f->text));
        TRY(xl_put_str(ws, row, OC_KEY, ms->name, f->text));
        TRY(xl_put_num(x, ws, row, OC_MEAN, run->milestone_prob[i], f->pct));
    }
    *next = row;
    return LXW_NO_ERROR;
}

/* On a what-if's S-curve, the reference scenario's (base), thin and grey, with a legend
 * that names both: how the what-if moves the curve, on the shared axis. Else no legend. */
static lxw_error reference_curve(xctx *x, lxw_chart *c, int k)
{
    int ref = x->res->reference;
    if (ref < 0 || ref == k || x->sc[ref].npv.n == 0) {
        chart_legend_set_position(c, LXW_CHART_LEGEND_NONE);
        return LXW_NO_ERROR;
    }
    char name[96];
    snprintf(name, sizeof name, "%.60s (reference)", xl_scen_title(x->res->sc[ref].run));
    lxw_chart_line line = {.color = 0x808080, .width = 1.25f,
                           .dash_type = LXW_CHART_LINE_DASH_DASH};
    if (!xl_scurve_series(x, c, ref, name, &line))
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    chart_legend_set_position(c, LXW_CHART_LEGEND_BOTTOM);
    return LXW_NO_ERROR;
}

/* The histogram and S-curve of npv (data in Series). */
static lxw_error npv_charts(xctx *x, lxw_worksheet *ws, int k, int row, int col2)
{
    const roi_run *run = x->res->sc[k].run;
    unsigned color = x->sc[k].color;
    int dr = xl_dist_row(x, k);
    if (x->sc[k].npv.hist.bins > 0) {
        lxw_chart *c = xl_new_chart(x, LXW_CHART_COLUMN, "NPV: distribution over trials");
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
        char axis[96];
        snprintf(axis, sizeof axis, "NPV, %s (bin centre; edge bins hold the tails)", x->unit);
        xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), axis, NULL);
        lxw_chart_axis *share = chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y);
        xl_style_axis(share, "Share of trials", "0%");
        /* one share axis on every scenario's sheet, as their bins are one grid */
        if (x->n > 1 && x->hist_share_max > 0)
            xl_axis_range(share, 0, x->hist_share_max);
        TRY(place(x, ws, c, row, 0, "Histogram of NPV over the trials"));
    }
    if (run->summary[ROI_OUT_NPV].n_defined > 0) {
        char title[128], p[32];
        roi_nf pct = {ROI_NF_PCT, 1, NULL};
        roi_numfmt(p, sizeof p, run->summary[ROI_OUT_NPV].prob_positive, &pct);
        snprintf(title, sizeof title, "NPV S-curve: P(NPV <= x); P(NPV > 0) = %s", p);
        lxw_chart *c = xl_new_chart(x, LXW_CHART_SCATTER_STRAIGHT, title);
        if (!c)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        lxw_chart_line line = {.color = color, .width = 2.25f};
        if (!xl_scurve_series(x, c, k, xl_scen_title(run), &line))
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        TRY(reference_curve(x, c, k));
        /* One NPV range on every scenario's sheet, so the curves compare by eye. */
        xl_scurve_axes(x, c);
        TRY(place(x, ws, c, row, col2, "Cumulative distribution of NPV"));
    }
    return LXW_NO_ERROR;
}

/* The title the scenario gives the component `name` of a prefixed series ("spend.x"),
 * or the name itself; *lump: a one-off spend. */
static const char *part_title(const roi_model *m, const char *prefix, const char *name,
                              int *lump)
{
    *lump = 0;
    if (!strcmp(prefix, "spend."))
        for (int i = 0; i < m->n_spend; i++)
            if (!strcmp(m->spend[i].name, name)) {
                *lump = m->spend[i].kind == ROI_SPEND_LUMP;
                return m->spend[i].title ? m->spend[i].title : name;
            }
    if (!strcmp(prefix, "revenue.") || !strcmp(prefix, "savings."))
        for (int i = 0; i < m->n_streams; i++)
            if (!strcmp(m->streams[i].name, name))
                return m->streams[i].title ? m->streams[i].title : name;
    if (!strcmp(prefix, "active."))
        for (int i = 0; i < m->n_surfaces; i++)
            if (!strcmp(m->surfaces[i].name, name))
                return m->surfaces[i].title ? m->surfaces[i].title : name;
    return name;
}

/* Stacked chart of the medians of the series whose names start with prefix; lumps: 1
 * only the one-off spends, 0 all but them. NULL with *empty set when none qualifies. */
static lxw_chart *stacked(xctx *x, int k, uint8_t type, const char *title, const char *prefix,
                          const char *axis_title, const char *num_fmt, int lumps, int *empty)
{
    const roi_run *run = x->res->sc[k].run;
    size_t plen = strlen(prefix);
    int part = 0, lump;
    for (int s = 0; s < run->n_series; s++) {
        char name[128];
        roi_model_series_name(run->model, s, name, sizeof name);
        if (!strncmp(name, prefix, plen) && roi_model_series_present(run->model, s)) {
            part_title(run->model, prefix, name + plen, &lump);
            part += lump == lumps;
        }
    }
    *empty = part == 0;
    if (part == 0)
        return NULL;
    lxw_chart *c = xl_new_chart(x, type, title);
    if (!c)
        return NULL;
    part = 0;
    for (int s = 0; s < run->n_series; s++) {
        char name[128];
        roi_model_series_name(run->model, s, name, sizeof name);
        if (strncmp(name, prefix, plen) != 0 || !roi_model_series_present(run->model, s))
            continue;
        const char *shown = part_title(run->model, prefix, name + plen, &lump);
        if (lump != lumps)
            continue;
        unsigned color = part_palette[(size_t)part++ % NPALETTE(part_palette)];
        if (!row_series(x, c, k, xl_series_row(x, k, s, ST_P50), shown, color, 0, 0))
            return NULL;
    }
    if (type == LXW_CHART_COLUMN_STACKED) {
        chart_set_series_gap(c, 50);
        chart_set_series_overlap(c, 100);
    }
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y), axis_title, num_fmt);
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), NULL, NULL);
    chart_axis_set_label_position(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X),
                                  LXW_CHART_AXIS_LABEL_POSITION_LOW);
    return c;
}

/* Places a stacked chart, or notes that the scenario has nothing to stack. */
static lxw_error place_stacked(xctx *x, lxw_worksheet *ws, lxw_chart *c, int empty, int row,
                               int col, const char *alt)
{
    if (empty)
        return LXW_NO_ERROR;
    return place(x, ws, c, row, col, alt);
}

/* The fan chart of cumulative cash flow and the unique reach chart, on band row. */
static lxw_error cash_and_reach(xctx *x, lxw_worksheet *ws, int k, int row)
{
    unsigned color = x->sc[k].color;
    lxw_chart *c = xl_new_chart(x, LXW_CHART_LINE,
                                "Cumulative cash flow by quarter: p10, median, p90 and mean");
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    /* The median carries the colour; p10 and p90 lighter and dashed; the mean dotted. */
    struct fan_line { int st; const char *name; int w; uint8_t dash; unsigned color; };
    const struct fan_line fan[] = {
        {ST_P90, "p90", 2, LXW_CHART_LINE_DASH_DASH, xl_lighter(color)},
        {ST_P50, "median (p50)", 3, LXW_CHART_LINE_DASH_SOLID, color},
        {ST_P10, "p10", 2, LXW_CHART_LINE_DASH_DASH, xl_lighter(color)},
        {ST_MEAN, "mean", 2, LXW_CHART_LINE_DASH_ROUND_DOT, 0x262626}};
    for (size_t i = 0; i < sizeof fan / sizeof fan[0]; i++)
        if (!row_series(x, c, k, xl_series_row(x, k, ROI_SERIES_CUMULATIVE, fan[i].st),
                        fan[i].name, fan[i].color, fan[i].w, fan[i].dash))
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
    char axis[64];
    snprintf(axis, sizeof axis, "Cumulative cash flow, %s", x->unit);
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y), axis, x->money_code);
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), NULL, NULL);
    chart_axis_set_label_position(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X),
                                  LXW_CHART_AXIS_LABEL_POSITION_LOW);
    TRY(place(x, ws, c, row, 0, "Fan chart of cumulative cash flow"));

    const roi_model *m = x->res->sc[k].run->model;
    if (!roi_model_series_present(m, ROI_SERIES_UNIQUE_ACTIVE))
        return LXW_NO_ERROR;
    c = xl_new_chart(x, LXW_CHART_LINE, "Unique reach and unique active users (medians)");
    if (!c ||
        !row_series(x, c, k, xl_series_row(x, k, ROI_SERIES_UNIQUE_REACH, ST_P50), "unique reach",
                    0x7F7F7F, 2, LXW_CHART_LINE_DASH_DASH) ||
        !row_series(x, c, k, xl_series_row(x, k, ROI_SERIES_UNIQUE_ACTIVE, ST_P50),
                    "unique active users", color, 3, LXW_CHART_LINE_DASH_SOLID))
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y), "People", USERS_FMT);
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), NULL, NULL);
    return place(x, ws, c, row, 1, "Unique reach and active users");
}

/* Users per surface and revenue per stream on band row a; spend on band row b (the
 * recurring lines, and the one-off lumps on a chart of their own, so that one large
 * stake does not flatten the rest). */
static lxw_error parts_charts(xctx *x, lxw_worksheet *ws, int k, int a, int b)
{
    char axis[64];
    int empty;
    lxw_chart *c = stacked(x, k, LXW_CHART_AREA_STACKED, "Active users per surface (medians, "
                           "stacked)", "active.", "People", USERS_FMT, 0, &empty);
    TRY(place_stacked(x, ws, c, empty, a, 0, "Active users per surface"));
    snprintf(axis, sizeof axis, "Revenue per quarter, %s", x->unit);
    c = stacked(x, k, LXW_CHART_COLUMN_STACKED, "Revenue per stream by quarter (medians)",
                "revenue.", axis, x->money_code, 0, &empty);
    TRY(place_stacked(x, ws, c, empty, a, 1, "Revenue per stream"));
    snprintf(axis, sizeof axis, "Spend per quarter, %s", x->unit);
    c = stacked(x, k, LXW_CHART_COLUMN_STACKED, "Recurring spend per line by quarter (medians)",
                "spend.", axis, x->money_code, 0, &empty);
    TRY(place_stacked(x, ws, c, empty, b, 0, "Recurring spend per line"));
    c = stacked(x, k, LXW_CHART_COLUMN_STACKED, "One-off spend (lumps) by quarter (medians)",
                "spend.", axis, x->money_code, 1, &empty);
    return place_stacked(x, ws, c, empty, b, 1, "One-off spend");
}

/* Savings per stream (MODEL.md 10.3: apart from revenue) on band row, when there are any. */
static lxw_error savings_chart(xctx *x, lxw_worksheet *ws, int k, int row)
{
    char axis[64];
    int empty;
    snprintf(axis, sizeof axis, "Savings per quarter, %s", x->unit);
    lxw_chart *c = stacked(x, k, LXW_CHART_COLUMN_STACKED, "Savings per stream by quarter "
                           "(medians)", "savings.", axis, x->money_code, 0, &empty);
    return place_stacked(x, ws, c, empty, row, 0, "Savings per stream");
}

/*
 * The row of the next band of charts at or below *row: when the band would cross the
 * bottom of the printed page that starts at *top (rows_per_page rows), a page break
 * goes before it and it starts the next page. Advances *row past the band.
 */
static int next_band(int *row, int *top, int rows_per_page, lxw_row_t *breaks, int *nb)
{
    if (*row + CHART_ROWS > *top + rows_per_page) {
        breaks[(*nb)++] = (lxw_row_t)*row;
        *top = *row;
    }
    int at = *row;
    *row += CHART_ROWS;
    return at;
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
    snprintf(line, sizeof line, "%s: %s", xl_scen_name(run), m->title ? m->title : "");
    TRY(xl_put_str(ws, 0, 0, line, f->title));
    roi_model_period_label(m, 0, start, sizeof start);
    roi_model_period_label(m, m->periods - 1, end, sizeof end);
    snprintf(line, sizeof line, "Scenario file %s; horizon %s to %s (%d quarters); %zu trials, "
             "seed %llu. Per-quarter numbers behind the charts: sheet Series.",
             xl_file_name(m->file), start, end, m->periods, run->trials,
             (unsigned long long)run->seed);
    TRY(xl_put_str(ws, 1, 0, line, f->note));
    worksheet_set_tab_color(ws, x->sc[k].color);

    const int head = 3;
    TRY(write_stats_table(x, ws, k, head));
    int shown = 0;
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        shown += roi_model_output_present(m, (roi_output)o);
    int row = head + shown + 4;
    TRY(write_milestones(x, ws, k, row, &row));
    row += 1;

    TRY(worksheet_set_column(ws, OC_LABEL, OC_LABEL, 38, NULL));
    TRY(worksheet_set_column(ws, OC_KEY, OC_KEY, 27, NULL));
    TRY(worksheet_set_column(ws, OC_MEAN, OC_UNDEF, 10.5, NULL));
    double cols = xl_col_px(38) + xl_col_px(27) + (OC_UNDEF - OC_MEAN + 1) * xl_col_px(10.5);
    xl_print_columns(ws, OC_UNDEF);
    int scale = xl_page_setup(x, ws, x->sc[k].sheet, head + 1, 0,
                              fmax(cols, 2 * CHART_W + CHART_GAP));
    /* Charts two by two in bands, never across a printed page. */
    int rows_per_page = xl_rows_per_page(scale), top = 0, nb = 0;
    lxw_row_t breaks[8] = {0};
    int b1 = next_band(&row, &top, rows_per_page, breaks, &nb);
    int b2 = next_band(&row, &top, rows_per_page, breaks, &nb);
    int b3 = next_band(&row, &top, rows_per_page, breaks, &nb);
    int b4 = next_band(&row, &top, rows_per_page, breaks, &nb);
    TRY(npv_charts(x, ws, k, b1, 1));
    TRY(cash_and_reach(x, ws, k, b2));
    TRY(parts_charts(x, ws, k, b3, b4));
    if (roi_model_output_present(m, ROI_OUT_TOTAL_SAVINGS))
        TRY(savings_chart(x, ws, k, next_band(&row, &top, rows_per_page, breaks, &nb)));
    if (nb > 0)
        TRY(worksheet_set_h_pagebreaks(ws, breaks));
    return LXW_NO_ERROR;
}

lxw_error xl_write_scenarios(xctx *x)
{
    for (int k = 0; k < x->n; k++)
        TRY(write_scenario(x, k));
    return LXW_NO_ERROR;
}
