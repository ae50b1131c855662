/* terminal.c - the summary table printed after a run, and what follows it. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- formatting ------------------------------------------------------------------- */

/* Dollars as "$12.3B" / "-$4.0B" (billions, one decimal, thousands grouped). */
static void fmt_billions(char *buf, size_t size, double dollars)
{
    if (!isfinite(dollars)) {
        snprintf(buf, size, "n/a");
        return;
    }
    char digits[64];
    snprintf(digits, sizeof digits, "%.1f", fabs(dollars) / 1e9);
    int negative = dollars < 0 && strcmp(digits, "0.0") != 0;
    /* Group the integer part: "1234.5" -> "1,234.5". */
    char grouped[96];
    size_t intlen = strcspn(digits, ".");
    size_t j = 0;
    for (size_t i = 0; digits[i]; i++) {
        if (i > 0 && i < intlen && (intlen - i) % 3 == 0)
            grouped[j++] = ',';
        grouped[j++] = digits[i];
    }
    grouped[j] = '\0';
    snprintf(buf, size, "%s$%sB", negative ? "-" : "", grouped);
}

static void fmt_percent(char *buf, size_t size, double p)
{
    if (!isfinite(p))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%.1f%%", 100.0 * p);
}

enum { P10 = 2, P50 = 4, P90 = 6 }; /* indices into roi_pct_levels */

/* Percentile k of an output, or NaN when it has no defined value. */
static double pct(const roi_run *run, roi_output o, int k)
{
    const roi_summary *s = &run->summary[o];
    return s->n_defined ? s->pct[k] : NAN;
}


/* ---- analysis ----------------------------------------------------------------------------- */

/* Dollars in billions with a sign and one decimal: "+12.3" / "-4.0". */
static void fmt_signed_b(char *buf, size_t size, double dollars)
{
    if (!isfinite(dollars))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%+.1f", dollars / 1e9);
}

