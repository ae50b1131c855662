/* terminal_decisions.c - the Decisions section of the terminal report (module terminal):
 * each decision's options, the value of information, its signals in rank order and the
 * answer in words. Prints what engine/decision.h computed; computes nothing. */
#include "report.h"

#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Money outputs get a currency sign; the others (people) are plain numbers. */
static int is_money(roi_output o)
{
    return o == ROI_OUT_NPV || o == ROI_OUT_NPV_HORIZON || o == ROI_OUT_TOTAL_SPEND ||
           o == ROI_OUT_TOTAL_REVENUE;
}

/* The unit that fits the options' means: billions, millions, thousands or ones. */
typedef struct unit {
    double scale;
    const char *suffix, *sign;
    /* the signals' values: as what they measure in the decision's model, the report's
     * money unit */
    const roi_model *home;
    const roi_money_unit *mu;
} unit;

static unit unit_for(const roi_decision_result *d)
{
    double big = 0;
    for (int k = 0; k < d->n_options; k++)
        if (fabs(d->mean[k]) > big)
            big = fabs(d->mean[k]);
    unit u = {1, "", is_money(d->output) ? "$" : "", NULL, NULL};
    if (big >= 1e9)
        u = (unit){1e9, "B", u.sign, NULL, NULL};
    else if (big >= 1e6)
        u = (unit){1e6, "M", u.sign, NULL, NULL};
    else if (big >= 1e3)
        u = (unit){1e3, "K", u.sign, NULL, NULL};
    return u;
}

/* "$12.34B", "-$4.00B", or "n/a". */
static const char *amount(char *buf, size_t size, unit u, double v)
{
    if (!isfinite(v))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%s%s%.2f%s", v < 0 && fabs(v / u.scale) >= 0.005 ? "-" : "",
                 u.sign, fabs(v / u.scale), u.suffix);
    return buf;
}

/* "$12.34B +/- 0.04" (the SE in the same unit). */
static const char *with_se(char *buf, size_t size, unit u, double v, double se)
{
    char a[48];
    amount(a, sizeof a, u, v);
    if (isfinite(se))
        snprintf(buf, size, "%s +/- %.2f", a, se / u.scale);
    else
        snprintf(buf, size, "%s", a);
    return buf;
}

/* The rule in words: "base when v2.score >= 61.2, else stop_after_v2". */
static const char *rule_words(char *buf, size_t size, const roi_decision_result *d,
                              const roi_decision_signal *s, unit u)
{
    char t[48];
    roi_numfmt_input_text(t, sizeof t, s->threshold, fabs(s->threshold), u.home, s->input, u.mu);
    if (s->above == s->below || !isfinite(s->threshold))
        snprintf(buf, size, "always %s (no threshold on %s beats it)", d->options[s->above],
                 s->input);
    else
        snprintf(buf, size, "%s when %s >= %s, else %s", d->options[s->above], s->input, t,
                 d->options[s->below]);
    return buf;
}

static void options_text(FILE *fp, const roi_decision_result *d, unit u)
{
    char a[96];
    fprintf(fp, "  %-20s %20s  %8s\n", "Option", "Mean +/- SE", "Best in");
    for (int k = 0; k < d->n_options; k++)
        fprintf(fp, "  %-20.20s %20s  %7.1f%%%s\n", d->options[k],
                with_se(a, sizeof a, u, d->mean[k], d->se[k]), 100.0 * d->prob_best[k],
                k == d->best ? "  <- V0, best now" : "");
    char p[48];
    fprintf(fp, "  Perfect information: %s; EVPI %s\n", amount(p, sizeof p, u, d->perfect),
            with_se(a, sizeof a, u, d->evpi, d->evpi_se));
}

static void signals_text(FILE *fp, const roi_decision_result *d, unit u)
{
    if (d->n_signals == 0)
        return;
    fprintf(fp, "  Signals, most worth learning first: EVPPI, and the best threshold rule's\n"
                "  option value cross-fitted (t* chosen on the other half) and in sample:\n");
    fprintf(fp, "  %-2s %-20s %16s %16s %9s %9s\n", "#", "Signal", "EVPPI +/- SE",
            "Cross-fitted", "In-sample", "Optimism");
    for (int r = 0; r < d->n_signals; r++) {
        const roi_decision_signal *s = &d->signals[d->order[r]];
        char e[64], c[64], in[48], op[48], words[320];
        fprintf(fp, "  %-2d %-20.20s %16s %16s %9s %9s\n", s->rank, s->input,
                with_se(e, sizeof e, u, s->evppi, s->evppi_se),
                with_se(c, sizeof c, u, s->cross_value, s->cross_value_se),
                amount(in, sizeof in, u, s->option_value), amount(op, sizeof op, u, s->optimism));
        fprintf(fp, "     rule: %s\n", rule_words(words, sizeof words, d, s, u));
    }
}

/* The answer in words: what to choose, what knowing more is worth, what to learn first. */
static void answer_text(FILE *fp, const roi_decision_result *d, unit u)
{
    char a[96], b[96];
    fprintf(fp, "  Answer: choose %s (best in %.1f%% of trials)\n", d->options[d->best],
            100.0 * d->prob_best[d->best]);
    fprintf(fp, "          at %s", with_se(a, sizeof a, u, d->mean[d->best], d->se[d->best]));
    for (int k = 0; k < d->n_options; k++)
        if (k != d->best)
            fprintf(fp, "; %s %s", d->options[k], with_se(b, sizeof b, u, d->mean[k], d->se[k]));
    fprintf(fp, "\n  Knowing everything before choosing is worth %s.\n",
            with_se(a, sizeof a, u, d->evpi, d->evpi_se));
    if (d->n_signals == 0)
        return;
    const roi_decision_signal *top = &d->signals[d->order[0]];
    int worth = isfinite(top->evppi_se) ? top->evppi > 2 * top->evppi_se : top->evppi > 0;
    if (worth)
        fprintf(fp, "  Worth most to learn first: %s (EVPPI %s);\n  then %s.\n", top->input,
                with_se(a, sizeof a, u, top->evppi, top->evppi_se),
                rule_words(b, sizeof b, d, top, u));
    else
        fprintf(fp, "  No signal is worth learning first: every EVPPI is within 2 SE of 0.\n");
}

void roi_report_terminal_decisions(FILE *fp, const roi_results *res)
{
    roi_money_unit mu = roi_numfmt_report_unit(res);
    for (int k = 0; k < res->n_decisions; k++) {
        const roi_decision_result *d = &res->decisions[k];
        if (d->missing) {
            fprintf(fp, "\nDecision \"%s\": not evaluated\n  (its option '%s' was not run)\n",
                    d->name, d->missing);
            continue;
        }
        unit u = unit_for(d);
        u.mu = &mu;
        for (int i = 0; d->home && i < res->n; i++)
            if (res->sc[i].run->model->name && !strcmp(res->sc[i].run->model->name, d->home))
                u.home = res->sc[i].run->model;
        fprintf(fp, "\nDecision \"%s\" (%s, %zu paired trials)\n", d->title ? d->title : d->name,
                roi_output_name(d->output), d->trials);
        options_text(fp, d, u);
        signals_text(fp, d, u);
        answer_text(fp, d, u);
    }
}
