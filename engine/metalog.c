/*
 * metalog.c - metalog quantile, inversion, feasibility and least-squares fits.
 *
 * Everything is evaluated in the logit t = ln(y / (1 - y)) rather than in y: then
 * L = t exactly, c = y - 1/2 = tanh(t / 2) / 2 and 1 / (y (1 - y)) = 2 + e^t + e^-t
 * have no cancellation, so the far tails (y = 1e-15 or 1 - 1e-15) are as precise as
 * the middle, and 1 - F(x) is available without computing 1 - F. The inversion works
 * on dM/dt = y (1 - y) dM/dy, which stays finite where dM/dy overflows.
 */
#include "metalog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

enum kind { UNBOUNDED, LOWER, UPPER, BOUNDED };

/* ---- the basis ---------------------------------------------------------------------- */

/* Term j (from 1): c^power, times L when has_log. After the first four the terms
 * alternate c^p, c^p L with p rising: j odd gives c^((j-1)/2), j even c^(j/2-1) L. */
static const struct term {
    int power, has_log;
} TERMS[ROI_METALOG_MAX_TERMS] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}, {2, 0}, {2, 1}, {3, 0}, {3, 1},
                                  {4, 0}, {4, 1}, {5, 0}, {5, 1}, {6, 0}, {6, 1}, {7, 0}, {7, 1}};

static void term_shape(int j, int *power, int *has_log)
{
    *power = TERMS[j - 1].power;
    *has_log = TERMS[j - 1].has_log;
}

/* A probability in the forms the basis needs. */
typedef struct point {
    double t;  /* L = ln(y / (1 - y)) */
    double c;  /* y - 1/2 */
    double yy; /* y (1 - y) (may underflow to 0 in the far tails) */
} point;

static point at_logit(double t)
{
    point p;
    double e = exp(-fabs(t)); /* in (0, 1] */
    p.t = t;
    p.c = 0.5 * tanh(0.5 * t);
    p.yy = e / ((1.0 + e) * (1.0 + e));
    return p;
}

static double logit(double y)
{
    return log(y) - log1p(-y);
}

/* M(t) and dM/dt for the first k terms of a. */
static double eval_m(const double *a, int k, const point *p, double *dm_dt)
{
    double cp[ROI_METALOG_MAX_TERMS]; /* powers of c */
    cp[0] = 1.0;
    for (int i = 1; i < ROI_METALOG_MAX_TERMS; i++)
        cp[i] = cp[i - 1] * p->c;
    double m = 0.0, d = 0.0;
    for (int j = 1; j <= k; j++) {
        int pw, lg;
        term_shape(j, &pw, &lg);
        /* d(c^p)/dt = p c^(p-1) y(1-y); d(c^p L)/dt = p c^(p-1) y(1-y) L + c^p. */
        double dpow = pw > 0 ? pw * cp[pw - 1] * p->yy : 0.0;
        if (lg) {
            m += a[j - 1] * cp[pw] * p->t;
            d += a[j - 1] * (dpow * p->t + cp[pw]);
        } else {
            m += a[j - 1] * cp[pw];
            d += a[j - 1] * dpow;
        }
    }
    if (dm_dt)
        *dm_dt = d;
    return m;
}

/* ln(1 / (y (1 - y))) at logit t: |t| + 2 ln(1 + e^-|t|), exact in the tails. */
static double log_inv_yy(double t)
{
    return fabs(t) + 2.0 * log1p(exp(-fabs(t)));
}

/* ---- bounds ------------------------------------------------------------------------- */

static enum kind kind_of(const roi_metalog *m)
{
    int lo = isfinite(m->lower), hi = isfinite(m->upper);
    return lo && hi ? BOUNDED : lo ? LOWER : hi ? UPPER : UNBOUNDED;
}

/* x from M. */
static double from_m(const roi_metalog *m, double v)
{
    switch (kind_of(m)) {
    case LOWER:
        return m->lower + exp(v);
    case UPPER:
        return m->upper - exp(-v);
    case BOUNDED:
        if (v > 0) {
            double e = exp(-v);
            return (m->lower * e + m->upper) / (1.0 + e);
        } else {
            double e = exp(v);
            return (m->lower + m->upper * e) / (1.0 + e);
        }
    default:
        return v;
    }
}

