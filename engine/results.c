/*
 * results.c - the pipeline from loaded models to results, and the statistics only the
 * reports need (see results.h).
 *
 * Each scenario runs to the end (run, goal seeks and sweeps, analysis) before the next
 * starts, so at most one scenario's analysis buffers are alive at a time; the
 * comparisons come last because each needs the reference's run. Timings are wall-clock
 * and go to roi_timings only: no clock reaches a result.
 */
#include "results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

/* ---- the up-front check --------------------------------------------------------------- */

roi_status roi_results_check(const roi_model *const *models, int n,
                             const roi_analysis_opts *extra, roi_error *err)
{
    for (int k = 0; k < extra->n_given; k++) {
        roi_status first = ROI_OK;
        int applies = 0;
        for (int i = 0; i < n && !applies; i++) {
            roi_error e;
            roi_status st = roi_analysis_given_check(models[i], extra->given[k], "--given", &e);
            applies = st == ROI_OK;
            if (!applies && first == ROI_OK) {
                first = st;
                if (err)
                    *err = e;
            }
        }
        if (!applies)
            return first;
    }
    for (int k = 0; k < extra->n_stress; k++) {
        int applies = 0;
        for (int i = 0; i < n && !applies; i++)
            applies = roi_analysis_stress_applies(models[i], &extra->stress[k]);
        if (!applies)
            return roi_error_set(err, ROI_ERR_USAGE, NULL,
                                 "--stress: no scenario has an input named '%s'",
                                 extra->stress[k].input);
    }
    return ROI_OK;
}

/* ---- one scenario ----------------------------------------------------------------------- */

/* roi_sim_opts.progress of scenario `index`: forwards to the results' callback. */
typedef struct progress_relay {
    const roi_results_opts *opts;
    int index;
    const char *name;
} progress_relay;

static void relay_progress(void *ud, size_t done, size_t total)
{
    const progress_relay *p = ud;
    p->opts->progress(p->opts->progress_ud, p->index, p->name, done, total);
}

/* Tells opts->phase (if any) that scenario i (m) starts its goal seeks and sweeps, with
 * the trials of an evaluation when a question's differ from the run's `trials`. */
static void search_phase(const roi_results_opts *opts, int i, const roi_model *m, size_t trials)
{
    if (!opts->phase || (m->n_goals == 0 && m->n_sweeps == 0))
        return;
    size_t own = 0;
    for (int g = 0; g < m->n_goals; g++)
        if (m->goals[g].trials && m->goals[g].trials != trials)
            own = m->goals[g].trials;
    for (int w = 0; w < m->n_sweeps; w++)
        if (m->sweeps[w].trials && m->sweeps[w].trials != trials)
            own = m->sweeps[w].trials;
    char text[96];
    if (own)
        snprintf(text, sizeof text, "goal seeks, %zu trials each", own);
    else
        snprintf(text, sizeof text, "goal seeks");
    opts->phase(opts->progress_ud, i, m->name, text);
}

/* Runs scenario i of r: its run, goal seeks and sweeps, and analysis. */
static roi_status run_scenario(roi_results *r, int i, const roi_model *m,
                               const roi_results_opts *opts, roi_error *err)
{
    roi_scenario_results *sc = &r->sc[i];
    roi_sim_opts so = opts->sim;
    progress_relay relay = {opts, i, m->name};
    so.progress = opts->progress ? relay_progress : NULL;
    so.progress_ud = opts->progress ? &relay : NULL;
    if (opts->precision > 0)
        ROI_TRY(roi_search_precision(m, &so, opts->precision, opts->max_trials, &sc->run,
                                     &sc->convergence, err));
    else
        ROI_TRY(roi_sim_run(m, &so, &sc->run, err));
    r->seconds.simulation += sc->run->seconds_simulation;
    r->seconds.statistics += sc->run->seconds_statistics;
    /* The goal seeks and sweeps at the run's seed, sampling and trials. */
    search_phase(opts, i, m, sc->run->trials);
    double t0 = omp_get_wtime();
    roi_status st = roi_search_run_all(sc->run, &so, &sc->search, err);
    double t1 = omp_get_wtime();
    r->seconds.search += t1 - t0;
    if (st == ROI_OK && !opts->no_analysis) {
        roi_analysis_opts ao = opts->analysis;
        if (ao.threads <= 0)
            ao.threads = opts->sim.threads;
        if (opts->phase)
            opts->phase(opts->progress_ud, i, m->name, "analysis");
        st = roi_analysis_run(sc->run, &ao, &sc->analysis, err);
    }
    r->seconds.analysis += omp_get_wtime() - t1;
    return st;
}

/* ---- the comparisons ------------------------------------------------------------------ */

/* Paired comparison of npv of every analysed scenario with the reference: the first
 * scenario named `compare`, else the first named "base", else (a user's own set of
 * scenarios, which need not have a "base") the first of a run of several. */
