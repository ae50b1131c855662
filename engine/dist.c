/*
 * dist.c - distribution families: construction, validation, sampling, moments.
 *
 * Sampling is by inverse CDF of the stream's first uniform wherever the quantile is
 * cheap (every family but untruncated beta and PERT), so the same input name in two
 * scenarios gives monotonically coupled draws (common random numbers). Truncation is
 * the conditional distribution on [low, high], sampled as Q(F(low) + u * mass). When
 * low lies above the median the arithmetic is done in the upper tail (1 - F), which
 * keeps far-tail truncations (e.g. normal truncated 8 sd above its mean) precise.
 *
 * Mean and variance are exact formulas for every family, truncated or not: truncated
 * normal by the standard phi/Phi formulas, truncated lognormal by its partial moments
 * (Phi shifted by k sigma), truncated beta/PERT by incomplete-beta partial moments,
 * truncated triangular by integrating its piecewise-linear density in closed form,
 * truncated gamma and Weibull by incomplete-gamma partial moments; the metalog, which
 * has none, by the midpoint rule on its quantile function.
 */
#include "dist.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "rng.h"

/* The standard normal quantile at 0.95: p5 and p95 are mu -/+ Z95 sigma on the log scale. */
#define Z95 1.6448536269514722
#define INV_SQRT_2PI 0.39894228040143267794

enum { FORM_MU_SIGMA = 0, FORM_P5_P95 = 1, FORM_MEAN_SD = 2 };

/* ---- construction helpers ---------------------------------------------------------- */

static void init(roi_dist *d, roi_family family)
{
    memset(d, 0, sizeof *d);
    d->family = family;
    d->low = -INFINITY;
    d->high = INFINITY;
    d->trunc_base = 0.0;
    d->trunc_mass = 1.0;
}

static roi_status check_finite(const char *name, double v, const char *path, roi_error *err)
{
    if (!isfinite(v))
        return roi_error_set(err, ROI_ERR_PARAM, path, "%s must be a finite number, got %g", name,
                             v);
    return ROI_OK;
}

static roi_status check_positive(const char *name, double v, const char *path, roi_error *err)
{
    roi_status st = check_finite(name, v, path, err);
    if (st != ROI_OK)
        return st;
    if (!(v > 0))
        return roi_error_set(err, ROI_ERR_PARAM, path, "%s must be > 0, got %g", name, v);
    return ROI_OK;
}

/* ---- constructors ------------------------------------------------------------------ */

roi_status roi_dist_fixed(roi_dist *d, double value, const char *path, roi_error *err)
{
    init(d, ROI_DIST_FIXED);
    roi_status st = check_finite("value", value, path, err);
    if (st != ROI_OK)
        return st;
    d->p[0] = value;
    return ROI_OK;
}

roi_status roi_dist_uniform(roi_dist *d, double low, double high, const char *path, roi_error *err)
{
    init(d, ROI_DIST_UNIFORM);
    roi_status st = check_finite("low", low, path, err);
    if (st == ROI_OK)
        st = check_finite("high", high, path, err);
    if (st != ROI_OK)
        return st;
    if (!(low < high))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "low must be < high, got low = %g, high = %g", low, high);
    d->p[0] = low;
    d->p[1] = high;
    d->c[0] = high - low;
    return ROI_OK;
}

roi_status roi_dist_normal(roi_dist *d, double mean, double sd, const char *path, roi_error *err)
{
    init(d, ROI_DIST_NORMAL);
    roi_status st = check_finite("mean", mean, path, err);
    if (st == ROI_OK)
        st = check_positive("sd", sd, path, err);
    if (st != ROI_OK)
        return st;
    d->p[0] = mean;
    d->p[1] = sd;
    return ROI_OK;
}

roi_status roi_dist_lognormal_p5p95(roi_dist *d, double p5, double p95, const char *path,
                                    roi_error *err)
{
    init(d, ROI_DIST_LOGNORMAL);
    roi_status st = check_positive("p5", p5, path, err);
    if (st == ROI_OK)
        st = check_finite("p95", p95, path, err);
    if (st != ROI_OK)
        return st;
    if (!(p95 > p5))
        return roi_error_set(err, ROI_ERR_PARAM, path, "p95 must be > p5, got p5 = %g, p95 = %g",
                             p5, p95);
    double lo = log(p5), hi = log(p95);
    d->p[0] = 0.5 * (lo + hi);
    d->p[1] = (hi - lo) / (2.0 * Z95);
    d->form = FORM_P5_P95;
    d->given[0] = p5;
    d->given[1] = p95;
    return ROI_OK;
}

roi_status roi_dist_lognormal_meansd(roi_dist *d, double mean, double sd, const char *path,
                                     roi_error *err)
{
    init(d, ROI_DIST_LOGNORMAL);
    roi_status st = check_positive("mean", mean, path, err);
    if (st == ROI_OK)
        st = check_positive("sd", sd, path, err);
    if (st != ROI_OK)
        return st;
    double cv = sd / mean;
    double s2 = log1p(cv * cv);
    if (!isfinite(s2) || !(s2 > 0))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "sd / mean must be a representable ratio, got mean = %g, sd = %g",
                             mean, sd);
    d->p[0] = log(mean) - 0.5 * s2;
    d->p[1] = sqrt(s2);
    d->form = FORM_MEAN_SD;
    d->given[0] = mean;
    d->given[1] = sd;
    return ROI_OK;
}

/* Shared validation of (min, mode, max) for triangular and PERT. */
static roi_status check_min_mode_max(double min, double mode, double max, const char *path,
                                     roi_error *err)
{
    roi_status st = check_finite("min", min, path, err);
    if (st == ROI_OK)
        st = check_finite("mode", mode, path, err);
    if (st == ROI_OK)
        st = check_finite("max", max, path, err);
    if (st != ROI_OK)
        return st;
    if (!(min < max))
        return roi_error_set(err, ROI_ERR_PARAM, path, "min must be < max, got min = %g, max = %g",
                             min, max);
    if (!(min <= mode && mode <= max))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "mode must be in [min, max] = [%g, %g], got %g", min, max, mode);
    return ROI_OK;
}