/* Top drivers of npv for one scenario, then the paired comparisons, views and stresses. */
static void analysis_text(FILE *fp, const roi_results *res)
{
    const int n = res->n;
    /* The reference of the comparisons (else the first scenario) explains npv. */
    const roi_scenario_results *ref = n > 0 ? &res->sc[0] : NULL;
    for (int i = 0; i < n; i++)
        if (res->sc[i].paired.done) {
            for (int j = 0; j < n; j++)
                if (res->sc[j].run->model->name &&
                    !strcmp(res->sc[j].run->model->name, res->sc[i].paired.other))
                    ref = &res->sc[j];
            break;
        }
    if (!ref || !ref->analysis)
        return;
    const roi_analysis *an = ref->analysis;
    const roi_sens_output *so = &an->sens[ROI_OUT_NPV];
    const char *rname = ref->run->model->name ? ref->run->model->name : "";
    if (so->computed && so->n > 0) {
        fprintf(fp, "\nWhat drives npv (%.40s): swing = mean npv in the input's top decile minus its\n"
                "bottom decile; tornado = npv at the input's p90 minus at its p10, others at median\n",
                rname);
        fprintf(fp, "  %-36s  %8s  %9s  %13s  %10s\n", "Input", "Rank cor", "Variance",
                "Swing $B", "Tornado $B");
        int top = so->n < 5 ? so->n : 5;
        for (int k = 0; k < top; k++) {
            const roi_sens *r = &so->rows[k];
            double range = NAN;
            for (int t = 0; t < an->n_tornado; t++)
                if (an->tornado[t].node == r->node)
                    range = an->tornado[t].at_q90 - an->tornado[t].at_q10;
            char swing[32], tor[32];
            fmt_signed_b(swing, sizeof swing, r->swing);
            fmt_signed_b(tor, sizeof tor, range);
            fprintf(fp, "  %-36.36s  %+8.2f  %8.1f%%  %13s  %10s\n", r->name, r->rank_corr,
                    100.0 * fabs(r->contribution), swing, tor);
        }
    }

    int any = 0;
    for (int i = 0; i < n; i++)
        any |= res->sc[i].paired.done;
    if (any) {
        fprintf(fp, "\nTrial by trial vs %.40s (npv difference, $B; same draws):\n", rname);
        fprintf(fp, "  %-28s  %16s  %7s  %7s  %7s  %14s\n", "Scenario", "Mean +/- SE", "p10",
                "p50", "p90", "P(beats)");
        for (int i = 0; i < n; i++) {
            const roi_paired *p = &res->sc[i].paired;
            if (!p->done)
                continue;
            char mean[40], c10[16], c50[16], c90[16];
            snprintf(mean, sizeof mean, "%+.2f +/- %.2f", p->mean / 1e9, p->se / 1e9);
            fmt_signed_b(c10, sizeof c10, p->p10);
            fmt_signed_b(c50, sizeof c50, p->p50);
            fmt_signed_b(c90, sizeof c90, p->p90);
            char beats[32];
            snprintf(beats, sizeof beats, "%5.1f%% +/- %.1f", 100.0 * p->prob_beats,
                     100.0 * p->prob_beats_se);
            fprintf(fp, "  %-28.28s  %16s  %7s  %7s  %7s  %14s\n",
                    res->sc[i].run->model->name ? res->sc[i].run->model->name : "", mean, c10,
                    c50, c90, beats);
        }
    }

    if (an->n_views > 0) {
        fprintf(fp, "\nViews of %.40s (npv over the trials where the condition holds):\n", rname);
        fprintf(fp, "  %-36s  %14s  %16s  %8s\n", "Condition", "Share", "Mean npv $B",
                "P(NPV>0)");
        for (int i = 0; i < an->n_views; i++) {
            const roi_view_result *v = &an->views[i];
            const roi_summary *s = &v->summary[ROI_OUT_NPV];
            char share[32], mean[40], pp[16];
            snprintf(share, sizeof share, "%5.1f%% +/- %.1f", 100.0 * v->share, 100.0 * v->share_se);
            if (s->n_defined > 1)
                snprintf(mean, sizeof mean, "%+.1f +/- %.1f", s->mean / 1e9, s->se / 1e9);
            else
                snprintf(mean, sizeof mean, "n/a");
            fmt_percent(pp, sizeof pp, s->n_defined ? s->prob_positive : NAN);
            fprintf(fp, "  %-36.36s  %14s  %16s  %8s\n", v->where, share, mean, pp);
        }
    }

    for (int i = 0; i < n; i++) {
        const roi_analysis *a = res->sc[i].analysis;
        const char *name = res->sc[i].run->model->name;
        if (!a || a->n_stress == 0)
            continue;
        fprintf(fp, "\nStress tests of %.40s (rerun with the input in a percentile band):\n",
                name ? name : "");
        fprintf(fp, "  %-36s  %11s  %9s  %18s\n", "Input and band", "NPV p50", "P(NPV>0)",
                "Mean change $B");
        for (int k = 0; k < a->n_stress; k++) {
            const roi_stress_result *r = &a->stress[k];
            const roi_summary *s = &r->summary[ROI_OUT_NPV];
            char label[64], p50[32], pp[16], chg[40];
            snprintf(label, sizeof label, "%s in p%g-p%g", r->input, 100.0 * r->low,
                     100.0 * r->high);
            fmt_billions(p50, sizeof p50, s->n_defined ? s->pct[P50] : NAN);
            fmt_percent(pp, sizeof pp, s->n_defined ? s->prob_positive : NAN);
            snprintf(chg, sizeof chg, "%+.2f +/- %.2f", r->npv_diff_mean / 1e9,
                     r->npv_diff_se / 1e9);
            fprintf(fp, "  %-36.36s  %11s  %9s  %18s\n", label, p50, pp, chg);
        }
    }
}

