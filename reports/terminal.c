/*
 * terminal.c - the summary table printed after a run, and what follows it. Every line
 * fits 80 columns; every number goes through numfmt.h, so it reads as the workbook's.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

enum { WIDTH = 80 };
enum { P10 = 2, P50 = 4, P90 = 6 }; /* indices into roi_pct_levels */

/* How a section shows money and shares: the report's money unit, fixed per run. */
typedef struct tctx {
    FILE *fp;
    const roi_results *res;
    roi_money_unit mu;
    roi_nf money, money_se, delta, delta_se, pct, pts;
} tctx;

static void init_ctx(tctx *t, FILE *fp, const roi_results *res)
{
    *t = (tctx){.fp = fp, .res = res, .mu = roi_numfmt_report_unit(res)};
    t->money = (roi_nf){ROI_NF_MONEY, 1, &t->mu};
    t->money_se = (roi_nf){ROI_NF_MONEY, 2, &t->mu};
    t->delta = (roi_nf){ROI_NF_MONEY_DELTA, 1, &t->mu};
    t->delta_se = (roi_nf){ROI_NF_MONEY, 2, &t->mu};
    t->pct = (roi_nf){ROI_NF_PCT, 1, NULL};
    t->pts = (roi_nf){ROI_NF_PTS, 1, NULL};
}

/* Decimals that show the first significant digit of se plus one (at least 1). */
static int se_decimals(double se)
{
    if (!isfinite(se) || se <= 0)
        return 2;
    int d = 1 - (int)floor(log10(se));
    return d < 1 ? 1 : d > 9 ? 9 : d;
}

/* nf with the decimals (at least its own, at most 6) that show the first significant
 * digit of se as nf shows it: a small SE never reads as "$0.00M". */
static roi_nf nf_showing_se(roi_nf nf, double se)
{
    if (isfinite(se) && se > 0) {
        double shown = nf.kind == ROI_NF_PCT ? se * 100
                       : nf.kind == ROI_NF_MONEY ? se / (nf.mu ? nf.mu->scale : 1e9) : se;
        int d = se_decimals(shown) - 1;
        if (d > nf.decimals)
            nf.decimals = d > 6 ? 6 : d;
    }
    return nf;
}

static const char *name_of(const roi_run *run)
{
    return run->model->name ? run->model->name : "";
}

/* Percentile k of an output, or NaN when it has no defined value. */
static double pct(const roi_run *run, roi_output o, int k)
{
    const roi_summary *s = &run->summary[o];
    return s->n_defined ? s->pct[k] : NAN;
}

