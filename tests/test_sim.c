/* test_sim.c - the Monte Carlo runner: determinism, common random numbers, bands,
 * errors. Models are built in C so the test does not depend on the Lua layer. */
#include "roi_test.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sim.h"

/* ---- a small model ------------------------------------------------------------------ */

enum { BAD_NONE, BAD_CONST_DIV0, BAD_RARE_DIV0 };

/*
 * Horizon 2025Q2, 8 quarters; one version; one surface with one stage; one schedule
 * spend line; one uplift stream; one milestone. Uncertain: "lift", "reach" (the
 * surface's addressable users), "spend_level"; with `extra`, an unused input "extra"
 * is declared first (so every node index shifts); extra == 2 adds an unused
 * discrete input "slips" in {0, 1, 2} with probabilities 0.45, 0.35, 0.2; extra == 3 adds
 * an investment lump in the first quarter whose amount is a discrete input "deal_size" in
 * {1, 2, 3} x 10^8 with probabilities 0.3, 0.5, 0.2 (so that quarter's investment has
 * three atoms). `bad` adds a lump whose amount is 1/0 in every trial (BAD_CONST_DIV0) or
 * 1/x with x ~ bernoulli(0.9998) (BAD_RARE_DIV0).
 */
static roi_model *build_model(int extra, int bad)
{
    roi_model *m = roi_model_new();
    assert_non_null(m);
    m->name = strdup("tiny");
    m->title = strdup("A tiny model");
    m->file = strdup("tiny.lua");
    if (extra)
        roi_test_uniform(m, "extra", 0.0, 1.0);
    if (extra == 2) {
        roi_error err;
        roi_dist d;
        const double v[3] = {0, 1, 2}, pr[3] = {0.45, 0.35, 0.2};
        assert_int_equal(roi_dist_discrete(&d, v, pr, 3, "slips", &err), ROI_OK);
        assert_true(roi_graph_input(&m->graph, "slips", &d, &err) >= 0);
    }
    int lift = roi_test_uniform(m, "lift", 0.01, 0.05);
    int reach = roi_test_uniform(m, "reach", 1.0e9, 2.0e9);
    int spend_level = roi_test_uniform(m, "spend_level", 0.8e9, 1.2e9);

    m->start_year = 2025;
    m->start_q = 2;
    m->periods = 8;
    m->discount = roi_test_const(m, 0.09);
    m->terminal = 1;
    m->tv_growth = roi_test_const(m, 0.02);

    m->n_versions = 1;
    m->versions = calloc(1, sizeof *m->versions);
    assert_non_null(m->versions);
    m->versions[0].name = strdup("v1");
    m->versions[0].planned = 1;
    m->versions[0].after = ROI_NONE;
    m->versions[0].slip = roi_test_const(m, 0);
    m->versions[0].score = roi_test_const(m, 52);
    m->versions[0].improvement = ROI_NONE;
    m->frontier_score = roi_test_const(m, 68);
    m->frontier_slope = roi_test_const(m, 8);
    m->quality_beta = roi_test_const(m, 0.05);
    m->gap_ref = ROI_NONE;
    m->m_lo = roi_test_const(m, 0.5);
    m->m_hi = roi_test_const(m, 1.5);
    m->people = roi_test_const(m, 3.4e9);
    m->people_growth = roi_test_const(m, 0.03);

    m->n_surfaces = 1;
    m->surfaces = calloc(1, sizeof *m->surfaces);
    assert_non_null(m->surfaces);
    roi_surface *s = &m->surfaces[0];
    s->name = strdup("app");
    s->launch = 1;
    s->delay = roi_test_const(m, 0);
    s->addressable = reach;
    s->growth = roi_test_const(m, 0.02);
    s->n_stages = 1;
    s->stages = calloc(1, sizeof *s->stages);
    assert_non_null(s->stages);
    s->stages[0].offset = 0;
    s->stages[0].share = roi_test_const(m, 1.0);
    s->ceiling = roi_test_const(m, 0.3);
    s->p = roi_test_const(m, 0.05);
    s->q = roi_test_const(m, 0.4);
    s->f0 = roi_test_const(m, 0.0);
    s->interactions = roi_test_const(m, 30);
    s->reasoning = roi_test_const(m, 0.1);

    m->n_spend = bad != BAD_NONE || extra == 3 ? 2 : 1;
    m->spend = calloc((size_t)m->n_spend, sizeof *m->spend);
    assert_non_null(m->spend);
    for (int i = 0; i < m->n_spend; i++) {
        roi_spend *sp = &m->spend[i];
        sp->growth = sp->residual_fraction = sp->residual_valuation = ROI_NONE;
        sp->heads = sp->package = sp->attrition = ROI_NONE;
        sp->unit_cost = sp->reasoning_cost = sp->cost_decline = ROI_NONE;
    }
    m->spend[0].name = strdup("compute");
    m->spend[0].kind = ROI_SPEND_SCHEDULE;
    m->spend[0].cls = ROI_CLASS_OPERATING;
    m->spend[0].from = 0;
    m->spend[0].to = 7;
    m->spend[0].amount = spend_level;
    m->spend[0].growth = roi_test_const(m, 0.0);
    if (bad != BAD_NONE) {
        roi_error err;
        int den;
        if (bad == BAD_CONST_DIV0) {
            den = roi_test_const(m, 0.0);
        } else {
            roi_dist d;
            assert_int_equal(roi_dist_bernoulli(&d, 0.9998, "gate", &err), ROI_OK);
            den = roi_graph_input(&m->graph, "gate", &d, &err);
            assert_true(den >= 0);
        }
        int amount = roi_graph_op(&m->graph, ROI_NODE_DIV, roi_test_const(m, 1.0), den, -1, &err);
        assert_true(amount >= 0);
        m->spend[1].name = strdup("deal");
        m->spend[1].kind = ROI_SPEND_LUMP;
        m->spend[1].cls = ROI_CLASS_INVESTMENT;
        m->spend[1].from = 0;
        m->spend[1].to = 0;
        m->spend[1].amount = amount;
    } else if (extra == 3) {
        roi_error err;
        roi_dist d;
        const double v[3] = {1e8, 2e8, 3e8}, pr[3] = {0.3, 0.5, 0.2};
        assert_int_equal(roi_dist_discrete(&d, v, pr, 3, "deal_size", &err), ROI_OK);
        m->spend[1].name = strdup("deal");
        m->spend[1].kind = ROI_SPEND_LUMP;
        m->spend[1].cls = ROI_CLASS_INVESTMENT;
        m->spend[1].from = 0;
        m->spend[1].to = 0;
        m->spend[1].amount = roi_graph_input(&m->graph, "deal_size", &d, &err);
        assert_true(m->spend[1].amount >= 0);
    }

    m->n_streams = 1;
    m->streams = calloc(1, sizeof *m->streams);
    assert_non_null(m->streams);
    roi_stream *st = &m->streams[0];
    st->name = strdup("ads");
    st->kind = ROI_STREAM_UPLIFT;
    st->from = 1;
    st->base = roi_test_const(m, 4.0e10);
    st->growth = roi_test_const(m, 0.1);
    st->lift = lift;
    st->rate = st->ratio = st->conversion = st->price = ROI_NONE;
    st->market = st->share = st->cap = ROI_NONE;

    m->n_milestones = 1;
    m->milestones = calloc(1, sizeof *m->milestones);
    assert_non_null(m->milestones);
    m->milestones[0].name = strdup("prob_reach_1.5e9_2026Q2");
    m->milestones[0].series = ROI_SERIES_UNIQUE_REACH;
    m->milestones[0].period = 4;
    m->milestones[0].threshold = 1.5e9;
    return m;
}

