/* sipmath.c - one SIP of a SIPmath 3.0 library, read for a scenario input (sipmath.h). */
#define _XOPEN_SOURCE 700 /* realpath, strdup */
#include "sipmath.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the file ---------------------------------------------------------------------- */

/* The library's path beside `from`, refused when the name could leave the folder. */
static roi_status resolve(const char *from, const char *library, char *path, size_t size,
                          roi_error *err)
{
    size_t n = strlen(library);
    if (n == 0 || library[0] == '/' || strstr(library, "..") != NULL)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "library '%s': name a file in the scenario's folder (no absolute "
                             "paths, no '..')",
                             library);
    const char *slash = strrchr(from, '/');
    int dir_len = slash ? (int)(slash - from + 1) : 0;
    snprintf(path, size, "%.*s%s", dir_len, from, library);
    char dir[PATH_MAX], real_dir[PATH_MAX], real_path[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", dir_len ? dir_len : 1, dir_len ? from : ".");
    if (!realpath(dir, real_dir) || !realpath(path, real_path))
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL, "library '%s': cannot open '%s': %s",
                             library, path, strerror(errno));
    size_t k = strlen(real_dir);
    if (strncmp(real_path, real_dir, k) != 0 || (real_path[k] != '/' && real_dir[k - 1] != '/'))
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "library '%s': '%s' leads to '%s', outside the folder '%s' (a "
                             "symbolic link?)",
                             library, path, real_path, real_dir);
    return ROI_OK;
}

/* The whole file, NUL-terminated (caller frees). */
static roi_status slurp(const char *library, const char *path, char **text, roi_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL, "library '%s': cannot open '%s': %s",
                             library, path, strerror(errno));
    char *buf = malloc(ROI_SIPMATH_MAX_BYTES + 1);
    size_t len = buf ? fread(buf, 1, ROI_SIPMATH_MAX_BYTES + 1, fp) : 0;
    int bad = ferror(fp);
    fclose(fp);
    if (!buf)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    if (bad || len > ROI_SIPMATH_MAX_BYTES) {
        free(buf);
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL, "library '%s': %s", library,
                             bad ? "read error" : "larger than 64 MB");
    }
    buf[len] = '\0';
    *text = buf;
    return ROI_OK;
}

/* ---- the document ------------------------------------------------------------------- */

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static const char *string_member(const cJSON *obj, const char *key)
{
    const cJSON *v = member(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A whole number from 0 to 2^53 (the HDR arguments), into *out. */
static int whole_member(const cJSON *obj, const char *key, uint64_t *out)
{
    const cJSON *v = member(obj, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 9007199254740992.0) ||
        v->valuedouble != floor(v->valuedouble))
        return 0;
    *out = (uint64_t)v->valuedouble;
    return 1;
}

/* The entry named `name` of an array of objects; NULL when none. */
static const cJSON *named(const cJSON *array, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, array)
    {
        const char *n = string_member(e, "name");
        if (n && !strcmp(n, name))
            return e;
    }
    return NULL;
}

/* "a, b, c" (the first few SIP names), for the message of a SIP not found. */
static void some_names(const cJSON *sips, char *buf, size_t size)
{
    size_t len = 0;
    int shown = 0;
    const cJSON *e;
    buf[0] = '\0';
    cJSON_ArrayForEach(e, sips)
    {
        const char *n = string_member(e, "name");
        if (!n || len >= size)
            continue;
        if (shown == 8) {
            snprintf(buf + len, size - len, ", ...");
            break;
        }
        len += (size_t)snprintf(buf + len, size - len, "%s'%s'", shown ? ", " : "", n);
        shown++;
    }
}

/* The metalog of a SIP's arguments. */
static roi_status sip_metalog(const cJSON *sip, const char *what, roi_metalog *m, roi_error *err)
{
    const char *fn = string_member(sip, "function");
    if (!fn || strcmp(fn, "Metalog_1_0") != 0)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "%s: function must be \"Metalog_1_0\", got %s", what,
                             fn ? fn : "none");
    const cJSON *args = member(sip, "arguments"), *a = member(args, "aCoefficients");
    double coef[ROI_METALOG_MAX_TERMS];
    int k = 0;
    const cJSON *c;
    if (!cJSON_IsArray(a))
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL, "%s: no aCoefficients list", what);
    cJSON_ArrayForEach(c, a)
    {
        if (k == ROI_METALOG_MAX_TERMS || !cJSON_IsNumber(c) || !isfinite(c->valuedouble))
            return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                                 "%s: aCoefficients must be 2 to %d finite numbers", what,
                                 ROI_METALOG_MAX_TERMS);
        coef[k++] = c->valuedouble;
    }
    double bound[2] = {-INFINITY, INFINITY};
    const char *keys[2] = {"lowerBound", "upperBound"};
    for (int i = 0; i < 2; i++) {
        const cJSON *b = member(args, keys[i]);
        if (b && !cJSON_IsNull(b) && !(cJSON_IsNumber(b) && isfinite(b->valuedouble)))
            return roi_error_set(err, ROI_ERR_SCENARIO, NULL, "%s: %s must be a number", what,
                                 keys[i]);
        if (cJSON_IsNumber(b))
            bound[i] = b->valuedouble;
    }
    roi_error e;
    roi_error_clear(&e);
    if (roi_metalog_set(m, coef, k, bound[0], bound[1], &e) != ROI_OK)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL, "%s: %s", what, e.msg);
    if (!roi_metalog_feasible(m))
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "%s: the metalog is not a distribution (its quantile function "
                             "decreases somewhere)",
                             what);
    return ROI_OK;
}

