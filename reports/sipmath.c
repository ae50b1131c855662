/* sipmath.c - a run as a SIPmath 3.0 library (sipmath_report.h). */
#include "sipmath_report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic.h"
#include "hdr.h"
#include "json_number.h"
#include "metalog.h"
#include "sha256.h"
#include "text.h"

/* ---- building blocks ------------------------------------------------------------------ */

/* The library being built: its arrays, and the next SIP's varId. */
typedef struct library {
    cJSON *rng, *sips, *skipped;
    uint64_t seed;
    int next_var;
} library;

/* ---- the metalog of an input ------------------------------------------------------------- */

/* The quantile at u of d jittered by +/- 1/2: an integer value v of probability p
 * becomes uniform on [v - 1/2, v + 1/2] with the same probability. */
static double jittered_quantile(const roi_dist *d, double u)
{
    double v = roi_dist_quantile(d, u);
    double below = roi_dist_cdf(d, v - 0.5), at = roi_dist_cdf(d, v) - below;
    return at > 0 ? v - 0.5 + (u - below) / at : v;
}

/* Fits m to d's quantiles at plotting positions, bounded by d's support. *integer: d is
 * whole-numbered and was fitted jittered. */
static roi_status input_metalog(const roi_dist *d, roi_metalog *m, int *integer, roi_error *err)
{
    enum { N = ROI_SIPMATH_INPUT_POINTS };
    double *x = malloc(N * sizeof *x);
    if (!x)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    *integer = roi_dist_is_integer(d);
    double lo, hi;
    roi_dist_support(d, &lo, &hi);
    if (*integer) {
        lo -= 0.5;
        hi += 0.5;
    }
    for (int i = 0; i < N; i++) {
        double u = (i + 0.5) / N;
        x[i] = *integer ? jittered_quantile(d, u) : roi_dist_quantile(d, u);
    }
    roi_status st = roi_metalog_fit_sample(x, N, 0, lo, hi, m, err);
    if (st == ROI_ERR_NUMERIC || st == ROI_ERR_PARAM) /* no bounded fit: try unbounded */
        st = roi_metalog_fit_sample(x, N, 0, -INFINITY, INFINITY, m, err);
    free(x);
    return st;
}

/* ---- the metalog of an output ------------------------------------------------------------ */

/* Outputs that cannot be negative: bounded below at 0 when every value is above it. */
static int never_negative(roi_output o)
{
    switch (o) {
    case ROI_OUT_PAYBACK:
    case ROI_OUT_TOTAL_SPEND:
    case ROI_OUT_TOTAL_REVENUE:
    case ROI_OUT_PEAK_ACTIVE:
        return 1;
    default:
        return 0;
    }
}

/* Fits m to the defined trial values of output o; *why says why not (ROI_ERR_PARAM). */
static roi_status output_metalog(const roi_run *run, roi_output o, roi_metalog *m, char *why,
                                 size_t why_size, roi_error *err)
{
    double *x = malloc((run->trials ? run->trials : 1) * sizeof *x);
    if (!x)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    size_t n = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < run->trials; i++) {
        double v = roi_run_value(run, o, i);
        if (isnan(v))
            continue;
        x[n++] = v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    roi_status st = ROI_ERR_PARAM;
    if (n < 3)
        snprintf(why, why_size, "defined in %zu trials; a metalog needs 3", n);
    else if (!(lo < hi))
        snprintf(why, why_size, "the same value, %.17g, in every trial", lo);
    else {
        double lower = never_negative(o) && lo > 0 ? 0.0 : -INFINITY;
        roi_error e;
        roi_error_clear(&e);
        st = roi_metalog_fit_sample(x, n, 0, lower, INFINITY, m, &e);
        if (st == ROI_ERR_NOMEM)
            roi_error_set(err, st, NULL, "out of memory");
        else if (st != ROI_OK)
            snprintf(why, why_size, "no feasible metalog: %s", e.msg);
    }
    free(x);
    return st;
}

/* ---- one SIP ------------------------------------------------------------------------------ */

