/*
 * fit.h - distribution fitting: which of roisim's families describes a column of data.
 *
 * Responsible for: reading one numeric column out of CSV text (every message names
 * the row); maximum-likelihood fits of normal, lognormal, gamma, weibull, beta on
 * [0, 1], beta scaled to estimated bounds, triangular, PERT, uniform and (integer
 * data) discrete, plus a least-squares metalog (metalog.h); for each fit its
 * log-likelihood, AIC, BIC, Kolmogorov-Smirnov and Anderson-Darling statistics,
 * standard errors, and a goodness-of-fit p-value by parametric bootstrap; the ranking
 * by AIC; and each fit written in the scenario language. Not responsible for files
 * (the caller reads the bytes), printing or JSON (reports/fit.c), or sampling in a
 * run (dist.h).
 *
 * Methods, in short (docs/fitting.md has the details):
 * - normal, lognormal: closed-form MLE. gamma, weibull: the profile likelihood's one
 *   equation in the shape, solved by safeguarded Newton. beta on [0, 1]: GSL's
 *   Nelder-Mead (multimin) on its sufficient statistics, polished by Newton steps.
 *   scaled beta, triangular, PERT: Nelder-Mead over the two bounds with the other
 *   parameters profiled out (the scaled beta's shapes by Newton; the triangular mode
 *   is always at a data point or a bound; PERT's mode solves one concave equation).
 *   uniform: the unbiased bounds x(1) - R/(n-1), x(n) + R/(n-1)
 *   (the ML bounds, the sample extremes, would give an infinite Anderson-Darling
 *   statistic and a range no simulation could exceed). discrete: the observed
 *   frequencies. metalog: the term rule of metalog.h, with the bounds given or chosen
 *   by AIC (unbounded; bounded below at 0 for positive data; on [0, 1] for shares).
 * - Integer data with at most ROI_FIT_DISCRETE_MAX distinct values and a range of at
 *   most ROI_FIT_INTEGER_RANGE: every continuous family's likelihood is that of the
 *   rounded variable, F(x + 1/2) - F(x - 1/2), so AIC compares it with the discrete
 *   fit like with like; KS and AD are their discrete forms.
 * - p-value: the Anderson-Darling statistic against its parametric-bootstrap
 *   distribution: B samples of size n from the fit, each refitted, (1 + #{A_b >= A})
 *   / (1 + B). Draw i of replicate b is roi_rng_uniform(key, b, i) (or a gsl sampler
 *   on the Philox stream (key, b)), key = roi_rng_key(seed, "roisim fit"): the same
 *   numbers whatever the thread count.
 * - Standard errors: the inverse Fisher information at the estimate for normal,
 *   lognormal, gamma, weibull and beta on [0, 1]; the bootstrap replicates' standard
 *   deviation for the families whose bounds make the likelihood irregular (scaled
 *   beta, triangular, PERT, uniform) and for the metalog.
 */
#ifndef ROI_FIT_H
#define ROI_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "metalog.h"
#include "roi_error.h"

typedef enum roi_fit_family {
    ROI_FIT_NORMAL,      /* p = mean, sd */
    ROI_FIT_LOGNORMAL,   /* p = mu, sigma of ln x */
    ROI_FIT_GAMMA,       /* p = shape, scale */
    ROI_FIT_WEIBULL,     /* p = shape, scale */
    ROI_FIT_BETA,        /* p = a, b, low = 0, high = 1 (data strictly inside (0, 1)) */
    ROI_FIT_SCALED_BETA, /* p = a, b, low, high (all four estimated) */
    ROI_FIT_TRIANGULAR,  /* p = min, mode, max */
    ROI_FIT_PERT,        /* p = min, mode, max */
    ROI_FIT_UNIFORM,     /* p = low, high */
    ROI_FIT_DISCRETE,    /* values, probs (integer data) */
    ROI_FIT_METALOG,     /* p = a1..ak; bounds in metalog */
    ROI_FIT_NFAMILIES
} roi_fit_family;

#define ROI_FIT_MAX_PARAMS ROI_METALOG_MAX_TERMS
#define ROI_FIT_BOOTSTRAP_DEFAULT 200 /* replicates; the p-value's SE is <= 0.035 */
#define ROI_FIT_SEED_DEFAULT 20260408u
#define ROI_FIT_MAX_BOOTSTRAP 100000 /* most replicates asked for */
#define ROI_FIT_DISCRETE_MAX 50     /* most outcomes a discrete fit lists */
#define ROI_FIT_INTEGER_RANGE 10000 /* largest max - min of integer data read as such */
/* A p-value needs this share of the replicates to refit; else it is NAN. */
#define ROI_FIT_MIN_REPLICATE_SHARE 0.9

/* ---- data ------------------------------------------------------------------------------ */

/* One numeric column read from CSV text. Release with roi_fit_data_free. */
typedef struct roi_fit_data {
    double *x;   /* values in file order (owned) */
    size_t *row; /* each value's row in the file, from 1, header included (owned) */
    size_t n;
    size_t n_empty;   /* empty cells of the column that were skipped */
    int has_header;   /* the first row was a header */
    int column_index; /* the column used, from 1 */
    char column[128]; /* its header, or "column N" without one */
} roi_fit_data;

