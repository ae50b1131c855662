/* json.c - the JSON report (cJSON). Key names are a contract (README, issue 2). */
#include "report.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "search.h"

/* ---- building blocks ----------------------------------------------------------------- */

/* Adds a number, or null when v is not finite: no NaN or Inf ever reaches the file. */
static int add_num(cJSON *obj, const char *key, double v)
{
    cJSON *item = isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
    return item && cJSON_AddItemToObject(obj, key, item);
}

/* Adds a string (null for a NULL string). */
static int add_str(cJSON *obj, const char *key, const char *s)
{
    cJSON *item = s ? cJSON_CreateString(s) : cJSON_CreateNull();
    return item && cJSON_AddItemToObject(obj, key, item);
}

/* Adds an unsigned integer printed exactly (a double would round seeds above 2^53). */
static int add_u64(cJSON *obj, const char *key, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    cJSON *item = cJSON_CreateRaw(buf);
    return item && cJSON_AddItemToObject(obj, key, item);
}

/* The summary of one output; its stats are null when it has no defined value. */
static cJSON *output_json(const roi_summary *s, roi_output o)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    int none = s->n_defined == 0;
    int ok = 1;
    ok &= add_num(obj, "mean", none ? NAN : s->mean);
    ok &= add_num(obj, "sd", none || s->n_defined < 2 ? NAN : s->sd);
    ok &= add_num(obj, "se", none || s->n_defined < 2 ? NAN : s->se);
    ok &= add_num(obj, "min", none ? NAN : s->min);
    ok &= add_num(obj, "max", none ? NAN : s->max);
    for (int k = 0; k < ROI_NPCT; k++)
        ok &= add_num(obj, roi_pct_names[k], none ? NAN : s->pct[k]);
    ok &= add_num(obj, "prob_positive", none ? NAN : s->prob_positive);
    ok &= add_num(obj, "cvar5", none ? NAN : s->cvar5);
    if (o == ROI_OUT_IRR)
        ok &= add_num(obj, "undefined_share", s->undefined_share);
    if (o == ROI_OUT_PAYBACK) {
        ok &= add_num(obj, "never_share", s->undefined_share);
        ok &= add_str(obj, "unit", "quarters from start");
    }
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

/* The inputs array: every ROI_NODE_INPUT node, with its sampled mean and band. */
static cJSON *inputs_json(const roi_run *run)
{
    const roi_graph *g = &run->model->graph;
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return NULL;
    for (int i = 0; i < run->n_inputs; i++) {
        const roi_input_stats *in = &run->inputs[i];
        if (in->node < 0 || in->node >= g->n || g->nodes[in->node].kind != ROI_NODE_INPUT)
            continue;
        const roi_node *node = &g->nodes[in->node];
        char desc[512];
        roi_dist_describe(&node->dist, desc, sizeof desc);
        cJSON *obj = cJSON_CreateObject();
        if (!obj || !cJSON_AddItemToArray(arr, obj)) {
            cJSON_Delete(obj);
            goto fail;
        }
        if (!add_str(obj, "name", node->name) || !add_str(obj, "distribution", desc) ||
            !add_num(obj, "mean", in->mean) || !add_num(obj, "p5", in->p5) ||
            !add_num(obj, "p95", in->p95))
            goto fail;
    }
    return arr;

fail:
    cJSON_Delete(arr);
    return NULL;
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
            if (!add_str(pt, "quarter", label) || !add_num(pt, "mean", b->mean) ||
                !add_num(pt, "p10", b->p10) || !add_num(pt, "p50", b->p50) ||
                !add_num(pt, "p90", b->p90))
                goto fail;
        }
    }
    return obj;

fail:
    cJSON_Delete(obj);
    return NULL;
}

/* ---- issue 4: goal seeks, sweeps, convergence, correlations -------------------------------- */

static const char *goal_status_name(roi_goal_status st)
{
    return st == ROI_GOAL_FOUND ? "found"
           : st == ROI_GOAL_NOT_BRACKETED ? "not_bracketed" : "not_converged";
}

