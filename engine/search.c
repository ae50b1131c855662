/*
 * search.c - goal seek, sweeps and the precision loop (see search.h).
 */
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

/* ---- statistics ------------------------------------------------------------------------- */

roi_status roi_stat_parse(const char *output, const char *stat, const char *path,
                          roi_stat *out, roi_error *err)
{
    int o = -1;
    for (int k = 0; k < ROI_OUT_COUNT; k++)
        if (output && strcmp(output, roi_output_name((roi_output)k)) == 0)
            o = k;
    if (o < 0)
        return roi_error_set(err, ROI_ERR_PARAM, path,
                             "unknown output '%s' (outputs: npv, npv_horizon, roi_multiple, "
                             "irr, payback, total_spend, total_revenue, peak_active)",
                             output ? output : "");
    out->output = (roi_output)o;
    out->level = 0.5;
    if (stat && strcmp(stat, "mean") == 0) {
        out->kind = ROI_STAT_MEAN;
    } else if (stat && strcmp(stat, "prob_positive") == 0) {
        out->kind = ROI_STAT_PROB_POSITIVE;
    } else if (stat && strcmp(stat, "median") == 0) {
        out->kind = ROI_STAT_PERCENTILE;
    } else {
        int level = 0, used = 0;
        if (!stat || sscanf(stat, "p%d%n", &level, &used) != 1 || stat[used] != '\0' ||
            level < 1 || level > 99)
            return roi_error_set(err, ROI_ERR_PARAM, path,
                                 "unknown statistic '%s' (mean, prob_positive, median, "
                                 "p1 .. p99)", stat ? stat : "");
        out->kind = ROI_STAT_PERCENTILE;
        out->level = level / 100.0;
    }
    return ROI_OK;
}

roi_status roi_stat_eval(const roi_run *run, const roi_stat *s, double *value, double *se)
{
    const roi_summary *sum = &run->summary[s->output];
    *value = NAN;
    *se = NAN;
    if (sum->n_defined == 0)
        return ROI_OK;
    double n = (double)sum->n_defined;
    if (s->kind == ROI_STAT_MEAN) {
        *value = sum->mean;
        *se = sum->se;
        return ROI_OK;
    }
    if (s->kind == ROI_STAT_PROB_POSITIVE) {
        double p = sum->prob_positive;
        *value = p;
        *se = sqrt(p * (1.0 - p) / n);
        return ROI_OK;
    }
    /* Exact order statistics: selected on the run's floats, ties rerun (sim.h). */
    double p = s->level;
    roi_status st = roi_run_percentile(run, s->output, p, value);
    if (st != ROI_OK)
        return st;
    /* Order statistics bracketing the p-quantile with ~68% coverage. */
    double half = sqrt(n * p * (1.0 - p));
    double lo = floor(n * p - half), hi = ceil(n * p + half);
    if (lo < 0)
        lo = 0;
    if (hi > n - 1)
        hi = n - 1;
    size_t ranks[2] = {(size_t)lo, (size_t)hi};
    double v[2];
    if ((st = roi_run_order_stats(run, s->output, ranks, 2, v)) == ROI_OK)
        *se = 0.5 * (v[1] - v[0]);
    return st;
}

const char *roi_override_mode_name(roi_override_mode mode)
{
    switch (mode) {
    case ROI_OVERRIDE_SHIFT:
        return "shift";
    case ROI_OVERRIDE_SCALE:
        return "scale";
    default:
        return "value";
    }
}

/* One run with overrides; the statistic and its se. */
static roi_status evaluate(const roi_model *m, const roi_sim_opts *base, size_t trials,
                           const roi_override *ovr, int n_ovr, const roi_stat *stat,
                           double *value, double *se, roi_error *err)
{
    roi_sim_opts opts = *base;
    roi_run *run = NULL;
    opts.trials = trials;
    opts.overrides = ovr;
    opts.n_overrides = n_ovr;
    opts.progress = NULL;
    opts.progress_ud = NULL;
    opts.outputs_only = 1; /* the statistic reads one output's summary only */
    roi_status st = roi_sim_run(m, &opts, &run, err);
    if (st == ROI_OK) {
        st = roi_stat_eval(run, stat, value, se);
        if (st != ROI_OK)
            st = roi_error_set(err, st, "", "out of memory evaluating a statistic");
    }
    roi_run_free(run);
    return st;
}