static roi_run *run_model(const roi_model *m, size_t trials, int threads)
{
    roi_sim_opts o = {.seed = 777, .trials = trials, .threads = threads};
    roi_error err;
    roi_error_clear(&err);
    roi_run *run = NULL;
    roi_status st = roi_sim_run(m, &o, &run, &err);
    if (st != ROI_OK)
        fail_msg("roi_sim_run: %s", err.msg);
    assert_non_null(run);
    return run;
}

/* Recomputes every trial's series outside the runner: the reference for bands. */
static double *series_by_trial(const roi_model *m, uint64_t seed, size_t trials)
{
    int ns = roi_model_series_count(m);
    size_t cells = (size_t)ns * (size_t)m->periods;
    double *all = malloc(trials * cells * sizeof *all);
    uint64_t *keys = malloc((size_t)m->graph.n * sizeof *keys);
    double *vals = malloc((size_t)m->graph.n * sizeof *vals);
    roi_trial_ws *ws = roi_trial_ws_new(m);
    gsl_rng *r = gsl_rng_alloc(roi_rng_philox);
    assert_true(all && keys && vals && ws && r);
    roi_graph_keys(&m->graph, seed, keys);
    double out[ROI_OUT_COUNT];
    for (size_t i = 0; i < trials; i++) {
        roi_graph_eval(&m->graph, keys, i, vals, r);
        roi_model_trial(m, vals, ws, out, all + i * cells);
    }
    gsl_rng_free(r);
    roi_trial_ws_free(ws);
    free(vals);
    free(keys);
    return all;
}

/* ---- tests -------------------------------------------------------------------------- */