roi_status roi_dist_triangular(roi_dist *d, double min, double mode, double max, const char *path,
                               roi_error *err)
{
    init(d, ROI_DIST_TRIANGULAR);
    roi_status st = check_min_mode_max(min, mode, max, path, err);
    if (st != ROI_OK)
        return st;
    d->p[0] = min;
    d->p[1] = mode;
    d->p[2] = max;
    d->c[0] = (mode - min) / (max - min); /* F(mode) */
    d->c[1] = (max - min) * (mode - min);
    d->c[2] = (max - min) * (max - mode);
    return ROI_OK;
}

roi_status roi_dist_pert(roi_dist *d, double min, double mode, double max, const char *path,
                         roi_error *err)
{
    init(d, ROI_DIST_PERT);
    roi_status st = check_min_mode_max(min, mode, max, path, err);
    if (st != ROI_OK)
        return st;
    d->p[0] = min;
    d->p[1] = mode;
    d->p[2] = max;
    d->c[0] = 1.0 + 4.0 * (mode - min) / (max - min); /* alpha */
    d->c[1] = 1.0 + 4.0 * (max - mode) / (max - min); /* beta */
    d->c[2] = max - min;                              /* scale */
    d->c[3] = min;                                    /* origin */
    return ROI_OK;
}

roi_status roi_dist_beta(roi_dist *d, double a, double b, double low, double high, const char *path,
                         roi_error *err)
{
    init(d, ROI_DIST_BETA);
    roi_status st = check_positive("a", a, path, err);
    if (st == ROI_OK)
        st = check_positive("b", b, path, err);
    if (st == ROI_OK)
        st = check_finite("low", low, path, err);
    if (st == ROI_OK)
        st = check_finite("high", high, path, err);
    if (st != ROI_OK)
        return st;
    if (!(low < high))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "low must be < high, got low = %g, high = %g", low, high);
    d->p[0] = a;
    d->p[1] = b;
    d->p[2] = low;
    d->p[3] = high;
    d->c[0] = a;
    d->c[1] = b;
    d->c[2] = high - low;
    d->c[3] = low;
    return ROI_OK;
}

roi_status roi_dist_metalog(roi_dist *d, const roi_metalog *m, const roi_hdr *hdr,
                            const char *path, roi_error *err)
{
    init(d, ROI_DIST_METALOG);
    if (!roi_metalog_feasible(m))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "the metalog of %d terms is not a distribution (its quantile "
                             "function decreases somewhere)",
                             m->k);
    d->metalog = malloc(sizeof *d->metalog);
    if (!d->metalog)
        return roi_error_set(err, ROI_ERR_NOMEM, path, "out of memory");
    *d->metalog = *m;
    d->has_hdr = hdr != NULL;
    if (hdr)
        d->hdr = *hdr;
    return ROI_OK;
}

roi_status roi_dist_metalog_copula(roi_dist *d, const roi_metalog *m, const roi_hdr *hdrs,
                                   const double *w, int n, const char *path, roi_error *err)
{
    roi_status st = roi_dist_metalog(d, m, NULL, path, err);
    if (st != ROI_OK)
        return st;
    d->copula_hdr = malloc((size_t)n * sizeof *d->copula_hdr);
    d->copula_w = malloc((size_t)n * sizeof *d->copula_w);
    if (n < 1 || !d->copula_hdr || !d->copula_w)
        return roi_error_set(err, ROI_ERR_NOMEM, path, "out of memory");
    memcpy(d->copula_hdr, hdrs, (size_t)n * sizeof *hdrs);
    memcpy(d->copula_w, w, (size_t)n * sizeof *w);
    d->n_copula = n;
    d->has_hdr = 1;
    return ROI_OK;
}

/* The uniform of trial `trial` of a SIP: its HDR stream, or its copula's. */
static double sip_uniform(const roi_dist *d, uint64_t trial)
{
    if (d->n_copula == 0)
        return roi_hdr_uniform(&d->hdr, trial + 1);
    double z = 0.0;
    for (int j = 0; j < d->n_copula; j++)
        z += d->copula_w[j] * gsl_cdf_ugaussian_Pinv(roi_hdr_uniform(&d->copula_hdr[j], trial + 1));
    return gsl_cdf_ugaussian_P(z);
}

/* Gamma and Weibull share their checks: shape and scale > 0. */
static roi_status shape_scale(roi_dist *d, roi_family f, double shape, double scale,
                              const char *path, roi_error *err)
{
    init(d, f);
    roi_status st = check_positive("shape", shape, path, err);
    if (st == ROI_OK)
        st = check_positive("scale", scale, path, err);
    if (st != ROI_OK)
        return st;
    d->p[0] = shape;
    d->p[1] = scale;
    return ROI_OK;
}

roi_status roi_dist_gamma(roi_dist *d, double shape, double scale, const char *path,
                          roi_error *err)
{
    return shape_scale(d, ROI_DIST_GAMMA, shape, scale, path, err);
}

roi_status roi_dist_weibull(roi_dist *d, double shape, double scale, const char *path,
                            roi_error *err)
{
    return shape_scale(d, ROI_DIST_WEIBULL, shape, scale, path, err);
}

roi_status roi_dist_bernoulli(roi_dist *d, double p, const char *path, roi_error *err)
{
    init(d, ROI_DIST_BERNOULLI);
    roi_status st = check_finite("p", p, path, err);
    if (st != ROI_OK)
        return st;
    if (!(p >= 0 && p <= 1))
        return roi_error_set(err, ROI_ERR_PARAM, path, "p must be in [0, 1], got %g", p);
    d->p[0] = p;
    d->c[0] = 1.0 - p; /* F(0): the quantile is 1 above it */
    return ROI_OK;
}

typedef struct value_prob {
    double value, prob;
} value_prob;

static int cmp_value(const void *a, const void *b)
{
    double x = ((const value_prob *)a)->value, y = ((const value_prob *)b)->value;
    return (x > y) - (x < y);
}