/* ---- goal seek ----------------------------------------------------------------------------- */

#define GOAL_MAX_EVALS 64
#define GOAL_MAX_ITER 40

/* The function GSL's Brent solver calls: memoised, errors kept for the caller. */
typedef struct goal_ctx {
    const roi_model *m;
    const roi_sim_opts *base;
    const roi_goal_spec *g;
    size_t trials;
    roi_error *err;
    roi_status st;
    int n;                           /* evaluations cached */
    double x[GOAL_MAX_EVALS], f[GOAL_MAX_EVALS], se[GOAL_MAX_EVALS];
} goal_ctx;

/* stat(x) - target, and its se, evaluating the model only for a new x. */
static double goal_f(goal_ctx *c, double x, double *se)
{
    for (int i = 0; i < c->n; i++)
        if (c->x[i] == x) {
            if (se)
                *se = c->se[i];
            return c->f[i];
        }
    if (c->st != ROI_OK || c->n == GOAL_MAX_EVALS)
        return NAN;
    roi_override ovr = {c->g->node, c->g->mode, x};
    double v = NAN, s = NAN;
    c->st = evaluate(c->m, c->base, c->trials, &ovr, 1, &c->g->stat, &v, &s, c->err);
    if (c->st != ROI_OK)
        return NAN;
    c->x[c->n] = x;
    c->f[c->n] = v - c->g->target;
    c->se[c->n] = s;
    if (se)
        *se = s;
    return c->f[c->n++];
}

static double goal_gsl(double x, void *params)
{
    return goal_f(params, x, NULL);
}

/* Whether the statistic at the range's ends, f_lo and f_hi (minus the target),
 * brackets the target; when not, res says so and why. */
static int bracketed(const goal_ctx *c, roi_goal_result *res, double f_lo, double f_hi)
{
    const roi_goal_spec *g = c->g;
    res->stat_low = f_lo + g->target;
    res->stat_high = f_hi + g->target;
    if (!isnan(f_lo) && !isnan(f_hi) && !(f_lo > 0 && f_hi > 0) && !(f_lo < 0 && f_hi < 0))
        return 1;
    res->status = ROI_GOAL_NOT_BRACKETED;
    snprintf(res->message, sizeof res->message,
             "goal '%s': %s of %s is %.6g at %s = %.6g and %.6g at %s = %.6g; the "
             "target %.6g is not reached within [%.6g, %.6g] (widen low/high)",
             g->name, g->stat_name, roi_output_name(g->stat.output), res->stat_low,
             g->input, g->low, res->stat_high, g->input, g->high, g->target, g->low,
             g->high);
    res->evaluations = c->n;
    return 0;
}

/*
 * Brent's method on [low, high], whose ends bracket the target, into *root and
 * res->status (FOUND or NOT_CONVERGED). Locating the root much more finely than its
 * Monte Carlo uncertainty buys nothing: it stops when the interval is tiny or
 * |stat - target| < se / 4.
 */
static roi_status brent(goal_ctx *c, roi_goal_result *res, double *root, roi_error *err)
{
    const roi_goal_spec *g = c->g;
    roi_status st = ROI_OK;
    gsl_function fn = {goal_gsl, c};
    gsl_root_fsolver *solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!solver || gsl_root_fsolver_set(solver, &fn, g->low, g->high) != GSL_SUCCESS) {
        st = c->st != ROI_OK ? c->st : roi_error_set(err, ROI_ERR_NOMEM, "", "root solver failed");
        goto cleanup;
    }
    res->status = ROI_GOAL_NOT_CONVERGED;
    double xtol = 1e-6 * (g->high - g->low);
    *root = 0.5 * (g->low + g->high);
    for (int it = 0; it < GOAL_MAX_ITER; it++) {
        int rc = gsl_root_fsolver_iterate(solver);
        ROI_TRY_GOTO(st, c->st, cleanup);
        if (rc != GSL_SUCCESS)
            break;
        *root = gsl_root_fsolver_root(solver);
        double se_x = NAN, fx = goal_f(c, *root, &se_x);
        ROI_TRY_GOTO(st, c->st, cleanup);
        double a = gsl_root_fsolver_x_lower(solver), b = gsl_root_fsolver_x_upper(solver);
        if (fx == 0.0 || fabs(fx) <= 0.25 * se_x ||
            gsl_root_test_interval(a, b, xtol, 0.0) == GSL_SUCCESS) {
            res->status = ROI_GOAL_FOUND;
            break;
        }
    }