static void assert_runs_identical(const roi_run *a, const roi_run *b)
{
    assert_int_equal(a->trials, b->trials);
    for (int k = 0; k < ROI_OUT_COUNT; k++) {
        assert_memory_equal(a->out[k], b->out[k], a->trials * sizeof(float));
        assert_memory_equal(a->exact, b->exact, a->trials * sizeof *a->exact);
        assert_memory_equal(&a->summary[k], &b->summary[k], sizeof(roi_summary));
    }
    assert_int_equal(a->n_series, b->n_series);
    assert_memory_equal(a->bands, b->bands,
                        (size_t)a->n_series * (size_t)a->periods * sizeof(roi_band));
    assert_memory_equal(a->milestone_prob, b->milestone_prob,
                        (size_t)a->model->n_milestones * sizeof(double));
    assert_int_equal(a->n_inputs, b->n_inputs);
    for (int i = 0; i < a->n_inputs; i++) {
        assert_int_equal(a->inputs[i].node, b->inputs[i].node);
        assert_memory_equal(&a->inputs[i].mean, &b->inputs[i].mean, sizeof(double));
        assert_memory_equal(&a->inputs[i].p5, &b->inputs[i].p5, sizeof(double));
        assert_memory_equal(&a->inputs[i].p95, &b->inputs[i].p95, sizeof(double));
    }
}

static void test_same_bits_any_thread_count(void **state)
{
    (void)state;
    roi_model *m = build_model(0, BAD_NONE);
    /* 5000 trials: four full blocks and a short one; more than the 4096-trial pilot. */
    roi_run *r1 = run_model(m, 5000, 1);
    roi_run *r1b = run_model(m, 5000, 1);
    roi_run *r2 = run_model(m, 5000, 2);
    roi_run *r3 = run_model(m, 5000, 3);
    assert_runs_identical(r1, r1b);
    assert_runs_identical(r1, r2);
    assert_runs_identical(r1, r3);
    /* Sanity: the outputs vary and the milestone is neither certain nor impossible. */
    assert_true(r1->summary[ROI_OUT_NPV].sd > 0.0);
    assert_true(r1->milestone_prob[0] > 0.0 && r1->milestone_prob[0] < 1.0);
    roi_run_free(r1);
    roi_run_free(r1b);
    roi_run_free(r2);
    roi_run_free(r3);
    roi_model_free(m);
}


/* The run keeps floats; its summaries must be those of the exact doubles. Every trial
 * is recomputed with roi_rerun_* (and, for plain Monte Carlo, independently with
 * roi_graph_eval + roi_model_trial): the stored float and exactness bit must be its
 * rounding, and the summaries' order statistics and prob_positive the same bits as
 * roi_stats_summarize of the doubles; means to rounding. With LHS too (the rerun goes
 * through the run's sampling plan). */
static void check_summaries_exact(roi_sampling_mode mode)
{
    roi_model *m = build_model(0, BAD_NONE);
    const size_t n = 3000;
    roi_sim_opts o = {.seed = 99, .trials = n, .threads = 2, .sampling = mode};
    roi_error err;
    roi_run *run = NULL;
    assert_int_equal(roi_sim_run(m, &o, &run, &err), ROI_OK);
    double *x[ROI_OUT_COUNT], *work = malloc(n * sizeof *work);
    assert_non_null(work);
    for (int k = 0; k < ROI_OUT_COUNT; k++) {
        x[k] = malloc(n * sizeof *x[k]);
        assert_non_null(x[k]);
    }
    roi_rerun *rr = NULL;
    assert_int_equal(roi_rerun_new(run, &rr), ROI_OK);
    uint64_t keys[256];
    double vals[256], series[4096], ref[ROI_OUT_COUNT];
    assert_true(m->graph.n <= 256 && run->n_series * run->periods <= 4096);
    roi_graph_keys(&m->graph, 99, keys);
    roi_trial_ws *ws = roi_trial_ws_new(m);
    gsl_rng *r = gsl_rng_alloc(roi_rng_philox);
    assert_true(ws && r);
    for (size_t i = 0; i < n; i++) {
        double out[ROI_OUT_COUNT];
        roi_rerun_trial(rr, i, out);
        if (mode == ROI_SAMPLING_MC) {
            roi_graph_eval(&m->graph, keys, i, vals, r);
            roi_model_trial(m, vals, ws, ref, series);
            assert_memory_equal(out, ref, sizeof out);
        }
        for (int k = 0; k < ROI_OUT_COUNT; k++) {
            int exact;
            float f = roi_stats_to_float(out[k], &exact);
            assert_memory_equal(&f, &run->out[k][i], sizeof f);
            assert_int_equal(exact, run->exact[i] >> k & 1);
            x[k][i] = out[k];
        }
    }
    for (int k = 0; k < ROI_OUT_COUNT; k++) {
        roi_summary s;
        const roi_summary *a = &run->summary[k];
        assert_int_equal(roi_stats_summarize(x[k], n, work, &s), ROI_OK);
        assert_int_equal(a->n_defined, s.n_defined);
        assert_memory_equal(a->pct, s.pct, sizeof s.pct);
        assert_memory_equal(&a->min, &s.min, sizeof(double));
        assert_memory_equal(&a->max, &s.max, sizeof(double));
        assert_memory_equal(&a->prob_positive, &s.prob_positive, sizeof(double));
        assert_near(a->mean, s.mean, 1e-13 * (fabs(s.min) + fabs(s.max)));
        assert_near(a->sd, s.sd, 1e-12 * s.sd);
        assert_near(a->cvar5, s.cvar5, 1e-7 * (fabs(s.min) + fabs(s.max)));
        double p37;
        assert_int_equal(roi_run_percentile(run, (roi_output)k, 0.37, &p37), ROI_OK);
        if (s.n_defined > 0) {
            double want = roi_stats_percentile_sorted(work, s.n_defined, 0.37);
            assert_memory_equal(&p37, &want, sizeof p37);
        }
        free(x[k]);
    }
    gsl_rng_free(r);
    roi_trial_ws_free(ws);
    roi_rerun_free(rr);
    free(work);
    roi_run_free(run);
    roi_model_free(m);
}

