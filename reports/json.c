/* json.c - the JSON report (cJSON). Key names are a contract (README, docs/json.md). */
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "json_number.h"
#include "search.h"
#include "text.h"

/* ---- building blocks ----------------------------------------------------------------- */

/* The summary of one output; its stats are null when it has no defined value. */
static cJSON *output_json(const roi_summary *s, roi_output o)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    int none = s->n_defined == 0;
    int ok = 1;
    ok &= roi_json_add_num(obj, "mean", none ? NAN : s->mean);
    ok &= roi_json_add_num(obj, "sd", none || s->n_defined < 2 ? NAN : s->sd);
    ok &= roi_json_add_num(obj, "se", none || s->n_defined < 2 ? NAN : s->se);
    ok &= roi_json_add_num(obj, "min", none ? NAN : s->min);
    ok &= roi_json_add_num(obj, "max", none ? NAN : s->max);
    for (int k = 0; k < ROI_NPCT; k++)
        ok &= roi_json_add_num(obj, roi_pct_names[k], none ? NAN : s->pct[k]);
    ok &= roi_json_add_num(obj, "prob_positive", none ? NAN : s->prob_positive);
    ok &= roi_json_add_num(obj, "cvar5", none ? NAN : s->cvar5);
    if (o == ROI_OUT_IRR || (o == ROI_OUT_ROI_MULTIPLE && s->undefined_share > 0))
        ok &= roi_json_add_num(obj, "undefined_share", s->undefined_share); /* no spend: no ratio */
    if (o == ROI_OUT_PAYBACK) {
        ok &= roi_json_add_num(obj, "never_share", s->undefined_share);
        ok &= roi_json_add_str(obj, "unit", "quarters from start");
    }
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

/* The inputs array: every reported value (an input, or a named expression, which says
 * so in "expression": true), with its sampled mean and band. */
static cJSON *inputs_json(const roi_run *run)
{
    const roi_graph *g = &run->model->graph;
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return NULL;
    for (int i = 0; i < run->n_inputs; i++) {
        const roi_input_stats *in = &run->inputs[i];
        if (in->node < 0 || in->node >= g->n || !roi_graph_is_reported(g, in->node))
            continue;
        const roi_node *node = &g->nodes[in->node];
        const int expr = node->kind != ROI_NODE_INPUT;
        char desc[512];
        if (expr)
            roi_graph_describe(g, in->node, desc, sizeof desc);
        else
            roi_dist_describe(&node->dist, desc, sizeof desc);
        cJSON *obj = cJSON_CreateObject();
        if (!obj || !cJSON_AddItemToArray(arr, obj)) {
            cJSON_Delete(obj);
            goto fail;
        }
        if (expr && !cJSON_AddBoolToObject(obj, "expression", 1))
            goto fail;
        if (!roi_json_add_str(obj, "name", node->name) ||
            !roi_json_add_str(obj, "distribution", desc) ||
            !roi_json_add_num(obj, "mean", in->mean) || !roi_json_add_num(obj, "p5", in->p5) ||
            !roi_json_add_num(obj, "p95", in->p95))
            goto fail;
    }
    return arr;

fail:
    cJSON_Delete(arr);
    return NULL;
}

/* The changes array: every parameter the scenario changes from its parents,
 * {path, parent, value}, the values as written (empty for a scenario that extends none). */