roi_status roi_dist_discrete(roi_dist *d, const double *values, const double *probs, size_t n,
                             const char *path, roi_error *err)
{
    roi_status st = ROI_OK;
    value_prob *pairs = NULL;
    init(d, ROI_DIST_DISCRETE);
    if (n < 1 || !values || !probs) {
        st = roi_error_set(err, ROI_ERR_PARAM, path, "discrete needs at least one value, got %zu",
                           n);
        goto cleanup;
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i])) {
            st = roi_error_set(err, ROI_ERR_PARAM, path, "values must be finite numbers, got %g",
                               values[i]);
            goto cleanup;
        }
        if (!(probs[i] >= 0 && probs[i] <= 1)) {
            st = roi_error_set(err, ROI_ERR_PARAM, path,
                               "probability of %g must be in [0, 1], got %g", values[i], probs[i]);
            goto cleanup;
        }
        sum += probs[i];
    }
    if (!(fabs(sum - 1.0) <= 1e-9)) {
        st = roi_error_set(err, ROI_ERR_PARAM, path, "probabilities must sum to 1, got %.17g", sum);
        goto cleanup;
    }
    pairs = malloc(n * sizeof *pairs);
    d->values = malloc(n * sizeof *d->values);
    d->probs = malloc(n * sizeof *d->probs);
    d->cum = malloc(n * sizeof *d->cum);
    if (!pairs || !d->values || !d->probs || !d->cum) {
        st = roi_error_set(err, ROI_ERR_NOMEM, path, "out of memory for %zu values", n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        pairs[i].value = values[i];
        pairs[i].prob = probs[i];
    }
    qsort(pairs, n, sizeof *pairs, cmp_value);
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && pairs[i].value == pairs[i - 1].value) {
            st = roi_error_set(err, ROI_ERR_PARAM, path, "duplicate value %g", pairs[i].value);
            goto cleanup;
        }
        d->values[i] = pairs[i].value;
        d->probs[i] = pairs[i].prob / sum;
        acc += d->probs[i];
        d->cum[i] = acc;
    }
    /* The last cumulative probability is exactly 1 so every u in (0, 1) finds a value. */
    d->cum[n - 1] = 1.0;
    d->n = n;

cleanup:
    free(pairs);
    if (st != ROI_OK)
        roi_dist_free(d);
    return st;
}

void roi_dist_free(roi_dist *d)
{
    if (!d)
        return;
    free(d->values);
    free(d->probs);
    free(d->cum);
    free(d->metalog);
    free(d->copula_hdr);
    free(d->copula_w);
    d->values = d->probs = d->cum = NULL;
    d->metalog = NULL;
    d->copula_hdr = NULL;
    d->copula_w = NULL;
    d->n_copula = 0;
    d->n = 0;
}

roi_status roi_dist_copy(roi_dist *dst, const roi_dist *src)
{
    *dst = *src;
    dst->values = dst->probs = dst->cum = NULL;
    dst->metalog = NULL;
    dst->copula_hdr = NULL;
    dst->copula_w = NULL;
    if (src->metalog) {
        dst->metalog = malloc(sizeof *dst->metalog);
        if (!dst->metalog)
            return ROI_ERR_NOMEM;
        *dst->metalog = *src->metalog;
    }
    if (src->n_copula > 0) {
        size_t n = (size_t)src->n_copula;
        dst->copula_hdr = malloc(n * sizeof *dst->copula_hdr);
        dst->copula_w = malloc(n * sizeof *dst->copula_w);
        if (!dst->copula_hdr || !dst->copula_w) {
            roi_dist_free(dst);
            return ROI_ERR_NOMEM;
        }
        memcpy(dst->copula_hdr, src->copula_hdr, n * sizeof *dst->copula_hdr);
        memcpy(dst->copula_w, src->copula_w, n * sizeof *dst->copula_w);
    }
    if (src->family != ROI_DIST_DISCRETE || src->n == 0)
        return ROI_OK;
    size_t bytes = src->n * sizeof(double);
    dst->values = malloc(bytes);
    dst->probs = malloc(bytes);
    dst->cum = malloc(bytes);
    if (!dst->values || !dst->probs || !dst->cum) {
        roi_dist_free(dst);
        return ROI_ERR_NOMEM;
    }
    memcpy(dst->values, src->values, bytes);
    memcpy(dst->probs, src->probs, bytes);
    memcpy(dst->cum, src->cum, bytes);
    return ROI_OK;
}

/* ---- the untruncated families: F, 1 - F, Q and the upper-tail quantile ------------- */

static double clamp01(double x)
{
    return x < 0 ? 0 : (x > 1 ? 1 : x);
}

/* x on the normal scale: (x - mu) / sigma, or (log x - mu) / sigma for lognormal. */
static double zscore(const roi_dist *d, double x)
{
    if (d->family == ROI_DIST_LOGNORMAL) {
        if (!(x > 0))
            return -INFINITY;
        return (log(x) - d->p[0]) / d->p[1];
    }
    return (x - d->p[0]) / d->p[1];
}

/* y of a beta/PERT on [0, 1], clamped. */
static double beta_y(const roi_dist *d, double x)
{
    return clamp01((x - d->c[3]) / d->c[2]);
}

static double base_cdf(const roi_dist *d, double x)
{
    switch (d->family) {
    case ROI_DIST_FIXED:
        return x >= d->p[0] ? 1.0 : 0.0;
    case ROI_DIST_UNIFORM:
        return clamp01((x - d->p[0]) / d->c[0]);
    case ROI_DIST_NORMAL:
    case ROI_DIST_LOGNORMAL:
        return gsl_cdf_ugaussian_P(zscore(d, x));
    case ROI_DIST_TRIANGULAR: {
        double min = d->p[0], mode = d->p[1], max = d->p[2];
        if (x <= min)
            return 0.0;
        if (x >= max)
            return 1.0;
        if (x <= mode)
            return (x - min) * (x - min) / d->c[1];
        return 1.0 - (max - x) * (max - x) / d->c[2];
    }
    case ROI_DIST_PERT:
    case ROI_DIST_BETA:
        return gsl_cdf_beta_P(beta_y(d, x), d->c[0], d->c[1]);
    case ROI_DIST_GAMMA:
        return x > 0 ? (isinf(x) ? 1.0 : gsl_cdf_gamma_P(x, d->p[0], d->p[1])) : 0.0;
    case ROI_DIST_WEIBULL:
        return x > 0 ? gsl_cdf_weibull_P(x, d->p[1], d->p[0]) : 0.0;
    case ROI_DIST_METALOG:
        return roi_metalog_cdf(d->metalog, x);
    case ROI_DIST_BERNOULLI:
        return x < 0 ? 0.0 : (x < 1 ? d->c[0] : 1.0);
    case ROI_DIST_DISCRETE: {
        double c = 0.0;
        for (size_t i = 0; i < d->n && d->values[i] <= x; i++)
            c = d->cum[i];
        return c;
    }
    }
    return NAN;
}