/* The rng entry of the next SIP (varId lib->next_var) into lib->rng; *h its arguments. */
static int add_rng(library *lib, const char *rng_name, roi_hdr *h)
{
    *h = (roi_hdr){.entity = ROI_SIPMATH_ENTITY, .var_id = (uint64_t)lib->next_var,
                   .seed3 = lib->seed & 0x7fffffffu, .seed4 = lib->seed >> 31};
    cJSON *r = cJSON_CreateObject(), *args = cJSON_CreateObject();
    int ok = r && args && cJSON_AddItemToArray(lib->rng, r);
    if (!ok) {
        cJSON_Delete(r);
        cJSON_Delete(args);
        return 0;
    }
    ok = roi_json_add_str(r, "name", rng_name) && roi_json_add_str(r, "function", "HDR_2_0") &&
         cJSON_AddItemToObject(r, "arguments", args);
    if (!ok) {
        cJSON_Delete(args);
        return 0;
    }
    return roi_json_add_str(args, "counter", "PM_Index") &&
           roi_json_add_u64(args, "entity", h->entity) &&
           roi_json_add_u64(args, "varId", h->var_id) &&
           roi_json_add_u64(args, "seed3", h->seed3) && roi_json_add_u64(args, "seed4", h->seed4);
}

/* The metadata every SIP carries: its fit, and the first trials it generates (so a
 * reader can check its own HDR and metalog against roisim's). */
static int fit_metadata(cJSON *meta, const roi_metalog *m, const roi_hdr *h, int integer)
{
    int ok = roi_json_add_num(meta, "terms", m->k) && roi_json_add_num(meta, "fitKS", m->ks) &&
             roi_json_add_num(meta, "fitMaxError", m->max_error);
    if (integer)
        ok = ok && cJSON_AddTrueToObject(meta, "integer");
    cJSON *first = cJSON_CreateArray();
    ok = ok && first && cJSON_AddItemToObject(meta, "firstTrials", first);
    if (!ok) {
        if (first && !cJSON_GetObjectItemCaseSensitive(meta, "firstTrials"))
            cJSON_Delete(first);
        return 0;
    }
    for (uint64_t c = 1; c <= 3; c++) {
        cJSON *v = roi_json_number(roi_metalog_quantile(m, roi_hdr_uniform(h, c)));
        if (!v || !cJSON_AddItemToArray(first, v))
            return 0;
    }
    return 1;
}

/* Appends the SIP `name` with metalog m to lib; returns its metadata object (owned by
 * the library) for the caller to add to, or NULL when out of memory. */
static cJSON *add_sip(library *lib, const char *name, const roi_metalog *m, int integer)
{
    char rng_name[32];
    roi_hdr h;
    lib->next_var++;
    snprintf(rng_name, sizeof rng_name, "hdr%d", lib->next_var);
    if (!add_rng(lib, rng_name, &h))
        return NULL;
    cJSON *sip = cJSON_CreateObject();
    if (!sip || !cJSON_AddItemToArray(lib->sips, sip)) {
        cJSON_Delete(sip);
        return NULL;
    }
    cJSON *ref = NULL;
    int ok = roi_json_add_str(sip, "name", name) && (ref = cJSON_AddObjectToObject(sip, "ref")) &&
             roi_json_add_str(ref, "source", "rng") && roi_json_add_str(ref, "name", rng_name) &&
             roi_json_add_str(sip, "function", "Metalog_1_0");
    cJSON *args = ok ? cJSON_AddObjectToObject(sip, "arguments") : NULL;
    ok = args != NULL;
    /* An absent bound is left out: JSON has no infinity. */
    if (ok && isfinite(m->lower))
        ok = roi_json_add_num(args, "lowerBound", m->lower);
    if (ok && isfinite(m->upper))
        ok = roi_json_add_num(args, "upperBound", m->upper);
    cJSON *a = ok ? cJSON_AddArrayToObject(args, "aCoefficients") : NULL;
    for (int i = 0; a && i < m->k; i++) {
        cJSON *v = roi_json_number(m->a[i]);
        if (!v || !cJSON_AddItemToArray(a, v)) {
            cJSON_Delete(v);
            a = NULL;
        }
    }
    cJSON *meta = a ? cJSON_AddObjectToObject(sip, "metadata") : NULL;
    return meta && fit_metadata(meta, m, &h, integer) ? meta : NULL;
}

