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

/* How a decision's values are shown: through numfmt's rule, in the unit that fits the
 * values at hand (the options' means; the signals' values of information, which are
 * far smaller), in the case's currency for a money output, with two decimals. */
typedef struct unit {
    roi_money_unit mu; /* scale, letter; the currency's symbol, or none */
    roi_nf nf;         /* numfmt's rule for the values (nf.mu set by unit_fit) */
    /* the signals' values: as what they measure in the decision's model, in the
     * report's money unit */
    const roi_model *home;
    const roi_money_unit *report;
} unit;

/* u in the unit that fits values of size `big`; call after u is where it stays (nf.mu
 * points into it). */
static void unit_fit(unit *u, double big, roi_output o)
{
    char symbol[sizeof u->mu.symbol];
    snprintf(symbol, sizeof symbol, "%s", is_money(o) && u->report ? u->report->symbol : "");
    u->mu = roi_numfmt_money_unit(big);
    snprintf(u->mu.symbol, sizeof u->mu.symbol, "%s", symbol);
    u->nf = (roi_nf){ROI_NF_MONEY, 2, &u->mu};
}

/* "$12.34B", "-$4.00B", or "n/a". */
static const char *amount(char *buf, size_t size, const unit *u, double v)
{
    return roi_numfmt(buf, size, v, &u->nf);
}

/* "$12.34B +/- 0.04" (the SE's digits in the same unit). */
static const char *with_se(char *buf, size_t size, const unit *u, double v, double se)
{
    char a[40], d[20];
    amount(a, sizeof a, u, v);
    if (isfinite(se)) {
        roi_numfmt_digits(d, sizeof d, se, -3 * u->mu.commas, u->nf.decimals, 1);
        snprintf(buf, size, "%s +/- %s", a, d);
    } else
        snprintf(buf, size, "%s", a);
    return buf;
}

/* "98.8%", "> 99.9%": a share of trials by the one rule. */
static const char *share(char *buf, size_t size, double p)
{
    roi_nf pct = {ROI_NF_PCT, 1, NULL};
    return roi_numfmt(buf, size, p, &pct);
}

/* The rule in words: "base when v2.score >= 61.2, else stop_after_v2". */
static const char *rule_words(char *buf, size_t size, const roi_decision_result *d,
                              const roi_decision_signal *s, const unit *u)
{
    char t[48];
    roi_numfmt_input_text(t, sizeof t, s->threshold, fabs(s->threshold), u->home, s->input,
                          u->report);
    if (s->above == s->below || !isfinite(s->threshold))
        snprintf(buf, size, "always %s (no threshold on %s beats it)", d->options[s->above],
                 s->input);
    else
        snprintf(buf, size, "%s when %s >= %s, else %s", d->options[s->above], s->input, t,
                 d->options[s->below]);
    return buf;
}

static void options_text(FILE *fp, const roi_decision_result *d, const unit *u)
{
    char a[96], b[32];
    fprintf(fp, "  %-20s %20s  %8s\n", "Option", "Mean +/- SE", "Best in");
    for (int k = 0; k < d->n_options; k++)
        fprintf(fp, "  %-20.20s %20s  %8s%s\n", d->options[k],
                with_se(a, sizeof a, u, d->mean[k], d->se[k]),
                share(b, sizeof b, d->prob_best[k]), k == d->best ? "  <- V0, best now" : "");
    char p[48];
    fprintf(fp, "  Perfect information: %s; EVPI %s\n", amount(p, sizeof p, u, d->perfect),
            with_se(a, sizeof a, u, d->evpi, d->evpi_se));
}

static void signals_text(FILE *fp, const roi_decision_result *d, const unit *options)
{
    if (d->n_signals == 0)
        return;
    unit us = *options, *u = &us;
    us.nf.mu = &us.mu;
    double big = 0;
    for (int r = 0; r < d->n_signals; r++) {
        const roi_decision_signal *s = &d->signals[r];
        const double v[] = {s->evppi, s->cross_value, s->option_value, s->optimism};
        for (int i = 0; i < 4; i++)
            if (isfinite(v[i]))
                big = fmax(big, fabs(v[i]));
    }
    if (big > 0) /* all zero: the options' unit */
        unit_fit(u, big, d->output);
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
static void answer_text(FILE *fp, const roi_decision_result *d, const unit *u)
{
    char a[96], b[96];
    fprintf(fp, "  Answer: choose %s (best in %s of trials)\n", d->options[d->best],
            share(b, sizeof b, d->prob_best[d->best]));
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
        unit u = {.report = &mu};
        double big = 0;
        for (int o = 0; o < d->n_options; o++)
            if (isfinite(d->mean[o]))
                big = fmax(big, fabs(d->mean[o]));
        unit_fit(&u, big, d->output);
        for (int i = 0; d->home && i < res->n; i++)
            if (res->sc[i].run->model->name && !strcmp(res->sc[i].run->model->name, d->home))
                u.home = res->sc[i].run->model;
        fprintf(fp, "\nDecision \"%s\" (%s, %zu paired trials)\n", d->title ? d->title : d->name,
                roi_output_name(d->output), d->trials);
        options_text(fp, d, &u);
        signals_text(fp, d, &u);
        answer_text(fp, d, &u);
    }
}