/* M from x (-/+inf at or beyond the bounds). */
static double to_m(const roi_metalog *m, double x)
{
    switch (kind_of(m)) {
    case LOWER:
        return x > m->lower ? log(x - m->lower) : -INFINITY;
    case UPPER:
        return x < m->upper ? -log(m->upper - x) : INFINITY;
    case BOUNDED:
        if (!(x > m->lower))
            return -INFINITY;
        if (!(x < m->upper))
            return INFINITY;
        return log(x - m->lower) - log(m->upper - x);
    default:
        return x;
    }
}

/* ln(dx/dM) at M = v. */
static double log_dx_dm(const roi_metalog *m, double v)
{
    switch (kind_of(m)) {
    case LOWER:
        return v;
    case UPPER:
        return -v;
    case BOUNDED: /* (upper - lower) e^v / (1 + e^v)^2 */
        return log(m->upper - m->lower) - fabs(v) - 2.0 * log1p(exp(-fabs(v)));
    default:
        return 0.0;
    }
}

/* ---- the public functions ----------------------------------------------------------- */

roi_status roi_metalog_set(roi_metalog *m, const double *a, int k, double lower, double upper,
                           roi_error *err)
{
    memset(m, 0, sizeof *m);
    m->lower = -INFINITY;
    m->upper = INFINITY;
    m->ks = m->max_error = NAN;
    if (k < 2 || k > ROI_METALOG_MAX_TERMS)
        return roi_error_set(err, ROI_ERR_PARAM, NULL, "a metalog has 2 to %d terms, got %d",
                             ROI_METALOG_MAX_TERMS, k);
    for (int i = 0; i < k; i++)
        if (!isfinite(a[i]))
            return roi_error_set(err, ROI_ERR_PARAM, NULL,
                                 "metalog coefficient a%d must be a finite number, got %g", i + 1,
                                 a[i]);
    if (isnan(lower) || isnan(upper) || lower == INFINITY || upper == -INFINITY || !(lower < upper))
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "metalog bounds must satisfy lower < upper, got [%g, %g]", lower,
                             upper);
    m->k = k;
    memcpy(m->a, a, (size_t)k * sizeof *a);
    m->lower = lower;
    m->upper = upper;
    return ROI_OK;
}

double roi_metalog_quantile(const roi_metalog *m, double y)
{
    if (isnan(y))
        return NAN;
    if (y <= 0)
        return isfinite(m->lower) ? m->lower : -INFINITY;
    if (y >= 1)
        return isfinite(m->upper) ? m->upper : INFINITY;
    /* Direct form in y (not via t) so a given y reproduces the standard's formula
     * digit for digit: L = ln(y / (1 - y)), c = y - 1/2. */
    point p = {.t = logit(y), .c = y - 0.5, .yy = y * (1.0 - y)};
    return from_m(m, eval_m(m->a, m->k, &p, NULL));
}

double roi_metalog_quantile_density(const roi_metalog *m, double y)
{
    if (!(y > 0 && y < 1))
        return NAN;
    point p = at_logit(logit(y));
    double dm_dt;
    double v = eval_m(m->a, m->k, &p, &dm_dt);
    /* dx/dy = dx/dM * dM/dt / (y (1 - y)) */
    return exp(log_dx_dm(m, v) + log_inv_yy(p.t)) * dm_dt;
}

int roi_metalog_feasible(const roi_metalog *m)
{
    if (m->k < 2 || m->k > ROI_METALOG_MAX_TERMS)
        return 0;
    /* Tail limits: as y -> 0 or 1 the terms c^p L contribute c^p / (y (1 - y)) to dM/dy,
     * which outgrows everything else; their sum at c = -1/2 and c = +1/2 must be > 0. */
    double left = 0.0, right = 0.0;
    for (int j = 1; j <= m->k; j++) {
        int pw, lg;
        term_shape(j, &pw, &lg);
        if (!lg)
            continue;
        left += m->a[j - 1] * pow(-0.5, pw);
        right += m->a[j - 1] * pow(0.5, pw);
    }
    if (!(left > 0 && right > 0))
        return 0;
    /* dM/dt > 0 is dM/dy > 0 (y (1 - y) > 0 wherever it does not underflow). */
    for (int i = 0; i <= 8000; i++) {
        point p = at_logit(-40.0 + 80.0 * i / 8000.0);
        double d;
        eval_m(m->a, m->k, &p, &d);
        if (!(d > 0))
            return 0;
    }
    for (int i = 1; i < 2000; i++) {
        double y = i / 2000.0;
        point p = at_logit(logit(y));
        double d;
        eval_m(m->a, m->k, &p, &d);
        if (!(d > 0))
            return 0;
    }
    return 1;
}

