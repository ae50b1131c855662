/*
 * dist.h - the distribution families of MODEL.md section 2.
 *
 * Responsible for: constructing and validating a distribution from its parameters
 * (with messages that name the parameter path), sampling it from a counter-based
 * stream, its quantile function, closed-form mean and variance, support, and a
 * description in the analyst's notation ("normal(58, 3.5)"). Truncation to
 * [low, high] (redraw outside the bounds, i.e. the conditional distribution) applies
 * to every continuous family and is sampled by inverse CDF. Not responsible for
 * names, expressions or `choose` (graph.h).
 */
#ifndef ROI_DIST_H
#define ROI_DIST_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "hdr.h"
#include "metalog.h"
#include "roi_error.h"

typedef enum roi_family {
    ROI_DIST_FIXED,      /* p[0] = value */
    ROI_DIST_UNIFORM,    /* p[0] = low, p[1] = high */
    ROI_DIST_NORMAL,     /* p[0] = mean, p[1] = sd */
    ROI_DIST_LOGNORMAL,  /* p[0] = mu, p[1] = sigma of log(x) (constructors convert) */
    ROI_DIST_TRIANGULAR, /* p[0] = min, p[1] = mode, p[2] = max */
    ROI_DIST_PERT,       /* p[0] = min, p[1] = mode, p[2] = max (beta-PERT, lambda 4) */
    ROI_DIST_BETA,       /* p[0] = a, p[1] = b, scaled to [p[2], p[3]] (default [0, 1]) */
    ROI_DIST_BERNOULLI,  /* p[0] = probability of 1 */
    ROI_DIST_DISCRETE,   /* values/probs arrays, n entries, values ascending */
    ROI_DIST_GAMMA,      /* p[0] = shape k, p[1] = scale theta: mean k theta */
    ROI_DIST_WEIBULL,    /* p[0] = shape k, p[1] = scale lambda: F = 1 - exp(-(x/lambda)^k) */
    ROI_DIST_METALOG     /* *metalog (owned): a SIPmath SIP, on its HDR stream when has_hdr */
} roi_family;

/*
 * A distribution. Plain value type except for the discrete arrays, which it owns:
 * release with roi_dist_free; copy with roi_dist_copy.
 */
typedef struct roi_dist {
    roi_family family;
    double p[4];          /* family parameters, see roi_family */
    double low, high;     /* truncation bounds; -INFINITY / INFINITY when none */
    int truncated;        /* nonzero when low/high restrict a continuous family */
    size_t n;             /* discrete: number of outcomes */
    double *values;       /* discrete: outcomes, ascending (owned) */
    double *probs;        /* discrete: probabilities, sum 1 (owned) */
    double *cum;          /* discrete: cumulative probabilities (owned) */
    /* Derived at construction for fast sampling: */
    double c[4];
    /* Added for truncation and describe (fields after c[] are private to dist.c): */
    double trunc_base;    /* F(low) of the family, or its upper tail 1 - F(low) when
                           * trunc_upper (more precise above the median) */
    double trunc_mass;    /* F(high) - F(low): the probability the bounds keep */
    int trunc_upper;      /* nonzero: truncation is computed in the upper tail */
    int form;             /* lognormal as written: 0 mu/sigma, 1 p5/p95, 2 mean/sd */
    double given[2];      /* lognormal: the two parameters as written (p5, p95 or mean, sd) */
    roi_metalog *metalog; /* metalog: its quantile function (owned) */
    roi_hdr hdr;          /* metalog: the SIP's HDR 2.0 stream, when has_hdr */
    int has_hdr;
    int n_copula;         /* metalog through a Gaussian copula: its uniform is
                           * Phi(sum_j copula_w[j] Phi^-1(HDR_j)) over n_copula streams */
    roi_hdr *copula_hdr;  /* (owned) */
    double *copula_w;     /* (owned): a row of the Cholesky factor of the correlations */
} roi_dist;

/*
 * Constructors. Each validates its parameters and on failure returns ROI_ERR_PARAM
 * with a message "path: what is allowed, got value" (path may be NULL or ""), leaving
 * *d in a state roi_dist_free accepts. On success *d is ready to sample.
 */
roi_status roi_dist_fixed(roi_dist *d, double value, const char *path, roi_error *err);
roi_status roi_dist_uniform(roi_dist *d, double low, double high, const char *path,
                            roi_error *err);
roi_status roi_dist_normal(roi_dist *d, double mean, double sd, const char *path,
                           roi_error *err);
/* Lognormal from the 5th and 95th percentiles (0 < p5 < p95). */
roi_status roi_dist_lognormal_p5p95(roi_dist *d, double p5, double p95, const char *path,
                                    roi_error *err);
/* Lognormal from the mean and sd of the variable itself (mean > 0, sd > 0). */
roi_status roi_dist_lognormal_meansd(roi_dist *d, double mean, double sd, const char *path,
                                     roi_error *err);
roi_status roi_dist_triangular(roi_dist *d, double min, double mode, double max,
                               const char *path, roi_error *err);
roi_status roi_dist_pert(roi_dist *d, double min, double mode, double max,
                         const char *path, roi_error *err);
/* Beta(a, b) scaled to [low, high]; pass 0 and 1 for the standard beta. */
roi_status roi_dist_beta(roi_dist *d, double a, double b, double low, double high,
                         const char *path, roi_error *err);