/*
 * Reads one column of CSV text (RFC 4180: commas, double-quoted fields with "" inside,
 * CRLF or LF, an optional UTF-8 BOM). The first row is a header when one of its cells
 * is not a number. `column`: the header to use (exact, then ignoring case), or a
 * number from 1; NULL: the first column whose first non-empty cell is a number.
 * Empty cells are skipped and counted; fully blank lines are ignored. `label` (the
 * file's name) starts every message. Borrows text. Errors: ROI_ERR_PARAM with
 * "label: row R, column 'C': 'abc' is not a number" (also for nan and inf), no such
 * column (the message lists them), no numeric column, no values; ROI_ERR_NOMEM.
 * On failure d needs no cleanup beyond roi_fit_data_free (which is then a no-op).
 */
roi_status roi_fit_data_parse(const char *text, size_t len, const char *label, const char *column,
                              roi_fit_data *d, roi_error *err);

/* Releases d's arrays; NULL allowed. */
void roi_fit_data_free(roi_fit_data *d);

/* ---- options and results ------------------------------------------------------------------ */

typedef struct roi_fit_opts {
    unsigned families;    /* mask of 1u << roi_fit_family; 0: all */
    size_t bootstrap;     /* replicates for p-values and bootstrap SEs; 0: none */
    uint64_t seed;        /* the bootstrap's seed */
    int threads;          /* 0: OpenMP's default; results do not depend on it */
    double metalog_lower; /* the metalog's bounds: -INFINITY / INFINITY for none; */
    double metalog_upper; /* NAN (both): chosen by AIC among unbounded, bounded below
                           * at 0 (every value > 0) and on [0, 1] (every value inside) */
    int metalog_terms;    /* 0: the term rule of metalog.h; else 2..16 */
} roi_fit_opts;

/* Fills the defaults: all families, ROI_FIT_BOOTSTRAP_DEFAULT replicates,
 * ROI_FIT_SEED_DEFAULT, threads 0, a metalog by the term rule with its bounds chosen
 * (NAN). */
void roi_fit_opts_init(roi_fit_opts *o);

/* One family's fit (or why there is none). */
typedef struct roi_fit {
    roi_fit_family family;
    int ok; /* 1: fitted; 0: skipped, `reason` says why */
    char reason[320];
    int n_params;                  /* estimated parameters: AIC's k */
    int n_p;                       /* entries of p (scaled beta's and beta's is 4) */
    double p[ROI_FIT_MAX_PARAMS];  /* the estimates (roi_fit_param_name) */
    double se[ROI_FIT_MAX_PARAMS]; /* their standard errors; NAN: not known */
    int se_bootstrap;              /* 1: se is the spread of the bootstrap refits */
    double loglik, aic, bic;
    double ks, ad;       /* Kolmogorov-Smirnov D, Anderson-Darling A^2 */
    double p_value;      /* bootstrap p-value of A^2; NAN: not computed */
    size_t replicates;   /* bootstrap replicates that refitted */
    roi_metalog metalog; /* ROI_FIT_METALOG: the fitted metalog */
    size_t n_values;     /* ROI_FIT_DISCRETE: outcomes, ascending (owned) */
    double *values;
    size_t *counts; /* how often each outcome occurs (owned) */
    char *lua;      /* the fit in the scenario language (owned) */
} roi_fit;

typedef struct roi_fit_result {
    size_t n;         /* values fitted */
    int integer_data; /* 1: integer data, likelihoods of the rounded variable */
    size_t bootstrap; /* replicates asked */
    uint64_t seed;
    int n_fits; /* fits[0..n_fits-1]: fitted ones by AIC, then skipped ones */
    int n_ok;
    roi_fit fits[ROI_FIT_NFAMILIES];
} roi_fit_result;

/*
 * Fits every family of o->families (NULL o: the defaults) to x[0..n-1]. row[i] is
 * the file row of x[i], for messages (NULL: "value i + 1"). A family that cannot
 * describe the data (a value <= 0 for lognormal, outside (0, 1) for beta, ...) is
 * skipped with a reason that names the first offending row. Errors (the whole fit):
 * ROI_ERR_PARAM for fewer than 3 values, a value that is not finite (its row), all
 * values equal, or every asked family skipped (the message has each reason);
 * ROI_ERR_NOMEM. GSL's error handler is off during the call and restored after.
 * Borrows x and row; res is owned by the caller: roi_fit_result_free, also after a
 * failure.
 */
roi_status roi_fit_run(const double *x, const size_t *row, size_t n, const roi_fit_opts *o,
                       roi_fit_result *res, roi_error *err);

/* Releases what res owns; NULL allowed. */
void roi_fit_result_free(roi_fit_result *res);

/* The best fit (fits[0] when n_ok > 0), or NULL. */
const roi_fit *roi_fit_best(const roi_fit_result *res);

/* ---- families ---------------------------------------------------------------------- */

/* "normal", "lognormal", "gamma", "weibull", "beta", "scaled_beta", "triangular",
 * "pert", "uniform", "discrete", "metalog". */
const char *roi_fit_family_name(roi_fit_family f);

/*
 * Parses a comma-separated list of family names ("lognormal,gamma"; "all"; spaces
 * allowed) into a mask. Errors: ROI_ERR_USAGE naming the unknown family, with a
 * suggestion and the list of families.
 */
roi_status roi_fit_families_parse(const char *list, unsigned *mask, roi_error *err);

/* The name of parameter i of fit f ("mean", "shape", "a3", ...), or NULL. */
const char *roi_fit_param_name(const roi_fit *f, int i);

/* CDF, quantile and log density of a successful fit (discrete: its step CDF and
 * log probability). */
double roi_fit_cdf(const roi_fit *f, double x);
double roi_fit_quantile(const roi_fit *f, double u);
double roi_fit_logpdf(const roi_fit *f, double x);

#endif