cleanup:
    if (solver)
        gsl_root_fsolver_free(solver);
    return st;
}

/* The statistic at the root, and the local slope by a central difference over 5% of
 * the range either side, with the same random numbers (so the difference carries
 * little noise), from which the root's standard error follows. */
static roi_status at_root(goal_ctx *c, roi_goal_result *res, double root)
{
    const roi_goal_spec *g = c->g;
    double se_root = NAN, f_root = goal_f(c, root, &se_root);
    double h = 0.05 * (g->high - g->low);
    double x1 = root - h < g->low ? g->low : root - h;
    double x2 = root + h > g->high ? g->high : root + h;
    double f1 = goal_f(c, x1, NULL), f2 = goal_f(c, x2, NULL);
    ROI_TRY(c->st);
    res->root = root;
    res->stat_at_root = f_root + g->target;
    res->stat_se = se_root;
    res->slope = x2 > x1 ? (f2 - f1) / (x2 - x1) : NAN;
    res->root_se = res->slope != 0.0 ? se_root / fabs(res->slope) : INFINITY;
    res->evaluations = c->n;
    if (res->status == ROI_GOAL_NOT_CONVERGED)
        snprintf(res->message, sizeof res->message,
                 "goal '%s': no convergence after %d evaluations; best estimate %.6g",
                 g->name, c->n, root);
    return ROI_OK;
}

roi_status roi_search_goal(const roi_model *m, const roi_sim_opts *base,
                           const roi_goal_spec *g, roi_goal_result *res, roi_error *err)
{
    roi_engine_init(); /* GSL's root solver reports by status, never aborts */
    roi_status st = ROI_OK;
    goal_ctx *c = calloc(1, sizeof *c);
    memset(res, 0, sizeof *res);
    res->spec = g;
    res->root = res->stat_at_root = res->stat_se = res->slope = res->root_se = NAN;
    ROI_CHECK_MEM(c, err);
    c->m = m;
    c->base = base;
    c->g = g;
    c->trials = g->trials ? g->trials : base->trials;
    c->err = err;
    res->trials = c->trials;

    double f_lo = goal_f(c, g->low, NULL), f_hi = goal_f(c, g->high, NULL);
    ROI_TRY_GOTO(st, c->st, cleanup);
    if (!bracketed(c, res, f_lo, f_hi))
        goto cleanup;
    double root = NAN;
    if (f_lo == 0.0 || f_hi == 0.0) {
        root = f_lo == 0.0 ? g->low : g->high;
        res->status = ROI_GOAL_FOUND;
    } else {
        ROI_TRY_GOTO(st, brent(c, res, &root, err), cleanup);
    }
    st = at_root(c, res, root);
cleanup:
    free(c);
    return st;
}

/* ---- sweeps ---------------------------------------------------------------------------------- */

roi_status roi_search_sweep(const roi_model *m, const roi_sim_opts *base,
                            const roi_sweep_spec *s, roi_sweep_result *res, roi_error *err)
{
    memset(res, 0, sizeof *res);
    res->spec = s;
    res->trials = s->trials ? s->trials : base->trials;
    res->rows = s->n_values[0];
    res->cols = s->n_inputs > 1 ? s->n_values[1] : 1;
    size_t cells = (size_t)res->rows * (size_t)res->cols;
    res->stat = malloc((cells ? cells : 1) * sizeof *res->stat);
    res->se = malloc((cells ? cells : 1) * sizeof *res->se);
    if (!res->stat || !res->se)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    for (int r = 0; r < res->rows; r++) {
        for (int col = 0; col < res->cols; col++) {
            roi_override ovr[2] = {{s->node[0], s->mode, s->values[0][r]},
                                   {s->node[1], s->mode, s->n_inputs > 1 ? s->values[1][col] : 0}};
            size_t cell = (size_t)r * (size_t)res->cols + (size_t)col;
            roi_status st = evaluate(m, base, res->trials, ovr, s->n_inputs, &s->stat,
                                     &res->stat[cell], &res->se[cell], err);
            if (st != ROI_OK)
                return st;
        }
    }
    return ROI_OK;
}