roi_status roi_dist_bernoulli(roi_dist *d, double p, const char *path, roi_error *err);
/*
 * A metalog (a SIPmath SIP): a copy of m, which must be feasible. With hdr (not NULL),
 * trial i draws HDR counter i + 1 of that stream (the standard's counter starts at
 * 1), so the trials are the library's own; without, the stream's first uniform like
 * the other families. Truncation and a sampling plan (Latin hypercube, correlations)
 * use the roisim uniforms instead. Errors: ROI_ERR_PARAM (infeasible), ROI_ERR_NOMEM.
 */
roi_status roi_dist_metalog(roi_dist *d, const roi_metalog *m, const roi_hdr *hdr,
                            const char *path, roi_error *err);
/*
 * A metalog drawn through a Gaussian copula: trial i's uniform is
 * Phi(sum_j w[j] Phi^-1(u_j)), u_j HDR counter i + 1 of hdrs[j], j < n (w: the SIP's
 * row of the Cholesky factor of the copula's correlation matrix, sum of squares 1).
 * Copies the arrays. Otherwise as roi_dist_metalog.
 */
roi_status roi_dist_metalog_copula(roi_dist *d, const roi_metalog *m, const roi_hdr *hdrs,
                                   const double *w, int n, const char *path, roi_error *err);
/* Gamma and Weibull by shape and scale (both > 0), on x >= 0. */
roi_status roi_dist_gamma(roi_dist *d, double shape, double scale, const char *path,
                          roi_error *err);
roi_status roi_dist_weibull(roi_dist *d, double shape, double scale, const char *path,
                            roi_error *err);
/*
 * Discrete over n values (any order; sorted internally) with probabilities that must
 * be in [0, 1] and sum to 1 within 1e-9 (then renormalised). Copies the arrays.
 */
roi_status roi_dist_discrete(roi_dist *d, const double *values, const double *probs,
                             size_t n, const char *path, roi_error *err);

/*
 * Restricts a continuous distribution to [low, high] (either may be infinite). Fails
 * for fixed, bernoulli and discrete, when low >= high, or when the interval holds
 * (numerically) no probability.
 */
roi_status roi_dist_truncate(roi_dist *d, double low, double high, const char *path,
                             roi_error *err);

/* Releases the arrays a discrete distribution owns. NULL is allowed. */
void roi_dist_free(roi_dist *d);

/* Deep copy of src into dst (dst is overwritten, not freed). */
roi_status roi_dist_copy(roi_dist *dst, const roi_dist *src);

/*
 * Draws one value for trial `trial` of the stream `key`. Inverse-CDF families (gamma
 * and weibull among them) use
 * roi_rng_uniform(key, trial, 0); beta and PERT (untruncated) use GSL's sampler on
 * `scratch` (a roi_rng_philox generator; seeked here). scratch may be NULL only when
 * the family does not need it. Thread safety: scratch must be per thread.
 */
double roi_dist_sample(const roi_dist *d, uint64_t key, uint64_t trial, gsl_rng *scratch);

/*
 * Whether roi_dist_sample(d, key, trial, scratch) is roi_dist_quantile(d, u) at
 * u = roi_rng_uniform(key, trial, 0) (every family but the fixed one and an untruncated
 * beta or PERT): the same double, so a caller may draw many trials' uniforms in one
 * batch (roi_rng_uniforms) and take the quantiles.
 */
int roi_dist_by_uniform(const roi_dist *d);

/*
 * Whether roi_dist_sample draws through `scratch` (an untruncated beta or PERT). For
 * such a family roi_dist_sample_words(d, key, trial, words, scratch) is the same double
 * as roi_dist_sample(d, key, trial, scratch), with the generator's first words taken
 * from words (roi_rng_gsl_words' for that trial, computed for many trials at once).
 */
int roi_dist_by_words(const roi_dist *d);
double roi_dist_sample_words(const roi_dist *d, uint64_t key, uint64_t trial,
                             const uint32_t *words, gsl_rng *scratch);

/*
 * x[k] = roi_dist_quantile(d, x[k]) for k < n: the same doubles, computed for many
 * values at once (for the normal and the lognormal, the central region of the inverse
 * normal CDF vectorised over the values).
 */
void roi_dist_quantiles(const roi_dist *d, double *x, size_t n);

/* The quantile function at u in [0, 1] (inverse CDF; for discrete, the smallest value
 * whose cumulative probability is >= u). Respects truncation. */
double roi_dist_quantile(const roi_dist *d, double u);

/* Cumulative distribution function at x. Respects truncation. */
double roi_dist_cdf(const roi_dist *d, double x);

/* Closed-form mean and variance (numerical integration is not used; truncated
 * normal and truncated families use their exact formulas where GSL allows). */
double roi_dist_mean(const roi_dist *d);
double roi_dist_variance(const roi_dist *d);

/* Smallest and largest possible values (may be infinite). */
void roi_dist_support(const roi_dist *d, double *lo, double *hi);

/* Nonzero when every possible value is a whole number (fixed, bernoulli, discrete). */
int roi_dist_is_integer(const roi_dist *d);

/* The family's name in the scenario language ("normal", "lognormal", ...). */
const char *roi_dist_family_name(roi_family f);

/*
 * Writes the distribution in the scenario language's notation, e.g.
 * "normal(58, 3.5)", "lognormal{p5 = 6e+08, p95 = 1.6e+09}",
 * "discrete{[0] = 0.45, [1] = 0.35, [2] = 0.2}", "normal(62, 1.5):truncate{low = 60}".
 * Numbers use %g. Returns what snprintf returns.
 */
int roi_dist_describe(const roi_dist *d, char *buf, size_t size);

#endif
