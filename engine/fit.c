/*
 * fit.c - reading a data column, maximum-likelihood fits, goodness of fit, bootstrap.
 *
 * Every family works on the sorted sample. The fits are pure functions of the sample
 * (no state, no randomness), so a bootstrap replicate refits exactly as the data did,
 * on any thread. The families' fixed facts (names, parameters, how their standard
 * errors are found) are one table; the per-family mathematics are switch statements
 * over the family, one function per question (fit, cdf, sf, log density, quantile,
 * draw, Fisher information, scenario text).
 */
#include "fit.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "rng.h"

#define Z95 1.6448536269514722 /* the standard normal quantile at 0.95 */
#define EULER 0.57721566490153286061
#define LN_SQRT_2PI 0.91893853320467274178
#define PI 3.14159265358979323846

/* ---- the families' table ------------------------------------------------------------ */

typedef struct family_info {
    const char *name;
    const char *params[4];
    int n_p;      /* entries of roi_fit.p */
    int n_params; /* estimated parameters (0: depends on the fit) */
    int fisher;   /* standard errors from the Fisher information (else the bootstrap) */
} family_info;

static const family_info FAMILIES[ROI_FIT_NFAMILIES] = {
    [ROI_FIT_NORMAL] = {"normal", {"mean", "sd"}, 2, 2, 1},
    [ROI_FIT_LOGNORMAL] = {"lognormal", {"mu", "sigma"}, 2, 2, 1},
    [ROI_FIT_GAMMA] = {"gamma", {"shape", "scale"}, 2, 2, 1},
    [ROI_FIT_WEIBULL] = {"weibull", {"shape", "scale"}, 2, 2, 1},
    [ROI_FIT_BETA] = {"beta", {"a", "b", "low", "high"}, 4, 2, 1},
    [ROI_FIT_SCALED_BETA] = {"scaled_beta", {"a", "b", "low", "high"}, 4, 4, 0},
    [ROI_FIT_TRIANGULAR] = {"triangular", {"min", "mode", "max"}, 3, 3, 0},
    [ROI_FIT_PERT] = {"pert", {"min", "mode", "max"}, 3, 3, 0},
    [ROI_FIT_UNIFORM] = {"uniform", {"low", "high"}, 2, 2, 0},
    [ROI_FIT_DISCRETE] = {"discrete", {NULL}, 0, 0, 0},
    [ROI_FIT_METALOG] = {"metalog", {NULL}, 0, 0, 0},
};

const char *roi_fit_family_name(roi_fit_family f)
{
    return (f >= 0 && f < ROI_FIT_NFAMILIES) ? FAMILIES[f].name : "unknown";
}

const char *roi_fit_param_name(const roi_fit *f, int i)
{
    static const char *const a_names[ROI_METALOG_MAX_TERMS] = {
        "a1", "a2",  "a3",  "a4",  "a5",  "a6",  "a7",  "a8",
        "a9", "a10", "a11", "a12", "a13", "a14", "a15", "a16"};
    if (i < 0 || i >= f->n_p)
        return NULL;
    if (f->family == ROI_FIT_METALOG)
        return a_names[i];
    return i < 4 ? FAMILIES[f->family].params[i] : NULL;
}

/* Levenshtein distance of two short strings (for "did you mean"). */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 31 || lb > 31)
        return 99;
    int d[32][32];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] +
                    (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = c < del ? (c < ins ? c : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

roi_status roi_fit_families_parse(const char *list, unsigned *mask, roi_error *err)
{
    char names[512] = "";
    for (int f = 0; f < ROI_FIT_NFAMILIES; f++) {
        strcat(names, f ? ", " : "");
        strcat(names, FAMILIES[f].name);
    }
    *mask = 0;
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        char word[64];
        size_t len = (size_t)(e - p) < sizeof word - 1 ? (size_t)(e - p) : sizeof word - 1;
        memcpy(word, p, len);
        word[len] = '\0';
        p = e;
        if (!strcmp(word, "all")) {
            *mask |= (1u << ROI_FIT_NFAMILIES) - 1;
            continue;
        }
        int found = -1, best = -1, best_d = 99;
        for (int f = 0; f < ROI_FIT_NFAMILIES; f++) {
            if (!strcmp(word, FAMILIES[f].name))
                found = f;
            int d = distance(word, FAMILIES[f].name);
            if (d < best_d) {
                best_d = d;
                best = f;
            }
        }
        if (found < 0) {
            if (best >= 0 && best_d <= 2)
                return roi_error_set(err, ROI_ERR_USAGE, NULL,
                                     "--families: unknown family '%s' (did you mean '%s'?); "
                                     "families: %s",
                                     word, FAMILIES[best].name, names);
            return roi_error_set(err, ROI_ERR_USAGE, NULL,
                                 "--families: unknown family '%s'; families: %s", word, names);
        }
        *mask |= 1u << found;
    }
    if (!*mask)
        return roi_error_set(err, ROI_ERR_USAGE, NULL, "--families: no family named; families: %s",
                             names);
    return ROI_OK;
}

void roi_fit_opts_init(roi_fit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->families = 0;
    o->bootstrap = ROI_FIT_BOOTSTRAP_DEFAULT;
    o->seed = ROI_FIT_SEED_DEFAULT;
    o->threads = 0;
    o->metalog_lower = NAN;
    o->metalog_upper = NAN;
    o->metalog_terms = 0;
}

/* ---- small helpers ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double clamp01(double x)
{
    return x < 0 ? 0 : (x > 1 ? 1 : x);
}

static double logistic(double t)
{
    return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
}

/* ln B(a, b), NAN when GSL cannot (never aborts: the handler is off). */
static double lnbeta(double a, double b)
{
    gsl_sf_result r;
    return gsl_sf_lnbeta_e(a, b, &r) == GSL_SUCCESS ? r.val : NAN;
}

static double psi(double x)
{
    gsl_sf_result r;
    return gsl_sf_psi_e(x, &r) == GSL_SUCCESS ? r.val : NAN;
}

static double psi1(double x)
{
    gsl_sf_result r;
    return gsl_sf_psi_1_e(x, &r) == GSL_SUCCESS ? r.val : NAN;
}

static double lngamma(double x)
{
    gsl_sf_result r;
    return gsl_sf_lngamma_e(x, &r) == GSL_SUCCESS ? r.val : NAN;
}

/* A growable string; a failed allocation makes it NULL and keeps it so. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (w < 0) {
        b->failed = 1;
        return;
    }
    if (b->len + (size_t)w + 1 > b->cap) {
        size_t cap = (b->len + (size_t)w + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            free(b->s);
            b->s = NULL;
            b->failed = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)w;
}

/* ---- the CSV reader ----------------------------------------------------------------- */

/* One record of the CSV text, unescaped: fields are NUL-terminated inside buf. */
typedef struct record {
    char *buf;
    size_t len, cap;
    size_t *start; /* field i begins at buf + start[i] */
    size_t nf, capf;
    size_t line; /* the row (line) where the record begins, from 1 */
} record;

typedef struct csv {
    const char *p, *end;
    size_t line;
} csv;

static int rec_char(record *r, char ch)
{
    if (r->len + 1 > r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        char *b = realloc(r->buf, cap);
        if (!b)
            return -1;
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = ch;
    return 0;
}

static int rec_field(record *r)
{
    if (r->nf + 1 > r->capf) {
        size_t cap = r->capf ? 2 * r->capf : 16;
        size_t *s = realloc(r->start, cap * sizeof *s);
        if (!s)
            return -1;
        r->start = s;
        r->capf = cap;
    }
    r->start[r->nf++] = r->len;
    return 0;
}

/* Reads the next record: 1, or 0 at the end of the text, -1 out of memory. */
static int read_record(csv *c, record *r)
{
    if (c->p >= c->end)
        return 0;
    r->len = r->nf = 0;
    r->line = c->line;
    if (rec_field(r))
        return -1;
    int in_quotes = 0;
    while (c->p < c->end) {
        char ch = *c->p++;
        if (in_quotes) {
            if (ch == '"') {
                if (c->p < c->end && *c->p == '"') {
                    c->p++;
                    if (rec_char(r, '"'))
                        return -1;
                } else {
                    in_quotes = 0;
                }
                continue;
            }
            if (ch == '\n')
                c->line++;
            if (rec_char(r, ch))
                return -1;
        } else if (ch == '"') {
            in_quotes = 1;
        } else if (ch == ',') {
            if (rec_char(r, '\0') || rec_field(r))
                return -1;
        } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && c->p < c->end && *c->p == '\n')
                c->p++;
            c->line++;
            break;
        } else if (rec_char(r, ch)) {
            return -1;
        }
    }
    return rec_char(r, '\0') ? -1 : 1;
}

static const char *field(const record *r, size_t i)
{
    return i < r->nf ? r->buf + r->start[i] : "";
}

/* The field without surrounding blanks, in out (truncated to size). */
static void trimmed(const char *s, char *out, size_t size)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

static int blank_record(const record *r)
{
    for (size_t i = 0; i < r->nf; i++) {
        char t[8];
        trimmed(field(r, i), t, sizeof t);
        if (t[0])
            return 0;
    }
    return 1;
}

enum cell { CELL_EMPTY, CELL_NUMBER, CELL_TEXT, CELL_NONFINITE };

/* Classifies a cell and parses it: decimal numbers only (no hex, no "nan"). */
static enum cell parse_cell(const char *s, double *v)
{
    char t[128];
    trimmed(s, t, sizeof t);
    if (!t[0])
        return CELL_EMPTY;
    const char *q = t[0] == '+' || t[0] == '-' ? t + 1 : t;
    if (!strncasecmp(q, "nan", 3) || !strncasecmp(q, "inf", 3))
        return CELL_NONFINITE;
    int digits = 0;
    for (const char *c = t; *c; c++) {
        if (isdigit((unsigned char)*c))
            digits = 1;
        else if (!strchr("+-.eE", *c))
            return CELL_TEXT;
    }
    if (!digits || strlen(s) >= sizeof t)
        return CELL_TEXT;
    char *end;
    double x = strtod(t, &end);
    if (*end)
        return CELL_TEXT;
    if (!isfinite(x))
        return CELL_NONFINITE;
    *v = x;
    return CELL_NUMBER;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

void roi_fit_data_free(roi_fit_data *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->row);
    d->x = NULL;
    d->row = NULL;
    d->n = 0;
}