/* ---- the table ------------------------------------------------------------------------- */

/* Name column bounds: with the widest name the table stays under 100 columns. */
enum { NAME_MIN = 8, NAME_MAX = 28 };

void roi_report_terminal(FILE *fp, const roi_results *res, const roi_report_meta *meta)
{
    const int n = res->n;
    int w = NAME_MIN;
    for (int i = 0; i < n; i++) {
        const char *name = res->sc[i].run->model->name ? res->sc[i].run->model->name : "";
        int len = (int)strlen(name);
        if (len > w)
            w = len;
    }
    if (w > NAME_MAX)
        w = NAME_MAX;

    static const char *const head[] = {"P(NPV>0)", "NPV p10", "NPV p50", "NPV p90",
                                       "Payback p50", "Spend p50"};
    static const int width[] = {8, 10, 10, 10, 11, 10};
    enum { NCOL = 6 };
    int total = w;
    for (int c = 0; c < NCOL; c++)
        total += 2 + width[c];

    fprintf(fp, "%-*s", w, "Scenario");
    for (int c = 0; c < NCOL; c++)
        fprintf(fp, "  %*s", width[c], head[c]);
    fputc('\n', fp);
    for (int i = 0; i < total; i++)
        fputc('-', fp);
    fputc('\n', fp);

    for (int i = 0; i < n; i++) {
        const roi_run *run = res->sc[i].run;
        const roi_model *m = run->model;
        const roi_summary *npv = &run->summary[ROI_OUT_NPV];
        char cell[NCOL][32];
        fmt_percent(cell[0], sizeof cell[0], npv->n_defined ? npv->prob_positive : NAN);
        fmt_billions(cell[1], sizeof cell[1], pct(run, ROI_OUT_NPV, P10));
        fmt_billions(cell[2], sizeof cell[2], pct(run, ROI_OUT_NPV, P50));
        fmt_billions(cell[3], sizeof cell[3], pct(run, ROI_OUT_NPV, P90));
        int period = -1;
        if (roi_results_median_payback(run, &period) != ROI_OK)
            snprintf(cell[4], sizeof cell[4], "n/a");
        else if (period < 0)
            snprintf(cell[4], sizeof cell[4], "never");
        else
            roi_model_period_label(m, period, cell[4], sizeof cell[4]);
        fmt_billions(cell[5], sizeof cell[5], pct(run, ROI_OUT_TOTAL_SPEND, P50));

        const char *name = m->name ? m->name : "";
        if ((int)strlen(name) > w)
            fprintf(fp, "%.*s...", w - 3, name);
        else
            fprintf(fp, "%-*s", w, name);
        for (int c = 0; c < NCOL; c++)
            fprintf(fp, "  %*s", width[c], cell[c]);
        fputc('\n', fp);
    }
    for (int i = 0; i < total; i++)
        fputc('-', fp);
    fputc('\n', fp);
    fprintf(fp, "%zu trials, seed %llu\n", meta->trials, (unsigned long long)meta->seed);
    analysis_text(fp, res);
    roi_report_terminal_search(fp, res);
    roi_report_terminal_decisions(fp, res);
}

/* ---- goal seeks, sweeps, convergence ---------------------------------------------------- */