static void test_summaries_exact_from_floats(void **state)
{
    (void)state;
    check_summaries_exact(ROI_SAMPLING_MC);
    check_summaries_exact(ROI_SAMPLING_LHS);
}

static void test_milestone_and_mean_exact(void **state)
{
    (void)state;
    roi_model *m = build_model(0, BAD_NONE);
    size_t n = 3000;
    roi_run *run = run_model(m, n, 2);
    double *all = series_by_trial(m, run->seed, n);
    size_t cells = (size_t)run->n_series * (size_t)run->periods;
    /* Milestone: a count of trials, so exactly the recomputed share. */
    size_t hits = 0;
    size_t cell = (size_t)ROI_SERIES_UNIQUE_REACH * (size_t)run->periods + 4;
    for (size_t i = 0; i < n; i++)
        hits += all[i * cells + cell] >= 1.5e9;
    assert_true(run->milestone_prob[0] == (double)hits / (double)n);
    /* Means: the same sum up to rounding (the runner sums per block). */
    for (size_t c = 0; c < cells; c++) {
        double s = 0.0, mx = 0.0;
        for (size_t i = 0; i < n; i++) {
            s += all[i * cells + c];
            if (fabs(all[i * cells + c]) > mx)
                mx = fabs(all[i * cells + c]);
        }
        assert_near(run->bands[c].mean, s / (double)n, 1e-12 * mx + 1e-300);
    }
    free(all);
    roi_run_free(run);
    roi_model_free(m);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Checks every band of an n-trial run against exact percentiles of the recomputed
 * series: within one bin width wherever the documented bound applies. */
static void check_band_quantiles(size_t n, int threads)
{
    roi_model *m = build_model(0, BAD_NONE);
    size_t n_pilot = 4096;
    roi_run *run = run_model(m, n, threads);
    double *all = series_by_trial(m, run->seed, n);
    size_t cells = (size_t)run->n_series * (size_t)run->periods;
    double *col = malloc(n * sizeof *col);
    assert_non_null(col);
    double worst = 0.0; /* largest error in units of bin width, for docs */
    for (size_t c = 0; c < cells; c++) {
        double pmin = INFINITY, pmax = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            col[i] = all[i * cells + c];
            if (i < n_pilot) {
                pmin = fmin(pmin, col[i]);
                pmax = fmax(pmax, col[i]);
            }
        }
        qsort(col, n, sizeof *col, cmp_double);
        const roi_band *b = &run->bands[c];
        double exact[3] = {roi_stats_percentile_sorted(col, n, 0.10),
                           roi_stats_percentile_sorted(col, n, 0.50),
                           roi_stats_percentile_sorted(col, n, 0.90)};
        double got[3] = {b->p10, b->p50, b->p90};
        if (col[0] == col[n - 1]) { /* a constant cell is reported exactly */
            for (int k = 0; k < 3; k++)
                assert_true(got[k] == col[0]);
            assert_true(b->mean == col[0]);
            continue;
        }
        /* Documented bound: one bin width = 1.5 * pilot span / 2048 (plus rounding). */
        double width = 1.5 * (pmax - pmin) / 2048.0;
        for (int k = 0; k < 3; k++) {
            /* Cells outside the pilot range (rare here) have no bin-width bound. */
            if (exact[k] < pmin - 0.25 * (pmax - pmin) || exact[k] > pmax + 0.25 * (pmax - pmin))
                continue;
            assert_true(width > 0.0);
            assert_near(got[k], exact[k], width * (1.0 + 1e-9));
            if (fabs(got[k] - exact[k]) / width > worst)
                worst = fabs(got[k] - exact[k]) / width;
        }
    }
    print_message("band quantiles: worst error %.3f bin widths over %zu cells, %zu trials\n",
                  worst, cells, n);
    free(col);
    free(all);
    roi_run_free(run);
    roi_model_free(m);
}