static cJSON *changes_json(const roi_model *m)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < m->n_changes; i++) {
        cJSON *obj = cJSON_CreateObject();
        if (!obj || !cJSON_AddItemToArray(arr, obj)) {
            cJSON_Delete(obj);
            cJSON_Delete(arr);
            return NULL;
        }
        if (!roi_json_add_str(obj, "path", m->changes[i].path) ||
            !roi_json_add_str(obj, "parent", m->changes[i].parent) ||
            !roi_json_add_str(obj, "value", m->changes[i].value)) {
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

/* The series object: name -> [{quarter, mean, p10, p50, p90}, ...]. */
static cJSON *series_json(const roi_run *run)
{
    const roi_model *m = run->model;
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    for (int s = 0; s < run->n_series; s++) {
        char name[256];
        if (!roi_model_series_present(m, s))
            continue; /* score for a case without versions, ... (MODEL.md 10.1) */
        roi_model_series_name(m, s, name, sizeof name);
        cJSON *arr = cJSON_CreateArray();
        if (!arr || !cJSON_AddItemToObject(obj, name, arr)) {
            cJSON_Delete(arr);
            goto fail;
        }
        for (int t = 0; t < run->periods; t++) {
            const roi_band *b = &run->bands[(size_t)s * (size_t)run->periods + (size_t)t];
            char label[16];
            roi_model_period_label(m, t, label, sizeof label);
            cJSON *pt = cJSON_CreateObject();
            if (!pt || !cJSON_AddItemToArray(arr, pt)) {
                cJSON_Delete(pt);
                goto fail;
            }
            if (!roi_json_add_str(pt, "quarter", label) || !roi_json_add_num(pt, "mean", b->mean) ||
                !roi_json_add_num(pt, "p10", b->p10) || !roi_json_add_num(pt, "p50", b->p50) ||
                !roi_json_add_num(pt, "p90", b->p90))
                goto fail;
        }
    }
    return obj;

fail:
    cJSON_Delete(obj);
    return NULL;
}

/* ---- goal seeks, sweeps, convergence, correlations ----------------------------------------- */

static const char *goal_status_name(roi_goal_status st)
{
    return st == ROI_GOAL_FOUND ? "found"
           : st == ROI_GOAL_NOT_BRACKETED ? "not_bracketed" : "not_converged";
}

static cJSON *num_array(const double *x, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < n; i++) {
        cJSON *item = roi_json_number(x[i]);
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

static cJSON *goal_json(const roi_goal_result *g)
{
    const roi_goal_spec *sp = g->spec;
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    int ok =
        roi_json_add_str(obj, "name", sp->name) && roi_json_add_str(obj, "input", sp->input) &&
        roi_json_add_str(obj, "mode", roi_override_mode_name(sp->mode)) &&
        roi_json_add_str(obj, "output", roi_output_name(sp->stat.output)) &&
        roi_json_add_str(obj, "stat", sp->stat_name) &&
        roi_json_add_num(obj, "target", sp->target) && roi_json_add_num(obj, "low", sp->low) &&
        roi_json_add_num(obj, "high", sp->high) && roi_json_add_u64(obj, "trials", g->trials) &&
        roi_json_add_str(obj, "status", goal_status_name(g->status)) &&
        roi_json_add_num(obj, "value", g->root) && roi_json_add_num(obj, "value_se", g->root_se) &&
        roi_json_add_num(obj, "stat_at_value", g->stat_at_root) &&
        roi_json_add_num(obj, "stat_se", g->stat_se) && roi_json_add_num(obj, "slope", g->slope) &&
        roi_json_add_num(obj, "stat_at_low", g->stat_low) &&
        roi_json_add_num(obj, "stat_at_high", g->stat_high) &&
        roi_json_add_num(obj, "evaluations", g->evaluations) &&
        roi_json_add_str(obj, "message", g->message[0] ? g->message : NULL);
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static cJSON *sweep_json(const roi_sweep_result *w)
{
    const roi_sweep_spec *sp = w->spec;
    cJSON *obj = cJSON_CreateObject(), *inputs = NULL, *table = NULL, *se = NULL;
    if (!obj)
        return NULL;
    int ok = roi_json_add_str(obj, "name", sp->name) &&
             roi_json_add_str(obj, "mode", roi_override_mode_name(sp->mode)) &&
             roi_json_add_str(obj, "output", roi_output_name(sp->stat.output)) &&
             roi_json_add_str(obj, "stat", sp->stat_name) &&
             roi_json_add_u64(obj, "trials", w->trials);
    inputs = cJSON_CreateArray();
    ok = ok && roi_json_add_item(obj, "inputs", inputs);
    for (int k = 0; ok && k < sp->n_inputs; k++) {
        cJSON *in = cJSON_CreateObject();
        ok = in && cJSON_AddItemToArray(inputs, in);
        if (!ok) {
            cJSON_Delete(in);
            break;
        }
        ok = roi_json_add_str(in, "input", sp->input[k]) &&
             roi_json_add_item(in, "values", num_array(sp->values[k], sp->n_values[k]));
    }
    /* table[row][col]: row = value of input 0, col = value of input 1 (one column
     * when there is one input). */
    table = cJSON_CreateArray();
    se = cJSON_CreateArray();
    ok = ok && roi_json_add_item(obj, "table", table);
    ok = ok && roi_json_add_item(obj, "se", se);
    for (int r = 0; ok && r < w->rows; r++) {
        size_t off = (size_t)r * (size_t)w->cols;
        cJSON *row = num_array(w->stat + off, w->cols), *row_se = num_array(w->se + off, w->cols);
        ok = row && cJSON_AddItemToArray(table, row);
        if (!ok)
            cJSON_Delete(row);
        int ok2 = row_se && cJSON_AddItemToArray(se, row_se);
        if (!ok2)
            cJSON_Delete(row_se);
        ok = ok && ok2;
    }
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

/* Adds sampling, correlations, goals, sweeps and convergence to a scenario object. */
static int search_json(cJSON *obj, const roi_scenario_results *sc)
{
    const roi_run *run = sc->run;
    const roi_model *m = run->model;
    const roi_search *s = &sc->search;
    int ok = roi_json_add_str(obj, "sampling", roi_sampling_name(run->sampling));
    cJSON *corr = cJSON_CreateArray();
    ok = ok && roi_json_add_item(obj, "correlations", corr);
    for (int i = 0; ok && i < m->n_correlations; i++) {
        cJSON *c = cJSON_CreateObject();
        ok = c && cJSON_AddItemToArray(corr, c);
        if (!ok) {
            cJSON_Delete(c);
            break;
        }
        ok = roi_json_add_str(c, "a", m->correlations[i].a) &&
             roi_json_add_str(c, "b", m->correlations[i].b) &&
             roi_json_add_num(c, "rank", m->correlations[i].rank);
    }
    cJSON *goals = cJSON_CreateArray();
    ok = ok && roi_json_add_item(obj, "goals", goals);
    for (int i = 0; ok && i < s->n_goals; i++) {
        cJSON *g = goal_json(&s->goals[i]);
        ok = g && cJSON_AddItemToArray(goals, g);
        if (!ok)
            cJSON_Delete(g);
    }
    cJSON *sweeps = cJSON_CreateArray();
    ok = ok && roi_json_add_item(obj, "sweeps", sweeps);
    for (int i = 0; ok && i < s->n_sweeps; i++) {
        cJSON *w = sweep_json(&s->sweeps[i]);
        ok = w && cJSON_AddItemToArray(sweeps, w);
        if (!ok)
            cJSON_Delete(w);
    }
    if (ok && sc->convergence.used) {
        const roi_convergence *cv = &sc->convergence;
        cJSON *c = cJSON_CreateObject();
        ok = roi_json_add_item(obj, "convergence", c) &&
             roi_json_add_num(c, "precision", cv->target) &&
             roi_json_add_u64(c, "max_trials", cv->max_trials) &&
             roi_json_add_u64(c, "trials", cv->trials) &&
             roi_json_add_num(c, "npv_mean", cv->mean) && roi_json_add_num(c, "npv_se", cv->se) &&
             roi_json_add_num(c, "relative_se", cv->rel) &&
             cJSON_AddBoolToObject(c, "reached", cv->reached) &&
             roi_json_add_num(c, "rounds", cv->rounds);
    }
    return ok;
}

/* ---- analysis ------------------------------------------------------------------------ */

/* Adds the uncertainty of a summary to obj: pct_ci {p1: [lo, hi], ...}, pct_se {...},
 * prob_positive_se, cvar5_se. */
static int add_ci(cJSON *obj, const roi_summary *s, const roi_summary_ci *ci)
{
    int none = s->n_defined == 0;
    cJSON *pci = cJSON_CreateObject(), *pse = cJSON_CreateObject();
    if (!pci || !cJSON_AddItemToObject(obj, "pct_ci", pci)) {
        cJSON_Delete(pci);
        cJSON_Delete(pse);
        return 0;
    }
    if (!pse || !cJSON_AddItemToObject(obj, "pct_se", pse)) {
        cJSON_Delete(pse);
        return 0;
    }
    int ok = 1;
    for (int k = 0; k < ROI_NPCT && ok; k++) {
        cJSON *pair = cJSON_CreateArray();
        if (!pair || !cJSON_AddItemToObject(pci, roi_pct_names[k], pair)) {
            cJSON_Delete(pair);
            return 0;
        }
        double lo = none ? NAN : ci->pct_lo[k], hi = none ? NAN : ci->pct_hi[k];
        cJSON *a = roi_json_number(lo);
        cJSON *b = roi_json_number(hi);
        ok &= a && cJSON_AddItemToArray(pair, a);
        ok &= b && cJSON_AddItemToArray(pair, b);
        ok &= roi_json_add_num(pse, roi_pct_names[k], none ? NAN : ci->pct_se[k]);
    }
    ok &= roi_json_add_num(obj, "prob_positive_se", none ? NAN : ci->prob_positive_se);
    ok &= roi_json_add_num(obj, "cvar5_se", none ? NAN : ci->cvar5_se);
    return ok;
}

/* {npv: {mean, ..., pct_ci, pct_se, ...}, ...} for a subset's summaries. */
static cJSON *outputs_ci_json(const roi_model *m, const roi_summary *sum,
                              const roi_summary_ci *ci)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        if (!roi_model_output_present(m, (roi_output)o))
            continue;
        cJSON *out = output_json(&sum[o], (roi_output)o);
        if (!out || !cJSON_AddItemToObject(obj, roi_output_name((roi_output)o), out)) {
            cJSON_Delete(out);
            goto fail;
        }
        if (!add_ci(out, &sum[o], &ci[o]))
            goto fail;
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

/* Creates an object or array and adds it to parent under key (NULL key: to an array). */
static cJSON *child(cJSON *parent, const char *key, int array)
{
    cJSON *c = array ? cJSON_CreateArray() : cJSON_CreateObject();
    if (!c)
        return NULL;
    int ok = key ? cJSON_AddItemToObject(parent, key, c) : cJSON_AddItemToArray(parent, c);
    if (!ok) {
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

/* Each output's standard error and confidence intervals. */
static int uncertainty_fill(cJSON *obj, const roi_run *run, const roi_analysis *an)
{
    cJSON *unc = child(obj, "uncertainty", 0);
    if (!unc)
        return 0;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        if (!roi_model_output_present(run->model, (roi_output)o))
            continue;
        cJSON *u = child(unc, roi_output_name((roi_output)o), 0);
        if (!u ||
            !roi_json_add_num(u, "mean_se",
                              run->summary[o].n_defined > 1 ? run->summary[o].se : NAN) ||
            !add_ci(u, &run->summary[o], &an->ci[o]))
            return 0;
    }
    return 1;
}

/* Rank correlations, contributions and decile swings, per output. */
static int sensitivity_fill(cJSON *obj, const roi_model *m, const roi_analysis *an)
{
    /* Sensitivity and tails use the first sensitivity_trials trials (analysis.h). */
    if (!roi_json_add_num(obj, "sensitivity_trials", (double)an->sens_trials))
        return 0;
    cJSON *sens = child(obj, "sensitivity", 0);
    if (!sens)
        return 0;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        const roi_sens_output *so = &an->sens[o];
        if (!so->computed || !roi_model_output_present(m, (roi_output)o))
            continue;
        cJSON *arr = child(sens, roi_output_name((roi_output)o), 1);
        if (!arr)
            return 0;
        for (int k = 0; k < so->n; k++) {
            const roi_sens *r = &so->rows[k];
            cJSON *row = child(arr, NULL, 0);
            if (!row || !roi_json_add_str(row, "input", r->name) ||
                !roi_json_add_num(row, "rank_correlation", r->rank_corr) ||
                !roi_json_add_num(row, "rank_correlation_se", r->rank_corr_se) ||
                !roi_json_add_num(row, "contribution_to_variance", r->contribution) ||
                !roi_json_add_num(row, "low_decile_mean", r->low_mean) ||
                !roi_json_add_num(row, "high_decile_mean", r->high_mean) ||
                !roi_json_add_num(row, "low_decile_share", r->low_share) ||
                !roi_json_add_num(row, "high_decile_share", r->high_share) ||
                !roi_json_add_num(row, "decile_swing", r->swing) ||
                !roi_json_add_num(row, "decile_swing_se", r->swing_se))
                return 0;
        }
    }
    return 1;
}

/* The npv tornado: each input at its p10 and p90, the others at their medians. */
static int tornado_fill(cJSON *obj, const roi_analysis *an)
{
    cJSON *tor = child(obj, "tornado", 0);
    if (!tor || !roi_json_add_str(tor, "output", "npv") ||
        !roi_json_add_num(tor, "at_medians", an->tornado_base))
        return 0;
    cJSON *bars = child(tor, "bars", 1);
    if (!bars)
        return 0;
    for (int k = 0; k < an->n_tornado; k++) {
        const roi_tornado_row *r = &an->tornado[k];
        cJSON *row = child(bars, NULL, 0);
        if (!row || !roi_json_add_str(row, "input", r->name) ||
            !roi_json_add_num(row, "input_p10", r->q10) ||
            !roi_json_add_num(row, "input_p90", r->q90) ||
            !roi_json_add_num(row, "npv_at_p10", r->at_q10) ||
            !roi_json_add_num(row, "npv_at_p90", r->at_q90) ||
            !roi_json_add_num(row, "range", r->range))
            return 0;
    }
    return 1;
}

/* What drives npv's low and high tails. */
static int tails_fill(cJSON *obj, const roi_analysis *an)
{
    cJSON *tails = child(obj, "tails", 1);
    if (!tails)
        return 0;
    for (int t = 0; t < 2; t++) {
        const roi_tail *tl = &an->tails[t];
        cJSON *o = child(tails, NULL, 0);
        if (!o || !roi_json_add_str(o, "output", "npv") ||
            !roi_json_add_str(o, "side", tl->upper ? "above_p90" : "below_p10") ||
            !roi_json_add_num(o, "threshold", tl->threshold) ||
            !roi_json_add_num(o, "trials", (double)tl->count))
            return 0;
        cJSON *arr = child(o, "inputs", 1);
        if (!arr)
            return 0;
        for (int k = 0; k < tl->n; k++) {
            cJSON *row = child(arr, NULL, 0);
            if (!row || !roi_json_add_str(row, "input", tl->rows[k].name) ||
                !roi_json_add_num(row, "median_shift_sd", tl->rows[k].median_shift) ||
                !roi_json_add_num(row, "mean_shift_sd", tl->rows[k].mean_shift))
                return 0;
        }
    }
    return 1;
}

/* The conditional views: the outputs over the trials where a condition holds. */
static int views_fill(cJSON *obj, const roi_model *m, const roi_analysis *an)
{
    cJSON *views = child(obj, "views", 1);
    if (!views)
        return 0;
    for (int i = 0; i < an->n_views; i++) {
        const roi_view_result *v = &an->views[i];
        cJSON *o = child(views, NULL, 0);
        if (!o || !roi_json_add_str(o, "name", v->name) ||
            !roi_json_add_str(o, "where", v->where) ||
            !roi_json_add_num(o, "trials", (double)v->count) ||
            !roi_json_add_num(o, "share", v->share) ||
            !roi_json_add_num(o, "share_se", v->share_se))
            return 0;
        cJSON *outs = outputs_ci_json(m, v->summary, v->ci);
        if (!outs || !cJSON_AddItemToObject(o, "outputs", outs)) {
            cJSON_Delete(outs);
            return 0;
        }
    }
    return 1;
}

/* The stress tests: the outputs with one input held in a percentile band. */
static int stress_fill(cJSON *obj, const roi_model *m, const roi_analysis *an)
{
    cJSON *stress = child(obj, "stress", 1);
    if (!stress)
        return 0;
    for (int i = 0; i < an->n_stress; i++) {
        const roi_stress_result *r = &an->stress[i];
        cJSON *o = child(stress, NULL, 0);
        if (!o || !roi_json_add_str(o, "name", r->name) ||
            !roi_json_add_str(o, "input", r->input) || !roi_json_add_num(o, "low", r->low) ||
            !roi_json_add_num(o, "high", r->high) || !roi_json_add_num(o, "input_low", r->q_low) ||
            !roi_json_add_num(o, "input_high", r->q_high) ||
            !roi_json_add_num(o, "npv_change_mean", r->npv_diff_mean) ||
            !roi_json_add_num(o, "npv_change_se", r->npv_diff_se))
            return 0;
        cJSON *outs = outputs_ci_json(m, r->summary, r->ci);
        if (!outs || !cJSON_AddItemToObject(o, "outputs", outs)) {
            cJSON_Delete(outs);
            return 0;
        }
    }
    return 1;
}

/* The paired comparison against the reference scenario, when there is one. */
static int paired_fill(cJSON *obj, const roi_paired *p)
{
    if (!p->done)
        return 1;
    cJSON *o = child(obj, "paired", 0);
    if (!o || !roi_json_add_str(o, "versus", p->other) ||
        !roi_json_add_str(o, "output", roi_output_name(p->output)) ||
        !roi_json_add_num(o, "trials", (double)p->n) || !roi_json_add_num(o, "mean", p->mean) ||
        !roi_json_add_num(o, "se", p->se) || !roi_json_add_num(o, "p10", p->p10) ||
        !roi_json_add_num(o, "p10_se", p->p10_se) || !roi_json_add_num(o, "p50", p->p50) ||
        !roi_json_add_num(o, "p50_se", p->p50_se) || !roi_json_add_num(o, "p90", p->p90) ||
        !roi_json_add_num(o, "p90_se", p->p90_se) ||
        !roi_json_add_num(o, "prob_beats", p->prob_beats) ||
        !roi_json_add_num(o, "prob_beats_se", p->prob_beats_se) ||
        !roi_json_add_num(o, "prob_ties", p->prob_ties))
        return 0;
    return 1;
}

static int analysis_fill(cJSON *obj, const roi_scenario_results *sc)
{
    const roi_analysis *an = sc->analysis;
    const roi_model *m = sc->run->model;
    return uncertainty_fill(obj, sc->run, an) && sensitivity_fill(obj, m, an) &&
           tornado_fill(obj, an) && tails_fill(obj, an) && views_fill(obj, m, an) &&
           stress_fill(obj, m, an) && paired_fill(obj, &sc->paired);
}

/* The "analysis" object of a scenario, or NULL when out of memory. */
static cJSON *analysis_json(const roi_scenario_results *sc)
{
    cJSON *obj = cJSON_CreateObject();
    if (obj && !analysis_fill(obj, sc)) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

/* "notes": what the load dropped or adapted (model.h), only when there is any. */
static int add_notes(cJSON *obj, const roi_model *m)
{
    if (m->n_notes == 0)
        return 1;
    cJSON *arr = cJSON_CreateArray();
    if (!arr || !cJSON_AddItemToObject(obj, "notes", arr)) {
        cJSON_Delete(arr);
        return 0;
    }
    for (int i = 0; i < m->n_notes; i++) {
        cJSON *item = cJSON_CreateString(m->notes[i]);
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            return 0;
        }
    }
    return 1;
}

/* One element of the scenarios array. */
static cJSON *scenario_json(const roi_scenario_results *sc)
{
    const roi_run *run = sc->run;
    const roi_model *m = run->model;
    cJSON *obj = cJSON_CreateObject();
    cJSON *horizon = NULL, *outputs = NULL, *inputs = NULL, *series = NULL, *miles = NULL;
    if (!obj)
        return NULL;
    if (!roi_json_add_str(obj, "name", m->name) || !roi_json_add_str(obj, "title", m->title) ||
        !roi_json_add_str(obj, "file", m->file) || !add_notes(obj, m))
        goto fail;

    char start[16], end[16];
    roi_model_period_label(m, 0, start, sizeof start);
    roi_model_period_label(m, m->periods - 1, end, sizeof end);
    horizon = cJSON_CreateObject();
    if (!horizon || !cJSON_AddItemToObject(obj, "horizon", horizon)) {
        cJSON_Delete(horizon);
        goto fail;
    }
    if (!roi_json_add_str(horizon, "start", start) || !roi_json_add_str(horizon, "end", end) ||
        !roi_json_add_num(horizon, "periods", m->periods) ||
        (m->currency && !roi_json_add_str(horizon, "currency", m->currency))) /* absent: USD */
        goto fail;

    outputs = cJSON_CreateObject();
    if (!outputs || !cJSON_AddItemToObject(obj, "outputs", outputs)) {
        cJSON_Delete(outputs);
        goto fail;
    }
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        if (!roi_model_output_present(m, (roi_output)o))
            continue; /* total_savings for a case without savings streams */
        cJSON *out = output_json(&run->summary[o], (roi_output)o);
        if (!out || !cJSON_AddItemToObject(outputs, roi_output_name((roi_output)o), out)) {
            cJSON_Delete(out);
            goto fail;
        }
    }

    inputs = inputs_json(run);
    if (!inputs || !cJSON_AddItemToObject(obj, "inputs", inputs)) {
        cJSON_Delete(inputs);
        goto fail;
    }
    cJSON *changes = changes_json(m);
    if (!changes || !cJSON_AddItemToObject(obj, "changes", changes)) {
        cJSON_Delete(changes);
        goto fail;
    }
    series = series_json(run);
    if (!series || !cJSON_AddItemToObject(obj, "series", series)) {
        cJSON_Delete(series);
        goto fail;
    }
    miles = cJSON_CreateObject();
    if (!miles || !cJSON_AddItemToObject(obj, "milestones", miles)) {
        cJSON_Delete(miles);
        goto fail;
    }
    for (int i = 0; i < m->n_milestones; i++)
        if (!roi_json_add_num(miles, m->milestones[i].name, run->milestone_prob[i]))
            goto fail;
    if (!search_json(obj, sc))
        goto fail;
    if (sc->analysis) {
        cJSON *an = analysis_json(sc);
        if (!an || !cJSON_AddItemToObject(obj, "analysis", an)) {
            cJSON_Delete(an);
            goto fail;
        }
    }
    return obj;

fail:
    cJSON_Delete(obj);
    return NULL;
}

/* ---- decisions ------------------------------------------------------------------------ */

static cJSON *rule_json(const roi_decision_result *d, const roi_decision_signal *s)
{
    cJSON *obj = cJSON_CreateObject(), *curve = NULL;
    if (!obj)
        return NULL;
    int ok = roi_json_add_num(obj, "threshold", s->threshold) &&
             roi_json_add_num(obj, "threshold_low", s->threshold_low) &&
             roi_json_add_num(obj, "threshold_high", s->threshold_high) &&
             roi_json_add_str(obj, "above", d->options[s->above]) &&
             roi_json_add_str(obj, "below", d->options[s->below]) &&
             roi_json_add_num(obj, "value", s->value) &&
             roi_json_add_num(obj, "value_se", s->value_se) &&
             roi_json_add_num(obj, "option_value", s->option_value) &&
             roi_json_add_num(obj, "option_value_se", s->option_value_se) &&
             roi_json_add_num(obj, "cross_value", s->cross_value) &&
             roi_json_add_num(obj, "cross_value_se", s->cross_value_se) &&
             roi_json_add_num(obj, "optimism", s->optimism) &&
             (curve = cJSON_CreateObject()) != NULL && roi_json_add_item(obj, "curve", curve) &&
             roi_json_add_str(curve, "above", d->options[s->curve_above]) &&
             roi_json_add_str(curve, "below", d->options[s->curve_below]) &&
             roi_json_add_item(curve, "t", num_array(s->curve_t, s->n_curve)) &&
             roi_json_add_item(curve, "v", num_array(s->curve_v, s->n_curve));
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static cJSON *signal_json(const roi_decision_result *d, const roi_decision_signal *s)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    int ok = roi_json_add_str(obj, "input", s->input) && roi_json_add_num(obj, "rank", s->rank) &&
             roi_json_add_num(obj, "evppi", s->evppi) &&
             roi_json_add_num(obj, "evppi_se", s->evppi_se) &&
             roi_json_add_num(obj, "blocks", s->blocks) &&
             roi_json_add_item(obj, "rule", rule_json(d, s));
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static cJSON *decision_json(const roi_decision_result *d)
{
    cJSON *obj = cJSON_CreateObject(), *opts = NULL, *sigs = NULL;
    if (!obj)
        return NULL;
    int ok = roi_json_add_str(obj, "name", d->name) && roi_json_add_str(obj, "title", d->title) &&
             roi_json_add_str(obj, "scenario", d->home) &&
             roi_json_add_str(obj, "output", roi_output_name(d->output)) &&
             roi_json_add_u64(obj, "trials", d->trials) && (opts = cJSON_CreateArray()) != NULL &&
             roi_json_add_item(obj, "options", opts);
    for (int k = 0; ok && k < d->n_options; k++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(opts, o)) {
            cJSON_Delete(o);
            ok = 0;
            break;
        }
        ok = roi_json_add_str(o, "scenario", d->options[k]) &&
             roi_json_add_num(o, "mean", d->mean[k]) && roi_json_add_num(o, "se", d->se[k]) &&
             roi_json_add_num(o, "prob_best", d->prob_best[k]);
    }
    ok = ok && roi_json_add_str(obj, "best_option", d->options[d->best]) &&
         roi_json_add_num(obj, "v0", d->v0) && roi_json_add_num(obj, "perfect", d->perfect) &&
         roi_json_add_num(obj, "evpi", d->evpi) && roi_json_add_num(obj, "evpi_se", d->evpi_se) &&
         (sigs = cJSON_CreateArray()) != NULL && roi_json_add_item(obj, "signals", sigs);
    for (int k = 0; ok && k < d->n_signals; k++) {
        cJSON *sj = signal_json(d, &d->signals[d->order[k]]);
        ok = sj && cJSON_AddItemToArray(sigs, sj);
        if (!ok)
            cJSON_Delete(sj);
    }
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

/* The decisions evaluated (one whose options were not all run is left out). */
static int decisions_json(cJSON *root, const roi_results *res)
{
    cJSON *arr = cJSON_CreateArray();
    if (!roi_json_add_item(root, "decisions", arr))
        return 0;
    for (int k = 0; k < res->n_decisions; k++) {
        if (res->decisions[k].missing)
            continue;
        cJSON *d = decision_json(&res->decisions[k]);
        if (!d || !cJSON_AddItemToArray(arr, d)) {
            cJSON_Delete(d);
            return 0;
        }
    }
    return 1;
}

/* ---- the document ------------------------------------------------------------------ */

/* Builds the whole document as text (caller frees with cJSON_free), or NULL. */
static char *document(const roi_results *res, const roi_report_meta *meta)
{
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = NULL;
    if (!root)
        return NULL;
    if (!roi_json_add_str(root, "version", meta->version ? meta->version : ROI_VERSION) ||
        !roi_json_add_u64(root, "seed", meta->seed) ||
        !roi_json_add_u64(root, "trials", meta->trials))
        goto done;
    arr = cJSON_CreateArray();
    if (!arr || !cJSON_AddItemToObject(root, "scenarios", arr)) {
        cJSON_Delete(arr);
        goto done;
    }
    for (int i = 0; i < res->n; i++) {
        cJSON *sc = scenario_json(&res->sc[i]);
        if (!sc || !cJSON_AddItemToArray(arr, sc)) {
            cJSON_Delete(sc);
            goto done;
        }
    }
    if (!decisions_json(root, res))
        goto done;
    text = cJSON_Print(root);

done:
    cJSON_Delete(root);
    return text;
}

roi_status roi_report_json_write(const roi_results *res, const roi_report_meta *meta,
                                 const char *path, roi_error *err)
{
    char *text = document(res, meta), *clean = NULL;
    /* The one place every string of the document (keys included) passes: bytes that
     * are not UTF-8 (a title, a file name) become U+FFFD, as RFC 8259 asks of JSON
     * text; cJSON has already escaped the control characters. */
    const char *out = text ? roi_text_clean(text, 0, &clean) : NULL;
    if (!out) {
        cJSON_free(text);
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory building the JSON report");
    }
    /* "-" is standard output: atomic.c stages it and writes it through at commit. */
    roi_status st = roi_atomic_write_text(path, out, err);
    free(clean);
    cJSON_free(text);
    return st;
}