/* Finds the column named `want` in the header record; -1 when absent. */
static long find_column(const record *hdr, const char *want)
{
    char t[256];
    for (size_t i = 0; i < hdr->nf; i++) {
        trimmed(field(hdr, i), t, sizeof t);
        if (!strcmp(t, want))
            return (long)i;
    }
    for (size_t i = 0; i < hdr->nf; i++) {
        trimmed(field(hdr, i), t, sizeof t);
        if (!strcasecmp(t, want))
            return (long)i;
    }
    return -1;
}

static roi_status no_memory(const char *label, roi_error *err)
{
    return roi_error_set(err, ROI_ERR_NOMEM, NULL, "%s: out of memory reading the data", label);
}

/* The column named `column` in the header (by name, then by number from 1) into *col;
 * the message lists the columns when there is none. */
static roi_status named_column(const record *hdr, int has_header, const char *column,
                               const char *label, long *col, roi_error *err)
{
    *col = -1;
    if (has_header)
        *col = find_column(hdr, column);
    if (*col < 0 && all_digits(column)) {
        long k = strtol(column, NULL, 10);
        if (k >= 1 && (size_t)k <= hdr->nf)
            *col = k - 1;
    }
    if (*col >= 0)
        return ROI_OK;
    if (!has_header)
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "%s: no header row, so no column named '%s': give its number, 1 "
                             "to %zu",
                             label, column, hdr->nf);
    sbuf names = {0};
    for (size_t i = 0; i < hdr->nf; i++) {
        char t[256];
        trimmed(field(hdr, i), t, sizeof t);
        sb_printf(&names, "%s'%s'", i ? ", " : "", t);
    }
    roi_status st = roi_error_set(err, ROI_ERR_PARAM, NULL,
                                  "%s: no column '%s'; the columns are %s", label, column,
                                  names.s ? names.s : "");
    free(names.s);
    return st;
}

/* The first column whose first non-empty cell below the header is a number, into *col.
 * r is scratch space (the caller frees it). */
static roi_status first_numeric_column(csv scan, record *r, const char *label, long *col,
                                       roi_error *err)
{
    int got;
    *col = -1;
    while ((got = read_record(&scan, r)) == 1) {
        if (blank_record(r))
            continue;
        for (size_t i = 0; i < r->nf && *col < 0; i++) {
            double v;
            if (parse_cell(field(r, i), &v) == CELL_NUMBER)
                *col = (long)i;
        }
        if (*col < 0)
            return roi_error_set(err, ROI_ERR_PARAM, NULL,
                                 "%s: row %zu has no numeric cell; name the column of numbers "
                                 "to fit",
                                 label, r->line);
        return ROI_OK;
    }
    if (got < 0)
        return no_memory(label, err);
    return roi_error_set(err, ROI_ERR_PARAM, NULL, "%s: no data rows below the header", label);
}

/* Appends value v of row `line` to d (cap: the arrays' capacity). */
static int push_value(roi_fit_data *d, size_t *cap, double v, size_t line)
{
    if (d->n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 1024;
        double *x = realloc(d->x, ncap * sizeof *x);
        if (!x)
            return -1;
        d->x = x;
        size_t *rw = realloc(d->row, ncap * sizeof *rw);
        if (!rw)
            return -1;
        d->row = rw;
        *cap = ncap;
    }
    d->x[d->n] = v;
    d->row[d->n] = line;
    d->n++;
    return 0;
}

/* Reads column col of every record from c on into d; each bad cell's message names its
 * row. r is scratch space (the caller frees it). */
static roi_status read_values(csv c, record *r, long col, const char *label, roi_fit_data *d,
                              roi_error *err)
{
    int got;
    size_t cap = 0;
    while ((got = read_record(&c, r)) == 1) {
        if (blank_record(r))
            continue;
        double v = 0;
        const char *cell = field(r, (size_t)col);
        enum cell k = parse_cell(cell, &v);
        if (k == CELL_EMPTY) {
            d->n_empty++;
            continue;
        }
        if (k != CELL_NUMBER) {
            char t[64];
            trimmed(cell, t, sizeof t);
            return roi_error_set(err, ROI_ERR_PARAM, NULL, "%s: row %zu, column '%s': '%s' is %s",
                                 label, r->line, d->column, t,
                                 k == CELL_NONFINITE ? "not a finite number" : "not a number");
        }
        if (push_value(d, &cap, v, r->line))
            return no_memory(label, err);
    }
    if (got < 0)
        return no_memory(label, err);
    if (d->n == 0)
        return roi_error_set(err, ROI_ERR_PARAM, NULL, "%s: column '%s' has no values", label,
                             d->column);
    return ROI_OK;
}

roi_status roi_fit_data_parse(const char *text, size_t len, const char *label, const char *column,
                              roi_fit_data *d, roi_error *err)
{
    roi_status st = ROI_OK;
    record r = {0}, hdr = {0};
    memset(d, 0, sizeof *d);
    label = label ? label : "data";
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* UTF-8 byte order mark */
        text += 3;
        len -= 3;
    }
    csv c = {.p = text, .end = text + len, .line = 1};

    /* The first non-blank record: a header when one of its cells is not a number. */
    int got;
    while ((got = read_record(&c, &hdr)) == 1 && blank_record(&hdr))
        ;
    if (got <= 0) {
        st = got < 0 ? no_memory(label, err)
                     : roi_error_set(err, ROI_ERR_PARAM, NULL, "%s: no data (the file is empty)",
                                     label);
        goto cleanup;
    }
    for (size_t i = 0; i < hdr.nf; i++) {
        double v;
        if (parse_cell(field(&hdr, i), &v) == CELL_TEXT)
            d->has_header = 1;
    }
    csv data_start = c; /* the text after the header, or from the first record */
    if (!d->has_header)
        data_start = (csv){.p = text, .end = text + len, .line = 1};

    long col = -1;
    if (column && *column)
        st = named_column(&hdr, d->has_header, column, label, &col, err);
    else
        st = first_numeric_column(data_start, &r, label, &col, err);
    if (st != ROI_OK)
        goto cleanup;
    d->column_index = (int)col + 1;
    if (d->has_header)
        trimmed(field(&hdr, (size_t)col), d->column, sizeof d->column);
    if (!d->column[0])
        snprintf(d->column, sizeof d->column, "column %ld", col + 1);
    st = read_values(data_start, &r, col, label, d, err);

cleanup:
    free(r.buf);
    free(r.start);
    free(hdr.buf);
    free(hdr.start);
    if (st != ROI_OK)
        roi_fit_data_free(d);
    return st;
}

/* ---- the families' distributions ------------------------------------------------------- */

/* PERT's beta shapes from (min, mode, max). */
static void pert_shapes(const double *p, double *a, double *b)
{
    double r = p[2] - p[0];
    *a = 1.0 + 4.0 * (p[1] - p[0]) / r;
    *b = 1.0 + 4.0 * (p[2] - p[1]) / r;
}

/* The beta parameters (a, b, low, high) of a beta, scaled beta or PERT fit. */
static void beta_params(const roi_fit *f, double *a, double *b, double *lo, double *hi)
{
    if (f->family == ROI_FIT_PERT) {
        pert_shapes(f->p, a, b);
        *lo = f->p[0];
        *hi = f->p[2];
    } else {
        *a = f->p[0];
        *b = f->p[1];
        *lo = f->p[2];
        *hi = f->p[3];
    }
}

/* The discrete fit's cumulative probability up to and including x. */
static double discrete_cdf(const roi_fit *f, double x, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < f->n_values && f->values[i] <= x; i++)
        c += f->counts[i];
    return (double)c / (double)n;
}

static size_t discrete_total(const roi_fit *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n_values; i++)
        n += f->counts[i];
    return n;
}

/* F(x) (lower) or 1 - F(x) (upper), each computed directly. */
static double tail(const roi_fit *f, double x, int upper)
{
    const double *p = f->p;
    switch (f->family) {
    case ROI_FIT_NORMAL:
        return upper ? gsl_cdf_gaussian_Q(x - p[0], p[1]) : gsl_cdf_gaussian_P(x - p[0], p[1]);
    case ROI_FIT_LOGNORMAL:
        if (!(x > 0))
            return upper ? 1.0 : 0.0;
        return upper ? gsl_cdf_ugaussian_Q((log(x) - p[0]) / p[1])
                     : gsl_cdf_ugaussian_P((log(x) - p[0]) / p[1]);
    case ROI_FIT_GAMMA:
        if (!(x > 0))
            return upper ? 1.0 : 0.0;
        return upper ? gsl_cdf_gamma_Q(x, p[0], p[1]) : gsl_cdf_gamma_P(x, p[0], p[1]);
    case ROI_FIT_WEIBULL: {
        if (!(x > 0))
            return upper ? 1.0 : 0.0;
        double h = pow(x / p[1], p[0]);
        return upper ? exp(-h) : -expm1(-h);
    }
    case ROI_FIT_BETA:
    case ROI_FIT_SCALED_BETA:
    case ROI_FIT_PERT: {
        double a, b, lo, hi;
        beta_params(f, &a, &b, &lo, &hi);
        double y = clamp01((x - lo) / (hi - lo));
        return upper ? gsl_cdf_beta_Q(y, a, b) : gsl_cdf_beta_P(y, a, b);
    }
    case ROI_FIT_TRIANGULAR: {
        double lo = p[0], c = p[1], hi = p[2], F;
        if (x <= lo)
            F = 0.0;
        else if (x >= hi)
            F = 1.0;
        else if (x <= c)
            F = (x - lo) * (x - lo) / ((hi - lo) * (c - lo));
        else
            return upper ? (hi - x) * (hi - x) / ((hi - lo) * (hi - c))
                         : 1.0 - (hi - x) * (hi - x) / ((hi - lo) * (hi - c));
        return upper ? 1.0 - F : F;
    }
    case ROI_FIT_UNIFORM: {
        double F = clamp01((x - p[0]) / (p[1] - p[0]));
        return upper ? clamp01((p[1] - x) / (p[1] - p[0])) : F;
    }
    case ROI_FIT_DISCRETE: {
        double F = discrete_cdf(f, x, discrete_total(f));
        return upper ? 1.0 - F : F;
    }
    case ROI_FIT_METALOG: {
        double t = roi_metalog_cdf_logit(&f->metalog, x);
        return logistic(upper ? -t : t);
    }
    default:
        return NAN;
    }
}