/*
 * The logit t with M(t) = v, starting from guess: step outward from the guess,
 * doubling, until v is bracketed, then Newton steps that fall back to bisection when
 * they leave the bracket. Requires M increasing (a feasible metalog).
 */
#define T_LIMIT 2048.0
static double invert(const roi_metalog *m, double v, double guess)
{
    if (isnan(v))
        return NAN;
    if (v == INFINITY)
        return INFINITY;
    if (v == -INFINITY)
        return -INFINITY;
    if (!isfinite(guess))
        guess = 0.0;
    point p = at_logit(guess);
    double d;
    double g = eval_m(m->a, m->k, &p, &d) - v;
    if (g == 0)
        return guess;
    double lo, hi, step = 0.5;
    if (g < 0) {
        lo = guess;
        for (;;) {
            hi = guess + step;
            if (hi > T_LIMIT)
                return INFINITY;
            point q = at_logit(hi);
            if (eval_m(m->a, m->k, &q, NULL) - v >= 0)
                break;
            lo = hi;
            step *= 2.0;
        }
    } else {
        hi = guess;
        for (;;) {
            lo = guess - step;
            if (lo < -T_LIMIT)
                return -INFINITY;
            point q = at_logit(lo);
            if (eval_m(m->a, m->k, &q, NULL) - v <= 0)
                break;
            hi = lo;
            step *= 2.0;
        }
    }
    double t = g < 0 ? lo : hi; /* the guess: its g and d are known */
    for (int it = 0; it < 200; it++) {
        double next = (d > 0) ? t - g / d : NAN;
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (fabs(next - t) <= 1e-13 * (1.0 + fabs(t)) || hi - lo <= 1e-13 * (1.0 + fabs(t)))
            return next;
        t = next;
        p = at_logit(t);
        g = eval_m(m->a, m->k, &p, &d) - v;
        if (g == 0)
            return t;
        if (g < 0)
            lo = t;
        else
            hi = t;
    }
    return t;
}

double roi_metalog_cdf_logit(const roi_metalog *m, double x)
{
    if (isnan(x))
        return NAN;
    return invert(m, to_m(m, x), 0.0);
}

double roi_metalog_cdf_logit_near(const roi_metalog *m, double x, double guess)
{
    if (isnan(x))
        return NAN;
    return invert(m, to_m(m, x), guess);
}

static double logistic(double t)
{
    return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
}

double roi_metalog_cdf(const roi_metalog *m, double x)
{
    double t = roi_metalog_cdf_logit(m, x);
    return isnan(t) ? NAN : logistic(t);
}

/* log density at x whose logit CDF is t. */
static double logpdf_at(const roi_metalog *m, double t)
{
    if (!isfinite(t))
        return -INFINITY;
    point p = at_logit(t);
    double d;
    double v = eval_m(m->a, m->k, &p, &d);
    if (!(d > 0))
        return -INFINITY;
    /* f = 1 / (dx/dy) = y (1 - y) / (dx/dM * dM/dt) */
    return -log_inv_yy(t) - log_dx_dm(m, v) - log(d);
}

double roi_metalog_logpdf(const roi_metalog *m, double x)
{
    return logpdf_at(m, roi_metalog_cdf_logit(m, x));
}

double roi_metalog_loglik(const roi_metalog *m, const double *sorted, size_t n)
{
    double s = 0.0, t = 0.0;
    for (size_t i = 0; i < n; i++) {
        t = invert(m, to_m(m, sorted[i]), t);
        if (!isfinite(t))
            return -INFINITY;
        s += logpdf_at(m, t);
    }
    return s;
}

/* ---- distances ----------------------------------------------------------------------- */