/* 1 - F(x), computed without cancellation for the continuous families. */
static double base_sf(const roi_dist *d, double x)
{
    switch (d->family) {
    case ROI_DIST_UNIFORM:
        return clamp01((d->p[1] - x) / d->c[0]);
    case ROI_DIST_NORMAL:
    case ROI_DIST_LOGNORMAL:
        return gsl_cdf_ugaussian_Q(zscore(d, x));
    case ROI_DIST_TRIANGULAR: {
        double min = d->p[0], mode = d->p[1], max = d->p[2];
        if (x <= min)
            return 1.0;
        if (x >= max)
            return 0.0;
        if (x >= mode)
            return (max - x) * (max - x) / d->c[2];
        return 1.0 - (x - min) * (x - min) / d->c[1];
    }
    case ROI_DIST_PERT:
    case ROI_DIST_BETA:
        return gsl_cdf_beta_Q(beta_y(d, x), d->c[0], d->c[1]);
    case ROI_DIST_GAMMA:
        return x > 0 ? (isinf(x) ? 0.0 : gsl_cdf_gamma_Q(x, d->p[0], d->p[1])) : 1.0;
    case ROI_DIST_WEIBULL:
        return x > 0 ? gsl_cdf_weibull_Q(x, d->p[1], d->p[0]) : 1.0;
    default:
        return 1.0 - base_cdf(d, x);
    }
}

/* The beta quantile: GSL's inverse, except for shapes with a + b above 1e5, where
 * gsl_cdf_beta_Pinv's Newton steps never settle (beta(1e6, 1e6) loops forever).
 * There it is found by bisection on the distribution function: at most 200 halvings
 * of [0, 1], stopping when the interval holds no double between its ends. `upper`:
 * the x whose upper tail 1 - F(x) is u. */
#define BETA_GSL_SHAPES 1e5
static double beta_quantile(double u, double a, double b, int upper)
{
    if (a + b <= BETA_GSL_SHAPES)
        return upper ? gsl_cdf_beta_Qinv(u, a, b) : gsl_cdf_beta_Pinv(u, a, b);
    if (u <= 0)
        return upper ? 1.0 : 0.0;
    if (u >= 1)
        return upper ? 0.0 : 1.0;
    double lo = 0.0, hi = 1.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (!(mid > lo && mid < hi))
            break;
        int below = upper ? gsl_cdf_beta_Q(mid, a, b) > u : gsl_cdf_beta_P(mid, a, b) < u;
        if (below)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The untruncated quantile at u in [0, 1]. */
static inline double base_quantile(const roi_dist *d, double u)
{
    switch (d->family) {
    case ROI_DIST_FIXED:
        return d->p[0];
    case ROI_DIST_UNIFORM:
        return d->p[0] + d->c[0] * u;
    case ROI_DIST_NORMAL:
        return d->p[0] + d->p[1] * gsl_cdf_ugaussian_Pinv(u);
    case ROI_DIST_LOGNORMAL:
        return exp(d->p[0] + d->p[1] * gsl_cdf_ugaussian_Pinv(u));
    case ROI_DIST_TRIANGULAR:
        if (u <= d->c[0])
            return d->p[0] + sqrt(u * d->c[1]);
        return d->p[2] - sqrt((1.0 - u) * d->c[2]);
    case ROI_DIST_PERT:
    case ROI_DIST_BETA:
        return d->c[3] + d->c[2] * beta_quantile(u, d->c[0], d->c[1], 0);
    case ROI_DIST_GAMMA:
        return u > 0 ? gsl_cdf_gamma_Pinv(u, d->p[0], d->p[1]) : 0.0;
    case ROI_DIST_WEIBULL:
        return u > 0 ? gsl_cdf_weibull_Pinv(u, d->p[1], d->p[0]) : 0.0;
    case ROI_DIST_METALOG:
        return roi_metalog_quantile(d->metalog, u);
    case ROI_DIST_BERNOULLI:
        /* Smallest x with F(x) >= u; u = 0 maps to the support's minimum. */
        return (u <= d->c[0] && d->c[0] > 0) ? 0.0 : 1.0;
    case ROI_DIST_DISCRETE: {
        if (d->n == 0)
            return NAN;
        size_t lo = 0, hi = d->n - 1;
        /* Binary search for the first cum >= u; zero-probability values are skipped
         * because their cum equals the previous one. */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (d->cum[mid] >= u)
                hi = mid;
            else
                lo = mid + 1;
        }
        while (lo + 1 < d->n && d->probs[lo] <= 0)
            lo++;
        return d->values[lo];
    }
    }
    return NAN;
}

/* The x with 1 - F(x) = q, for the continuous families. */
static double base_quantile_upper(const roi_dist *d, double q)
{
    switch (d->family) {
    case ROI_DIST_UNIFORM:
        return d->p[1] - d->c[0] * q;
    case ROI_DIST_NORMAL:
        return d->p[0] + d->p[1] * gsl_cdf_ugaussian_Qinv(q);
    case ROI_DIST_LOGNORMAL:
        return exp(d->p[0] + d->p[1] * gsl_cdf_ugaussian_Qinv(q));
    case ROI_DIST_TRIANGULAR:
        if (q <= 1.0 - d->c[0])
            return d->p[2] - sqrt(q * d->c[2]);
        return d->p[0] + sqrt((1.0 - q) * d->c[1]);
    case ROI_DIST_PERT:
    case ROI_DIST_BETA:
        return d->c[3] + d->c[2] * beta_quantile(q, d->c[0], d->c[1], 1);
    case ROI_DIST_GAMMA:
        return q < 1 ? gsl_cdf_gamma_Qinv(q, d->p[0], d->p[1]) : 0.0;
    case ROI_DIST_WEIBULL:
        return q < 1 ? gsl_cdf_weibull_Qinv(q, d->p[1], d->p[0]) : 0.0;
    default:
        return base_quantile(d, 1.0 - q);
    }
}