double roi_fit_cdf(const roi_fit *f, double x)
{
    return tail(f, x, 0);
}

double roi_fit_logpdf(const roi_fit *f, double x)
{
    const double *p = f->p;
    switch (f->family) {
    case ROI_FIT_NORMAL: {
        double z = (x - p[0]) / p[1];
        return -0.5 * z * z - log(p[1]) - LN_SQRT_2PI;
    }
    case ROI_FIT_LOGNORMAL: {
        if (!(x > 0))
            return -INFINITY;
        double lx = log(x), z = (lx - p[0]) / p[1];
        return -0.5 * z * z - log(p[1]) - LN_SQRT_2PI - lx;
    }
    case ROI_FIT_GAMMA:
        if (!(x > 0))
            return -INFINITY;
        return (p[0] - 1.0) * log(x) - x / p[1] - p[0] * log(p[1]) - lngamma(p[0]);
    case ROI_FIT_WEIBULL:
        if (!(x > 0))
            return -INFINITY;
        return log(p[0] / p[1]) + (p[0] - 1.0) * log(x / p[1]) - pow(x / p[1], p[0]);
    case ROI_FIT_BETA:
    case ROI_FIT_SCALED_BETA:
    case ROI_FIT_PERT: {
        double a, b, lo, hi;
        beta_params(f, &a, &b, &lo, &hi);
        if (!(x > lo && x < hi))
            return -INFINITY;
        return (a - 1.0) * log(x - lo) + (b - 1.0) * log(hi - x) - lnbeta(a, b) -
               (a + b - 1.0) * log(hi - lo);
    }
    case ROI_FIT_TRIANGULAR: {
        double lo = p[0], c = p[1], hi = p[2];
        if (!(x >= lo && x <= hi))
            return -INFINITY;
        if (x < c)
            return log(2.0 * (x - lo) / ((hi - lo) * (c - lo)));
        if (x > c)
            return log(2.0 * (hi - x) / ((hi - lo) * (hi - c)));
        return log(2.0 / (hi - lo));
    }
    case ROI_FIT_UNIFORM:
        return (x >= p[0] && x <= p[1]) ? -log(p[1] - p[0]) : -INFINITY;
    case ROI_FIT_DISCRETE:
        for (size_t i = 0; i < f->n_values; i++)
            if (f->values[i] == x)
                return log((double)f->counts[i] / (double)discrete_total(f));
        return -INFINITY;
    case ROI_FIT_METALOG:
        return roi_metalog_logpdf(&f->metalog, x);
    default:
        return NAN;
    }
}

double roi_fit_quantile(const roi_fit *f, double u)
{
    const double *p = f->p;
    u = clamp01(u);
    switch (f->family) {
    case ROI_FIT_NORMAL:
        return p[0] + p[1] * gsl_cdf_ugaussian_Pinv(u);
    case ROI_FIT_LOGNORMAL:
        return exp(p[0] + p[1] * gsl_cdf_ugaussian_Pinv(u));
    case ROI_FIT_GAMMA:
        return gsl_cdf_gamma_Pinv(u, p[0], p[1]);
    case ROI_FIT_WEIBULL:
        return p[1] * pow(-log1p(-u), 1.0 / p[0]);
    case ROI_FIT_BETA:
    case ROI_FIT_SCALED_BETA:
    case ROI_FIT_PERT: {
        double a, b, lo, hi;
        beta_params(f, &a, &b, &lo, &hi);
        return lo + (hi - lo) * gsl_cdf_beta_Pinv(u, a, b);
    }
    case ROI_FIT_TRIANGULAR: {
        double lo = p[0], c = p[1], hi = p[2], fc = (c - lo) / (hi - lo);
        if (u <= fc)
            return lo + sqrt(u * (hi - lo) * (c - lo));
        return hi - sqrt((1.0 - u) * (hi - lo) * (hi - c));
    }
    case ROI_FIT_UNIFORM:
        return p[0] + (p[1] - p[0]) * u;
    case ROI_FIT_DISCRETE: {
        size_t n = discrete_total(f), c = 0;
        for (size_t i = 0; i < f->n_values; i++) {
            c += f->counts[i];
            if ((double)c >= u * (double)n)
                return f->values[i];
        }
        return f->n_values ? f->values[f->n_values - 1] : NAN;
    }
    case ROI_FIT_METALOG:
        return roi_metalog_quantile(&f->metalog, u);
    default:
        return NAN;
    }
}

/*
 * n draws of fit f for bootstrap replicate `rep`, into out. Families with a cheap
 * quantile use draw i = roi_rng_uniform(key, rep, i); gamma and the betas use GSL's
 * samplers on the Philox stream (key, rep). Either way a pure function of
 * (key, rep): the same on every thread.
 */
static void draw_sample(const roi_fit *f, uint64_t key, uint64_t rep, size_t n, gsl_rng *rng,
                        double *out)
{
    switch (f->family) {
    case ROI_FIT_GAMMA:
        roi_rng_seek(rng, key, rep);
        for (size_t i = 0; i < n; i++)
            out[i] = gsl_ran_gamma(rng, f->p[0], f->p[1]);
        return;
    case ROI_FIT_BETA:
    case ROI_FIT_SCALED_BETA:
    case ROI_FIT_PERT: {
        double a, b, lo, hi;
        beta_params(f, &a, &b, &lo, &hi);
        roi_rng_seek(rng, key, rep);
        for (size_t i = 0; i < n; i++)
            out[i] = lo + (hi - lo) * gsl_ran_beta(rng, a, b);
        return;
    }
    default:
        for (size_t i = 0; i < n; i++)
            out[i] = roi_fit_quantile(f, roi_rng_uniform(key, rep, (uint64_t)i));
        return;
    }
}

/* ---- Nelder-Mead ------------------------------------------------------------------------ */

typedef double (*objective)(const double *u, void *ctx);

/* Iterations per round of the simplex. A well-posed fit converges in 50 to 200; the
 * cap bounds the cost of a maximum on a bound's wall (a shape of 1 with the bound on
 * the data), where the simplex creeps, and whose last digits do not matter. */
#define NM_MAX_ITER 500

typedef struct nm_wrap {
    objective fn;
    void *ctx;
} nm_wrap;

static double nm_f(const gsl_vector *v, void *params)
{
    const nm_wrap *w = params;
    double u[4];
    for (size_t i = 0; i < v->size; i++)
        u[i] = gsl_vector_get(v, i);
    double y = w->fn(u, w->ctx);
    /* nmsimplex2 refuses a non-finite value (GSL_EBADFUNC); a huge one steers away. */
    return isfinite(y) ? y : 1e300;
}

/*
 * Minimises fn over u[0..dim-1] (dim <= 4) with GSL's nmsimplex2 from u with initial
 * steps `step`, until the simplex is smaller than tol, twice (the second round
 * restarts from the first's answer, the usual cure for a simplex that collapsed
 * early). Stops at once when the best point has a coordinate above stop_above (the
 * caller rejects such a point, so it need not be polished). The answer is in u.
 * Returns 0, or -1 when GSL failed or the answer is not finite.
 */
static int nelder_mead(objective fn, void *ctx, double *u, const double *step, int dim, double tol,
                       double stop_above)
{
    nm_wrap w = {fn, ctx};
    gsl_multimin_function F = {.f = nm_f, .n = (size_t)dim, .params = &w};
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, (size_t)dim);
    gsl_vector *x = gsl_vector_alloc((size_t)dim), *ss = gsl_vector_alloc((size_t)dim);
    int rc = -1, away = 0;
    if (!s || !x || !ss)
        goto cleanup;
    for (int round = 0; round < 2 && !away; round++) {
        for (int i = 0; i < dim; i++) {
            gsl_vector_set(x, (size_t)i, u[i]);
            gsl_vector_set(ss, (size_t)i, round ? 0.2 * step[i] : step[i]);
        }
        if (gsl_multimin_fminimizer_set(s, &F, x, ss) != GSL_SUCCESS)
            goto cleanup;
        for (int it = 0; it < NM_MAX_ITER && !away; it++) {
            if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
                break; /* no further progress possible: keep the best point */
            if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), tol) == GSL_SUCCESS)
                break;
            const gsl_vector *at = gsl_multimin_fminimizer_x(s);
            for (int i = 0; i < dim; i++)
                away |= gsl_vector_get(at, (size_t)i) > stop_above;
        }
        const gsl_vector *best = gsl_multimin_fminimizer_x(s);
        for (int i = 0; i < dim; i++)
            u[i] = gsl_vector_get(best, (size_t)i);
    }
    rc = 0;
    for (int i = 0; i < dim; i++)
        if (!isfinite(u[i]))
            rc = -1;

cleanup:
    gsl_vector_free(ss);
    gsl_vector_free(x);
    gsl_multimin_fminimizer_free(s);
    return rc;
}