static void test_band_quantiles_within_bound(void **state)
{
    (void)state;
    check_band_quantiles(20000, 2);
}

/* The bound again with 70000 trials on one thread (the measured error shrinks as the
 * bins fill; test_band_counts_exact checks the counts themselves, bit for bit, where
 * the 8-bit counters wrap). */
static void test_band_quantiles_more_trials(void **state)
{
    (void)state;
    check_band_quantiles(70000, 1);
}

/* ---- a plain histogram: the reference for the runner's counters ---------------------- */

#define REF_BINS 2048 /* docs/statistics.md: bins per cell */

/* One cell's histogram as docs/statistics.md describes it, counted in 64 bits. */
typedef struct ref_hist {
    double lo, inv_width, width;
    double min, max;              /* over every trial */
    uint64_t count[REF_BINS + 2]; /* [0] underflow, [1..2048] bins, [2049] overflow */
} ref_hist;

/* The documented range from the pilot's extremes. */
static void ref_set_range(ref_hist *h, double mn, double mx)
{
    double lo = -1.0, hi = 1.0;
    if (mx > mn) {
        lo = mn - 0.25 * (mx - mn);
        hi = mx + 0.25 * (mx - mn);
    } else if (mn == mx) {
        double half = mn != 0.0 ? 0.25 * fabs(mn) : 1.0;
        lo = mn - half;
        hi = mn + half;
    }
    if (!isfinite(hi - lo) || !(hi > lo)) {
        lo = -1.0;
        hi = 1.0;
    }
    h->lo = lo;
    h->width = (hi - lo) / REF_BINS;
    h->inv_width = REF_BINS / (hi - lo);
}

static void ref_count(ref_hist *h, double v)
{
    double f = (v - h->lo) * h->inv_width;
    if (!(f >= 0.0))
        h->count[0]++;
    else if (f >= REF_BINS)
        h->count[REF_BINS + 1]++;
    else
        h->count[1 + (int)f]++;
    h->min = fmin(h->min, v);
    h->max = fmax(h->max, v);
}

/* The documented estimate of the r-th order statistic (0-based) of n values. */
static double ref_order_stat(const ref_hist *h, uint64_t n, uint64_t r)
{
    if (r == 0)
        return h->min;
    if (r >= n - 1)
        return h->max;
    uint64_t under = h->count[0], over = h->count[REF_BINS + 1];
    double x = h->max;
    if (r < under) {
        x = h->min + ((double)r / (double)under) * (h->lo - h->min);
    } else if (r >= n - over) {
        double hi = h->lo + REF_BINS * h->width;
        x = hi + ((double)(r - (n - over) + 1) / (double)over) * (h->max - hi);
    } else {
        uint64_t cum = under;
        for (int j = 0; j < REF_BINS; j++) {
            uint64_t cnt = h->count[1 + j];
            if (r < cum + cnt) {
                double within = ((double)(r - cum) + 0.5) / (double)cnt;
                x = h->lo + ((double)j + within) * h->width;
                break;
            }
            cum += cnt;
        }
    }
    return fmin(fmax(x, h->min), h->max);
}

/* PERCENTILE.INC between the two estimated order statistics around rank (n - 1) p. */
static double ref_quantile(const ref_hist *h, uint64_t n, double p)
{
    if (h->min == h->max)
        return h->min;
    double rank = (double)(n - 1) * p;
    uint64_t r0 = (uint64_t)floor(rank);
    double frac = rank - (double)r0;
    double a = ref_order_stat(h, n, r0);
    if (frac == 0.0 || r0 + 1 >= n)
        return a;
    return a + frac * (ref_order_stat(h, n, r0 + 1) - a);
}

/*
 * The runner counts histogram hits in 8-bit counters that carry 256 into a 32-bit total
 * each time they wrap. Over 200,000 trials the three atoms of the lump quarter's
 * investment (extra == 3) wrap their slots hundreds of times, and the busiest bins of the
 * other cells once or twice; every band, with one thread and with two, must still be bit
 * for bit what a plain 64-bit count of the same trials gives (a lost or doubled carry
 * shifts every rank above its slot, and an atom's count sets where in its bin its
 * quantiles fall).
 */