/* The HDR stream of the U01.rng entry `name`. */
static roi_status hdr_entry(const cJSON *root, const char *name, const char *what, roi_hdr *h,
                            roi_error *err)
{
    const cJSON *r = named(member(member(root, "U01"), "rng"), name);
    if (!r)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL, "%s: no U01.rng entry '%s'", what,
                             name);
    const char *fn = string_member(r, "function");
    const cJSON *a = member(r, "arguments");
    const char *counter = string_member(a, "counter");
    if (!fn || strcmp(fn, "HDR_2_0") != 0 || !counter || strcmp(counter, "PM_Index") != 0)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "%s: rng '%s' must be HDR_2_0 with counter \"PM_Index\"", what, name);
    if (!whole_member(a, "entity", &h->entity) || !whole_member(a, "varId", &h->var_id) ||
        !whole_member(a, "seed3", &h->seed3) || !whole_member(a, "seed4", &h->seed4))
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "%s: rng '%s' needs entity, varId, seed3 and seed4, whole numbers "
                             "from 0 to 2^53",
                             what, name);
    return ROI_OK;
}

/* The position of string `s` in an array of strings; -1 when absent. */
static int position(const cJSON *array, const char *s)
{
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, array)
    {
        if (cJSON_IsString(e) && s && !strcmp(e->valuestring, s))
            return i;
        i++;
    }
    return -1;
}

/* The n x n correlation matrix of a globalVariables value {columns, rows, matrix} into
 * c (row-major), checked: every entry given once or by symmetry, in [-1, 1], the
 * diagonal 1. */
static roi_status correlations(const cJSON *value, int n, const char *what, double *c,
                               roi_error *err)
{
    const cJSON *rows = member(value, "rows"), *cols = member(value, "columns");
    const cJSON *matrix = member(value, "matrix"), *e;
    if (cJSON_GetArraySize(rows) != n || cJSON_GetArraySize(cols) != n || !cJSON_IsArray(matrix))
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "%s: the copula's correlation matrix needs %d rows and columns and "
                             "a matrix list",
                             what, n);
    for (int i = 0; i < n * n; i++)
        c[i] = NAN;
    cJSON_ArrayForEach(e, matrix)
    {
        int r = position(rows, string_member(e, "row"));
        int k = position(cols, string_member(e, "col"));
        const cJSON *v = member(e, "value");
        if (r < 0 || k < 0 || !cJSON_IsNumber(v) || !(fabs(v->valuedouble) <= 1))
            return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                                 "%s: a correlation entry needs a row and col of the matrix "
                                 "and a value in [-1, 1]",
                                 what);
        c[r * n + k] = c[k * n + r] = v->valuedouble;
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++)
            if (isnan(c[i * n + k]) || (i == k && c[i * n + k] != 1))
                return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                                     "%s: the correlation matrix lacks entry (%d, %d) or its "
                                     "diagonal is not 1",
                                     what, i + 1, k + 1);
    return ROI_OK;
}

/* Row `row` of the Cholesky factor of c (n x n, positive definite) into w[0..row]. */
static int cholesky_row(double *c, int n, int row, double *w)
{
    for (int i = 0; i <= row; i++)
        for (int k = 0; k <= i; k++) {
            double s = c[i * n + k];
            for (int j = 0; j < k; j++)
                s -= c[i * n + j] * c[k * n + j];
            if (i == k) {
                if (!(s > 1e-12))
                    return 0;
                c[i * n + i] = sqrt(s);
            } else {
                c[i * n + k] = s / c[k * n + k];
            }
        }
    for (int j = 0; j <= row; j++)
        w[j] = c[row * n + j];
    return 1;
}