double roi_metalog_empirical_quantile(const double *sorted, size_t n, double y)
{
    if (n == 0)
        return NAN;
    double h = y * (double)n - 0.5; /* 0-based position: (i + 1/2) / n = y */
    if (h <= 0)
        return sorted[0];
    if (h >= (double)(n - 1))
        return sorted[n - 1];
    size_t i = (size_t)h;
    double f = h - (double)i;
    return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

void roi_metalog_distance(const roi_metalog *m, const double *sorted, size_t n, double *ks,
                          double *max_error)
{
    if (ks) {
        double dmax = 0.0, t = 0.0;
        for (size_t i = 0; i < n; i++) {
            /* Sorted data: the previous logit is a close guess. */
            t = invert(m, to_m(m, sorted[i]), t);
            double f = logistic(t);
            double above = (double)(i + 1) / (double)n - f, below = f - (double)i / (double)n;
            if (above > dmax)
                dmax = above;
            if (below > dmax)
                dmax = below;
            if (!isfinite(t))
                t = 0.0;
        }
        *ks = n ? dmax : NAN;
    }
    if (max_error) {
        double e = 0.0;
        for (int j = 1; j <= 99; j++) {
            double y = j / 100.0;
            double d =
                fabs(roi_metalog_quantile(m, y) - roi_metalog_empirical_quantile(sorted, n, y));
            if (!(d <= e))
                e = d; /* NaN propagates */
        }
        *max_error = n ? e : NAN;
    }
}

/* ---- least squares -------------------------------------------------------------------- */

/* Least squares of z on the first k basis columns at the logits t (n points). */
static roi_status least_squares(const double *t, const double *z, size_t n, int k, double *a,
                                roi_error *err)
{
    roi_status st = ROI_OK;
    gsl_matrix *X = gsl_matrix_alloc(n, (size_t)k);
    gsl_matrix *cov = gsl_matrix_alloc((size_t)k, (size_t)k);
    gsl_vector *c = gsl_vector_alloc((size_t)k);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, (size_t)k);
    if (!X || !cov || !c || !w) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory for a %zu x %d metalog fit", n,
                           k);
        goto cleanup;
    }
    gsl_vector_const_view zv = gsl_vector_const_view_array(z, n);
    for (size_t i = 0; i < n; i++) {
        point p = at_logit(t[i]);
        double cp = 1.0;
        double pw_c[ROI_METALOG_MAX_TERMS];
        for (int q = 0; q < ROI_METALOG_MAX_TERMS; q++) {
            pw_c[q] = cp;
            cp *= p.c;
        }
        for (int j = 1; j <= k; j++) {
            int pw, lg;
            term_shape(j, &pw, &lg);
            gsl_matrix_set(X, i, (size_t)(j - 1), lg ? pw_c[pw] * p.t : pw_c[pw]);
        }
    }
    double chisq;
    int gs = gsl_multifit_linear(X, &zv.vector, c, cov, &chisq, w);
    if (gs != GSL_SUCCESS) {
        st = roi_error_set(err, ROI_ERR_NUMERIC, NULL, "metalog least squares failed: %s",
                           gsl_strerror(gs));
        goto cleanup;
    }
    for (int j = 0; j < k; j++) {
        a[j] = gsl_vector_get(c, (size_t)j);
        if (!isfinite(a[j])) {
            st = roi_error_set(err, ROI_ERR_NUMERIC, NULL,
                               "metalog least squares gave a non-finite coefficient");
            goto cleanup;
        }
    }

cleanup:
    gsl_multifit_linear_free(w);
    gsl_vector_free(c);
    gsl_matrix_free(cov);
    gsl_matrix_free(X);
    return st;
}

/* Checks the bounds and that every x is strictly inside them. */
static roi_status check_inside(const double *x, size_t n, double lower, double upper,
                               roi_error *err)
{
    if (isnan(lower) || isnan(upper) || lower == INFINITY || upper == -INFINITY || !(lower < upper))
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "metalog bounds must satisfy lower < upper, got [%g, %g]", lower,
                             upper);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return roi_error_set(err, ROI_ERR_PARAM, NULL,
                                 "value %zu must be a finite number, got %g", i + 1, x[i]);
        if (!(x[i] > lower && x[i] < upper))
            return roi_error_set(err, ROI_ERR_PARAM, NULL,
                                 "value %zu (%.17g) must be strictly inside the metalog's "
                                 "bounds [%g, %g]",
                                 i + 1, x[i], lower, upper);
    }
    return ROI_OK;
}