/* Records a quantity left out, with the reason. */
static int skip(library *lib, const char *name, const char *why)
{
    cJSON *s = cJSON_CreateObject();
    if (!s || !cJSON_AddItemToArray(lib->skipped, s)) {
        cJSON_Delete(s);
        return 0;
    }
    return roi_json_add_str(s, "name", name) && roi_json_add_str(s, "reason", why);
}

/* ---- a scenario's SIPs -------------------------------------------------------------------- */

static roi_status scenario_inputs(library *lib, const roi_run *run, roi_error *err)
{
    const roi_model *model = run->model;
    for (int j = 0; j < run->n_inputs; j++) {
        const roi_node *node = &model->graph.nodes[run->inputs[j].node];
        if (node->kind == ROI_NODE_INPUT && node->dist.family == ROI_DIST_FIXED)
            continue;
        char name[512], text[512];
        snprintf(name, sizeof name, "%s.%s", model->name ? model->name : "scenario",
                 node->name ? node->name : "input");
        if (node->kind != ROI_NODE_INPUT) { /* a named expression (graph.h) */
            if (!skip(lib, name, "a named expression: it has no distribution of its own to fit"))
                return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
            continue;
        }
        roi_metalog m;
        int integer = 0;
        roi_error e;
        roi_error_clear(&e);
        roi_status st = input_metalog(&node->dist, &m, &integer, &e);
        if (st == ROI_ERR_NOMEM)
            return roi_error_set(err, st, NULL, "out of memory");
        if (st != ROI_OK) {
            if (!skip(lib, name, e.msg))
                return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
            continue;
        }
        roi_dist_describe(&node->dist, text, sizeof text);
        cJSON *meta = add_sip(lib, name, &m, integer);
        if (!meta || !roi_json_add_str(meta, "kind", "input") ||
            !roi_json_add_str(meta, "distribution", text) ||
            !roi_json_add_num(meta, "mean", roi_dist_mean(&node->dist)) ||
            !roi_json_add_num(meta, "p5", roi_dist_quantile(&node->dist, 0.05)) ||
            !roi_json_add_num(meta, "p50", roi_dist_quantile(&node->dist, 0.5)) ||
            !roi_json_add_num(meta, "p95", roi_dist_quantile(&node->dist, 0.95)))
            return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    }
    return ROI_OK;
}

static roi_status scenario_outputs(library *lib, const roi_run *run, roi_error *err)
{
    const roi_model *model = run->model;
    for (int o = 0; o < ROI_OUT_COUNT; o++) {
        char name[512], why[1024];
        snprintf(name, sizeof name, "%s.%s", model->name ? model->name : "scenario",
                 roi_output_name((roi_output)o));
        roi_metalog m;
        roi_status st = output_metalog(run, (roi_output)o, &m, why, sizeof why, err);
        if (st == ROI_ERR_NOMEM)
            return st;
        if (st != ROI_OK) {
            if (!skip(lib, name, why))
                return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
            continue;
        }
        const roi_summary *s = &run->summary[o];
        cJSON *meta = add_sip(lib, name, &m, 0);
        if (!meta || !roi_json_add_str(meta, "kind", "output") ||
            !roi_json_add_num(meta, "mean", s->mean) || !roi_json_add_num(meta, "p5", s->pct[1]) ||
            !roi_json_add_num(meta, "p50", s->pct[4]) ||
            !roi_json_add_num(meta, "p95", s->pct[7]) ||
            !roi_json_add_num(meta, "undefinedShare", s->undefined_share))
            return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    }
    return ROI_OK;
}

/* ---- the document ------------------------------------------------------------------------- */