static cJSON *num_array(const double *x, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < n; i++) {
        cJSON *item = isfinite(x[i]) ? cJSON_CreateNumber(x[i]) : cJSON_CreateNull();
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

/* Adds `item` under key, deleting it when that fails. */
static int add_item(cJSON *obj, const char *key, cJSON *item)
{
    if (item && cJSON_AddItemToObject(obj, key, item))
        return 1;
    cJSON_Delete(item);
    return 0;
}

static cJSON *goal_json(const roi_goal_result *g)
{
    const roi_goal_spec *sp = g->spec;
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    int ok = add_str(obj, "name", sp->name) && add_str(obj, "input", sp->input) &&
             add_str(obj, "mode", roi_override_mode_name(sp->mode)) &&
             add_str(obj, "output", roi_output_name(sp->stat.output)) &&
             add_str(obj, "stat", sp->stat_name) && add_num(obj, "target", sp->target) &&
             add_num(obj, "low", sp->low) && add_num(obj, "high", sp->high) &&
             add_u64(obj, "trials", g->trials) &&
             add_str(obj, "status", goal_status_name(g->status)) &&
             add_num(obj, "value", g->root) && add_num(obj, "value_se", g->root_se) &&
             add_num(obj, "stat_at_value", g->stat_at_root) &&
             add_num(obj, "stat_se", g->stat_se) && add_num(obj, "slope", g->slope) &&
             add_num(obj, "stat_at_low", g->stat_low) &&
             add_num(obj, "stat_at_high", g->stat_high) &&
             add_num(obj, "evaluations", g->evaluations) &&
             add_str(obj, "message", g->message[0] ? g->message : NULL);
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
    int ok = add_str(obj, "name", sp->name) &&
             add_str(obj, "mode", roi_override_mode_name(sp->mode)) &&
             add_str(obj, "output", roi_output_name(sp->stat.output)) &&
             add_str(obj, "stat", sp->stat_name) && add_u64(obj, "trials", w->trials);
    inputs = cJSON_CreateArray();
    ok = ok && add_item(obj, "inputs", inputs);
    for (int k = 0; ok && k < sp->n_inputs; k++) {
        cJSON *in = cJSON_CreateObject();
        ok = in && cJSON_AddItemToArray(inputs, in);
        if (!ok) {
            cJSON_Delete(in);
            break;
        }
        ok = add_str(in, "input", sp->input[k]) &&
             add_item(in, "values", num_array(sp->values[k], sp->n_values[k]));
    }
    /* table[row][col]: row = value of input 0, col = value of input 1 (one column
     * when there is one input). */
    table = cJSON_CreateArray();
    se = cJSON_CreateArray();
    ok = ok && add_item(obj, "table", table);
    ok = ok && add_item(obj, "se", se);
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
static int search_json(cJSON *obj, const roi_run *run)
{
    const roi_model *m = run->model;
    const roi_search *s = run->search;
    int ok = add_str(obj, "sampling", roi_sampling_name(run->sampling));
    cJSON *corr = cJSON_CreateArray();
    ok = ok && add_item(obj, "correlations", corr);
    for (int i = 0; ok && i < m->n_correlations; i++) {
        cJSON *c = cJSON_CreateObject();
        ok = c && cJSON_AddItemToArray(corr, c);
        if (!ok) {
            cJSON_Delete(c);
            break;
        }
        ok = add_str(c, "a", m->correlations[i].a) && add_str(c, "b", m->correlations[i].b) &&
             add_num(c, "rank", m->correlations[i].rank);
    }
    cJSON *goals = cJSON_CreateArray();
    ok = ok && add_item(obj, "goals", goals);
    for (int i = 0; ok && s && i < s->n_goals; i++) {
        cJSON *g = goal_json(&s->goals[i]);
        ok = g && cJSON_AddItemToArray(goals, g);
        if (!ok)
            cJSON_Delete(g);
    }
    cJSON *sweeps = cJSON_CreateArray();
    ok = ok && add_item(obj, "sweeps", sweeps);
    for (int i = 0; ok && s && i < s->n_sweeps; i++) {
        cJSON *w = sweep_json(&s->sweeps[i]);
        ok = w && cJSON_AddItemToArray(sweeps, w);
        if (!ok)
            cJSON_Delete(w);
    }
    if (ok && s && s->convergence.used) {
        const roi_convergence *cv = &s->convergence;
        cJSON *c = cJSON_CreateObject();
        ok = add_item(obj, "convergence", c) && add_num(c, "precision", cv->target) &&
             add_u64(c, "max_trials", cv->max_trials) && add_u64(c, "trials", cv->trials) &&
             add_num(c, "npv_mean", cv->mean) && add_num(c, "npv_se", cv->se) &&
             add_num(c, "relative_se", cv->rel) && cJSON_AddBoolToObject(c, "reached", cv->reached) &&
             add_num(c, "rounds", cv->rounds);
    }
    return ok;
}

/* One element of the scenarios array. */
static cJSON *scenario_json(const roi_run *run)
{
    const roi_model *m = run->model;
    cJSON *obj = cJSON_CreateObject();
    cJSON *horizon = NULL, *outputs = NULL, *inputs = NULL, *series = NULL, *miles = NULL;
    if (!obj)
        return NULL;
    if (!add_str(obj, "name", m->name) || !add_str(obj, "title", m->title) ||
        !add_str(obj, "file", m->file))
        goto fail;

    char start[16], end[16];
    roi_model_period_label(m, 0, start, sizeof start);
    roi_model_period_label(m, m->periods - 1, end, sizeof end);
    horizon = cJSON_CreateObject();
    if (!horizon || !cJSON_AddItemToObject(obj, "horizon", horizon)) {
        cJSON_Delete(horizon);
        goto fail;
    }
    if (!add_str(horizon, "start", start) || !add_str(horizon, "end", end) ||
        !add_num(horizon, "periods", m->periods))
        goto fail;

    outputs = cJSON_CreateObject();
    if (!outputs || !cJSON_AddItemToObject(obj, "outputs", outputs)) {
        cJSON_Delete(outputs);
        goto fail;
    }
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
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
        if (!add_num(miles, m->milestones[i].name, run->milestone_prob[i]))
            goto fail;
    if (!search_json(obj, run))
        goto fail;
    return obj;

fail:
    cJSON_Delete(obj);
    return NULL;
}

/* ---- the document ------------------------------------------------------------------ */

/* Builds the whole document as text (caller frees with cJSON_free), or NULL. */
static char *document(const roi_run *const *runs, int n, const roi_report_meta *meta)
{
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = NULL;
    if (!root)
        return NULL;
    if (!add_str(root, "version", meta->version ? meta->version : ROI_VERSION) ||
        !add_u64(root, "seed", meta->seed) || !add_u64(root, "trials", meta->trials))
        goto done;
    arr = cJSON_CreateArray();
    if (!arr || !cJSON_AddItemToObject(root, "scenarios", arr)) {
        cJSON_Delete(arr);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        cJSON *sc = scenario_json(runs[i]);
        if (!sc || !cJSON_AddItemToArray(arr, sc)) {
            cJSON_Delete(sc);
            goto done;
        }
    }
    text = cJSON_Print(root);

done:
    cJSON_Delete(root);
    return text;
}

roi_status roi_report_json_write(const roi_run *const *runs, int n,
                                 const roi_report_meta *meta, const char *path,
                                 roi_error *err)
{
    roi_status st = ROI_OK;
    roi_atomic_file af = {0};
    char *text = document(runs, n, meta);
    if (!text)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory building the JSON report");
    size_t len = strlen(text);

    if (strcmp(path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
            fflush(stdout) != 0)
            st = roi_error_set(err, ROI_ERR_IO, NULL,
                               "cannot write the JSON report to standard output");
        goto done;
    }
    st = roi_atomic_open(&af, path, err);
    if (st != ROI_OK)
        goto done;
    if (fwrite(text, 1, len, af.fp) != len || fputc('\n', af.fp) == EOF) {
        roi_atomic_abort(&af);
        st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s'", path);
        goto done;
    }
    st = roi_atomic_commit(&af, err);

done:
    cJSON_free(text);
    return st;
}
