/* fit.c - the report of `roisim fit`: ranked table, scenario text, JSON (cJSON). */
#include "fit_report.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "json_number.h"
#include "sha256.h"

/* ---- the columns, once for the table and the JSON ------------------------------------- */

typedef double (*fit_value)(const roi_fit *f, const roi_fit *best);

static double v_loglik(const roi_fit *f, const roi_fit *b)
{
    (void)b;
    return f->loglik;
}
static double v_aic(const roi_fit *f, const roi_fit *b)
{
    (void)b;
    return f->aic;
}
static double v_daic(const roi_fit *f, const roi_fit *b)
{
    return f->aic - b->aic;
}
static double v_bic(const roi_fit *f, const roi_fit *b)
{
    (void)b;
    return f->bic;
}
static double v_ks(const roi_fit *f, const roi_fit *b)
{
    (void)b;
    return f->ks;
}
static double v_ad(const roi_fit *f, const roi_fit *b)
{
    (void)b;
    return f->ad;
}
static double v_p(const roi_fit *f, const roi_fit *b)
{
    (void)b;
    return f->p_value;
}

typedef struct fit_column {
    const char *key;    /* JSON key */
    const char *header; /* table header; NULL: JSON only */
    const char *fmt;    /* table format of the number */
    int width;
    fit_value get;
} fit_column;

static const fit_column COLUMNS[] = {
    {"loglik", NULL, NULL, 0, v_loglik},    {"aic", "AIC", "%.1f", 11, v_aic},
    {"daic", "dAIC", "%.1f", 9, v_daic},    {"bic", "BIC", "%.1f", 11, v_bic},
    {"ks", "KS", "%.4f", 8, v_ks},          {"ad", "AD", "%.3f", 9, v_ad},
    {"p_value", "p-value", "%.3f", 8, v_p},
};
#define N_COLUMNS (sizeof COLUMNS / sizeof COLUMNS[0])

/* ---- shared text pieces ------------------------------------------------------------- */

void roi_report_fit_source(roi_fit_source *src, const char *file, const char *column,
                           size_t n_empty, const void *bytes, size_t len)
{
    memset(src, 0, sizeof *src);
    src->file = file;
    src->column = column;
    src->n_empty = n_empty;
    roi_sha256_hex(bytes, len, src->sha256);
}