/* "roisim 0.1.0, seed S, N trials; scenario files (SHA-256): a.lua 3f..., b.lua ...". */
static char *provenance(const roi_results *res, const roi_report_meta *meta)
{
    size_t size = 256;
    for (int i = 0; i < res->n; i++)
        for (int k = 0; k < res->sc[i].run->model->n_sources; k++)
            size += strlen(res->sc[i].run->model->sources[k]) + 80;
    char *s = malloc(size);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, size,
                                  "roisim %s, seed %" PRIu64 ", %zu trials; scenario files "
                                  "(SHA-256):",
                                  meta->version ? meta->version : ROI_VERSION, meta->seed,
                                  meta->trials);
    for (int i = 0; i < res->n; i++) {
        const roi_model *m = res->sc[i].run->model;
        for (int k = 0; k < m->n_sources && len < size; k++) {
            char hex[65];
            if (roi_sha256_file(m->sources[k], hex) != 0)
                snprintf(hex, sizeof hex, "unreadable");
            len += (size_t)snprintf(s + len, size - len, "%s %s %s", i + k ? "," : "",
                                    m->sources[k], hex);
        }
    }
    return s;
}

/* The library's header fields. */
static int header(cJSON *root, const roi_results *res, const roi_report_meta *meta)
{
    char name[256] = "roisim", date[32] = "";
    if (res->n == 1 && res->sc[0].run->model->name)
        snprintf(name, sizeof name, "roisim %s", res->sc[0].run->model->name);
    else if (res->n > 1)
        snprintf(name, sizeof name, "roisim, %d scenarios", res->n);
    if (meta->created) {
        time_t t = (time_t)meta->created;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    }
    char *prov = provenance(res, meta);
    int ok = prov && roi_json_add_str(root, "name", name) &&
             roi_json_add_str(root, "objectType", "sipModel") &&
             roi_json_add_str(root, "libraryType", "SIPmath_3_0") &&
             roi_json_add_str(root, "dateCreated", date) &&
             roi_json_add_str(root, "provenance", prov) &&
             cJSON_AddArrayToObject(root, "globalVariables") != NULL;
    free(prov);
    return ok;
}

/* Builds the document as text (caller frees with cJSON_free); NULL and err set on
 * failure. */
static char *document(const roi_results *res, const roi_report_meta *meta, roi_error *err)
{
    cJSON *root = cJSON_CreateObject(), *u01 = NULL;
    library lib = {.seed = meta->seed};
    char *text = NULL;
    roi_status st = ROI_ERR_NOMEM;
    if (!root || !header(root, res, meta) || !(u01 = cJSON_AddObjectToObject(root, "U01")) ||
        !(lib.rng = cJSON_AddArrayToObject(u01, "rng")) ||
        !cJSON_AddArrayToObject(u01, "copula") ||
        !(lib.sips = cJSON_AddArrayToObject(root, "sips")) ||
        !(lib.skipped = cJSON_AddArrayToObject(root, "notExported")))
        goto done;
    st = ROI_OK;
    for (int i = 0; i < res->n && st == ROI_OK; i++) {
        st = scenario_inputs(&lib, res->sc[i].run, err);
        if (st == ROI_OK)
            st = scenario_outputs(&lib, res->sc[i].run, err);
    }
    if (st == ROI_OK && !(text = cJSON_Print(root)))
        st = ROI_ERR_NOMEM;

done:
    if (st == ROI_ERR_NOMEM)
        roi_error_set(err, st, NULL, "out of memory building the SIPmath library");
    cJSON_Delete(root);
    return text;
}

roi_status roi_report_sipmath_write(const roi_results *res, const roi_report_meta *meta,
                                    const char *path, roi_error *err)
{
    char *text = document(res, meta, err), *clean = NULL;
    if (!text)
        return err && err->status ? err->status : ROI_ERR_NOMEM;
    /* Names and file names that are not UTF-8 become U+FFFD, as JSON requires. */
    const char *out = roi_text_clean(text, 0, &clean);
    roi_status st = out ? roi_atomic_write_text(path, out, err)
                        : roi_error_set(err, ROI_ERR_NOMEM, NULL,
                                        "out of memory building the SIPmath library");
    free(clean);
    cJSON_free(text);
    return st;
}