void roi_report_terminal_search(FILE *fp, const roi_results *res)
{
    const int n = res->n;
    int any_goal = 0;
    for (int i = 0; i < n; i++) {
        const roi_search *s = &res->sc[i].search;
        if (s->n_goals == 0)
            continue;
        if (!any_goal)
            fprintf(fp, "\nGoal seeks (Brent's method on common random numbers; +/- one Monte Carlo SE)\n"
                        "  %-22s %-24s %24s %18s\n",
                    "Scenario", "Goal", "Value", "Statistic");
        any_goal = 1;
        for (int g = 0; g < s->n_goals; g++) {
            const roi_goal_result *r = &s->goals[g];
            const roi_goal_spec *sp = r->spec;
            const char *name = res->sc[i].run->model->name ? res->sc[i].run->model->name : "";
            if (r->status == ROI_GOAL_NOT_BRACKETED) {
                fprintf(fp, "  %-22.22s %-24.24s not reached: %s is %.3g at %.3g, %.3g at %.3g\n",
                        name, sp->name, sp->stat_name, r->stat_low, sp->low, r->stat_high,
                        sp->high);
                continue;
            }
            char value[64], stat[64];
            snprintf(value, sizeof value, "%.4g +/- %.2g", r->root, r->root_se);
            snprintf(stat, sizeof stat, "%.3g +/- %.1g", r->stat_at_root, r->stat_se);
            fprintf(fp, "  %-22.22s %-24.24s %24s %18s%s\n", name, sp->name, value, stat,
                    r->status == ROI_GOAL_NOT_CONVERGED ? " (not converged)" : "");
        }
    }
    if (any_goal) {
        /* What each goal varies and aims at, once. */
        for (int i = 0; i < n; i++) {
            const roi_search *s = &res->sc[i].search;
            for (int g = 0; i == 0 && g < s->n_goals; g++) {
                const roi_goal_spec *sp = s->goals[g].spec;
                fprintf(fp, "  %s: the value of %s at which %s of %s is %.4g\n", sp->name,
                        sp->input, sp->stat_name, roi_output_name(sp->stat.output), sp->target);
            }
        }
    }
    for (int i = 0; i < n; i++) {
        const roi_search *s = &res->sc[i].search;
        for (int w = 0; w < s->n_sweeps; w++) {
            const roi_sweep_result *r = &s->sweeps[w];
            const roi_sweep_spec *sp = r->spec;
            fprintf(fp, "\nSweep %s (%s): %s of %s", sp->name, res->sc[i].run->model->name,
                    sp->stat_name, roi_output_name(sp->stat.output));
            if (sp->n_inputs > 1) {
                fprintf(fp, "; rows %s, columns %s\n%12s", sp->input[0], sp->input[1], "");
                for (int c = 0; c < r->cols; c++)
                    fprintf(fp, "  %12.4g", sp->values[1][c]);
            } else {
                fprintf(fp, " by %s", sp->input[0]);
            }
            fputc('\n', fp);
            /* Cells in the statistic's own unit: % for probabilities, $B for money. */
            int prob = sp->stat.kind == ROI_STAT_PROB_POSITIVE;
            int money = !prob && (sp->stat.output == ROI_OUT_NPV ||
                                  sp->stat.output == ROI_OUT_NPV_HORIZON ||
                                  sp->stat.output == ROI_OUT_TOTAL_SPEND ||
                                  sp->stat.output == ROI_OUT_TOTAL_REVENUE);
            for (int row = 0; row < r->rows; row++) {
                fprintf(fp, "%12.4g", sp->values[0][row]);
                for (int c = 0; c < r->cols; c++) {
                    double v = r->stat[(size_t)row * (size_t)r->cols + (size_t)c];
                    if (!isfinite(v))
                        fprintf(fp, "  %12s", "-");
                    else if (prob)
                        fprintf(fp, "  %11.1f%%", 100.0 * v);
                    else if (money)
                        fprintf(fp, "  %11.1fB", v / 1e9);
                    else
                        fprintf(fp, "  %12.4g", v);
                }
                fputc('\n', fp);
            }
        }
    }
    for (int i = 0; i < n; i++) {
        const roi_convergence *c = &res->sc[i].convergence;
        if (!c->used)
            continue;
        fprintf(fp, "%s: %zu trials (%d rounds): se/|mean| of npv %.3g %s target %.3g\n",
                res->sc[i].run->model->name, c->trials, c->rounds, c->rel,
                c->reached ? "meets" : "MISSES (cap reached)", c->target);
    }
}