/* ---- the fits --------------------------------------------------------------------------- */

/* What a fit needs besides the sorted sample. */
typedef struct fit_ctx {
    double ml_lower, ml_upper; /* the metalog's bounds (NAN: chosen) */
    int ml_terms;              /* 0: the term rule */
    int integer;               /* integer data: likelihoods of the rounded variable */
    double start_lo, start_hi; /* bounds to start the simplex from (NAN: none): a
                                * bootstrap refit starts from the fit it replicates */
} fit_ctx;

/* The simplex's start: the gaps of ctx's bounds when they lie outside the data, else
 * gaps of R / sqrt(n). Steps of a factor e, or e^0.3 from a warm start. */
static void start_gaps(const double *x, size_t n, const fit_ctx *ctx, double *u, double *step)
{
    double r = x[n - 1] - x[0], g = log(1.0 / sqrt((double)n));
    int warm = ctx->start_lo < x[0] && ctx->start_hi > x[n - 1];
    u[0] = warm ? log((x[0] - ctx->start_lo) / r) : g;
    u[1] = warm ? log((ctx->start_hi - x[n - 1]) / r) : g;
    step[0] = step[1] = warm ? 0.3 : 1.0;
}

#define WHY(...) (snprintf(why, why_size, __VA_ARGS__), -1)

static void mean_var(const double *x, size_t n, double *mean, double *var)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    double v = 0.0;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = v / (double)n;
}

static int fit_normal(const double *x, size_t n, roi_fit *f, char *why, size_t why_size)
{
    double m, v;
    mean_var(x, n, &m, &v);
    if (!(v > 0))
        return WHY("the values do not vary");
    f->p[0] = m;
    f->p[1] = sqrt(v);
    return 0;
}

static int fit_lognormal(const double *x, size_t n, roi_fit *f, char *why, size_t why_size)
{
    if (!(x[0] > 0))
        return WHY("needs values > 0");
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; i++)
        m += log(x[i]);
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (log(x[i]) - m) * (log(x[i]) - m);
    v /= (double)n;
    if (!(v > 0))
        return WHY("the values do not vary");
    f->p[0] = m;
    f->p[1] = sqrt(v);
    return 0;
}

/* Gamma: ln k - psi(k) = ln(mean) - mean(ln x), solved by Newton from Minka's start. */
static int fit_gamma(const double *x, size_t n, roi_fit *f, char *why, size_t why_size)
{
    if (!(x[0] > 0))
        return WHY("needs values > 0");
    double m = 0.0, ml = 0.0;
    for (size_t i = 0; i < n; i++) {
        m += x[i];
        ml += log(x[i]);
    }
    m /= (double)n;
    ml /= (double)n;
    double s = log(m) - ml;
    if (!(s > 1e-15))
        return WHY("the values hardly vary (ln mean - mean ln = %g)", s);
    double k = (3.0 - s + sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
    int converged = 0;
    for (int it = 0; it < 100 && !converged; it++) {
        double g = log(k) - psi(k) - s, dg = 1.0 / k - psi1(k);
        if (!isfinite(g) || !isfinite(dg) || !(dg < 0))
            return WHY("the shape equation could not be solved near k = %g", k);
        double next = k - g / dg;
        if (!(next > 0))
            next = 0.5 * k;
        converged = fabs(next - k) <= 1e-14 * k;
        k = next;
    }
    if (!converged || !isfinite(k))
        return WHY("the shape equation did not converge");
    f->p[0] = k;
    f->p[1] = m / k;
    return 0;
}

/* Weibull's profile equation h(k) = sum z^k ln z / sum z^k - 1/k = 0 for z = x / g,
 * g the geometric mean (so mean ln z = 0); sums shifted by the largest exponent. */
static void weibull_h(const double *lz, size_t n, double k, double *h, double *dh, double *lmean)
{
    double wmax = k * lz[n - 1]; /* lz ascending, k > 0 */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w = exp(k * lz[i] - wmax);
        s0 += w;
        s1 += w * lz[i];
        s2 += w * lz[i] * lz[i];
    }
    double a = s1 / s0;
    *h = a - 1.0 / k;
    *dh = s2 / s0 - a * a + 1.0 / (k * k);
    *lmean = wmax + log(s0 / (double)n); /* ln(mean z^k) */
}

static int fit_weibull(const double *x, size_t n, roi_fit *f, char *why, size_t why_size)
{
    if (!(x[0] > 0))
        return WHY("needs values > 0");
    double *lz = malloc(n * sizeof *lz);
    if (!lz)
        return WHY("out of memory");
    double g = 0.0;
    for (size_t i = 0; i < n; i++)
        g += log(x[i]);
    g /= (double)n;
    double v = 0.0;
    for (size_t i = 0; i < n; i++) {
        lz[i] = log(x[i]) - g;
        v += lz[i] * lz[i];
    }
    v /= (double)n;
    if (!(v > 0)) {
        free(lz);
        return WHY("the values do not vary");
    }
    /* The sd of ln x of a Weibull is pi / (k sqrt 6). */
    double k = PI / (sqrt(6.0 * v)), lo = 0.0, hi = INFINITY, h, dh, lmean = 0.0;
    int converged = 0;
    for (int it = 0; it < 200 && !converged; it++) {
        weibull_h(lz, n, k, &h, &dh, &lmean);
        if (h < 0)
            lo = k;
        else
            hi = k;
        double next = k - h / dh;
        if (!(next > lo && next < hi))
            next = isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * k;
        converged = fabs(next - k) <= 1e-13 * k;
        k = next;
    }
    weibull_h(lz, n, k, &h, &dh, &lmean);
    free(lz);
    if (!converged || !isfinite(k) || !isfinite(lmean))
        return WHY("the shape equation did not converge");
    f->p[0] = k;
    f->p[1] = exp(g + lmean / k);
    return 0;
}

/* Mean log-likelihood of beta(a, b) given S1 = mean ln y, S2 = mean ln(1 - y). */
static double beta_mean_loglik(double a, double b, double s1, double s2)
{
    return (a - 1.0) * s1 + (b - 1.0) * s2 - lnbeta(a, b);
}

typedef struct beta_stats {
    double s1, s2;
} beta_stats;

static double beta_objective(const double *u, void *ctx)
{
    const beta_stats *bs = ctx;
    return -beta_mean_loglik(exp(u[0]), exp(u[1]), bs->s1, bs->s2);
}

/* Newton steps on the (concave) beta log-likelihood from (a, b), with step halving
 * that keeps both positive and never lowers the likelihood. 0 when converged: the
 * step is below 1e-12 relative, or no step along the Newton direction (an ascent
 * direction, the Hessian being negative definite) raises the likelihood any more. */
static int beta_newton(double s1, double s2, double *pa, double *pb)
{
    double a = *pa, b = *pb;
    for (int it = 0; it < 100; it++) {
        double pab = psi1(a + b);
        double g1 = s1 - psi(a) + psi(a + b), g2 = s2 - psi(b) + psi(a + b);
        double h11 = pab - psi1(a), h22 = pab - psi1(b), h12 = pab;
        double det = h11 * h22 - h12 * h12;
        if (!isfinite(det) || !(det > 0))
            return -1;
        double da = -(h22 * g1 - h12 * g2) / det, db = -(h11 * g2 - h12 * g1) / det;
        double l0 = beta_mean_loglik(a, b, s1, s2), t = 1.0;
        while (t > 1e-8 && !(a + t * da > 0 && b + t * db > 0 &&
                             beta_mean_loglik(a + t * da, b + t * db, s1, s2) >= l0))
            t *= 0.5;
        if (!(t > 1e-8))
            break; /* at the maximum to rounding */
        a += t * da;
        b += t * db;
        if (fabs(da) <= 1e-12 * a && fabs(db) <= 1e-12 * b) {
            *pa = a;
            *pb = b;
            return isfinite(a) && isfinite(b) ? 0 : -1;
        }
        if (it == 99)
            return -1;
    }
    *pa = a;
    *pb = b;
    return isfinite(a) && isfinite(b) ? 0 : -1;
}

/*
 * Beta(a, b) on [0, 1] from its sufficient statistics S1 = mean ln y, S2 = mean
 * ln(1 - y), starting from the moment estimates (m, v: mean and variance of y).
 * use_simplex: GSL's Nelder-Mead on (ln a, ln b) to 1e-6 first, then Newton to full
 * precision; else Newton alone (the scaled beta's inner problem, solved many times),
 * with the simplex as its fallback.
 */
static int beta_solve(double s1, double s2, double m, double v, int use_simplex, double *pa,
                      double *pb)
{
    double common = (v > 0 && m > 0 && m < 1) ? m * (1.0 - m) / v - 1.0 : 2.0;
    if (!(common > 0))
        common = 2.0;
    double a = m * common, b = (1.0 - m) * common;
    if (!(a > 0 && b > 0 && isfinite(a) && isfinite(b)))
        a = b = 1.0;
    if (!use_simplex && beta_newton(s1, s2, &a, &b) == 0) {
        *pa = a;
        *pb = b;
        return 0;
    }
    double u[2] = {log(a), log(b)}, step[2] = {0.5, 0.5};
    beta_stats bs = {s1, s2};
    if (nelder_mead(beta_objective, &bs, u, step, 2, 1e-6, INFINITY) != 0)
        return -1;
    a = exp(u[0]);
    b = exp(u[1]);
    beta_newton(s1, s2, &a, &b); /* polish; the simplex's answer stands if it fails */
    if (!isfinite(a) || !isfinite(b) || !(a > 0 && b > 0))
        return -1;
    *pa = a;
    *pb = b;
    return 0;
}