/* "mu = 3.69, sigma = 0.596" (parameters at 6 significant digits). */
static void params_text(const roi_fit *f, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    if (f->family == ROI_FIT_DISCRETE) {
        snprintf(buf, size, "%zu outcomes, %g to %g", f->n_values, f->values[0],
                 f->values[f->n_values - 1]);
        return;
    }
    if (f->family == ROI_FIT_METALOG) {
        int w = snprintf(buf, size, "k = %d", f->metalog.k);
        len = w > 0 ? (size_t)w : 0;
        if (isfinite(f->metalog.lower) && len < size)
            len += (size_t)snprintf(buf + len, size - len, ", lower = %g", f->metalog.lower);
        if (isfinite(f->metalog.upper) && len < size)
            snprintf(buf + len, size - len, ", upper = %g", f->metalog.upper);
        return;
    }
    int shown = f->family == ROI_FIT_BETA ? 2 : f->n_p; /* beta's bounds are 0 and 1 */
    for (int i = 0; i < shown && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%s = %.6g", i ? ", " : "",
                         roi_fit_param_name(f, i), f->p[i]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

int roi_report_fit_lua_line(const roi_fit_source *src, const roi_fit *f, char *buf, size_t size)
{
    char name[64];
    size_t k = 0;
    const char *c = src->column ? src->column : "";
    for (; *c && k < sizeof name - 1; c++) {
        unsigned char ch = (unsigned char)*c;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                 (ch >= '0' && ch <= '9');
        if (ok)
            name[k++] = (char)ch;
        else if (k > 0 && name[k - 1] != '_')
            name[k++] = '_';
    }
    while (k > 0 && name[k - 1] == '_')
        k--;
    name[k] = '\0';
    /* A Lua name cannot start with a digit; "value" when nothing usable is left. */
    const char *prefix = (k > 0 && name[0] >= '0' && name[0] <= '9') ? "v_" : "";
    return snprintf(buf, size, "%s%s = %s", prefix, k ? name : "value", f->lua ? f->lua : "nil");
}

/* Families whose constructor the scenario language does not have yet. */
static int proposed_syntax(roi_fit_family f)
{
    return f == ROI_FIT_METALOG;
}

/* ---- the terminal text ----------------------------------------------------------------- */

/* The header lines: source, hash, how p-values were computed. */
static void text_header(FILE *out, const roi_fit_source *src, const roi_fit_result *res)
{
    fprintf(out, "roisim fit: %s, column '%s': %zu values", src->file, src->column, res->n);
    if (src->n_empty)
        fprintf(out, " (%zu empty cells skipped)", src->n_empty);
    fprintf(out, "%s\n", res->integer_data ? ", integer data" : "");
    fprintf(out, "sha256 %s\n", src->sha256);
    if (res->bootstrap)
        fprintf(out,
                "p-values: parametric bootstrap of the Anderson-Darling statistic, %zu "
                "replicates, seed %" PRIu64 "\n",
                res->bootstrap, res->seed);
    else
        fprintf(out, "p-values: not computed (no bootstrap)\n");
}

/* The ranked table of the fitted families. */
static void text_table(FILE *out, const roi_fit_result *res)
{
    const roi_fit *best = roi_fit_best(res);
    char params[ROI_FIT_NFAMILIES][160];
    int pw = (int)strlen("parameters");
    for (int i = 0; i < res->n_ok; i++) {
        params_text(&res->fits[i], params[i], sizeof params[i]);
        int w = (int)strlen(params[i]);
        if (w > pw)
            pw = w;
    }
    fprintf(out, "\n%4s  %-12s %-*s", "rank", "family", pw, "parameters");
    for (size_t c = 0; c < N_COLUMNS; c++)
        if (COLUMNS[c].header)
            fprintf(out, " %*s", COLUMNS[c].width, COLUMNS[c].header);
    fputc('\n', out);
    for (int i = 0; i < res->n_ok; i++) {
        const roi_fit *f = &res->fits[i];
        fprintf(out, "%4d  %-12s %-*s", i + 1, roi_fit_family_name(f->family), pw, params[i]);
        for (size_t c = 0; c < N_COLUMNS; c++) {
            if (!COLUMNS[c].header)
                continue;
            double v = COLUMNS[c].get(f, best);
            char cell[32];
            if (isfinite(v))
                snprintf(cell, sizeof cell, COLUMNS[c].fmt, v);
            else
                snprintf(cell, sizeof cell, "-");
            fprintf(out, " %*s", COLUMNS[c].width, cell);
        }
        fputc('\n', out);
    }
}

/* Why a p-value is missing, and the families skipped with their reasons. */
static void text_notes(FILE *out, const roi_fit_result *res)
{
    for (int i = 0; res->bootstrap && i < res->n_ok; i++) {
        const roi_fit *f = &res->fits[i];
        if (isfinite(f->p_value))
            continue;
        if (f->family == ROI_FIT_DISCRETE)
            fprintf(out, "  (%s: no p-value; the fit is the data's own frequencies)\n",
                    roi_fit_family_name(f->family));
        else
            fprintf(out,
                    "  (%s: no p-value; %zu of %zu bootstrap refits succeeded, and a "
                    "p-value needs %.0f%%)\n",
                    roi_fit_family_name(f->family), f->replicates, res->bootstrap,
                    100.0 * ROI_FIT_MIN_REPLICATE_SHARE);
    }
    if (res->n_ok < res->n_fits) {
        fprintf(out, "\nskipped:\n");
        for (int i = res->n_ok; i < res->n_fits; i++)
            fprintf(out, "  %-12s %s\n", roi_fit_family_name(res->fits[i].family),
                    res->fits[i].reason);
    }
}

/* Fit i's scenario text under its provenance comment. */
static void text_lua(FILE *out, const roi_fit_source *src, const roi_fit_result *res, int i)
{
    const roi_fit *best = roi_fit_best(res), *f = &res->fits[i];
    double daic = f->aic - best->aic;
    fprintf(out, "\n-- %s fitted by roisim fit to %s, column '%s', n = %zu\n",
            roi_fit_family_name(f->family), src->file, src->column, res->n);
    fprintf(out, "-- sha256 %s\n", src->sha256);
    fprintf(out, "-- %s; AIC %.1f, KS %.4f, AD %.3f",
            f->family == ROI_FIT_METALOG ? "least squares (metalog)" : "maximum likelihood",
            f->aic, f->ks, f->ad);
    if (isfinite(f->p_value))
        fprintf(out, ", p = %.3f (%zu bootstrap replicates, seed %" PRIu64 ")", f->p_value,
                f->replicates, res->seed);
    fputc('\n', out);
    if (i == 0 && res->n_ok > 1)
        fprintf(out, "-- runner-up: %s, dAIC %.1f\n", roi_fit_family_name(res->fits[1].family),
                res->fits[1].aic - best->aic);
    else if (i > 0)
        fprintf(out, "-- dAIC %.1f behind the best, %s\n", daic,
                roi_fit_family_name(best->family));
    if (proposed_syntax(f->family))
        fprintf(out,
                "-- note: the scenario language has no %s constructor yet; this is "
                "the proposed form\n",
                roi_fit_family_name(f->family));
    char line[4096];
    roi_report_fit_lua_line(src, f, line, sizeof line);
    fprintf(out, "%s\n", line);
}

roi_status roi_report_fit_text(FILE *out, const roi_fit_source *src, const roi_fit_result *res,
                               roi_error *err)
{
    const roi_fit *best = roi_fit_best(res);
    text_header(out, src, res);
    text_table(out, res);
    text_notes(out, res);
    /* The scenario text of the best, and of those close behind it. */
    for (int i = 0; best && i < res->n_ok && i < ROI_FIT_REPORT_LUA_MAX; i++) {
        if (i > 0 && !(res->fits[i].aic - best->aic <= ROI_FIT_REPORT_LUA_DAIC))
            break;
        text_lua(out, src, res, i);
    }
    if (fflush(out) != 0 || ferror(out))
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write the fit report");
    return ROI_OK;
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* {name: value} of the parameters (or of their SEs). Discrete: {values, probs}. */
static cJSON *params_json(const roi_fit *f, int se)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    int ok = 1;
    if (f->family == ROI_FIT_DISCRETE) {
        if (se)
            return obj;
        cJSON *values = cJSON_AddArrayToObject(obj, "values");
        cJSON *probs = cJSON_AddArrayToObject(obj, "probs");
        size_t n = 0;
        for (size_t i = 0; i < f->n_values; i++)
            n += f->counts[i];
        for (size_t i = 0; ok && values && probs && i < f->n_values; i++) {
            cJSON *v = roi_json_number(f->values[i]);
            cJSON *p = roi_json_number((double)f->counts[i] / (double)n);
            ok &= v && cJSON_AddItemToArray(values, v);
            ok &= p && cJSON_AddItemToArray(probs, p);
        }
        ok &= values && probs;
    } else {
        for (int i = 0; ok && i < f->n_p; i++)
            ok &= roi_json_add_num(obj, roi_fit_param_name(f, i), se ? f->se[i] : f->p[i]);
        if (!se && f->family == ROI_FIT_METALOG) {
            ok &= roi_json_add_num(obj, "lower", f->metalog.lower); /* null when unbounded */
            ok &= roi_json_add_num(obj, "upper", f->metalog.upper);
        }
    }
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static cJSON *fit_json(const roi_fit_source *src, const roi_fit *f, const roi_fit *best)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    int ok = roi_json_add_str(obj, "family", roi_fit_family_name(f->family));
    ok &= roi_json_add_item(obj, "params", params_json(f, 0));
    ok &= roi_json_add_item(obj, "se", params_json(f, 1));
    ok &= roi_json_add_str(obj, "se_method",
                           f->family == ROI_FIT_DISCRETE ? NULL
                           : f->se_bootstrap             ? "bootstrap"
                           : isfinite(f->se[0])          ? "fisher"
                                                         : NULL);
    ok &= cJSON_AddNumberToObject(obj, "n_params", f->n_params) != NULL;
    for (size_t c = 0; c < N_COLUMNS; c++)
        ok &= roi_json_add_num(obj, COLUMNS[c].key, COLUMNS[c].get(f, best));
    ok &= cJSON_AddNumberToObject(obj, "replicates", (double)f->replicates) != NULL;
    if (f->family == ROI_FIT_METALOG) {
        ok &= roi_json_add_num(obj, "metalog_ks", f->metalog.ks);
        ok &= roi_json_add_num(obj, "metalog_max_error", f->metalog.max_error);
    }
    ok &= roi_json_add_str(obj, "lua", f->lua);
    char line[4096];
    roi_report_fit_lua_line(src, f, line, sizeof line);
    ok &= roi_json_add_str(obj, "lua_line", line);
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static char *document(const roi_fit_source *src, const roi_fit_result *res)
{
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    const roi_fit *best = roi_fit_best(res);
    int ok = roi_json_add_str(root, "file", src->file);
    ok &= roi_json_add_str(root, "sha256", src->sha256);
    ok &= roi_json_add_str(root, "column", src->column);
    ok &= cJSON_AddNumberToObject(root, "n", (double)res->n) != NULL;
    ok &= cJSON_AddNumberToObject(root, "n_empty", (double)src->n_empty) != NULL;
    ok &= cJSON_AddBoolToObject(root, "integer_data", res->integer_data) != NULL;
    cJSON *boot = cJSON_AddObjectToObject(root, "bootstrap");
    ok &= boot && cJSON_AddNumberToObject(boot, "replicates", (double)res->bootstrap) != NULL;
    ok &= boot && roi_json_add_u64(boot, "seed", res->seed);
    ok &= boot && roi_json_add_str(boot, "statistic", "anderson-darling");
    cJSON *fits = cJSON_AddArrayToObject(root, "fits");
    for (int i = 0; ok && fits && i < res->n_ok; i++) {
        cJSON *f = fit_json(src, &res->fits[i], best);
        ok &= f && cJSON_AddItemToArray(fits, f);
    }
    cJSON *skipped = cJSON_AddArrayToObject(root, "skipped");
    for (int i = res->n_ok; ok && skipped && i < res->n_fits; i++) {
        cJSON *s = cJSON_CreateObject();
        ok &= s && cJSON_AddItemToArray(skipped, s);
        ok &= s && roi_json_add_str(s, "family", roi_fit_family_name(res->fits[i].family));
        ok &= s && roi_json_add_str(s, "reason", res->fits[i].reason);
    }
    ok &= fits && skipped;
    ok &= roi_json_add_str(root, "best", best ? roi_fit_family_name(best->family) : NULL);
    if (ok)
        text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

roi_status roi_report_fit_json(const char *path, const roi_fit_source *src,
                               const roi_fit_result *res, roi_error *err)
{
    roi_status st = ROI_OK;
    roi_atomic_file af = {0};
    char *text = document(src, res);
    if (!text)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory building the fit JSON");
    size_t len = strlen(text);
    if (strcmp(path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
            fflush(stdout) != 0)
            st = roi_error_set(err, ROI_ERR_IO, NULL,
                               "cannot write the fit JSON to standard "
                               "output");
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