static int is_continuous(roi_family f)
{
    return f != ROI_DIST_FIXED && f != ROI_DIST_BERNOULLI && f != ROI_DIST_DISCRETE;
}

/* ---- truncation -------------------------------------------------------------------- */

roi_status roi_dist_truncate(roi_dist *d, double low, double high, const char *path, roi_error *err)
{
    if (!is_continuous(d->family))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "truncate applies to continuous distributions, not %s",
                             roi_dist_family_name(d->family));
    if (isnan(low) || low == INFINITY)
        return roi_error_set(err, ROI_ERR_PARAM, path, "low must be a number or -inf, got %g", low);
    if (isnan(high) || high == -INFINITY)
        return roi_error_set(err, ROI_ERR_PARAM, path, "high must be a number or inf, got %g",
                             high);
    if (!(low < high))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "low must be < high, got low = %g, high = %g", low, high);
    /* Truncating twice keeps the intersection of the bounds. */
    double lo = d->low > low ? d->low : low;
    double hi = d->high < high ? d->high : high;
    double below = base_cdf(d, lo);
    int upper = below > 0.5;
    double base, mass;
    if (upper) {
        base = base_sf(d, lo);
        mass = base - base_sf(d, hi);
    } else {
        base = below;
        mass = base_cdf(d, hi) - below;
    }
    if (!(lo < hi) || !(mass > 1e-300))
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "truncation to [%g, %g] leaves no probability of %s", lo, hi,
                             roi_dist_family_name(d->family));
    d->low = lo;
    d->high = hi;
    d->truncated = 1;
    d->trunc_upper = upper;
    d->trunc_base = base;
    d->trunc_mass = mass;
    return ROI_OK;
}

/* ---- sampling, quantile, cdf ------------------------------------------------------- */

static inline double truncated_quantile(const roi_dist *d, double u)
{
    double x = d->trunc_upper ? base_quantile_upper(d, d->trunc_base - u * d->trunc_mass)
                              : base_quantile(d, d->trunc_base + u * d->trunc_mass);
    /* Rounding in the quantile must not leak outside the bounds. */
    if (x < d->low)
        x = d->low;
    if (x > d->high)
        x = d->high;
    return x;
}

double roi_dist_sample(const roi_dist *d, uint64_t key, uint64_t trial, gsl_rng *scratch)
{
    if (d->family == ROI_DIST_FIXED)
        return d->p[0];
    if (roi_dist_by_words(d)) {
        /* GSL's gamma-ratio sampler is much cheaper than the incomplete-beta inverse. */
        roi_rng_seek(scratch, key, trial);
        return d->c[3] + d->c[2] * gsl_ran_beta(scratch, d->c[0], d->c[1]);
    }
    if (d->has_hdr && !d->truncated) /* a SIP's own trials: counter i + 1 for trial i */
        return roi_metalog_quantile(d->metalog, sip_uniform(d, trial));
    double u = roi_rng_uniform(key, trial, 0);
    if (d->truncated)
        return truncated_quantile(d, u);
    return base_quantile(d, u);
}

int roi_dist_by_words(const roi_dist *d)
{
    return !d->truncated && (d->family == ROI_DIST_BETA || d->family == ROI_DIST_PERT);
}

double roi_dist_sample_words(const roi_dist *d, uint64_t key, uint64_t trial,
                             const uint32_t *words, gsl_rng *scratch)
{
    roi_rng_seek_words(scratch, key, trial, words);
    return d->c[3] + d->c[2] * gsl_ran_beta(scratch, d->c[0], d->c[1]);
}

int roi_dist_by_uniform(const roi_dist *d)
{
    /* roi_dist_quantile clamps u to [0, 1], which leaves a uniform of (0, 1) as it is */
    if (d->family == ROI_DIST_FIXED || (d->has_hdr && !d->truncated))
        return 0;
    return d->truncated || (d->family != ROI_DIST_BETA && d->family != ROI_DIST_PERT);
}

double roi_dist_quantile(const roi_dist *d, double u)
{
    u = clamp01(u);
    if (d->truncated)
        return truncated_quantile(d, u);
    return base_quantile(d, u);
}

/* The batch kernel is built for several instruction sets and picked at load time, with
 * no multiply and add fused into one rounding (GSL's own build fuses none): the same
 * bits on each. GCC only, as rng.c's batches. */
#if defined(__x86_64__) && defined(__has_attribute) && !defined(__clang__)
#if __has_attribute(target_clones)
#define QUANTILE_CLONES                                                                    \
    __attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3", "fp-contract=off")))
#endif
#endif
#ifndef QUANTILE_CLONES
#define QUANTILE_CLONES
#endif

/* gsl_cdf_ugaussian_Pinv(0.5 + q) for |q| <= 0.425: Wichura's AS241 rational function
 * for the central region, evaluated as GSL evaluates it (both polynomials by Horner's
 * rule from the top, then q times their ratio), so the same double; test_dist compares
 * the two on the streams' uniforms. */
static inline double normal_central(double q)
{
    const double r = 0.180625 - q * q;
    double a = 2509.0809287301226727;
    a = r * a + 33430.575583588128105;
    a = r * a + 67265.770927008700853;
    a = r * a + 45921.953931549871457;
    a = r * a + 13731.693765509461125;
    a = r * a + 1971.5909503065514427;
    a = r * a + 133.14166789178437745;
    a = r * a + 3.387132872796366608;
    double b = 5226.495278852854561;
    b = r * b + 28729.085735721942674;
    b = r * b + 39307.89580009271061;
    b = r * b + 21213.794301586595867;
    b = r * b + 5394.1960214247511077;
    b = r * b + 687.1870074920579083;
    b = r * b + 42.313330701600911252;
    b = r * b + 1.0;
    return q * (a / b);
}