void roi_search_sweep_free(roi_sweep_result *res)
{
    if (!res)
        return;
    free(res->stat);
    free(res->se);
    res->stat = res->se = NULL;
}

/* ---- convergence ---------------------------------------------------------------------------- */

static size_t whole_blocks(double n)
{
    double blocks = ceil(n / ROI_BLOCK);
    return (size_t)(blocks < 1 ? 1 : blocks) * ROI_BLOCK;
}

roi_status roi_search_precision(const roi_model *m, const roi_sim_opts *opts, double rel,
                                size_t max_trials, roi_run **out, roi_convergence *conv,
                                roi_error *err)
{
    roi_sim_opts o = *opts;
    roi_run *run = NULL;
    *out = NULL;
    memset(conv, 0, sizeof *conv);
    conv->used = 1;
    conv->target = rel;
    conv->max_trials = max_trials;
    size_t n = whole_blocks((double)opts->trials);
    if (n > max_trials)
        n = max_trials;
    for (;;) {
        o.trials = n;
        roi_status st = roi_sim_run(m, &o, &run, err);
        if (st != ROI_OK)
            return st;
        conv->rounds++;
        const roi_summary *s = &run->summary[ROI_OUT_NPV];
        conv->trials = n;
        conv->mean = s->mean;
        conv->se = s->se;
        conv->rel = s->mean != 0.0 ? s->se / fabs(s->mean) : INFINITY;
        conv->reached = conv->rel <= rel;
        if (conv->reached || n >= max_trials)
            break;
        double want = 1.1 * (double)n * (conv->rel / rel) * (conv->rel / rel);
        if (!(want <= (double)max_trials)) /* also catches inf and NaN */
            want = (double)max_trials;
        size_t next = whole_blocks(want);
        if (next < n + n / 4)
            next = whole_blocks((double)(n + n / 4));
        if (next > max_trials)
            next = max_trials;
        roi_run_free(run);
        run = NULL;
        n = next;
    }
    *out = run;
    return ROI_OK;
}

/* ---- all of a model's declarations -------------------------------------------------------- */

void roi_search_clear(roi_search *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_sweeps; i++)
        roi_search_sweep_free(&s->sweeps[i]);
    free(s->sweeps);
    free(s->goals);
    memset(s, 0, sizeof *s);
}

roi_status roi_search_run_all(const roi_run *run, const roi_sim_opts *opts, roi_search *out,
                              roi_error *err)
{
    const roi_model *m = run->model;
    memset(out, 0, sizeof *out);
    roi_sim_opts base = *opts;
    base.seed = run->seed;
    base.trials = run->trials;
    base.sampling = run->sampling;
    if (m->n_goals > 0) {
        out->goals = calloc((size_t)m->n_goals, sizeof *out->goals);
        ROI_CHECK_MEM(out->goals, err);
        for (int i = 0; i < m->n_goals; i++) {
            out->n_goals = i + 1;
            ROI_TRY(roi_search_goal(m, &base, &m->goals[i], &out->goals[i], err));
        }
    }
    if (m->n_sweeps > 0) {
        out->sweeps = calloc((size_t)m->n_sweeps, sizeof *out->sweeps);
        ROI_CHECK_MEM(out->sweeps, err);
        for (int i = 0; i < m->n_sweeps; i++) {
            out->n_sweeps = i + 1;
            ROI_TRY(roi_search_sweep(m, &base, &m->sweeps[i], &out->sweeps[i], err));
        }
    }
    return ROI_OK;
}