static roi_status compare_all(roi_results *r, const char *compare, roi_error *err)
{
    const char *ref_name = compare ? compare : "base";
    r->reference = -1;
    for (int i = 0; i < r->n && r->reference < 0; i++) {
        const char *name = r->sc[i].run->model->name;
        if (name && !strcmp(name, ref_name))
            r->reference = i;
    }
    if (r->reference < 0 && compare)
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "--compare: no scenario named '%s' was run", compare);
    if (r->reference < 0 && r->n > 1)
        r->reference = 0;
    if (r->reference < 0)
        return ROI_OK;
    const roi_run *ref = r->sc[r->reference].run;
    for (int i = 0; i < r->n; i++) {
        roi_scenario_results *sc = &r->sc[i];
        if (i == r->reference || !sc->analysis)
            continue;
        ROI_TRY(roi_analysis_paired(sc->run, ref, ROI_OUT_NPV, &sc->paired, err));
    }
    return ROI_OK;
}

/* ---- the decisions --------------------------------------------------------------------- */

/* The index of the first scenario run named `name`, or -1. */
static int scenario_named(const roi_results *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (r->sc[i].run->model->name && strcmp(r->sc[i].run->model->name, name) == 0)
            return i;
    return -1;
}

static int decided(const roi_results *r, const char *name)
{
    for (int k = 0; k < r->n_decisions; k++)
        if (strcmp(r->decisions[k].name, name) == 0)
            return 1;
    return 0;
}

/* Decision spec of scenario `home`, with its options' runs (or, when one was not run,
 * only its name and the missing option). */
static roi_status decide(roi_results *r, int home, const roi_decision_spec *spec, int threads,
                         roi_error *err)
{
    roi_decision_result *out = &r->decisions[r->n_decisions];
    const roi_run **runs = calloc((size_t)spec->n_options, sizeof *runs);
    ROI_CHECK_MEM(runs, err);
    int home_option = 0;
    const char *missing = NULL;
    for (int d = 0; d < spec->n_options && !missing; d++) {
        int i = scenario_named(r, spec->options[d]);
        if (i < 0)
            missing = spec->options[d];
        else
            runs[d] = r->sc[i].run;
        if (i == home)
            home_option = d;
    }
    roi_status st = ROI_OK;
    if (missing) {
        memset(out, 0, sizeof *out);
        out->name = malloc(strlen(spec->name) + 1);
        out->missing = malloc(strlen(missing) + 1);
        if (out->name && out->missing) {
            strcpy(out->name, spec->name);
            strcpy(out->missing, missing);
        } else {
            st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        }
    } else {
        double t0 = omp_get_wtime();
        st = roi_decision_run(spec, runs, home_option, threads, out, err);
        out->seconds = omp_get_wtime() - t0;
    }
    r->n_decisions++; /* cleared with the results, also after a failure */
    free(runs);
    return st;
}

/* Every decision once, from the first scenario that declares it and is one of its
 * options (a what-if that is not an option only carries its parent's). */
static roi_status decide_all(roi_results *r, int threads, roi_error *err)
{
    int total = 0;
    for (int i = 0; i < r->n; i++)
        total += r->sc[i].run->model->n_decisions;
    r->decisions = calloc((size_t)total + 1, sizeof *r->decisions);
    ROI_CHECK_MEM(r->decisions, err);
    for (int i = 0; i < r->n; i++) {
        const roi_model *m = r->sc[i].run->model;
        for (int k = 0; k < m->n_decisions; k++) {
            const roi_decision_spec *spec = &m->decisions[k];
            int is_option = 0;
            for (int d = 0; d < spec->n_options; d++)
                is_option |= m->name && strcmp(spec->options[d], m->name) == 0;
            if (is_option && !decided(r, spec->name))
                ROI_TRY(decide(r, i, spec, threads, err));
        }
    }
    return ROI_OK;
}

/* ---- the pipeline ------------------------------------------------------------------------ */

void roi_results_free(roi_results *r)
{
    if (!r)
        return;
    for (int i = 0; r->sc && i < r->n; i++) {
        roi_run_free(r->sc[i].run);
        roi_search_clear(&r->sc[i].search);
        roi_analysis_free(r->sc[i].analysis);
    }
    free(r->sc);
    for (int k = 0; r->decisions && k < r->n_decisions; k++)
        roi_decision_clear(&r->decisions[k]);
    free(r->decisions);
    free(r);
}