static void test_band_counts_exact(void **state)
{
    (void)state;
    roi_model *m = build_model(3, BAD_NONE);
    const size_t n = 200000, n_pilot = 4096;
    roi_run *runs[2] = {run_model(m, n, 1), run_model(m, n, 2)};
    size_t cells = (size_t)runs[0]->n_series * (size_t)runs[0]->periods;
    ref_hist *ref = calloc(cells, sizeof *ref);
    double *series = malloc(cells * sizeof *series);
    uint64_t *keys = malloc((size_t)m->graph.n * sizeof *keys);
    double *vals = malloc((size_t)m->graph.n * sizeof *vals);
    roi_trial_ws *ws = roi_trial_ws_new(m);
    gsl_rng *r = gsl_rng_alloc(roi_rng_philox);
    assert_true(ref && series && keys && vals && ws && r);
    roi_graph_keys(&m->graph, runs[0]->seed, keys);
    double out[ROI_OUT_COUNT];
    for (size_t c = 0; c < cells; c++) {
        ref[c].min = INFINITY;
        ref[c].max = -INFINITY;
    }
    for (size_t i = 0; i < n_pilot; i++) { /* the pilot's extremes set the ranges */
        roi_graph_eval(&m->graph, keys, i, vals, r);
        roi_model_trial(m, vals, ws, out, series);
        for (size_t c = 0; c < cells; c++) {
            ref[c].min = fmin(ref[c].min, series[c]);
            ref[c].max = fmax(ref[c].max, series[c]);
        }
    }
    for (size_t c = 0; c < cells; c++) {
        ref_set_range(&ref[c], ref[c].min, ref[c].max);
        ref[c].min = INFINITY;
        ref[c].max = -INFINITY;
    }
    for (size_t i = 0; i < n; i++) {
        roi_graph_eval(&m->graph, keys, i, vals, r);
        roi_model_trial(m, vals, ws, out, series);
        for (size_t c = 0; c < cells; c++)
            ref_count(&ref[c], series[c]);
    }
    size_t wrapped = 0, varying = 0; /* slots counted past 255 in cells that vary */
    uint64_t busiest = 0;
    for (size_t c = 0; c < cells; c++) {
        if (ref[c].min == ref[c].max)
            continue;
        varying++;
        for (int j = 0; j < REF_BINS + 2; j++) {
            wrapped += ref[c].count[j] > 255;
            if (ref[c].count[j] > busiest)
                busiest = ref[c].count[j];
        }
        double want[3] = {ref_quantile(&ref[c], n, 0.10), ref_quantile(&ref[c], n, 0.50),
                          ref_quantile(&ref[c], n, 0.90)};
        for (int k = 0; k < 2; k++) {
            const roi_band *b = &runs[k]->bands[c];
            double got[3] = {b->p10, b->p50, b->p90};
            if (memcmp(got, want, sizeof got) != 0)
                fail_msg("cell %zu, %d thread(s): p10/p50/p90 %.17g %.17g %.17g, plain "
                         "counts give %.17g %.17g %.17g", c, k + 1, got[0], got[1], got[2],
                         want[0], want[1], want[2]);
        }
    }
    print_message("band counts: %zu slots over 255 in %zu varying cells, busiest %" PRIu64
                  "\n", wrapped, varying, busiest);
    /* The test means something only if counters wrap, many times. */
    assert_true(varying > 0 && wrapped >= 100 && busiest > 100 * 256);
    gsl_rng_free(r);
    roi_trial_ws_free(ws);
    free(vals);
    free(keys);
    free(series);
    free(ref);
    roi_run_free(runs[0]);
    roi_run_free(runs[1]);
    roi_model_free(m);
}

/* The scheduling granularity (--block-size) never changes a result: blocks of
 * ROI_BLOCK trials stay the unit of reduction whatever is handed to a thread. */
static void test_same_bits_any_block_size(void **state)
{
    (void)state;
    roi_model *m = build_model(2, BAD_NONE);
    roi_run *ref = run_model(m, 9000, 1);
    const size_t sizes[] = {1, 1024, 1500, 4096, 1u << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (int threads = 2; threads <= 3; threads++) {
            roi_sim_opts o = {.seed = 777, .trials = 9000, .threads = threads,
                              .block_size = sizes[k]};
            roi_error err;
            roi_error_clear(&err);
            roi_run *run = NULL;
            assert_int_equal(roi_sim_run(m, &o, &run, &err), ROI_OK);
            assert_runs_identical(ref, run);
            assert_true(run->seconds_simulation >= 0.0 && run->seconds_statistics >= 0.0);
            roi_run_free(run);
        }
    }
    roi_run_free(ref);
    roi_model_free(m);
}

/* Goal seeks and sweeps run with outputs_only: no pilot and no per-period cells, but
 * the same outputs, exactness flags and summaries, bit for bit; what was skipped is NaN
 * rather than a plausible number. A trial with a non-finite output still fails. */