static int fit_beta(const double *x, size_t n, roi_fit *f, char *why, size_t why_size)
{
    if (!(x[0] > 0 && x[n - 1] < 1))
        return WHY("needs values strictly inside (0, 1)");
    double s1 = 0.0, s2 = 0.0, m, v;
    for (size_t i = 0; i < n; i++) {
        s1 += log(x[i]);
        s2 += log1p(-x[i]);
    }
    mean_var(x, n, &m, &v);
    if (beta_solve(s1 / (double)n, s2 / (double)n, m, v, 1, &f->p[0], &f->p[1]) != 0)
        return WHY("the likelihood maximisation failed");
    f->p[2] = 0.0;
    f->p[3] = 1.0;
    return 0;
}

/* The scaled beta's profile: bounds from u, (a, b) maximised for them. */
typedef struct bound_ctx {
    const double *x;
    size_t n;
    double range;
    double a, b, mode;     /* the profiled parameters at the last evaluation */
    double edge_a, edge_b; /* scaled beta: its shapes there, held to >= 1 */
    int on_edge;
} bound_ctx;

/*
 * The bounds at u = (ln(gap below x(1) / R), ln(gap above x(n) / R)); -1 (an infinite
 * objective, which the simplex steps back from) for gaps outside [1e-6 R, 1e4 R]. The
 * floor matters when the likelihood rises all the way to the data's edge (a shape of
 * 1, or a triangular mode at its bound, where the density there is finite): a gap of
 * a millionth of the range changes no statistic visibly, and the simplex does not
 * spend thousands of steps creeping towards zero.
 */
static int bounds_at(const bound_ctx *c, const double *u, double *lo, double *hi)
{
    static const double u_min = -13.815510557964274,
                        u_max = 9.2103403719761836; /* ln 1e-6, ln 1e4 */
    if (!(u[0] >= u_min && u[0] <= u_max && u[1] >= u_min && u[1] <= u_max))
        return -1;
    *lo = c->x[0] - c->range * exp(u[0]);
    *hi = c->x[c->n - 1] + c->range * exp(u[1]);
    return (*lo < c->x[0] && *hi > c->x[c->n - 1]) ? 0 : -1;
}

static double scaled_beta_objective(const double *u, void *ctx)
{
    bound_ctx *c = ctx;
    double lo, hi;
    if (bounds_at(c, u, &lo, &hi))
        return INFINITY;
    double r = hi - lo, s1 = 0.0, s2 = 0.0, m = 0.0, v = 0.0;
    for (size_t i = 0; i < c->n; i++) {
        double y = (c->x[i] - lo) / r;
        s1 += log(c->x[i] - lo) - log(r);
        s2 += log(hi - c->x[i]) - log(r);
        m += y;
        v += y * y;
    }
    double nn = (double)c->n;
    m /= nn;
    v = v / nn - m * m;
    /* Newton from the previous evaluation's shapes (the simplex moves a little at a
     * time, so that is a few steps), else from the moments. */
    double a = c->a, b = c->b;
    if (!(a > 0 && b > 0 && beta_newton(s1 / nn, s2 / nn, &a, &b) == 0) &&
        beta_solve(s1 / nn, s2 / nn, m, v, 0, &a, &b) != 0)
        return INFINITY;
    c->a = a;
    c->b = b;
    if (!(a >= 1 && b >= 1)) {
        /* The maximum over shapes >= 1 of a concave function whose free maximum is
         * outside: on the edge. With a = 1 the b-equation S2 + 1/b = 0 has the root
         * -1/S2 (psi(b + 1) = psi(b) + 1/b), likewise for b = 1; or both 1. */
        double cand[3][2] = {{1.0, fmax(1.0, -nn / s2)}, {fmax(1.0, -nn / s1), 1.0}, {1.0, 1.0}};
        double best = -INFINITY;
        for (int k = 0; k < 3; k++) {
            double l = beta_mean_loglik(cand[k][0], cand[k][1], s1 / nn, s2 / nn);
            if (l > best) {
                best = l;
                a = cand[k][0];
                b = cand[k][1];
            }
        }
        c->edge_a = a;
        c->edge_b = b;
        c->on_edge = 1;
        return -(nn * best - nn * log(r));
    }
    c->on_edge = 0;
    c->edge_a = a;
    c->edge_b = b;
    return -(nn * beta_mean_loglik(a, b, s1 / nn, s2 / nn) - nn * log(r));
}

/*
 * The scaled beta's likelihood has no global maximum: with a shape below 1 the density
 * is infinite at its bound, and the likelihood grows without limit as that bound
 * reaches the nearest value. The fit is therefore the maximum over shapes >= 1 (as
 * PERT's are, in [1, 5]), where the density is finite everywhere: the simplex over the
 * two bounds, starting half a range outside the data (or from the fit replicated),
 * with the shapes profiled out. Skipped when a bound runs away (beyond a thousand
 * ranges: the gamma-like limit b -> infinity, with no finite maximum).
 */
static int fit_scaled_beta(const double *x, size_t n, const fit_ctx *ctx, roi_fit *f, char *why,
                           size_t why_size)
{
    bound_ctx c = {.x = x, .n = n, .range = x[n - 1] - x[0]};
    double u[2], step[2];
    start_gaps(x, n, ctx, u, step);
    if (!(ctx->start_lo < x[0] && ctx->start_hi > x[n - 1]))
        u[0] = u[1] = log(0.5);
    if (nelder_mead(scaled_beta_objective, &c, u, step, 2, 1e-6, log(1e3)) != 0 ||
        !isfinite(scaled_beta_objective(u, &c)))
        return WHY("the likelihood maximisation failed");
    double glo = exp(u[0]), ghi = exp(u[1]);
    if (glo > 1e3 || ghi > 1e3)
        return WHY("the likelihood keeps increasing as the %s bound moves away (the beta "
                   "tends to a gamma-like limit): no finite maximum-likelihood bounds; see gamma",
                   glo > 1e3 ? "lower" : "upper");
    f->p[0] = c.edge_a;
    f->p[1] = c.edge_b;
    f->p[2] = x[0] - c.range * glo;
    f->p[3] = x[n - 1] + c.range * ghi;
    return 0;
}

/*
 * The triangular profile for bounds (lo, hi): the best mode is a data point or a bound
 * (between two data points the log-likelihood is convex in the mode), found in one pass
 * with prefix sums. Returns the log-likelihood; *mode receives the mode.
 */
static double triangular_profile(const double *x, size_t n, double lo, double hi, double *mode,
                                 double *work)
{
    /* work[i] = sum_{j < i} ln(x_j - lo), i = 0..n; work[n + 1 + i] = ln(x_i - lo) */
    double base = (double)n * log(2.0 / (hi - lo));
    double *lx = work + n + 1;
    work[0] = 0.0;
    for (size_t i = 0; i < n; i++) {
        lx[i] = log(x[i] - lo);
        work[i + 1] = work[i] + lx[i];
    }
    double best = -INFINITY, best_mode = lo, suffix = 0.0; /* sum_{j > k} ln(hi - x_j) */
    for (size_t k = n; k-- > 0;) {
        double lh = log(hi - x[k]);
        double l = base + work[k] - (double)k * lx[k] + suffix - (double)(n - 1 - k) * lh;
        if (l > best || !isfinite(best)) {
            best = l;
            best_mode = x[k];
        }
        suffix += lh;
    }
    /* mode = lo: every value on the falling edge; mode = hi: on the rising one */
    double at_lo = base + suffix - (double)n * log(hi - lo);
    double at_hi = base + work[n] - (double)n * log(hi - lo);
    if (at_lo > best) {
        best = at_lo;
        best_mode = lo;
    }
    if (at_hi > best) {
        best = at_hi;
        best_mode = hi;
    }
    *mode = best_mode;
    return best;
}

typedef struct tri_ctx {
    bound_ctx b;
    double *work;
} tri_ctx;

static double triangular_objective(const double *u, void *ctx)
{
    tri_ctx *c = ctx;
    double lo, hi;
    if (bounds_at(&c->b, u, &lo, &hi))
        return INFINITY;
    return -triangular_profile(c->b.x, c->b.n, lo, hi, &c->b.mode, c->work);
}

static int fit_triangular(const double *x, size_t n, const fit_ctx *ctx, roi_fit *f, char *why,
                          size_t why_size)
{
    tri_ctx c = {.b = {.x = x, .n = n, .range = x[n - 1] - x[0]}};
    c.work = malloc((2 * n + 1) * sizeof *c.work);
    if (!c.work)
        return WHY("out of memory");
    double u[2], step[2];
    start_gaps(x, n, ctx, u, step);
    int rc = nelder_mead(triangular_objective, &c, u, step, 2, 1e-6, INFINITY);
    double l = rc == 0 ? triangular_objective(u, &c) : NAN;
    free(c.work);
    if (rc != 0 || !isfinite(l))
        return WHY("the likelihood maximisation failed");
    f->p[0] = x[0] - c.b.range * exp(u[0]);
    f->p[1] = c.b.mode;
    f->p[2] = x[n - 1] + c.b.range * exp(u[1]);
    return 0;
}

/*
 * PERT for bounds (lo, hi): with S1 = sum ln(x - lo), S2 = sum ln(hi - x), the
 * log-likelihood in the shape a = 1 + 4 (mode - lo) / R (b = 6 - a) is
 * (a - 1) S1 + (5 - a) S2 - n ln B(a, 6 - a) - 5 n ln R: concave in a (its second
 * derivative is -n (psi1(a) + psi1(6 - a))), so the best mode is one root of
 * (S1 - S2) / n = psi(a) - psi(6 - a) on [1, 5], found by bisection with Newton steps.
 */
