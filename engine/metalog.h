/*
 * metalog.h - Keelin's metalog distributions: quantile, CDF, density, fits.
 *
 * Responsible for: the metalog quantile function with 2 to 16 terms, unbounded,
 * bounded below, above or on both sides (SIPmath 3.0's "Metalog_1_0"); its CDF and
 * density by inversion; the check that a coefficient set is a distribution at all
 * (feasibility: the quantile function strictly increasing); least-squares fits to
 * quantile pairs and to a sample, and the rule that chooses the number of terms.
 * Not responsible for random numbers (hdr.h, rng.h) or for the maximum-likelihood
 * families (fit.h).
 *
 * The quantile of the unbounded metalog with coefficients a[0..k-1] at probability y:
 *   M(y) = a1 + a2 L + a3 c L + a4 c + a5 c^2 + a6 c^2 L + a7 c^3 + a8 c^3 L + ...
 * with L = ln(y / (1 - y)) and c = y - 1/2 (term j >= 5: c^((j-1)/2) when j is odd,
 * c^(j/2 - 1) L when j is even). Bounded forms: lower + e^M (bounded below),
 * upper - e^-M (bounded above), (lower + upper e^M) / (1 + e^M) (both).
 *
 * The term rule of roi_metalog_fit_sample (k = 0): fit k = 2, 3, ..., up to
 * min(16, n - 1) terms by least squares; keep the smallest k whose fit is feasible
 * and whose Kolmogorov-Smirnov distance to the sample is at most
 * ROI_METALOG_KS_FACTOR / sqrt(n) (about the distance between a sample and the
 * distribution it was drawn from); when no k reaches it, the feasible k with the
 * smallest distance. The stated fit error is that distance (ks) and the largest
 * quantile error on the grid y = 0.01, 0.02, ..., 0.99 (max_error, in x's units).
 */
#ifndef ROI_METALOG_H
#define ROI_METALOG_H

#include <stddef.h>

#include "roi_error.h"

#define ROI_METALOG_MAX_TERMS 16
/* The term rule's threshold on the KS distance, times 1 / sqrt(n). */
#define ROI_METALOG_KS_FACTOR 1.0
/* Samples longer than this are fitted to this many of their quantiles (evenly spaced
 * plotting positions), so a fit costs the same for 10^4 or 10^7 values. */
#define ROI_METALOG_FIT_POINTS 4096

/* A metalog distribution. Plain value type. */
typedef struct roi_metalog {
    int k;                           /* number of terms, 2..16 */
    double a[ROI_METALOG_MAX_TERMS]; /* coefficients a1..ak (a[0] = a1) */
    double lower, upper;             /* bounds; -INFINITY / INFINITY when absent */
    /* Filled by the fits (NAN when not measured): */
    double ks;        /* KS distance between the fit and the sample */
    double max_error; /* max |Q(y) - empirical quantile(y)|, y = 0.01..0.99 */
} roi_metalog;

/*
 * Sets m to k coefficients a[0..k-1] with bounds lower and upper (-INFINITY /
 * INFINITY for none). Errors: ROI_ERR_PARAM when k is not in 2..16, a coefficient is
 * not finite, or lower >= upper. Does not check feasibility (roi_metalog_feasible).
 */
roi_status roi_metalog_set(roi_metalog *m, const double *a, int k, double lower, double upper,
                           roi_error *err);

/* The quantile at probability y in [0, 1] (y = 0 and 1 give the bounds, or -/+inf). */
double roi_metalog_quantile(const roi_metalog *m, double y);

/* The quantile density dQ/dy at y in (0, 1): 1 / pdf(Q(y)) for a feasible metalog. */
double roi_metalog_quantile_density(const roi_metalog *m, double y);

/*
 * Nonzero when m is a distribution: dM/dy > 0 on a grid of 8001 points evenly spaced
 * in ln(y / (1 - y)) over [-40, 40] (y from 4e-18 to 1 - 4e-18) plus 1999 points
 * evenly spaced in y (step 0.0005), and in both tail limits (the coefficient of 1 / (y (1 - y)) in
 * dM/dy, which dominates as y -> 0 or 1, is positive at both ends).
 */
int roi_metalog_feasible(const roi_metalog *m);

/*
 * ln(F(x) / (1 - F(x))): the logit of the CDF, found by safeguarded Newton iteration
 * on the quantile function (to 1e-13 in the logit). -INFINITY / INFINITY outside the
 * support. m must be feasible. F(x) is 1 / (1 + exp(-t)) and 1 - F(x) is
 * 1 / (1 + exp(t)), both without cancellation.
 */
double roi_metalog_cdf_logit(const roi_metalog *m, double x);

/* As roi_metalog_cdf_logit, starting the search at the logit `guess` (e.g. that of
 * the previous value of a sorted sample, which makes each inversion a few steps). */
double roi_metalog_cdf_logit_near(const roi_metalog *m, double x, double guess);

/* The CDF at x (feasible m). */
double roi_metalog_cdf(const roi_metalog *m, double x);

/* The log density at x (feasible m): -INFINITY outside the support. */
double roi_metalog_logpdf(const roi_metalog *m, double x);

/* The log-likelihood of the sorted sample x[0..n-1] under a feasible m (-INFINITY
 * when a value is outside the support). Borrows x. */
double roi_metalog_loglik(const roi_metalog *m, const double *sorted, size_t n);

/*
 * Least-squares fit of k terms to n quantile pairs (x[i], y[i]), y in (0, 1), with
 * the given bounds (x strictly inside them). n >= k. The fit minimises the squared
 * error of M(y) against x transformed as the bounds require (ln(x - lower),
 * -ln(upper - x), ln((x - lower) / (upper - x))). Borrows x and y. Sets m->ks and
 * m->max_error to NAN. Errors: ROI_ERR_PARAM (k, n, a y outside (0, 1), an x outside
 * the bounds: the message names its index), ROI_ERR_NUMERIC (the least squares
 * failed), ROI_ERR_NOMEM. Does not require feasibility: check roi_metalog_feasible.
 */
roi_status roi_metalog_fit_pairs(const double *x, const double *y, size_t n, int k, double lower,
                                 double upper, roi_metalog *m, roi_error *err);

/*
 * Fit to a sample x[0..n-1] (any order; n >= 3): k terms (2..16), or k = 0 for the
 * term rule above. The fit uses the sorted sample at plotting positions
 * (i - 1/2) / n, or ROI_METALOG_FIT_POINTS of its quantiles when n is larger. Sets
 * m->ks and m->max_error. Borrows x. Errors: as roi_metalog_fit_pairs, and
 * ROI_ERR_NUMERIC when the k asked for (or, with k = 0, every k) gives an infeasible
 * fit. Cost: with k = 0, 15 fits and 15 KS distances, each O(n).
 */
roi_status roi_metalog_fit_sample(const double *x, size_t n, int k, double lower, double upper,
                                  roi_metalog *m, roi_error *err);

/*
 * The KS distance between a feasible m and the sorted sample x[0..n-1], and the
 * largest quantile error on y = 0.01..0.99 (either pointer may be NULL). Borrows x.
 */
void roi_metalog_distance(const roi_metalog *m, const double *sorted, size_t n, double *ks,
                          double *max_error);

/* The empirical quantile of the sorted sample at y: linear interpolation between the
 * order statistics at plotting positions (i - 1/2) / n, constant beyond the ends. */
double roi_metalog_empirical_quantile(const double *sorted, size_t n, double y);

#endif