/* z[k] = normal_central(u[k] - 0.5) for k < n, whatever the region (the caller keeps
 * only the central ones, where clamping to [0, 1] changes nothing): no branch, so the
 * loop vectorises. */
QUANTILE_CLONES
static void normal_central_batch(const double *u, size_t n, double *z)
{
    for (size_t k = 0; k < n; k++)
        z[k] = normal_central(u[k] - 0.5);
}

#define QUANTILE_CHUNK 256

void roi_dist_quantiles(const roi_dist *d, double *x, size_t n)
{
    if (d->truncated || (d->family != ROI_DIST_NORMAL && d->family != ROI_DIST_LOGNORMAL)) {
        for (size_t k = 0; k < n; k++)
            x[k] = roi_dist_quantile(d, x[k]);
        return;
    }
    const int lognormal = d->family == ROI_DIST_LOGNORMAL;
    double z[QUANTILE_CHUNK];
    for (size_t k0 = 0; k0 < n; k0 += QUANTILE_CHUNK) {
        const size_t m = n - k0 < QUANTILE_CHUNK ? n - k0 : QUANTILE_CHUNK;
        double *xs = x + k0;
        normal_central_batch(xs, m, z);
        for (size_t k = 0; k < m; k++) { /* base_quantile's arithmetic on the deviate */
            const double u = clamp01(xs[k]);
            const double zk = fabs(u - 0.5) <= 0.425 ? z[k] : gsl_cdf_ugaussian_Pinv(u);
            const double y = d->p[0] + d->p[1] * zk;
            xs[k] = lognormal ? exp(y) : y;
        }
    }
}

double roi_dist_cdf(const roi_dist *d, double x)
{
    if (isnan(x))
        return NAN;
    if (!d->truncated)
        return base_cdf(d, x);
    if (x < d->low)
        return 0.0;
    if (x >= d->high)
        return 1.0;
    double f = d->trunc_upper ? (d->trunc_base - base_sf(d, x)) / d->trunc_mass
                              : (base_cdf(d, x) - d->trunc_base) / d->trunc_mass;
    return clamp01(f);
}

/* ---- mean and variance ------------------------------------------------------------- */

static double phi(double z)
{
    return isinf(z) ? 0.0 : INV_SQRT_2PI * exp(-0.5 * z * z);
}

/* z * phi(z), with the limit 0 at +-infinity. */
static double zphi(double z)
{
    return isinf(z) ? 0.0 : z * phi(z);
}

/* P(za < Z < zb) for a standard normal, in whichever tail is precise. */
static double normal_interval(double za, double zb)
{
    if (za > 0)
        return gsl_cdf_ugaussian_Q(za) - gsl_cdf_ugaussian_Q(zb);
    return gsl_cdf_ugaussian_P(zb) - gsl_cdf_ugaussian_P(za);
}

/* I_yb(a, b) - I_ya(a, b), in whichever tail is precise. */
static double beta_interval(double ya, double yb, double a, double b)
{
    if (ya > a / (a + b))
        return gsl_cdf_beta_Q(ya, a, b) - gsl_cdf_beta_Q(yb, a, b);
    return gsl_cdf_beta_P(yb, a, b) - gsl_cdf_beta_P(ya, a, b);
}

/*
 * Triangular partial moments: the integral of t^k f(t) over t in [ta, tb], where
 * t = x - min, T = max - min, M = mode - min and f is the triangular density.
 */
static double tri_partial(double T, double M, double ta, double tb, int k)
{
    double total = 0.0;
    double a = ta, b = tb < M ? tb : M;
    if (M > 0 && a < b) /* rising edge: 2t / (T M) */
        total += 2.0 / (T * M) * (pow(b, k + 2) - pow(a, k + 2)) / (k + 2);
    a = ta > M ? ta : M;
    b = tb;
    if (T > M && a < b) /* falling edge: 2 (T - t) / (T (T - M)) */
        total += 2.0 / (T * (T - M)) *
                 (T * (pow(b, k + 1) - pow(a, k + 1)) / (k + 1) -
                  (pow(b, k + 2) - pow(a, k + 2)) / (k + 2));
    return total;
}

/* P(s, xb) - P(s, xa) of the regularised lower incomplete gamma, in whichever tail is
 * precise; xa, xb in [0, inf]. */
static double gamma_interval(double s, double xa, double xb)
{
    double qa = xa > 0 ? (isinf(xa) ? 0.0 : gsl_cdf_gamma_Q(xa, s, 1.0)) : 1.0;
    double qb = xb > 0 ? (isinf(xb) ? 0.0 : gsl_cdf_gamma_Q(xb, s, 1.0)) : 1.0;
    if (xa > s)
        return qa - qb;
    return (1.0 - qb) - (1.0 - qa);
}

/*
 * Gamma and Weibull: both are powers of a gamma variable, so
 * gamma: E[X^r; a < X < b] = theta^r G(k + r) / G(k) (P(k + r, b / theta) - P(k + r, a / theta));
 * weibull: E[X^r; a < X < b] = lambda^r G(1 + r / k) (P(1 + r / k, (b / lambda)^k) - ...).
 */
static void gamma_weibull_moments(const roi_dist *d, double *mean, double *var)
{
    double k = d->p[0], scale = d->p[1];
    int weibull = d->family == ROI_DIST_WEIBULL;
    double lo = d->truncated && d->low > 0 ? d->low : 0.0;
    double hi = d->truncated ? d->high : INFINITY;
    double m[3];
    for (int r = 0; r <= 2; r++) {
        if (weibull) {
            double s = 1.0 + r / k;
            m[r] = pow(scale, r) * exp(lgamma(s)) *
                   gamma_interval(s, pow(lo / scale, k), pow(hi / scale, k));
        } else {
            double ratio = r == 0 ? 1.0 : r == 1 ? k : k * (k + 1.0);
            m[r] = pow(scale, r) * ratio * gamma_interval(k + r, lo / scale, hi / scale);
        }
    }
    *mean = m[1] / m[0];
    *var = m[2] / m[0] - *mean * *mean;
}

/* A metalog has no closed-form moments: the midpoint rule on its quantile function
 * over the probabilities the truncation keeps, on 2^16 points. */