static double pert_profile(const double *x, size_t n, double lo, double hi, double *mode)
{
    double s1 = 0.0, s2 = 0.0, nn = (double)n, r = hi - lo;
    for (size_t i = 0; i < n; i++) {
        s1 += log(x[i] - lo);
        s2 += log(hi - x[i]);
    }
    double target = (s1 - s2) / nn, a;
    double g_lo = target - psi(1.0) + psi(5.0), g_hi = target - psi(5.0) + psi(1.0);
    if (!(g_lo > 0)) {
        a = 1.0;
    } else if (!(g_hi < 0)) {
        a = 5.0;
    } else {
        double l = 1.0, h = 5.0;
        a = 3.0;
        for (int it = 0; it < 100; it++) {
            double g = target - psi(a) + psi(6.0 - a), dg = -(psi1(a) + psi1(6.0 - a));
            if (g > 0)
                l = a;
            else
                h = a;
            double next = a - g / dg;
            if (!(next > l && next < h))
                next = 0.5 * (l + h);
            if (fabs(next - a) <= 1e-14 * a || h - l <= 1e-14)
                break;
            a = next;
        }
    }
    *mode = lo + (a - 1.0) * r / 4.0;
    return (a - 1.0) * s1 + (5.0 - a) * s2 - nn * lnbeta(a, 6.0 - a) - 5.0 * nn * log(r);
}

static double pert_objective(const double *u, void *ctx)
{
    bound_ctx *c = ctx;
    double lo, hi;
    if (bounds_at(c, u, &lo, &hi))
        return INFINITY;
    return -pert_profile(c->x, c->n, lo, hi, &c->mode);
}

static int fit_pert(const double *x, size_t n, const fit_ctx *ctx, roi_fit *f, char *why,
                    size_t why_size)
{
    bound_ctx c = {.x = x, .n = n, .range = x[n - 1] - x[0]};
    double u[2], step[2];
    start_gaps(x, n, ctx, u, step);
    if (nelder_mead(pert_objective, &c, u, step, 2, 1e-6, INFINITY) != 0 ||
        !isfinite(pert_objective(u, &c)))
        return WHY("the likelihood maximisation failed");
    f->p[0] = x[0] - c.range * exp(u[0]);
    f->p[1] = c.mode;
    f->p[2] = x[n - 1] + c.range * exp(u[1]);
    return 0;
}

static int fit_uniform(const double *x, size_t n, roi_fit *f, char *why, size_t why_size)
{
    double r = x[n - 1] - x[0];
    if (!(r > 0))
        return WHY("the values do not vary");
    f->p[0] = x[0] - r / (double)(n - 1);
    f->p[1] = x[n - 1] + r / (double)(n - 1);
    return 0;
}

/* The distinct values of sorted x and their counts (arrays of at least n entries). */
static size_t distinct(const double *x, size_t n, double *values, size_t *counts)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && x[i] == values[k - 1]) {
            counts[k - 1]++;
            continue;
        }
        values[k] = x[i];
        counts[k] = 1;
        k++;
    }
    return k;
}

static int fit_discrete(const double *x, size_t n, roi_fit *f, char *why, size_t why_size)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != floor(x[i]))
            return WHY("the values are not all integers");
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        k += x[i] != x[i - 1];
    if (k > ROI_FIT_DISCRETE_MAX)
        return WHY("%zu distinct values, more than the %d a discrete table lists", k,
                   ROI_FIT_DISCRETE_MAX);
    f->values = malloc(k * sizeof *f->values);
    f->counts = malloc(k * sizeof *f->counts);
    if (!f->values || !f->counts)
        return WHY("out of memory");
    f->n_values = distinct(x, n, f->values, f->counts);
    f->n_params = (int)f->n_values - 1;
    return 0;
}

static int fit_metalog_bounded(const double *x, size_t n, int terms, double lower, double upper,
                               roi_fit *f, char *why, size_t why_size)
{
    roi_error e;
    roi_error_clear(&e);
    if (roi_metalog_fit_sample(x, n, terms, lower, upper, &f->metalog, &e) != ROI_OK)
        return WHY("%.300s", e.msg);
    f->n_p = f->n_params = f->metalog.k;
    memcpy(f->p, f->metalog.a, (size_t)f->metalog.k * sizeof *f->p);
    return 0;
}

static double loglik(const roi_fit *f, const double *x, size_t n, int integer);

/* The metalog with the bounds asked, or (NAN bounds) the candidate bounds that suit the
 * data with the best likelihood (all candidates have k terms chosen by the same rule,
 * so AIC is compared within the family by k and the likelihood together). */
static int fit_metalog(const double *x, size_t n, const fit_ctx *ctx, roi_fit *f, char *why,
                       size_t why_size)
{
    if (!isnan(ctx->ml_lower) || !isnan(ctx->ml_upper))
        return fit_metalog_bounded(
            x, n, ctx->ml_terms, isnan(ctx->ml_lower) ? -INFINITY : ctx->ml_lower,
            isnan(ctx->ml_upper) ? INFINITY : ctx->ml_upper, f, why, why_size);
    double lows[3] = {-INFINITY, 0.0, 0.0}, highs[3] = {INFINITY, INFINITY, 1.0};
    int usable[3] = {1, x[0] > 0, x[0] > 0 && x[n - 1] < 1};
    double best_aic = INFINITY;
    roi_fit trial = *f;
    int have = 0;
    for (int c = 0; c < 3; c++) {
        if (!usable[c])
            continue;
        if (fit_metalog_bounded(x, n, ctx->ml_terms, lows[c], highs[c], &trial, why, why_size))
            continue;
        double aic = 2.0 * trial.n_params - 2.0 * loglik(&trial, x, n, ctx->integer);
        if (isfinite(aic) && aic < best_aic) {
            best_aic = aic;
            *f = trial;
            have = 1;
        }
    }
    return have ? 0 : -1; /* why holds the last candidate's reason */
}

/* Fits family f->family to the sorted sample; 0, or -1 with the reason in why. */
static int fit_one(const double *x, size_t n, const fit_ctx *ctx, roi_fit *f, char *why,
                   size_t why_size)
{
    f->n_p = FAMILIES[f->family].n_p;
    f->n_params = FAMILIES[f->family].n_params;
    switch (f->family) {
    case ROI_FIT_NORMAL:
        return fit_normal(x, n, f, why, why_size);
    case ROI_FIT_LOGNORMAL:
        return fit_lognormal(x, n, f, why, why_size);
    case ROI_FIT_GAMMA:
        return fit_gamma(x, n, f, why, why_size);
    case ROI_FIT_WEIBULL:
        return fit_weibull(x, n, f, why, why_size);
    case ROI_FIT_BETA:
        return fit_beta(x, n, f, why, why_size);
    case ROI_FIT_SCALED_BETA:
        return fit_scaled_beta(x, n, ctx, f, why, why_size);
    case ROI_FIT_TRIANGULAR:
        return fit_triangular(x, n, ctx, f, why, why_size);
    case ROI_FIT_PERT:
        return fit_pert(x, n, ctx, f, why, why_size);
    case ROI_FIT_UNIFORM:
        return fit_uniform(x, n, f, why, why_size);
    case ROI_FIT_DISCRETE:
        return fit_discrete(x, n, f, why, why_size);
    case ROI_FIT_METALOG:
        return fit_metalog(x, n, ctx, f, why, why_size);
    default:
        return WHY("unknown family");
    }
}

/* ---- likelihood and goodness of fit ----------------------------------------------------- */

/* P(round(X) = v) = F(v + 1/2) - F(v - 1/2), in whichever tail is precise. */
static double cell_prob(const roi_fit *f, double v)
{
    double below = tail(f, v + 0.5, 0);
    if (below < 0.5)
        return below - tail(f, v - 0.5, 0);
    return tail(f, v - 0.5, 1) - tail(f, v + 0.5, 1);
}

/* The log-likelihood of the sorted sample: densities, or for integer data the
 * probabilities of the rounded variable. */
static double loglik(const roi_fit *f, const double *x, size_t n, int integer)
{
    if (f->family == ROI_FIT_DISCRETE) {
        double l = 0.0;
        for (size_t i = 0; i < f->n_values; i++)
            l += (double)f->counts[i] * log((double)f->counts[i] / (double)n);
        return l;
    }
    double l = 0.0;
    if (integer) {
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && x[j] == x[i])
                j++;
            l += (double)(j - i) * log(cell_prob(f, x[i]));
            i = j;
        }
        return l;
    }
    if (f->family == ROI_FIT_METALOG)
        return roi_metalog_loglik(&f->metalog, x, n);
    for (size_t i = 0; i < n; i++)
        l += roi_fit_logpdf(f, x[i]);
    return l;
}

/* KS and AD of a continuous fit against the sorted sample. */
static void gof_continuous(const roi_fit *f, const double *x, size_t n, double *ks, double *ad)
{
    double d = 0.0, s = 0.0, t = 0.0, nn = (double)n;
    for (size_t i = 0; i < n; i++) {
        double F, S;
        if (f->family == ROI_FIT_METALOG) {
            t = roi_metalog_cdf_logit_near(&f->metalog, x[i], isfinite(t) ? t : 0.0);
            F = logistic(t);
            S = logistic(-t);
        } else {
            F = tail(f, x[i], 0);
            S = tail(f, x[i], 1);
        }
        double up = (double)(i + 1) / nn - F, down = F - (double)i / nn;
        if (up > d)
            d = up;
        if (down > d)
            d = down;
        /* A^2 = -n - (1/n) sum (2i - 1) [ln F(x_i) + ln S(x_{n+1-i})], regrouped per point;
         * F and S floored at 1e-300 so a value at a bound costs a large, finite amount. */
        s += (2.0 * (double)i + 1.0) * log(F > 1e-300 ? F : 1e-300) +
             (2.0 * (nn - (double)i) - 1.0) * log(S > 1e-300 ? S : 1e-300);
    }
    *ks = d;
    *ad = -nn - s / nn;
}

/*
 * KS and AD for integer data, against the rounded variable's CDF H(v) = F(v + 1/2):
 * KS over every integer from min - 1 to max; AD in the discrete form of Choulakian,
 * Lockhart and Stephens (1994), n sum (Z_v - H_v)^2 p_v / (H_v (1 - H_v)) over the
 * integers min..max, with the tails below and above in closed form (their sums tend to
 * the integrals -H - ln(1 - H) and -ln H - (1 - H) at the ends).
 */