roi_status roi_metalog_fit_pairs(const double *x, const double *y, size_t n, int k, double lower,
                                 double upper, roi_metalog *m, roi_error *err)
{
    static const double zero[ROI_METALOG_MAX_TERMS];
    roi_status st = roi_metalog_set(m, zero, k < 2 ? 2 : k, lower, upper, err);
    if (st != ROI_OK)
        return st;
    if (k < 2 || k > ROI_METALOG_MAX_TERMS)
        return roi_error_set(err, ROI_ERR_PARAM, NULL, "a metalog has 2 to %d terms, got %d",
                             ROI_METALOG_MAX_TERMS, k);
    if (n < (size_t)k)
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "a %d-term metalog needs at least %d quantile pairs, got %zu", k, k,
                             n);
    st = check_inside(x, n, lower, upper, err);
    if (st != ROI_OK)
        return st;
    double *t = malloc(n * sizeof *t), *z = malloc(n * sizeof *z);
    if (!t || !z) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory for %zu quantile pairs", n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(y[i] > 0 && y[i] < 1)) {
            st = roi_error_set(err, ROI_ERR_PARAM, NULL,
                               "probability %zu must be strictly between 0 and 1, got %g", i + 1,
                               y[i]);
            goto cleanup;
        }
        t[i] = logit(y[i]);
        z[i] = to_m(m, x[i]);
    }
    st = least_squares(t, z, n, k, m->a, err);
    m->k = k;

cleanup:
    free(t);
    free(z);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

roi_status roi_metalog_fit_sample(const double *x, size_t n, int k, double lower, double upper,
                                  roi_metalog *m, roi_error *err)
{
    static const double zero[ROI_METALOG_MAX_TERMS];
    roi_status st = roi_metalog_set(m, zero, 2, lower, upper, err);
    double *sorted = NULL, *t = NULL, *z = NULL;
    if (st != ROI_OK)
        return st;
    if (k != 0 && (k < 2 || k > ROI_METALOG_MAX_TERMS))
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "a metalog has 2 to %d terms (or 0: the term rule), got %d",
                             ROI_METALOG_MAX_TERMS, k);
    if (n < 3)
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "a metalog fit needs at least 3 values, got %zu", n);
    if (k != 0 && n <= (size_t)k)
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "a %d-term metalog fit needs more than %d values, got %zu", k, k, n);
    st = check_inside(x, n, lower, upper, err);
    if (st != ROI_OK)
        return st;
    size_t np = n > ROI_METALOG_FIT_POINTS ? ROI_METALOG_FIT_POINTS : n;
    sorted = malloc(n * sizeof *sorted);
    t = malloc(np * sizeof *t);
    z = malloc(np * sizeof *z);
    if (!sorted || !t || !z) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory for %zu values", n);
        goto cleanup;
    }
    memcpy(sorted, x, n * sizeof *x);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    if (!(sorted[0] < sorted[n - 1])) {
        st = roi_error_set(err, ROI_ERR_PARAM, NULL,
                           "a metalog cannot be fitted to %zu equal values (%g)", n, sorted[0]);
        goto cleanup;
    }
    for (size_t i = 0; i < np; i++) {
        double y = ((double)i + 0.5) / (double)np;
        t[i] = logit(y);
        z[i] = to_m(m, np == n ? sorted[i] : roi_metalog_empirical_quantile(sorted, n, y));
    }

    int k_lo = k ? k : 2,
        k_hi = k ? k : (int)(n - 1 < ROI_METALOG_MAX_TERMS ? n - 1 : ROI_METALOG_MAX_TERMS);
    double threshold = ROI_METALOG_KS_FACTOR / sqrt((double)n);
    roi_metalog best = *m, trial = *m;
    int have = 0;
    for (int kk = k_lo; kk <= k_hi; kk++) {
        st = least_squares(t, z, np, kk, trial.a, err);
        if (st != ROI_OK)
            goto cleanup;
        trial.k = kk;
        if (!roi_metalog_feasible(&trial))
            continue;
        roi_metalog_distance(&trial, sorted, n, &trial.ks, &trial.max_error);
        if (!have || trial.ks < best.ks) {
            best = trial;
            have = 1;
        }
        if (trial.ks <= threshold) {
            best = trial;
            break;
        }
    }
    if (!have) {
        st = k ? roi_error_set(err, ROI_ERR_NUMERIC, NULL,
                               "the %d-term metalog least-squares fit is not feasible (its "
                               "quantile function decreases somewhere)",
                               k)
               : roi_error_set(err, ROI_ERR_NUMERIC, NULL,
                               "no metalog of 2 to %d terms fits these %zu values feasibly", k_hi,
                               n);
        goto cleanup;
    }
    *m = best;

cleanup:
    free(sorted);
    free(t);
    free(z);
    return st;
}