static void metalog_moments(const roi_dist *d, double *mean, double *var)
{
    enum { N = 65536 };
    double ua = 0.0, ub = 1.0;
    if (d->truncated) {
        ua = roi_metalog_cdf(d->metalog, d->low);
        ub = roi_metalog_cdf(d->metalog, d->high);
    }
    double s1 = 0.0, s2 = 0.0;
    for (int i = 0; i < N; i++) {
        double x = roi_metalog_quantile(d->metalog, ua + (ub - ua) * (i + 0.5) / N);
        x = x < d->low ? d->low : x > d->high ? d->high : x;
        s1 += x;
        s2 += x * x;
    }
    *mean = s1 / N;
    *var = s2 / N - *mean * *mean;
}

/* The closed-form mean and variance of d. Over 80 lines: one case per family (and its
 * truncated form), each the formula of its family, kept together as the families'
 * table of moments. */
static void moments(const roi_dist *d, double *mean, double *var)
{
    double m = NAN, v = NAN;
    int t = d->truncated;
    switch (d->family) {
    case ROI_DIST_FIXED:
        m = d->p[0];
        v = 0.0;
        break;
    case ROI_DIST_UNIFORM: {
        double a = d->p[0], b = d->p[1];
        if (t) {
            a = d->low > a ? d->low : a;
            b = d->high < b ? d->high : b;
        }
        m = 0.5 * (a + b);
        v = (b - a) * (b - a) / 12.0;
        break;
    }
    case ROI_DIST_NORMAL: {
        double mu = d->p[0], s = d->p[1];
        if (!t) {
            m = mu;
            v = s * s;
            break;
        }
        double za = zscore(d, d->low), zb = zscore(d, d->high);
        double z = d->trunc_mass;
        double r = (phi(za) - phi(zb)) / z;
        m = mu + s * r;
        v = s * s * (1.0 + (zphi(za) - zphi(zb)) / z - r * r);
        break;
    }
    case ROI_DIST_LOGNORMAL: {
        double mu = d->p[0], s = d->p[1];
        if (!t) {
            m = exp(mu + 0.5 * s * s);
            v = expm1(s * s) * exp(2.0 * mu + s * s);
            break;
        }
        /* E[X^k; a < X < b] = exp(k mu + k^2 s^2 / 2) P(za - k s < Z < zb - k s). */
        double za = zscore(d, d->low), zb = zscore(d, d->high);
        double z = d->trunc_mass;
        double m1 = exp(mu + 0.5 * s * s) * normal_interval(za - s, zb - s) / z;
        double m2 = exp(2.0 * mu + 2.0 * s * s) * normal_interval(za - 2 * s, zb - 2 * s) / z;
        m = m1;
        v = m2 - m1 * m1;
        break;
    }
    case ROI_DIST_TRIANGULAR: {
        double min = d->p[0], mode = d->p[1], max = d->p[2];
        if (!t) {
            m = (min + mode + max) / 3.0;
            v = (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0;
            break;
        }
        double T = max - min, M = mode - min;
        double ta = d->low - min, tb = d->high - min;
        ta = ta < 0 ? 0 : ta;
        tb = tb > T ? T : tb;
        double z = tri_partial(T, M, ta, tb, 0);
        double e1 = tri_partial(T, M, ta, tb, 1) / z;
        double e2 = tri_partial(T, M, ta, tb, 2) / z;
        m = min + e1;
        v = e2 - e1 * e1;
        break;
    }
    case ROI_DIST_PERT:
    case ROI_DIST_BETA: {
        double a = d->c[0], b = d->c[1], R = d->c[2], L = d->c[3];
        double ey, vy;
        if (!t) {
            ey = a / (a + b);
            vy = a * b / ((a + b) * (a + b) * (a + b + 1.0));
        } else {
            /* E[Y^k; ya < Y < yb] = B(a + k, b) / B(a, b) (I_yb(a + k, b) - I_ya(a + k, b)). */
            double ya = beta_y(d, d->low), yb = beta_y(d, d->high);
            double z = beta_interval(ya, yb, a, b);
            double m1 = a / (a + b) * beta_interval(ya, yb, a + 1.0, b) / z;
            double m2 =
                a * (a + 1.0) / ((a + b) * (a + b + 1.0)) * beta_interval(ya, yb, a + 2.0, b) / z;
            ey = m1;
            vy = m2 - m1 * m1;
        }
        m = L + R * ey;
        v = R * R * vy;
        break;
    }
    case ROI_DIST_GAMMA:
    case ROI_DIST_WEIBULL:
        gamma_weibull_moments(d, &m, &v);
        break;
    case ROI_DIST_METALOG:
        metalog_moments(d, &m, &v);
        break;
    case ROI_DIST_BERNOULLI:
        m = d->p[0];
        v = d->p[0] * (1.0 - d->p[0]);
        break;
    case ROI_DIST_DISCRETE: {
        double s = 0.0, s2 = 0.0;
        for (size_t i = 0; i < d->n; i++)
            s += d->probs[i] * d->values[i];
        for (size_t i = 0; i < d->n; i++)
            s2 += d->probs[i] * (d->values[i] - s) * (d->values[i] - s);
        m = s;
        v = s2;
        break;
    }
    }
    if (v < 0) /* rounding in E[X^2] - E[X]^2 for very narrow truncations */
        v = 0;
    *mean = m;
    *var = v;
}

double roi_dist_mean(const roi_dist *d)
{
    double m, v;
    moments(d, &m, &v);
    return m;
}

double roi_dist_variance(const roi_dist *d)
{
    double m, v;
    moments(d, &m, &v);
    return v;
}

/* ---- support and description ------------------------------------------------------- */

void roi_dist_support(const roi_dist *d, double *lo, double *hi)
{
    double a = -INFINITY, b = INFINITY;
    switch (d->family) {
    case ROI_DIST_FIXED:
        a = b = d->p[0];
        break;
    case ROI_DIST_UNIFORM:
        a = d->p[0];
        b = d->p[1];
        break;
    case ROI_DIST_NORMAL:
        break;
    case ROI_DIST_LOGNORMAL:
    case ROI_DIST_GAMMA:
    case ROI_DIST_WEIBULL:
        a = 0.0;
        break;
    case ROI_DIST_METALOG:
        a = d->metalog->lower;
        b = d->metalog->upper;
        break;
    case ROI_DIST_TRIANGULAR:
    case ROI_DIST_PERT:
        a = d->p[0];
        b = d->p[2];
        break;
    case ROI_DIST_BETA:
        a = d->p[2];
        b = d->p[3];
        break;
    case ROI_DIST_BERNOULLI:
        a = d->p[0] >= 1 ? 1.0 : 0.0;
        b = d->p[0] <= 0 ? 0.0 : 1.0;
        break;
    case ROI_DIST_DISCRETE: {
        if (d->n == 0) {
            a = b = NAN;
            break;
        }
        size_t i = 0, j = d->n - 1;
        while (i < j && d->probs[i] <= 0)
            i++;
        while (j > i && d->probs[j] <= 0)
            j--;
        a = d->values[i];
        b = d->values[j];
        break;
    }
    }
    if (d->truncated) {
        a = d->low > a ? d->low : a;
        b = d->high < b ? d->high : b;
    }
    *lo = a;
    *hi = b;
}

int roi_dist_is_integer(const roi_dist *d)
{
    switch (d->family) {
    case ROI_DIST_FIXED:
        return floor(d->p[0]) == d->p[0];
    case ROI_DIST_BERNOULLI:
        return 1;
    case ROI_DIST_DISCRETE:
        for (size_t i = 0; i < d->n; i++)
            if (floor(d->values[i]) != d->values[i])
                return 0;
        return 1;
    default:
        return 0;
    }
}

const char *roi_dist_family_name(roi_family f)
{
    switch (f) {
    case ROI_DIST_FIXED:
        return "fixed";
    case ROI_DIST_UNIFORM:
        return "uniform";
    case ROI_DIST_NORMAL:
        return "normal";
    case ROI_DIST_LOGNORMAL:
        return "lognormal";
    case ROI_DIST_TRIANGULAR:
        return "triangular";
    case ROI_DIST_PERT:
        return "pert";
    case ROI_DIST_BETA:
        return "beta";
    case ROI_DIST_BERNOULLI:
        return "bernoulli";
    case ROI_DIST_DISCRETE:
        return "discrete";
    case ROI_DIST_GAMMA:
        return "gamma";
    case ROI_DIST_WEIBULL:
        return "weibull";
    case ROI_DIST_METALOG:
        return "metalog";
    }
    return "unknown";
}

/* snprintf that appends at *len and keeps counting past the end of buf, so the total
 * is what one snprintf of the whole text would return. */
static void append(char *buf, size_t size, int *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void append(char *buf, size_t size, int *len, const char *fmt, ...)
{
    if (*len < 0)
        return;
    size_t off = (size_t)*len;
    va_list ap;
    va_start(ap, fmt);
    int w = off < size ? vsnprintf(buf + off, size - off, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *len = w < 0 ? w : *len + w;
}

int roi_dist_describe(const roi_dist *d, char *buf, size_t size)
{
    int len = 0;
    if (buf && size > 0)
        buf[0] = '\0';
    else
        size = 0;
    const char *name = roi_dist_family_name(d->family);
    switch (d->family) {
    case ROI_DIST_FIXED:
        append(buf, size, &len, "%g", d->p[0]);
        break;
    case ROI_DIST_UNIFORM:
    case ROI_DIST_NORMAL:
        append(buf, size, &len, "%s(%g, %g)", name, d->p[0], d->p[1]);
        break;
    case ROI_DIST_LOGNORMAL:
        if (d->form == FORM_P5_P95)
            append(buf, size, &len, "lognormal{p5 = %g, p95 = %g}", d->given[0], d->given[1]);
        else if (d->form == FORM_MEAN_SD)
            append(buf, size, &len, "lognormal{mean = %g, sd = %g}", d->given[0], d->given[1]);
        else
            append(buf, size, &len, "lognormal{mu = %g, sigma = %g}", d->p[0], d->p[1]);
        break;
    case ROI_DIST_TRIANGULAR:
    case ROI_DIST_PERT:
        append(buf, size, &len, "%s(%g, %g, %g)", name, d->p[0], d->p[1], d->p[2]);
        break;
    case ROI_DIST_BETA:
        if (d->p[2] == 0 && d->p[3] == 1)
            append(buf, size, &len, "beta(%g, %g)", d->p[0], d->p[1]);
        else
            append(buf, size, &len, "beta(%g, %g, %g, %g)", d->p[0], d->p[1], d->p[2], d->p[3]);
        break;
    case ROI_DIST_BERNOULLI:
        append(buf, size, &len, "bernoulli(%g)", d->p[0]);
        break;
    case ROI_DIST_GAMMA:
    case ROI_DIST_WEIBULL:
        append(buf, size, &len, "%s{shape = %g, scale = %g}", name, d->p[0], d->p[1]);
        break;
    case ROI_DIST_METALOG:
        append(buf, size, &len, "metalog{a = {");
        for (int i = 0; i < d->metalog->k; i++)
            append(buf, size, &len, "%s%g", i ? ", " : "", d->metalog->a[i]);
        append(buf, size, &len, "}");
        if (isfinite(d->metalog->lower))
            append(buf, size, &len, ", lower = %g", d->metalog->lower);
        if (isfinite(d->metalog->upper))
            append(buf, size, &len, ", upper = %g", d->metalog->upper);
        append(buf, size, &len, "}");
        break;
    case ROI_DIST_DISCRETE:
        append(buf, size, &len, "discrete{");
        for (size_t i = 0; i < d->n; i++)
            append(buf, size, &len, "%s[%g] = %g", i ? ", " : "", d->values[i], d->probs[i]);
        append(buf, size, &len, "}");
        break;
    }
    if (d->truncated) {
        int has_low = isfinite(d->low), has_high = isfinite(d->high);
        append(buf, size, &len, ":truncate{");
        if (has_low)
            append(buf, size, &len, "low = %g", d->low);
        if (has_high)
            append(buf, size, &len, "%shigh = %g", has_low ? ", " : "", d->high);
        append(buf, size, &len, "}");
    }
    return len;
}