/* Prints text cut at spaces into lines of at most WIDTH columns, each after indent. */
static void wrap(FILE *fp, const char *indent, const char *text)
{
    int room = WIDTH - (int)strlen(indent);
    const char *p = text;
    while (*p) {
        int len = (int)strlen(p), cut = len;
        if (len > room) {
            cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = room;
        }
        fprintf(fp, "%s%.*s\n", indent, cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
}

/* name cut to w columns ("..." at the end when cut). */
static void put_name(FILE *fp, const char *name, int w)
{
    if ((int)strlen(name) > w)
        fprintf(fp, "%.*s...", w - 3, name);
    else
        fprintf(fp, "%-*s", w, name);
}

/* The money unit in words for headers: "$B". */
static void unit_label(const tctx *t, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s", t->mu.symbol, t->mu.letter);
}

/* ---- the table ------------------------------------------------------------------------- */

/* Name column bounds; the number columns are as wide as their widest cell, and the name
 * column gives way so that the table fits 80 columns. */
enum { NAME_MIN = 8, NAME_MAX = 19, NCOL = 6, CELL = 8, CELL_MAX = 40 };

typedef char row_cells[NCOL][CELL_MAX];

static void row_text(const tctx *t, const roi_run *run, row_cells cell)
{
    const roi_summary *npv = &run->summary[ROI_OUT_NPV];
    const roi_summary *pb = &run->summary[ROI_OUT_PAYBACK];
    roi_numfmt(cell[0], CELL_MAX, npv->n_defined ? npv->prob_positive : NAN, &t->pct);
    roi_numfmt(cell[1], CELL_MAX, pct(run, ROI_OUT_NPV, P10), &t->money);
    roi_numfmt(cell[2], CELL_MAX, pct(run, ROI_OUT_NPV, P50), &t->money);
    roi_numfmt(cell[3], CELL_MAX, pct(run, ROI_OUT_NPV, P90), &t->money);
    roi_numfmt(cell[4], CELL_MAX, pb->n ? 1 - pb->undefined_share : NAN, &t->pct);
    roi_numfmt(cell[5], CELL_MAX, pct(run, ROI_OUT_TOTAL_SPEND, P50), &t->money);
}

static void rule(FILE *fp, int total)
{
    for (int i = 0; i < total; i++)
        fputc('-', fp);
    fputc('\n', fp);
}

static void table(tctx *t, const roi_report_meta *meta)
{
    FILE *fp = t->fp;
    const roi_results *res = t->res;
    static const char *const head[NCOL] = {"P(NPV>0)", "NPV p10", "NPV p50", "NPV p90",
                                           "Payback", "Spend"};
    row_cells *cells = calloc((size_t)res->n + 1, sizeof *cells);
    if (!cells)
        return;
    int width[NCOL], w = NAME_MIN, total = 0;
    for (int c = 0; c < NCOL; c++)
        width[c] = CELL;
    for (int i = 0; i < res->n; i++) {
        row_text(t, res->sc[i].run, cells[i]);
        for (int c = 0; c < NCOL; c++)
            if ((int)strlen(cells[i][c]) > width[c])
                width[c] = (int)strlen(cells[i][c]);
        if ((int)strlen(name_of(res->sc[i].run)) > w)
            w = (int)strlen(name_of(res->sc[i].run));
    }
    for (int c = 0; c < NCOL; c++)
        total += 2 + width[c];
    w = w > NAME_MAX ? NAME_MAX : w;
    w = w > WIDTH - total ? WIDTH - total : w;
    w = w < NAME_MIN ? NAME_MIN : w;
    fprintf(fp, "%-*s", w, "Scenario");
    for (int c = 0; c < NCOL; c++)
        fprintf(fp, "  %*s", width[c], head[c]);
    fputc('\n', fp);
    rule(fp, w + total);
    for (int i = 0; i < res->n; i++) {
        put_name(fp, name_of(res->sc[i].run), w);
        for (int c = 0; c < NCOL; c++)
            fprintf(fp, "  %*s", width[c], cells[i][c]);
        fputc('\n', fp);
    }
    free(cells);
    rule(fp, w + total);
    fprintf(fp, "%zu trials, seed %llu\n", meta->trials, (unsigned long long)meta->seed);
    wrap(fp, "", "P(NPV>0): share of trials in which NPV is positive. Payback: share of "
                 "trials whose cumulative cash flow turns positive within the horizon. "
                 "NPV and spend: percentiles over the trials (p50 the median).");
}

/* ---- analysis ----------------------------------------------------------------------------- */

/* The reference of the comparisons (else the first scenario). */
static const roi_scenario_results *reference(const roi_results *res)
{
    const roi_scenario_results *ref = res->n > 0 ? &res->sc[0] : NULL;
    for (int i = 0; i < res->n; i++)
        if (res->sc[i].paired.done) {
            for (int j = 0; j < res->n; j++)
                if (res->sc[j].run->model->name &&
                    !strcmp(res->sc[j].run->model->name, res->sc[i].paired.other))
                    ref = &res->sc[j];
            break;
        }
    return ref;
}

static void drivers(tctx *t, const roi_scenario_results *ref)
{
    const roi_analysis *an = ref->analysis;
    const roi_sens_output *so = &an->sens[ROI_OUT_NPV];
    if (!so->computed || so->n == 0)
        return;
    char line[256], u[16];
    unit_label(t, u, sizeof u);
    snprintf(line, sizeof line, "What drives npv (%.30s): swing = mean npv in the input's top "
             "decile minus its bottom decile; tornado = npv at the input's p90 minus at its "
             "p10, the others at their medians.", name_of(ref->run));
    fputc('\n', t->fp);
    wrap(t->fp, "", line);
    fprintf(t->fp, "  %-30s  %8s  %8s  %10s  %10s\n", "Input", "Rank cor", "Variance", "Swing",
            "Tornado");
    int top = so->n < 5 ? so->n : 5;
    for (int k = 0; k < top; k++) {
        const roi_sens *r = &so->rows[k];
        double range = NAN;
        for (int i = 0; i < an->n_tornado; i++)
            if (an->tornado[i].node == r->node)
                range = an->tornado[i].at_q90 - an->tornado[i].at_q10;
        char swing[40], tor[40], var[40];
        roi_nf share = {ROI_NF_PCT, 1, NULL};
        roi_numfmt(swing, sizeof swing, r->swing, &t->delta);
        roi_numfmt(tor, sizeof tor, range, &t->delta);
        roi_numfmt(var, sizeof var, fabs(r->contribution), &share);
        fprintf(t->fp, "  %-30.30s  %+8.2f  %8s  %10s  %10s\n", r->name, r->rank_corr, var,
                swing, tor);
    }
}

static void paired(tctx *t, const roi_scenario_results *ref)
{
    const roi_results *res = t->res;
    int any = 0;
    for (int i = 0; i < res->n; i++)
        any |= res->sc[i].paired.done;
    if (!any)
        return;
    fprintf(t->fp, "\nTrial by trial vs %.40s (npv difference; same draws):\n",
            name_of(ref->run));
    fprintf(t->fp, "  %-18s  %8s  %7s  %8s  %8s  %8s  %8s\n", "Scenario", "Mean", "SE", "p10",
            "p50", "p90", "P(beats)");
    for (int i = 0; i < res->n; i++) {
        const roi_paired *p = &res->sc[i].paired;
        if (!p->done)
            continue;
        char c[6][40];
        roi_numfmt(c[0], sizeof c[0], p->mean, &t->delta);
        roi_nf nse = nf_showing_se(t->delta_se, p->se);
        roi_numfmt(c[1], sizeof c[1], p->se, &nse);
        roi_numfmt(c[2], sizeof c[2], p->p10, &t->delta);
        roi_numfmt(c[3], sizeof c[3], p->p50, &t->delta);
        roi_numfmt(c[4], sizeof c[4], p->p90, &t->delta);
        roi_numfmt(c[5], sizeof c[5], p->prob_beats, &t->pct);
        fputs("  ", t->fp);
        put_name(t->fp, name_of(res->sc[i].run), 18);
        fprintf(t->fp, "  %8s  %7s  %8s  %8s  %8s  %8s\n", c[0], c[1], c[2], c[3], c[4], c[5]);
    }
}

static void views(tctx *t, const roi_scenario_results *ref)
{
    const roi_analysis *an = ref->analysis;
    if (an->n_views == 0)
        return;
    fprintf(t->fp, "\nViews of %.40s (npv over the trials where the condition holds):\n",
            name_of(ref->run));
    fprintf(t->fp, "  %-30s  %7s  %8s  %7s  %8s\n", "Condition", "Share", "Mean npv", "SE",
            "P(NPV>0)");
    for (int i = 0; i < an->n_views; i++) {
        const roi_view_result *v = &an->views[i];
        const roi_summary *s = &v->summary[ROI_OUT_NPV];
        char share[40], mean[40], se[40], pp[40];
        roi_numfmt(share, sizeof share, v->share, &t->pct);
        if (v->count < ROI_REPORT_MIN_TRIALS || s->n_defined < 2) {
            fprintf(t->fp, "  %-30.30s  %7s  too few trials (%zu) for statistics\n", v->where,
                    share, v->count);
            continue;
        }
        roi_numfmt(mean, sizeof mean, s->mean, &t->money);
        roi_nf nse = nf_showing_se(t->money_se, s->se);
        roi_numfmt(se, sizeof se, s->se, &nse);
        roi_numfmt(pp, sizeof pp, s->prob_positive, &t->pct);
        fprintf(t->fp, "  %-30.30s  %7s  %8s  %7s  %8s\n", v->where, share, mean, se, pp);
    }
}

static void stresses(tctx *t)
{
    for (int i = 0; i < t->res->n; i++) {
        const roi_analysis *a = t->res->sc[i].analysis;
        if (!a || a->n_stress == 0)
            continue;
        fprintf(t->fp, "\nStress tests of %.40s (rerun with the input in a percentile band):\n",
                name_of(t->res->sc[i].run));
        fprintf(t->fp, "  %-32s  %8s  %8s  %8s  %7s\n", "Input and band", "NPV p50", "P(NPV>0)",
                "Change", "SE");
        for (int k = 0; k < a->n_stress; k++) {
            const roi_stress_result *r = &a->stress[k];
            const roi_summary *s = &r->summary[ROI_OUT_NPV];
            char label[96], p50[40], pp[40], chg[40], se[40];
            snprintf(label, sizeof label, "%s in p%g-p%g", r->input, 100.0 * r->low,
                     100.0 * r->high);
            roi_numfmt(p50, sizeof p50, s->n_defined ? s->pct[P50] : NAN, &t->money);
            roi_numfmt(pp, sizeof pp, s->n_defined ? s->prob_positive : NAN, &t->pct);
            roi_numfmt(chg, sizeof chg, r->npv_diff_mean, &t->delta);
            roi_nf nse = nf_showing_se(t->delta_se, r->npv_diff_se);
            roi_numfmt(se, sizeof se, r->npv_diff_se, &nse);
            fprintf(t->fp, "  %-32.32s  %8s  %8s  %8s  %7s\n", label, p50, pp, chg, se);
        }
    }
}

void roi_report_terminal(FILE *fp, const roi_results *res, const roi_report_meta *meta)
{
    tctx t;
    init_ctx(&t, fp, res);
    table(&t, meta);
    const roi_scenario_results *ref = reference(res);
    if (ref && ref->analysis) {
        drivers(&t, ref);
        paired(&t, ref);
        views(&t, ref);
        stresses(&t);
    }
    roi_report_terminal_search(fp, res);
    roi_report_terminal_decisions(fp, res);
}

/* ---- goal seeks, sweeps, convergence ---------------------------------------------------- */

/* How a goal's or sweep's statistic reads: a share as a percentage, money in the unit. */
static roi_nf stat_nf(const tctx *t, const roi_stat *st, int se)
{
    if (st->kind == ROI_STAT_PROB_POSITIVE)
        return (roi_nf){ROI_NF_PCT, se ? 2 : 1, NULL};
    switch (st->output) {
    case ROI_OUT_NPV:
    case ROI_OUT_NPV_HORIZON:
    case ROI_OUT_TOTAL_SPEND:
    case ROI_OUT_TOTAL_REVENUE: return (roi_nf){ROI_NF_MONEY, se ? 2 : 1, &t->mu};
    case ROI_OUT_IRR: return (roi_nf){ROI_NF_PCT, se ? 2 : 1, NULL};
    case ROI_OUT_PEAK_ACTIVE: return (roi_nf){ROI_NF_USERS, 0, NULL};
    default: return (roi_nf){ROI_NF_NUMBER, se ? 3 : 2, NULL};
    }
}

/* How a goal's input values are shown: as what the input measures (a multiplier when the
 * mode scales its draws), with the decimals that show one digit of se (when finite). */
static roi_nf input_nf(const tctx *t, const roi_run *run, const roi_goal_spec *sp,
                       double typical, double se, roi_money_unit *own)
{
    roi_nf nf = sp->mode == ROI_OVERRIDE_SCALE
                    ? (roi_nf){ROI_NF_RATIO, 2, NULL}
                    : roi_numfmt_input(roi_model_input_measure(run->model, sp->input), typical,
                                       &t->mu, own);
    return nf.kind == ROI_NF_USERS ? nf : nf_showing_se(nf, se);
}

/* dec: the decimals of plain values; kdec[kind]: of values of each numfmt kind (one
 * precision down the column) */
static void goal_line(tctx *t, const roi_run *run, const roi_goal_result *r, int dec,
                      const int *kdec)
{
    const roi_goal_spec *sp = r->spec;
    fputs("  ", t->fp);
    put_name(t->fp, name_of(run), 18);
    fputs("  ", t->fp);
    put_name(t->fp, sp->name, 20);
    if (r->status == ROI_GOAL_NOT_BRACKETED) {
        fprintf(t->fp, "  not reached\n");
        char line[256];
        char lo[40] = "", hi[40] = "";
        roi_money_unit own;
        roi_nf in = input_nf(t, run, sp, fmax(fabs(sp->low), fabs(sp->high)), NAN, &own);
        if (in.kind == ROI_NF_NKIND) {
            snprintf(lo, sizeof lo, "%.4g", sp->low);
            snprintf(hi, sizeof hi, "%.4g", sp->high);
        } else {
            roi_numfmt(lo, sizeof lo, sp->low, &in);
            roi_numfmt(hi, sizeof hi, sp->high, &in);
        }
        snprintf(line, sizeof line, "%s is %.3g at %s and %.3g at %s", sp->stat_name,
                 r->stat_low, lo, r->stat_high, hi);
        wrap(t->fp, "      ", line);
        return;
    }
    char value[96], stat[96], s1[40], s2[40];
    roi_money_unit own;
    roi_nf in = input_nf(t, run, sp, fabs(r->root), r->root_se, &own);
    if (in.kind != ROI_NF_NKIND) {
        in.decimals = kdec[in.kind];
        /* the answer as what the input measures, its SE in the same unit */
        char v1[40], v2[40];
        roi_numfmt(v1, sizeof v1, r->root, &in);
        roi_numfmt(v2, sizeof v2, r->root_se, &in);
        snprintf(value, sizeof value, "%s +/- %s", v1, v2);
    } else
        snprintf(value, sizeof value, "%.*f +/- %.*f", dec, r->root, dec, r->root_se);
    roi_nf nf = stat_nf(t, &sp->stat, 0), nse = stat_nf(t, &sp->stat, 1);
    if (nf.kind == ROI_NF_PCT)
        nse.decimals = 1;
    roi_numfmt(s1, sizeof s1, r->stat_at_root, &nf);
    roi_numfmt(s2, sizeof s2, r->stat_se, &nse);
    if (nf.kind == ROI_NF_PCT) /* "50.0% +/- 0.5" pts */
        s2[strcspn(s2, "%")] = '\0';
    snprintf(stat, sizeof stat, "%s +/- %s", s1, s2);
    fprintf(t->fp, "  %20s  %13s%s\n", value, stat,
            r->status == ROI_GOAL_NOT_CONVERGED ? " (not converged)" : "");
}

static void goals(tctx *t)
{
    const roi_results *res = t->res;
    int any = 0, dec = 1, kdec[ROI_NF_NKIND] = {0};
    for (int i = 0; i < res->n; i++)
        for (int g = 0; g < res->sc[i].search.n_goals; g++) {
            const roi_goal_result *r = &res->sc[i].search.goals[g];
            any = 1;
            if (r->status != ROI_GOAL_NOT_BRACKETED && se_decimals(r->root_se) > dec)
                dec = se_decimals(r->root_se);
            roi_money_unit own;
            roi_nf in = input_nf(t, res->sc[i].run, r->spec, fabs(r->root), r->root_se, &own);
            if (r->status != ROI_GOAL_NOT_BRACKETED && in.kind != ROI_NF_NKIND &&
                in.decimals > kdec[in.kind])
                kdec[in.kind] = in.decimals;
        }
    if (!any)
        return;
    fprintf(t->fp, "\nGoal seeks (Brent's method on common random numbers; +/- one Monte "
                   "Carlo SE)\n  %-18s  %-20s  %20s  %13s\n", "Scenario", "Goal", "Value",
            "Statistic");
    for (int i = 0; i < res->n; i++)
        for (int g = 0; g < res->sc[i].search.n_goals; g++)
            goal_line(t, res->sc[i].run, &res->sc[i].search.goals[g], dec, kdec);
    /* What each goal of the first scenario varies and aims at, once. */
    const roi_search *s = &res->sc[0].search;
    for (int g = 0; g < s->n_goals; g++) {
        const roi_goal_result *r = &s->goals[g];
        const roi_goal_spec *sp = r->spec;
        char line[512], trials[96] = "";
        if (r->trials != res->sc[0].run->trials)
            snprintf(trials, sizeof trials, " (%zu trials per evaluation)", r->trials);
        snprintf(line, sizeof line, "%s: the value of %s at which %s of %s is %.4g%s.",
                 sp->name, sp->input, sp->stat_name, roi_output_name(sp->stat.output),
                 sp->target, trials);
        wrap(t->fp, "  ", line);
    }
}

static void sweep(tctx *t, const roi_run *run, const roi_sweep_result *r)
{
    const roi_sweep_spec *sp = r->spec;
    char line[512];
    if (sp->n_inputs > 1)
        snprintf(line, sizeof line, "Sweep %s (%s): %s of %s; rows %s, columns %s", sp->name,
                 name_of(run), sp->stat_name, roi_output_name(sp->stat.output), sp->input[0],
                 sp->input[1]);
    else
        snprintf(line, sizeof line, "Sweep %s (%s): %s of %s by %s", sp->name, name_of(run),
                 sp->stat_name, roi_output_name(sp->stat.output), sp->input[0]);
    fputc('\n', t->fp);
    wrap(t->fp, "", line);
    /* Columns of 9, as many as fit in 80 (the rest are in the workbook and the JSON). */
    int cols = r->cols < 7 ? r->cols : 7;
    if (sp->n_inputs > 1) {
        fprintf(t->fp, "%10s", "");
        for (int c = 0; c < cols; c++)
            fprintf(t->fp, "  %9.4g", sp->values[1][c]);
        fputc('\n', t->fp);
    }
    roi_nf nf = stat_nf(t, &sp->stat, 0);
    for (int row = 0; row < r->rows; row++) {
        fprintf(t->fp, "%10.4g", sp->values[0][row]);
        for (int c = 0; c < cols; c++) {
            char cell[40];
            double v = r->stat[(size_t)row * (size_t)r->cols + (size_t)c];
            roi_numfmt(cell, sizeof cell, v, &nf);
            fprintf(t->fp, "  %9s", cell);
        }
        fputc('\n', t->fp);
    }
    if (cols < r->cols)
        fprintf(t->fp, "  (%d more columns in the workbook and the JSON)\n", r->cols - cols);
}

void roi_report_terminal_search(FILE *fp, const roi_results *res)
{
    if (res->n == 0)
        return;
    tctx t;
    init_ctx(&t, fp, res);
    goals(&t);
    for (int i = 0; i < res->n; i++)
        for (int w = 0; w < res->sc[i].search.n_sweeps; w++)
            sweep(&t, res->sc[i].run, &res->sc[i].search.sweeps[w]);
    for (int i = 0; i < res->n; i++) {
        const roi_convergence *c = &res->sc[i].convergence;
        if (!c->used)
            continue;
        char line[256];
        snprintf(line, sizeof line, "%s: %zu trials (%d rounds): SE/|mean| of npv %.3g %s "
                 "target %.3g", name_of(res->sc[i].run), c->trials, c->rounds, c->rel,
                 c->reached ? "meets" : "MISSES (cap reached)", c->target);
        wrap(fp, "", line);
    }
}