/* The streams of a SIP drawn through the Gaussian copula its ref names. */
static roi_status copula_streams(const cJSON *root, const cJSON *ref, const char *what,
                                 roi_sipmath_sip *out, roi_error *err)
{
    const cJSON *cop = named(member(member(root, "U01"), "copula"), string_member(ref, "name"));
    const cJSON *layers = member(cop, "copulaLayer"), *args = member(cop, "arguments");
    const cJSON *rngs = member(args, "rng"), *cm = member(args, "correlationMatrix");
    const char *fn = string_member(cop, "function"), *type = string_member(cm, "type");
    int row = position(layers, string_member(ref, "copulaLayer"));
    int n = cJSON_GetArraySize(layers);
    if (!cop || (fn && !strstr(fn, "Gaussian")) || row < 0 || cJSON_GetArraySize(rngs) != n ||
        n > ROI_SIPMATH_MAX_COPULA || !type || strcmp(type, "globalVariables") != 0)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "%s: ref must name a Gaussian copula of U01.copula and one of its "
                             "copulaLayer entries, the copula listing as many rng streams and "
                             "a correlationMatrix {type = \"globalVariables\", value = ...} "
                             "(at most %d)",
                             what, ROI_SIPMATH_MAX_COPULA);
    const cJSON *g = named(member(root, "globalVariables"), string_member(cm, "value"));
    double *c = malloc((size_t)n * (size_t)n * sizeof *c);
    out->hdr = calloc((size_t)row + 1, sizeof *out->hdr);
    out->w = calloc((size_t)row + 1, sizeof *out->w);
    if (!c || !out->hdr || !out->w) {
        free(c);
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    }
    out->n = row + 1;
    roi_status st = g ? correlations(member(g, "value"), n, what, c, err)
                      : roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                                      "%s: no globalVariables entry '%s'", what,
                                      string_member(cm, "value") ? string_member(cm, "value")
                                                                 : "");
    if (st == ROI_OK && !cholesky_row(c, n, row, out->w))
        st = roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                           "%s: the copula's correlation matrix is not positive definite", what);
    for (int j = 0; st == ROI_OK && j <= row; j++) {
        const cJSON *r = cJSON_GetArrayItem(rngs, j);
        st = cJSON_IsString(r) ? hdr_entry(root, r->valuestring, what, &out->hdr[j], err)
                               : roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                                               "%s: the copula's rng list must name streams",
                                               what);
    }
    free(c);
    return st;
}

/* The streams behind a SIP's uniform: the rng its ref names, or its copula's. */
static roi_status sip_streams(const cJSON *root, const cJSON *sip, const char *what,
                              roi_sipmath_sip *out, roi_error *err)
{
    const cJSON *ref = member(sip, "ref");
    const char *source = string_member(ref, "source"), *name = string_member(ref, "name");
    if (source && !strcmp(source, "copula"))
        return copula_streams(root, ref, what, out, err);
    if (!source || strcmp(source, "rng") != 0 || !name)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "%s: ref must be {source = \"rng\" or \"copula\", name = ...}", what);
    out->hdr = calloc(1, sizeof *out->hdr);
    if (!out->hdr)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    out->n = 1;
    return hdr_entry(root, name, what, &out->hdr[0], err);
}

void roi_sipmath_sip_free(roi_sipmath_sip *s)
{
    if (!s)
        return;
    free(s->hdr);
    free(s->w);
    s->hdr = NULL;
    s->w = NULL;
    s->n = 0;
}

roi_status roi_sipmath_read(const char *from, const char *library, const char *sip,
                            roi_sipmath_sip *out, char **path, roi_error *err)
{
    memset(out, 0, sizeof *out);
    char file[PATH_MAX + 256], what[512];
    char *text = NULL;
    *path = NULL;
    roi_status st = resolve(from, library, file, sizeof file, err);
    if (st == ROI_OK)
        st = slurp(library, file, &text, err);
    if (st != ROI_OK)
        return st;
    cJSON *root = cJSON_Parse(text);
    free(text);
    snprintf(what, sizeof what, "library '%s', SIP '%s'", library, sip);
    const char *type = string_member(root, "libraryType");
    const cJSON *s = named(member(root, "sips"), sip);
    if (!root || !type || strcmp(type, "SIPmath_3_0") != 0) {
        st = roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                           "library '%s': not a SIPmath 3.0 library (JSON with libraryType "
                           "\"SIPmath_3_0\")",
                           library);
    } else if (!s) {
        char names[400];
        some_names(member(root, "sips"), names, sizeof names);
        st = roi_error_set(err, ROI_ERR_SCENARIO, NULL, "library '%s' has no SIP '%s' (it has %s)",
                           library, sip, names[0] ? names : "none");
    } else {
        st = sip_metalog(s, what, &out->metalog, err);
        if (st == ROI_OK)
            st = sip_streams(root, s, what, out, err);
    }
    cJSON_Delete(root);
    if (st == ROI_OK && !(*path = strdup(file)))
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    return st;
}