static void test_outputs_only_same_outputs(void **state)
{
    (void)state;
    roi_model *m = build_model(2, BAD_NONE);
    for (int threads = 1; threads <= 2; threads++) {
        roi_run *ref = run_model(m, 6000, threads);
        roi_sim_opts o = {.seed = 777, .trials = 6000, .threads = threads, .outputs_only = 1};
        roi_error err;
        roi_error_clear(&err);
        roi_run *run = NULL;
        assert_int_equal(roi_sim_run(m, &o, &run, &err), ROI_OK);
        for (int k = 0; k < ROI_OUT_COUNT; k++) {
            assert_memory_equal(run->out[k], ref->out[k], run->trials * sizeof(float));
            assert_memory_equal(&run->summary[k], &ref->summary[k], sizeof(roi_summary));
        }
        assert_memory_equal(run->exact, ref->exact, run->trials * sizeof *run->exact);
        assert_true(isnan(run->bands[0].p50) && isnan(run->bands[0].mean));
        assert_true(isnan(run->milestone_prob[0]));
        assert_true(run->n_inputs > 0 && isnan(run->inputs[0].p5));
        roi_run_free(run);
        roi_run_free(ref);
    }
    roi_model_free(m);

    m = build_model(0, BAD_CONST_DIV0);
    roi_sim_opts o = {.seed = 4242, .trials = 3000, .threads = 2, .outputs_only = 1};
    roi_error err;
    roi_error_clear(&err);
    roi_run *run = NULL;
    assert_int_equal(roi_sim_run(m, &o, &run, &err), ROI_ERR_NUMERIC);
    assert_null(run);
    assert_non_null(strstr(err.msg, "trial 0 (seed 4242) gave "));
    roi_model_free(m);
}

static const roi_input_stats *input_named(const roi_run *run, const char *name)
{
    int node = roi_graph_find_input(&run->model->graph, name);
    for (int i = 0; i < run->n_inputs; i++)
        if (run->inputs[i].node == node)
            return &run->inputs[i];
    return NULL;
}

static void test_common_random_numbers(void **state)
{
    (void)state;
    roi_model *a = build_model(0, BAD_NONE);
    roi_model *b = build_model(1, BAD_NONE); /* an extra input, declared first */
    roi_run *ra = run_model(a, 6000, 2);
    roi_run *rb = run_model(b, 6000, 3);
    assert_int_equal(rb->n_inputs, ra->n_inputs + 1);
    const char *names[] = {"lift", "reach", "spend_level"};
    for (int i = 0; i < 3; i++) {
        const roi_input_stats *x = input_named(ra, names[i]);
        const roi_input_stats *y = input_named(rb, names[i]);
        assert_non_null(x);
        assert_non_null(y);
        assert_true(x->node != y->node);
        assert_memory_equal(&x->mean, &y->mean, sizeof(double));
        assert_memory_equal(&x->p5, &y->p5, sizeof(double));
        assert_memory_equal(&x->p95, &y->p95, sizeof(double));
    }
    /* "extra" is used nowhere, so every trial's outputs are unchanged. */
    for (int k = 0; k < ROI_OUT_COUNT; k++)
        assert_memory_equal(ra->out[k], rb->out[k], ra->trials * sizeof(float));
    /* And the inputs are sampled as declared: uniform(0.01, 0.05) has mean 0.03 and
     * sd 0.04/sqrt(12); 4 standard errors over 6000 trials. */
    const roi_input_stats *lift = input_named(ra, "lift");
    assert_near(lift->mean, 0.03, 4.0 * 0.04 / sqrt(12.0) / sqrt(6000.0));
    /* p5 of that uniform is 0.012; the histogram estimate's sampling sd is about
     * sqrt(0.05*0.95/6000)*0.04 = 3.6e-4: 4 SE plus one bin width. */
    assert_near(lift->p5, 0.012, 4.0 * 3.6e-4 + 0.06 / 2048.0);
    assert_near(lift->p95, 0.048, 4.0 * 3.6e-4 + 0.06 / 2048.0);
    roi_run_free(ra);
    roi_run_free(rb);
    roi_model_free(a);
    roi_model_free(b);
}

static void test_integer_input_quantiles_exact(void **state)
{
    (void)state;
    roi_model *m = build_model(2, BAD_NONE);
    roi_run *run = run_model(m, 6000, 2);
    const roi_input_stats *s = input_named(run, "slips");
    assert_non_null(s);
    /* P(p5 != 0) and P(p95 != 2) are below 1e-100 with 6000 trials. */
    assert_true(s->p5 == 0.0);
    assert_true(s->p95 == 2.0);
    /* mean 0.35 + 0.4 = 0.75, sd sqrt(0.35 + 0.8 - 0.5625) = 0.7665: 4 SE */
    assert_near(s->mean, 0.75, 4.0 * 0.7665 / sqrt(6000.0));
    roi_run_free(run);
    roi_model_free(m);
}