static void gof_integer(const roi_fit *f, const double *x, size_t n, double *ks, double *ad)
{
    double nn = (double)n, lo = x[0], hi = x[n - 1];
    double h_prev = tail(f, lo - 0.5, 0);
    double d = h_prev, s = 0.0;
    double tails = h_prev > 0 && h_prev < 1 ? -h_prev - log1p(-h_prev) : 0.0;
    size_t i = 0;
    for (double v = lo; v <= hi; v += 1.0) {
        while (i < n && x[i] <= v)
            i++;
        double z = (double)i / nn, h = tail(f, v + 0.5, 0), sf = tail(f, v + 0.5, 1);
        double p = h - h_prev;
        if (fabs(z - h) > d)
            d = fabs(z - h);
        if (h > 0 && sf > 0)
            s += (z - h) * (z - h) * p / (h * sf);
        h_prev = h;
    }
    if (h_prev > 0 && h_prev < 1)
        tails += -log(h_prev) - (1.0 - h_prev);
    *ks = d;
    *ad = nn * (s + tails);
}

static void gof(const roi_fit *f, const double *x, size_t n, int integer, double *ks, double *ad)
{
    if (f->family == ROI_FIT_DISCRETE) { /* saturated: the fit is the data */
        *ks = 0.0;
        *ad = 0.0;
        return;
    }
    if (integer)
        gof_integer(f, x, n, ks, ad);
    else
        gof_continuous(f, x, n, ks, ad);
}

/* ---- standard errors -------------------------------------------------------------------- */

/* Inverse of the Fisher information of n values at the estimate, for the regular
 * families (2 x 2: [[i11, i12], [i12, i22]] per value). */
static void fisher_se(roi_fit *f, size_t n)
{
    double nn = (double)n, i11, i12, i22;
    const double *p = f->p;
    for (int i = 0; i < ROI_FIT_MAX_PARAMS; i++)
        f->se[i] = NAN;
    switch (f->family) {
    case ROI_FIT_NORMAL:
    case ROI_FIT_LOGNORMAL:
        f->se[0] = p[1] / sqrt(nn);
        f->se[1] = p[1] / sqrt(2.0 * nn);
        return;
    case ROI_FIT_GAMMA: /* (shape k, scale theta) */
        i11 = psi1(p[0]);
        i12 = 1.0 / p[1];
        i22 = p[0] / (p[1] * p[1]);
        break;
    case ROI_FIT_WEIBULL: { /* (shape k, scale lambda) */
        double g = 1.0 - EULER;
        i11 = (PI * PI / 6.0 + g * g) / (p[0] * p[0]);
        i12 = -g / p[1];
        i22 = p[0] * p[0] / (p[1] * p[1]);
        break;
    }
    case ROI_FIT_BETA: {
        double t = psi1(p[0] + p[1]);
        i11 = psi1(p[0]) - t;
        i12 = -t;
        i22 = psi1(p[1]) - t;
        break;
    }
    default:
        return;
    }
    double det = i11 * i22 - i12 * i12;
    if (!(det > 0))
        return;
    f->se[0] = sqrt(i22 / det / nn);
    f->se[1] = sqrt(i11 / det / nn);
}

/* ---- the bootstrap ------------------------------------------------------------------------ */

typedef struct replicate {
    int ok;
    double ad;
    double p[ROI_FIT_MAX_PARAMS];
} replicate;

/* One replicate: draw n values from the fit, round them for integer data, refit, and
 * measure. Allocates its own buffer (once per replicate, not per value). */
static void run_replicate(const roi_fit *fit, const fit_ctx *ctx, size_t n, int integer,
                          uint64_t key, uint64_t rep, gsl_rng *rng, double *buf, replicate *out)
{
    out->ok = 0;
    draw_sample(fit, key, rep, n, rng, buf);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(buf[i]))
            return;
        if (integer)
            buf[i] = floor(buf[i] + 0.5);
    }
    qsort(buf, n, sizeof *buf, cmp_double);
    if (!(buf[0] < buf[n - 1]))
        return;
    if (integer && buf[n - 1] - buf[0] > 10.0 * ROI_FIT_INTEGER_RANGE)
        return;
    roi_fit r;
    memset(&r, 0, sizeof r);
    r.family = fit->family;
    char why[320];
    if (fit_one(buf, n, ctx, &r, why, sizeof why) != 0)
        return;
    double ks, ad;
    gof(&r, buf, n, integer, &ks, &ad);
    if (!isfinite(ad))
        return;
    out->ad = ad;
    memcpy(out->p, r.p, sizeof r.p);
    out->ok = 1;
}

/*
 * The bootstrap of one fit: B replicates, in parallel; each replicate's result lands
 * in its own slot, so the p-value and the spread do not depend on the thread count or
 * the schedule. Returns ROI_OK, or ROI_ERR_NOMEM.
 */
static roi_status bootstrap(roi_fit *fit, const fit_ctx *ctx, size_t n, int integer,
                            const roi_fit_opts *o)
{
    size_t B = o->bootstrap;
    replicate *reps = calloc(B, sizeof *reps);
    if (!reps)
        return ROI_ERR_NOMEM;
    uint64_t key = roi_rng_key(o->seed, "roisim fit");
    int nomem = 0;
    int threads = o->threads > 0 ? o->threads : 0;
#ifdef _OPENMP
    if (threads == 0)
        threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    fit_ctx rctx = *ctx;
    if (fit->family == ROI_FIT_SCALED_BETA) {
        rctx.start_lo = fit->p[2];
        rctx.start_hi = fit->p[3];
    } else if (fit->family == ROI_FIT_TRIANGULAR || fit->family == ROI_FIT_PERT) {
        rctx.start_lo = fit->p[0];
        rctx.start_hi = fit->p[2];
    }
    if (fit->family == ROI_FIT_METALOG) { /* replicates keep the fit's terms and bounds */
        rctx.ml_terms = fit->metalog.k;
        rctx.ml_lower = fit->metalog.lower;
        rctx.ml_upper = fit->metalog.upper;
    }
#pragma omp parallel num_threads(threads)
    {
        gsl_rng *rng = gsl_rng_alloc(roi_rng_philox);
        double *buf = malloc(n * sizeof *buf);
        if (!rng || !buf) {
#pragma omp atomic write
            nomem = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long b = 0; b < (long)B; b++)
            if (rng && buf)
                run_replicate(fit, &rctx, n, integer, key, (uint64_t)b, rng, buf, &reps[b]);
        free(buf);
        gsl_rng_free(rng);
    }
    if (nomem) {
        free(reps);
        return ROI_ERR_NOMEM;
    }
    size_t ok = 0, above = 0;
    for (size_t b = 0; b < B; b++) {
        if (!reps[b].ok)
            continue;
        ok++;
        above += reps[b].ad >= fit->ad;
    }
    fit->replicates = ok;
    fit->p_value = ((double)ok >= ROI_FIT_MIN_REPLICATE_SHARE * (double)B && ok > 0)
                       ? (1.0 + (double)above) / (1.0 + (double)ok)
                       : NAN;
    if (!FAMILIES[fit->family].fisher && ok >= 2) {
        for (int j = 0; j < fit->n_p; j++) {
            double m = 0.0, v = 0.0;
            for (size_t b = 0; b < B; b++)
                if (reps[b].ok)
                    m += reps[b].p[j];
            m /= (double)ok;
            for (size_t b = 0; b < B; b++)
                if (reps[b].ok)
                    v += (reps[b].p[j] - m) * (reps[b].p[j] - m);
            fit->se[j] = sqrt(v / (double)(ok - 1));
        }
        fit->se_bootstrap = 1;
    }
    free(reps);
    return ROI_OK;
}

/* ---- the scenario-language text ----------------------------------------------------------- */

/* The fit as a scenario expression (the metalog in the form proposed for the scenario
 * language, which does not have it yet). Caller frees; NULL: no memory. */
static char *lua_text(const roi_fit *f)
{
    sbuf b = {0};
    const double *p = f->p;
    switch (f->family) {
    case ROI_FIT_NORMAL:
        sb_printf(&b, "normal(%.6g, %.6g)", p[0], p[1]);
        break;
    case ROI_FIT_LOGNORMAL:
        sb_printf(&b, "lognormal{ p5 = %.6g, p95 = %.6g }", exp(p[0] - Z95 * p[1]),
                  exp(p[0] + Z95 * p[1]));
        break;
    case ROI_FIT_GAMMA:
        sb_printf(&b, "gamma{ shape = %.6g, scale = %.6g }", p[0], p[1]);
        break;
    case ROI_FIT_WEIBULL:
        sb_printf(&b, "weibull{ shape = %.6g, scale = %.6g }", p[0], p[1]);
        break;
    case ROI_FIT_BETA:
        sb_printf(&b, "beta(%.6g, %.6g)", p[0], p[1]);
        break;
    case ROI_FIT_SCALED_BETA:
        sb_printf(&b, "beta(%.6g, %.6g, %.6g, %.6g)", p[0], p[1], p[2], p[3]);
        break;
    case ROI_FIT_TRIANGULAR:
        sb_printf(&b, "triangular(%.6g, %.6g, %.6g)", p[0], p[1], p[2]);
        break;
    case ROI_FIT_PERT:
        sb_printf(&b, "pert(%.6g, %.6g, %.6g)", p[0], p[1], p[2]);
        break;
    case ROI_FIT_UNIFORM:
        sb_printf(&b, "uniform(%.6g, %.6g)", p[0], p[1]);
        break;
    case ROI_FIT_DISCRETE: {
        /* counts / n: exact, readable, and the sum is 1 to the last bit */
        size_t n = discrete_total(f);
        sb_printf(&b, "discrete{ ");
        for (size_t i = 0; i < f->n_values; i++)
            sb_printf(&b, "%s[%.17g] = %zu / %zu", i ? ", " : "", f->values[i], f->counts[i], n);
        sb_printf(&b, " }");
        break;
    }
    case ROI_FIT_METALOG: {
        /* all 17 digits: the terms cancel, so rounded coefficients move the tails */
        sb_printf(&b, "metalog{ a = { ");
        for (int i = 0; i < f->metalog.k; i++)
            sb_printf(&b, "%s%.17g", i ? ", " : "", f->metalog.a[i]);
        sb_printf(&b, " }");
        if (isfinite(f->metalog.lower))
            sb_printf(&b, ", lower = %.17g", f->metalog.lower);
        if (isfinite(f->metalog.upper))
            sb_printf(&b, ", upper = %.17g", f->metalog.upper);
        sb_printf(&b, " }");
        break;
    }
    default:
        sb_printf(&b, "-- unknown family");
    }
    return b.failed ? NULL : b.s;
}