roi_status roi_results_run(const roi_model *const *models, int n,
                           const roi_results_opts *opts, roi_results **out, roi_error *err)
{
    roi_engine_init(); /* GSL errors as statuses, whoever calls */
    roi_status st = ROI_OK;
    *out = NULL;
    if (n < 0 || (n > 0 && !models) || !opts)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "roi_results_run: bad arguments");
    /* A --given or --stress that applies nowhere fails before any time is spent. */
    if (!opts->no_analysis)
        ROI_TRY(roi_results_check(models, n, &opts->analysis, err));
    roi_results *r = calloc(1, sizeof *r);
    if (r)
        r->sc = calloc((size_t)n + 1, sizeof *r->sc);
    ROI_CHECK_MEM_GOTO(r && r->sc, st, err, fail);
    r->n = n;
    r->reference = -1;
    for (int i = 0; i < n; i++)
        ROI_TRY_GOTO(st, run_scenario(r, i, models[i], opts, err), fail);
    if (!opts->no_analysis) {
        double t0 = omp_get_wtime();
        if (opts->phase && n > 1)
            opts->phase(opts->progress_ud, -1, NULL, "comparisons");
        st = compare_all(r, opts->compare, err);
        r->seconds.analysis += omp_get_wtime() - t0;
        if (st != ROI_OK)
            goto fail;
    }
    double t0 = omp_get_wtime();
    if (opts->phase && r->n > 0) {
        int any = 0;
        for (int i = 0; i < n; i++)
            any |= models[i]->n_decisions > 0;
        if (any)
            opts->phase(opts->progress_ud, -1, NULL, "decisions");
    }
    ROI_TRY_GOTO(st, decide_all(r, opts->sim.threads, err), fail);
    r->seconds.decisions += omp_get_wtime() - t0;
    *out = r;
    return ROI_OK;
fail:
    roi_results_free(r);
    return st;
}

/* ---- statistics for the reports ----------------------------------------------------------- */

const double roi_scurve_levels[ROI_SCURVE_POINTS] = {
    0.005, 0.01,  0.025, 0.05,  0.075, 0.1,   0.125, 0.15,  0.175, 0.2,   0.225,
    0.25,  0.275, 0.3,   0.325, 0.35,  0.375, 0.4,   0.425, 0.45,  0.475, 0.5,
    0.525, 0.55,  0.575, 0.6,   0.625, 0.65,  0.675, 0.7,   0.725, 0.75,  0.775,
    0.8,   0.825, 0.85,  0.875, 0.9,   0.925, 0.95,  0.975, 0.99,  0.995};

/* Output k's finite values over the run's trials, sorted (*v: caller frees; NULL and
 * ROI_ERR_NOMEM when out of memory). */
static roi_status finite_sorted(const roi_run *run, roi_output k, double **v, size_t *n)
{
    *n = 0;
    *v = malloc((run->trials + 1) * sizeof **v);
    if (!*v)
        return ROI_ERR_NOMEM;
    for (size_t i = 0; i < run->trials; i++) {
        double x = roi_run_value(run, k, i);
        if (isfinite(x))
            (*v)[(*n)++] = x;
    }
    return roi_stats_sort(*v, *n);
}

roi_status roi_results_distribution(const roi_run *run, roi_output k, roi_distribution *out)
{
    memset(out, 0, sizeof *out);
    for (int j = 0; j < ROI_SCURVE_POINTS; j++)
        out->scurve[j] = NAN;
    double *v;
    size_t n;
    roi_status st = finite_sorted(run, k, &v, &n);
    if (st == ROI_OK) {
        out->n = n;
        roi_stats_histogram(v, n, &out->hist);
        for (int j = 0; j < ROI_SCURVE_POINTS && n > 0; j++)
            out->scurve[j] = roi_stats_percentile_sorted(v, n, roi_scurve_levels[j]);
    }
    free(v);
    return st;
}

roi_status roi_results_histogram_on(const roi_run *run, roi_output k, const roi_histogram *grid,
                                    roi_histogram *out)
{
    double *v;
    size_t n;
    roi_status st = finite_sorted(run, k, &v, &n);
    if (st == ROI_OK)
        roi_stats_histogram_on(v, n, grid, out);
    free(v);
    return st;
}

roi_status roi_results_upper_tail_mean(const roi_run *run, roi_output k, double *out)
{
    *out = NAN;
    double *v;
    size_t n;
    roi_status st = finite_sorted(run, k, &v, &n);
    if (st == ROI_OK && n > 0) {
        size_t tail = (n + 19) / 20; /* ceil(0.05 n) */
        *out = roi_stats_sum(v + (n - tail), tail) / (double)tail;
    }
    free(v);
    return st;
}

roi_status roi_results_median_payback(const roi_run *run, int *period)
{
    *period = -1;
    size_t n = run->trials;
    if (n == 0)
        return ROI_OK;
    size_t nd = roi_run_defined(run, ROI_OUT_PAYBACK);
    /* never_share = (n - nd) / n >= 0.5: the median trial never pays back. */
    if (2 * nd <= n)
        return ROI_OK;
    /* The overall median sits at level 0.5 of all n trials; the nevers are all at the
     * top, so among the defined ones it is level 0.5 n / nd. */
    double level = 0.5 * (double)n / (double)nd, median;
    if (level > 1.0)
        level = 1.0;
    roi_status st = roi_run_percentile(run, ROI_OUT_PAYBACK, level, &median);
    if (st == ROI_OK)
        *period = (int)floor(median);
    return st;
}