static void test_zero_trials_is_usage(void **state)
{
    (void)state;
    roi_model *m = build_model(0, BAD_NONE);
    roi_sim_opts o = {.seed = 1, .trials = 0, .threads = 1};
    roi_error err;
    roi_run *run = (roi_run *)&o; /* must be reset to NULL */
    assert_int_equal(roi_sim_run(m, &o, &run, &err), ROI_ERR_USAGE);
    assert_null(run);
    assert_int_equal(err.status, ROI_ERR_USAGE);
    roi_run_free(NULL);
    roi_model_free(m);
}

static void test_non_finite_npv_const(void **state)
{
    (void)state;
    roi_model *m = build_model(0, BAD_CONST_DIV0);
    roi_sim_opts o = {.seed = 4242, .trials = 100, .threads = 2};
    roi_error err;
    roi_run *run = NULL;
    assert_int_equal(roi_sim_run(m, &o, &run, &err), ROI_ERR_NUMERIC);
    assert_null(run);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "scenario tiny: trial 0 (seed 4242) gave "));
    assert_non_null(strstr(err.msg, "rerun with --seed 4242 to reproduce"));
    roi_model_free(m);
}

static void test_non_finite_first_trial_reported(void **state)
{
    (void)state;
    roi_model *m = build_model(0, BAD_RARE_DIV0);
    /* The first trial whose gate is 0, found outside the runner. */
    uint64_t seed = 99;
    size_t n = 20000, first = SIZE_MAX;
    uint64_t *keys = malloc((size_t)m->graph.n * sizeof *keys);
    double *vals = malloc((size_t)m->graph.n * sizeof *vals);
    gsl_rng *r = gsl_rng_alloc(roi_rng_philox);
    assert_true(keys && vals && r);
    roi_graph_keys(&m->graph, seed, keys);
    int gate = roi_graph_find_input(&m->graph, "gate");
    for (size_t i = 0; i < n && first == SIZE_MAX; i++) {
        roi_graph_eval(&m->graph, keys, i, vals, r);
        if (vals[gate] == 0.0)
            first = i;
    }
    gsl_rng_free(r);
    free(vals);
    free(keys);
    if (first == SIZE_MAX)
        skip(); /* cannot happen with this seed (p = 0.0002 per trial over 20000) */
    char want[128];
    snprintf(want, sizeof want, "scenario tiny: trial %zu (seed 99) gave ", first);
    char msg1[768] = "";
    for (int threads = 1; threads <= 3; threads++) {
        roi_sim_opts o = {.seed = seed, .trials = n, .threads = threads};
        roi_error err;
        roi_run *run = NULL;
        assert_int_equal(roi_sim_run(m, &o, &run, &err), ROI_ERR_NUMERIC);
        assert_null(run);
        if (!strstr(err.msg, want))
            fail_msg("threads %d: got \"%s\", expected it to contain \"%s\"", threads,
                     err.msg, want);
        if (threads == 1)
            snprintf(msg1, sizeof msg1, "%s", err.msg);
        else
            assert_string_equal(err.msg, msg1);
    }
    print_message("first failing trial %zu: %s\n", first, msg1);
    roi_model_free(m);
}

typedef struct progress_log {
    size_t calls, last, total;
    int monotone;
} progress_log;

static void on_progress(void *ud, size_t done, size_t total)
{
    progress_log *p = ud;
    if (done < p->last)
        p->monotone = 0;
    p->last = done;
    p->total = total;
    p->calls++;
}

static void test_progress(void **state)
{
    (void)state;
    roi_model *m = build_model(0, BAD_NONE);
    progress_log log = {0, 0, 0, 1};
    roi_sim_opts o = {.seed = 5, .trials = 2500, .threads = 2, .progress = on_progress,
                      .progress_ud = &log};
    roi_error err;
    roi_run *run = NULL;
    assert_int_equal(roi_sim_run(m, &o, &run, &err), ROI_OK);
    assert_true(log.calls >= 1);
    assert_true(log.monotone);
    assert_int_equal(log.last, 2500);
    assert_int_equal(log.total, 2500);
    roi_run_free(run);
    roi_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bits_any_thread_count),
        cmocka_unit_test(test_outputs_only_same_outputs),
        cmocka_unit_test(test_summaries_exact_from_floats),
        cmocka_unit_test(test_milestone_and_mean_exact),
        cmocka_unit_test(test_band_quantiles_within_bound),
        cmocka_unit_test(test_band_quantiles_more_trials),
        cmocka_unit_test(test_band_counts_exact),
        cmocka_unit_test(test_same_bits_any_block_size),
        cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_integer_input_quantiles_exact),
        cmocka_unit_test(test_zero_trials_is_usage),
        cmocka_unit_test(test_non_finite_npv_const),
        cmocka_unit_test(test_non_finite_first_trial_reported),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