/* ---- the whole fit ------------------------------------------------------------------------ */

void roi_fit_result_free(roi_fit_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < ROI_FIT_NFAMILIES; i++) {
        free(res->fits[i].values);
        free(res->fits[i].counts);
        free(res->fits[i].lua);
        res->fits[i].values = NULL;
        res->fits[i].counts = NULL;
        res->fits[i].lua = NULL;
    }
    res->n_fits = res->n_ok = 0;
}

const roi_fit *roi_fit_best(const roi_fit_result *res)
{
    return res && res->n_ok > 0 ? &res->fits[0] : NULL;
}

/* "row R" of value i, for messages. */
static void row_name(const size_t *row, size_t i, char *buf, size_t size)
{
    if (row)
        snprintf(buf, size, "row %zu", row[i]);
    else
        snprintf(buf, size, "value %zu", i + 1);
}

/*
 * Whether family f can describe the data at all, judged in file order so the reason
 * names the first offending row. 0, or -1 with the reason.
 */
static int applicable(roi_fit_family f, const double *x, const size_t *row, size_t n,
                      const fit_ctx *ctx, char *why, size_t why_size)
{
    char where[48];
    double lo = isnan(ctx->ml_lower) ? -INFINITY : ctx->ml_lower;
    double hi = isnan(ctx->ml_upper) ? INFINITY : ctx->ml_upper;
    for (size_t i = 0; i < n; i++) {
        const char *need = NULL, *hint = "";
        switch (f) {
        case ROI_FIT_LOGNORMAL:
        case ROI_FIT_GAMMA:
        case ROI_FIT_WEIBULL:
            if (!(x[i] > 0))
                need = "values > 0";
            break;
        case ROI_FIT_BETA:
            if (!(x[i] > 0 && x[i] < 1)) {
                need = "values strictly inside (0, 1)";
                hint = x[i] < 0 || x[i] > 1 ? " (scaled_beta estimates the bounds)" : "";
            }
            break;
        case ROI_FIT_DISCRETE:
            if (x[i] != floor(x[i]))
                need = "integer data";
            break;
        case ROI_FIT_METALOG:
            if (!(x[i] > lo && x[i] < hi))
                need = "values strictly inside the metalog bounds given";
            break;
        default:
            return 0;
        }
        if (need) {
            row_name(row, i, where, sizeof where);
            return WHY("needs %s; %s has %.15g%s", need, where, x[i], hint);
        }
    }
    if (f == ROI_FIT_DISCRETE && !ctx->integer)
        return WHY("the integers have more than %d distinct values or a range above %d",
                   ROI_FIT_DISCRETE_MAX, ROI_FIT_INTEGER_RANGE);
    return 0;
}

/* Ranking: fitted before skipped, then by AIC, then in family order. */
static int cmp_fit(const void *pa, const void *pb)
{
    const roi_fit *a = pa, *b = pb;
    if (a->ok != b->ok)
        return b->ok - a->ok;
    if (a->ok && a->aic != b->aic)
        return a->aic < b->aic ? -1 : 1;
    return (int)a->family - (int)b->family;
}

/* Refuses data no family can describe (too few, not finite, constant) and returns a
 * sorted copy in *sorted (caller frees). */
static roi_status sorted_data(const double *x, const size_t *row, size_t n, double **sorted,
                              roi_error *err)
{
    char where[48];
    *sorted = NULL;
    if (n < 3)
        return roi_error_set(err, ROI_ERR_PARAM, NULL, "a fit needs at least 3 values, got %zu",
                             n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            row_name(row, i, where, sizeof where);
            return roi_error_set(err, ROI_ERR_PARAM, NULL, "%s: %g is not a finite number",
                                 where, x[i]);
        }
    double *s = malloc(n * sizeof *s);
    if (!s)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory for %zu values", n);
    memcpy(s, x, n * sizeof *x);
    qsort(s, n, sizeof *s, cmp_double);
    if (!(s[0] < s[n - 1])) {
        roi_status st = roi_error_set(err, ROI_ERR_PARAM, NULL,
                                      "all %zu values are %.15g: a constant is not a "
                                      "distribution (write the number itself in the scenario)",
                                      n, s[0]);
        free(s);
        return st;
    }
    *sorted = s;
    return ROI_OK;
}

/* Integer data that a discrete fit can list (sorted ascending). */
static int is_integer_data(const double *sorted, size_t n)
{
    int all_integer = 1;
    size_t n_distinct = 1;
    for (size_t i = 0; i < n; i++) {
        all_integer &= sorted[i] == floor(sorted[i]);
        n_distinct += i > 0 && sorted[i] != sorted[i - 1];
    }
    return all_integer && n_distinct <= ROI_FIT_DISCRETE_MAX &&
           sorted[n - 1] - sorted[0] <= ROI_FIT_INTEGER_RANGE;
}

/* Fits family f->family: its estimates, statistics, standard errors, bootstrap and
 * scenario text. A family that does not apply or does not fit leaves f->ok 0 with the
 * reason and returns ROI_OK; only running out of memory is an error. */
static roi_status fit_family(roi_fit *f, const double *x, const size_t *row,
                             const double *sorted, size_t n, const fit_ctx *ctx,
                             const roi_fit_opts *o, roi_error *err)
{
    f->p_value = f->loglik = f->aic = f->bic = f->ks = f->ad = NAN;
    for (int j = 0; j < ROI_FIT_MAX_PARAMS; j++)
        f->se[j] = NAN;
    if (applicable(f->family, x, row, n, ctx, f->reason, sizeof f->reason))
        return ROI_OK;
    if (fit_one(sorted, n, ctx, f, f->reason, sizeof f->reason) != 0)
        return ROI_OK;
    f->loglik = loglik(f, sorted, n, ctx->integer);
    if (!isfinite(f->loglik)) {
        snprintf(f->reason, sizeof f->reason,
                 "the fitted distribution gives a value zero probability");
        return ROI_OK;
    }
    f->aic = 2.0 * f->n_params - 2.0 * f->loglik;
    f->bic = f->n_params * log((double)n) - 2.0 * f->loglik;
    gof(f, sorted, n, ctx->integer, &f->ks, &f->ad);
    if (FAMILIES[f->family].fisher)
        fisher_se(f, n);
    if (o->bootstrap > 0 && f->family != ROI_FIT_DISCRETE) {
        roi_status st = bootstrap(f, ctx, n, ctx->integer, o);
        if (st != ROI_OK)
            return roi_error_set(err, st, NULL, "out of memory for the bootstrap");
    }
    f->lua = lua_text(f);
    if (!f->lua)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    f->ok = 1;
    f->reason[0] = '\0';
    return ROI_OK;
}

/* The error when no family fitted: every family's reason. */
static roi_status none_fitted(const roi_fit_result *res, roi_error *err)
{
    sbuf b = {0};
    for (int i = 0; i < res->n_fits; i++)
        sb_printf(&b, "%s%s: %s", i ? "; " : "", roi_fit_family_name(res->fits[i].family),
                  res->fits[i].reason);
    roi_status st = roi_error_set(err, ROI_ERR_PARAM, NULL, "no family fits these %zu values: %s",
                                  res->n, b.s ? b.s : "");
    free(b.s);
    return st;
}

roi_status roi_fit_run(const double *x, const size_t *row, size_t n, const roi_fit_opts *o,
                       roi_fit_result *res, roi_error *err)
{
    roi_fit_opts defaults;
    if (!o) {
        roi_fit_opts_init(&defaults);
        o = &defaults;
    }
    memset(res, 0, sizeof *res);
    res->n = n;
    res->bootstrap = o->bootstrap;
    res->seed = o->seed;
    gsl_error_handler_t *old_handler = gsl_set_error_handler_off();
    double *sorted = NULL;
    roi_status st = sorted_data(x, row, n, &sorted, err);
    if (st != ROI_OK)
        goto cleanup;
    res->integer_data = is_integer_data(sorted, n);

    fit_ctx ctx = {.ml_lower = o->metalog_lower,
                   .ml_upper = o->metalog_upper,
                   .ml_terms = o->metalog_terms,
                   .integer = res->integer_data,
                   .start_lo = NAN,
                   .start_hi = NAN};
    unsigned mask = o->families ? o->families : (1u << ROI_FIT_NFAMILIES) - 1;
    for (int fam = 0; fam < ROI_FIT_NFAMILIES && st == ROI_OK; fam++) {
        if (!(mask & (1u << fam)))
            continue;
        roi_fit *f = &res->fits[res->n_fits++];
        f->family = (roi_fit_family)fam;
        st = fit_family(f, x, row, sorted, n, &ctx, o, err);
        res->n_ok += f->ok;
    }
    if (st != ROI_OK)
        goto cleanup;
    qsort(res->fits, (size_t)res->n_fits, sizeof res->fits[0], cmp_fit);
    if (res->n_ok == 0)
        st = none_fitted(res, err);

cleanup:
    free(sorted);
    gsl_set_error_handler(old_handler);
    return st;
}
