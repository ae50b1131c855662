/* test_model.c - the reference model: finance helpers, quarters, validation, and a
 * complete model without uncertainty computed by hand. */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_params.h"

/* ---- finance helpers ------------------------------------------------------------- */

static void test_bass(void **state)
{
    (void)state;
    /* p = 0.03, q = 0.38, p + q = 0.41, q/p = 12.6666...
     * tau = 1: e^-0.41 = 0.66365025014; (1 - 0.66365025) / (1 + 12.666667 * 0.66365025)
     *          = 0.33634975 / 9.40623650 = 0.0357581643
     * tau = 2: e^-0.82 = 0.44043165451; 0.55956835 / 6.57880096 = 0.0850562814
     * tau = 5: e^-2.05 = 0.12873490359; 0.87126510 / 2.63064211 = 0.3311986425 */
    assert_near(roi_bass(0.03, 0.38, 1), 0.0357581642564, 1e-12);
    assert_near(roi_bass(0.03, 0.38, 2), 0.0850562814022, 1e-12);
    assert_near(roi_bass(0.03, 0.38, 5), 0.3311986424914, 1e-12);
    /* q = 0: plain exponential 1 - e^(-p tau) */
    assert_near(roi_bass(0.1, 0, 3), 1 - exp(-0.3), 1e-15);
    assert_near(roi_bass(0.03, 0.38, 0), 0, 0);
}

static void test_npv(void **state)
{
    (void)state;
    const double a[] = {-100, 110};
    const double b[] = {100, 100, 100};
    assert_near(roi_npv(a, 2, 0.10), 0, 1e-12);
    assert_near(roi_npv(b, 3, 0), 300, 0);
    /* 100 + 100/1.25 + 100/1.5625 = 100 + 80 + 64 */
    assert_near(roi_npv(b, 3, 0.25), 244, 1e-12);
}

static void test_irr(void **state)
{
    (void)state;
    const double one_period[] = {-100, 110};       /* 110 / 100 - 1 */
    const double two_periods[] = {-100, 0, 121};   /* sqrt(121 / 100) - 1 */
    const double par_bond[] = {-100, 10, 10, 110}; /* coupon 10 on 100 at par: 10% */
    const double loss[] = {-100, 90};              /* -10% */
    /* -100 + 230 v - 132 v^2 = 0 with y = 1 + x: 100 y^2 - 230 y + 132 = 0,
     * y = (230 +- 10) / 200 = 1.1 or 1.2: the root nearest 0 is 0.10 */
    const double two_roots[] = {-100, 230, -132};
    const double all_positive[] = {100, 50};
    const double all_negative[] = {-100, -50, 0};
    const double far_root[] = {-100, 0.5}; /* root x = -0.995, below the scan */
    assert_near(roi_irr(one_period, 2), 0.10, 1e-9);
    assert_near(roi_irr(two_periods, 3), 0.10, 1e-9);
    assert_near(roi_irr(par_bond, 4), 0.10, 1e-9);
    assert_near(roi_irr(loss, 2), -0.10, 1e-9);
    assert_near(roi_irr(two_roots, 3), 0.10, 1e-9);
    assert_true(isnan(roi_irr(all_positive, 2)));
    assert_true(isnan(roi_irr(all_negative, 3)));
    assert_true(isnan(roi_irr(far_root, 2)));
    /* a rate far from the grid points: -100 + 350 = 0 at x = 2.5 */
    const double big[] = {-100, 350};
    assert_near(roi_irr(big, 2), 2.5, 1e-9);
    /* inflows first (a loan): the root's side of 0 comes from the last flow's sign */
    const double loan[] = {100, 0, -121};
    const double cheap_loan[] = {100, -90};
    assert_near(roi_irr(loan, 3), 0.10, 1e-12);
    assert_near(roi_irr(cheap_loan, 2), -0.10, 1e-12);
}

/* Long-double bisection for the root of npv in [a, b] (signs differ at the ends). */
static double irr_reference(const double *cf, int n, long double a, long double b)
{
    long double fa = 0.0L;
    for (int t = n - 1; t >= 0; t--)
        fa = fa / (1.0L + a) + cf[t];
    for (int i = 0; i < 200; i++) {
        long double mid = 0.5L * (a + b), f = 0.0L;
        for (int t = n - 1; t >= 0; t--)
            f = f / (1.0L + mid) + cf[t];
        if ((f < 0.0L) == (fa < 0.0L)) {
            a = mid;
            fa = f;
        } else {
            b = mid;
        }
    }
    return (double)(0.5L * (a + b));
}

static void test_irr_one_sign_change(void **state)
{
    (void)state;
    /* npv dips between its root and 0: ten outflows of 100, one inflow at t = 22 sized
     * for a root at -0.2. npv(0) < 0 but npv'(0) > 0, so Newton on npv from 0 steps
     * away from the root (to +0.25); the solver works on (1+x)^k npv, monotone. */
    double dip[23] = {0};
    double inflow = 0.0;
    for (int t = 0; t < 10; t++) {
        dip[t] = -100;
        inflow += 100 * pow(1.25, t);
    }
    dip[22] = inflow / pow(1.25, 22);
    assert_near(roi_irr(dip, 23), irr_reference(dip, 23, -0.3, -0.1), 1e-15);
    assert_near(roi_irr(dip, 23), -0.2, 1e-12);

    /* Project shapes (outflows, then inflows) with roots from 1e-6 to 0.5 in size, both
     * signs: within 1e-15 (absolute below 1, relative above) of a long-double
     * bisection. Relative to the root, that is 1e-12 only for |x| >~ 1e-3: npv itself
     * is computed to ~1e-16 of its terms, which bounds any solver. */
    uint64_t seed = 7;
    for (int i = 0; i < 2000; i++) {
        double cf[23];
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        double x0 = pow(10.0, -6.0 + 5.7 * (double)(seed >> 11) * 0x1.0p-53);
        if (i % 2)
            x0 = -x0;
        const int k = 2 + i % 9;
        double neg = 0.0, pos = 0.0, vt = 1.0;
        for (int t = 0; t < 23; t++, vt /= 1.0 + x0) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            double u = 0.05 + (double)(seed >> 11) * 0x1.0p-53;
            cf[t] = t < k ? -u * 1e9 : u * 1e9 * (1 + 0.1 * t);
            if (t < k)
                neg -= cf[t] * vt;
            else
                pos += cf[t] * vt;
        }
        for (int t = k; t < 23; t++)
            cf[t] *= neg / pos; /* npv(x0) = 0 up to rounding */
        double ref = irr_reference(cf, 23, x0 - 0.01 - fabs(x0), x0 + 0.01 + fabs(x0));
        assert_near(roi_irr(cf, 23), ref, 1e-15 * fmax(1.0, fabs(ref)));
    }
}

static void test_payback(void **state)
{
    (void)state;
    const double a[] = {-10, 5, 5};
    const double b[] = {-10, 5, 4};
    const double c[] = {0, -5};
    const double d[] = {-10, 20, -20};
    const double e[] = {0, 0, 5};     /* never negative: no payback quarter */
    const double f[] = {0, -5, 0, 5}; /* a zero before anything is spent is not payback */
    assert_int_equal(roi_payback(a, 3), 2);
    assert_int_equal(roi_payback(b, 3), -1);
    assert_int_equal(roi_payback(c, 2), -1);
    assert_int_equal(roi_payback(d, 3), 1);
    assert_int_equal(roi_payback(e, 3), -2);
    assert_int_equal(roi_payback(f, 4), 3);
}

/* ---- quarters ----------------------------------------------------------------------- */

static void test_quarters(void **state)
{
    (void)state;
    roi_error err;
    int year = 0, q = 0;
    char buf[16];
    assert_int_equal(roi_quarter_parse("2026Q2", &year, &q, "v1.planned", &err), ROI_OK);
    assert_int_equal(year, 2026);
    assert_int_equal(q, 2);
    const char *bad[] = {"2026Q5", "2026Q0", "26Q2", "2026q2", "2026Q2x", "", "Q22026"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        roi_error_clear(&err);
        assert_int_equal(roi_quarter_parse(bad[i], &year, &q, "v1.planned", &err), ROI_ERR_PARAM);
    }
    roi_quarter_parse("2026Q5", &year, &q, "v1.planned", &err);
    assert_string_equal(err.msg, "v1.planned: must be a quarter like 2026Q2, got '2026Q5'");

    roi_model *m = roi_model_new();
    m->start_year = 2025;
    m->start_q = 2;
    assert_int_equal(roi_model_period(m, 2026, 2), 4);
    assert_int_equal(roi_model_period(m, 2025, 1), -1);
    assert_int_equal(roi_model_period(m, 2030, 4), 22);
    roi_model_period_label(m, 4, buf, sizeof buf);
    assert_string_equal(buf, "2026Q2");
    roi_model_period_label(m, 2, buf, sizeof buf);
    assert_string_equal(buf, "2025Q4");
    roi_model_period_label(m, -1, buf, sizeof buf);
    assert_string_equal(buf, "2025Q1");
    roi_model_period_label(m, -3, buf, sizeof buf);
    assert_string_equal(buf, "2024Q3");
    roi_model_free(m);
}

/* ---- a complete model without uncertainty -------------------------------------------- */

/*
 * Horizon 2025Q1..2026Q4 (T = 8), r = 1.02^4 - 1 (quarterly 2%).
 * v1 planned 2025Q3 (t = 2) + slip 1 -> t_launch = 3, score 50;
 * v2 after 2, slip 0 -> release 5, score 50 + 4 = 54.
 * Frontier F0 = 70, slope 4 a year; beta 0.1; clamp [0.5, 1.5]; G_ref = 70 - 50 = 20.
 * Family P0 = 1000, g_P = 0. Surface "app": launch 2025Q3 + delay 1 -> L = 3, A = 100,
 * g = 1.05^4 - 1, stages (0, 0.5), (2, 1), ceiling 0.9, p 0.03, q 0.38, f0 0.1, E 20,
 * rho 0.25.
 * Spend: stake lump 50 at t = 0 (investment, residual 0.5 x 80); compute schedule
 * t = 2..6 at 10 growing 1.1^4 - 1 a year (operating); people vesting from t = 1,
 * heads 2, package 8, V 4, attrition 0.1 (operating); inference from t = 3, c0 0.01,
 * k_r 5, d = 1 - 0.9^4 (operating).
 * Streams: uplift from t = 4, B0 200, g_B = 1.01^4 - 1, u 0.5; ads per_interaction from
 * t = 3, rate 0.02, ratio 0.5; subs subscription from t = 5, conversion 0.1, price 3;
 * api market_share from t = 4, M0 10, g_M = 1.2^4 - 1, share 0.5, cap 1.1.
 * Terminal value on, g_tv = 0.02.
 */
static roi_model *small_model(void)
{
    roi_model *m = roi_model_new();
    m->name = strdup("small");
    m->start_year = 2025;
    m->start_q = 1;
    m->periods = 8;
    m->discount = roi_test_const(m, pow(1.02, 4) - 1);
    m->terminal = 1;
    m->tv_growth = roi_test_const(m, 0.02);

    m->n_versions = 2;
    m->versions = calloc(2, sizeof *m->versions);
    m->versions[0] = (roi_version){.name = strdup("v1"), .planned = 2, .after = ROI_NONE,
                                   .slip = roi_test_const(m, 1), .score = roi_test_const(m, 50),
                                   .improvement = ROI_NONE};
    m->versions[1] = (roi_version){.name = strdup("v2"), .planned = ROI_PERIOD_NONE,
                                   .after = roi_test_const(m, 2), .slip = roi_test_const(m, 0),
                                   .score = ROI_NONE, .improvement = roi_test_const(m, 4)};
    m->frontier_score = roi_test_const(m, 70);
    m->frontier_slope = roi_test_const(m, 4);
    m->quality_beta = roi_test_const(m, 0.1);
    m->gap_ref = ROI_NONE;
    m->m_lo = roi_test_const(m, 0.5);
    m->m_hi = roi_test_const(m, 1.5);
    m->people = roi_test_const(m, 1000);
    m->people_growth = roi_test_const(m, 0);

    m->n_surfaces = 1;
    m->surfaces = calloc(1, sizeof *m->surfaces);
    roi_surface *s = &m->surfaces[0];
    s->name = strdup("app");
    s->launch = 2;
    s->delay = roi_test_const(m, 1);
    s->addressable = roi_test_const(m, 100);
    s->growth = roi_test_const(m, pow(1.05, 4) - 1);
    s->n_stages = 2;
    s->stages = calloc(2, sizeof *s->stages);
    s->stages[0] = (roi_stage){0, roi_test_const(m, 0.5)};
    s->stages[1] = (roi_stage){2, roi_test_const(m, 1.0)};
    s->ceiling = roi_test_const(m, 0.9);
    s->p = roi_test_const(m, 0.03);
    s->q = roi_test_const(m, 0.38);
    s->f0 = roi_test_const(m, 0.1);
    s->interactions = roi_test_const(m, 20);
    s->reasoning = roi_test_const(m, 0.25);

    m->n_spend = 4;
    m->spend = calloc(4, sizeof *m->spend);
    for (int i = 0; i < 4; i++) {
        roi_spend *l = &m->spend[i];
        l->amount = l->growth = l->residual_fraction = l->residual_valuation = ROI_NONE;
        l->heads = l->package = l->attrition = ROI_NONE;
        l->unit_cost = l->reasoning_cost = l->cost_decline = ROI_NONE;
        l->cls = ROI_CLASS_OPERATING;
    }
    m->spend[0].name = strdup("stake");
    m->spend[0].kind = ROI_SPEND_LUMP;
    m->spend[0].cls = ROI_CLASS_INVESTMENT;
    m->spend[0].from = 0;
    m->spend[0].amount = roi_test_const(m, 50);
    m->spend[0].residual_fraction = roi_test_const(m, 0.5);
    m->spend[0].residual_valuation = roi_test_const(m, 80);
    m->spend[1].name = strdup("compute");
    m->spend[1].kind = ROI_SPEND_SCHEDULE;
    m->spend[1].from = 2;
    m->spend[1].to = 6;
    m->spend[1].amount = roi_test_const(m, 10);
    m->spend[1].growth = roi_test_const(m, pow(1.1, 4) - 1);
    m->spend[2].name = strdup("people");
    m->spend[2].kind = ROI_SPEND_VESTING;
    m->spend[2].from = 1;
    m->spend[2].heads = roi_test_const(m, 2);
    m->spend[2].package = roi_test_const(m, 8);
    m->spend[2].vest_quarters = roi_test_const(m, 4);
    m->spend[2].attrition = roi_test_const(m, 0.1);
    m->spend[3].name = strdup("inference");
    m->spend[3].kind = ROI_SPEND_INFERENCE;
    m->spend[3].from = 3;
    m->spend[3].unit_cost = roi_test_const(m, 0.01);
    m->spend[3].reasoning_cost = roi_test_const(m, 5);
    m->spend[3].cost_decline = roi_test_const(m, 1 - pow(0.9, 4));

    m->n_streams = 4;
    m->streams = calloc(4, sizeof *m->streams);
    for (int i = 0; i < 4; i++) {
        roi_stream *r = &m->streams[i];
        r->base = r->growth = r->lift = r->rate = r->ratio = ROI_NONE;
        r->conversion = r->price = r->market = r->share = r->cap = ROI_NONE;
    }
    roi_stream *r = m->streams;
    r[0].name = strdup("uplift");
    r[0].kind = ROI_STREAM_UPLIFT;
    r[0].from = 4;
    r[0].base = roi_test_const(m, 200);
    r[0].growth = roi_test_const(m, pow(1.01, 4) - 1);
    r[0].lift = roi_test_const(m, 0.5);
    r[1].name = strdup("ads");
    r[1].kind = ROI_STREAM_PER_INTERACTION;
    r[1].from = 3;
    r[1].n_surfaces = 1;
    r[1].surfaces = calloc(1, sizeof(int));
    r[1].rate = roi_test_const(m, 0.02);
    r[1].ratio = roi_test_const(m, 0.5);
    r[2].name = strdup("subs");
    r[2].kind = ROI_STREAM_SUBSCRIPTION;
    r[2].from = 5;
    r[2].n_surfaces = 1;
    r[2].surfaces = calloc(1, sizeof(int));
    r[2].conversion = roi_test_const(m, 0.1);
    r[2].price = roi_test_const(m, 3);
    r[3].name = strdup("api");
    r[3].kind = ROI_STREAM_MARKET_SHARE;
    r[3].from = 4;
    r[3].market = roi_test_const(m, 10);
    r[3].growth = roi_test_const(m, pow(1.2, 4) - 1);
    r[3].share = roi_test_const(m, 0.5);
    r[3].cap = roi_test_const(m, 1.1);
    return m;
}

/* Runs one trial of a model whose nodes are all constants. */
static void run_trial(roi_model *m, double *out, double *series)
{
    double *vals = calloc((size_t)m->graph.n, sizeof *vals);
    uint64_t *keys = calloc((size_t)m->graph.n, sizeof *keys);
    roi_graph_keys(&m->graph, 1, keys);
    roi_graph_eval(&m->graph, keys, 0, vals, NULL);
    roi_trial_ws *ws = roi_trial_ws_new(m);
    assert_non_null(ws);
    roi_model_trial(m, vals, ws, out, series);
    roi_trial_ws_free(ws);
    free(vals);
    free(keys);
}

static void test_small_model_by_hand(void **state)
{
    (void)state;
    roi_model *m = small_model();
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_model_validate(m, &err), ROI_OK);

    const int T = 8;
    double out[ROI_OUT_COUNT];
    int n_series = roi_model_series_count(m);
    assert_int_equal(n_series, 8 + 4 + 4 + 1);
    double *series = calloc((size_t)n_series * T, sizeof *series);
    run_trial(m, out, series);

    /* Quality multiplier, t_launch = 3; F_t = 70 + (t - 3), S = 50 until t = 5, then 54:
     * t=3: G 20 -> m = e^0 = 1; t=4: G 21 -> e^-0.1; t=5: G = 72 - 54 = 18 -> e^0.2;
     * t=6: G 19 -> e^0.1; t=7: G 20 -> 1. All inside [0.5, 1.5]. */
    const double mult[8] = {0, 0, 0, 1, exp(-0.1), exp(0.2), exp(0.1), 1};
    const double score[8] = {0, 0, 0, 50, 50, 54, 54, 54};

    /* Surface: k = t - 3; unlocked 0.5 for k = 0, 1, then 1; R = 100 * 1.05^t * unlocked;
     * a = 0.1 + 0.9 Bass(k + 1); U = R * min(1, 0.9 m) * a (0.9 e^0.2 = 1.099 caps at 1);
     * I = 20 U. */
    double U[8] = {0}, I[8] = {0}, R[8] = {0};
    for (int t = 3; t < T; t++) {
        int k = t - 3;
        double unlocked = k >= 2 ? 1.0 : 0.5;
        R[t] = 100 * pow(1.05, t) * unlocked;
        double e = exp(-0.41 * (k + 1));
        double a = 0.1 + 0.9 * (1 - e) / (1 + (0.38 / 0.03) * e);
        double cm = 0.9 * mult[t];
        U[t] = R[t] * (cm < 1 ? cm : 1) * a;
        I[t] = 20 * U[t];
    }
    assert_true(0.9 * mult[5] > 1); /* the ceiling cap is exercised */

    /* Spend lines */
    double stake[8] = {50, 0, 0, 0, 0, 0, 0, 0};
    double compute[8] = {0, 0, 10, 11, 12.1, 13.31, 14.641, 0};
    double people[8] = {0, 4, 3.6, 3.24, 2.916, 0, 0, 0}; /* 2*8/4 = 4, times 0.9^(t-1) */
    double inference[8] = {0};
    for (int t = 3; t < T; t++) /* I ((1 - 0.25) + 5 * 0.25) 0.01 * 0.9^(t - 3) */
        inference[t] = I[t] * 2.0 * 0.01 * pow(0.9, t - 3);
    double residual = 0.5 * 80;

    /* Streams */
    double uplift[8] = {0}, ads[8] = {0}, subs[8] = {0}, api[8] = {0};
    for (int t = 0; t < T; t++) {
        /* one surface: unique(U) = P (1 - (1 - U/P)) = U */
        if (t >= 4)
            uplift[t] = 200 * pow(1.01, t) * 0.5 * U[t] / 1000;
        if (t >= 3)
            ads[t] = I[t] * 0.02 * 0.5;
        if (t >= 5)
            subs[t] = U[t] * 0.1 * 3;
        if (t >= 4)
            api[t] = 10 * pow(1.2, t - 4) * 0.5 * (mult[t] < 1.1 ? mult[t] : 1.1);
    }

    double revenue[8], opex[8], invest[8], cf[8];
    double npv_h = 0, pv_rev = 0, pv_spend = 0, tot_spend = 0, tot_rev = 0, peak = 0;
    for (int t = 0; t < T; t++) {
        revenue[t] = uplift[t] + ads[t] + subs[t] + api[t];
        opex[t] = compute[t] + people[t] + inference[t];
        invest[t] = stake[t];
        cf[t] = revenue[t] - opex[t] - invest[t];
        double df = pow(1.02, -t);
        npv_h += cf[t] * df;
        pv_rev += revenue[t] * df;
        pv_spend += (opex[t] + invest[t]) * df;
        tot_spend += opex[t] + invest[t];
        tot_rev += revenue[t];
        if (U[t] > peak)
            peak = U[t];
    }
    double r = pow(1.02, 4) - 1;
    double ocf = 0;
    for (int t = 4; t < 8; t++)
        ocf += revenue[t] - opex[t];
    double tv = ocf * 1.02 / (r - 0.02);
    if (tv < 0)
        tv = 0;
    double df_last = pow(1.02, -7);
    double npv = npv_h + (tv + residual) * df_last;

    assert_true(tv > 0);
    assert_near(out[ROI_OUT_NPV_HORIZON], npv_h, 1e-9);
    assert_near(out[ROI_OUT_NPV], npv, 1e-9);
    assert_near(out[ROI_OUT_ROI_MULTIPLE], (pv_rev + (tv + residual) * df_last) / pv_spend, 1e-12);
    assert_near(out[ROI_OUT_TOTAL_SPEND], tot_spend, 1e-9);
    assert_near(out[ROI_OUT_TOTAL_REVENUE], tot_rev, 1e-9);
    assert_near(out[ROI_OUT_PEAK_ACTIVE], peak, 1e-9);
    /* some literal anchors: spend excluding inference = 50 + 61.051 + 13.756 */
    assert_near(tot_spend -
                    (inference[3] + inference[4] + inference[5] + inference[6] + inference[7]),
                124.807, 1e-9);

    /* payback: first t with cumulative CF >= 0 (by hand, from cf above) */
    int expected_payback = -1;
    double cum = 0;
    for (int t = 0; t < T && expected_payback < 0; t++) {
        cum += cf[t];
        if (cum >= 0)
            expected_payback = t;
    }
    if (expected_payback < 0)
        assert_true(isnan(out[ROI_OUT_PAYBACK]));
    else
        assert_near(out[ROI_OUT_PAYBACK], expected_payback, 0);

    /* irr: the annual rate makes CF' (TV and residual in the last quarter) worth zero */
    assert_false(isnan(out[ROI_OUT_IRR]));
    double flows[8];
    memcpy(flows, cf, sizeof flows);
    flows[7] += tv + residual;
    double x = pow(1 + out[ROI_OUT_IRR], 0.25) - 1;
    assert_near(roi_npv(flows, 8, x), 0, 1e-9);

    /* series */
    int i_uplift = roi_model_series_index(m, "revenue.uplift");
    int i_compute = roi_model_series_index(m, "spend.compute");
    int i_infer = roi_model_series_index(m, "spend.inference");
    int i_app = roi_model_series_index(m, "active.app");
    assert_int_equal(i_uplift, 8);
    assert_int_equal(roi_model_series_index(m, "revenue.api"), 11);
    assert_int_equal(i_compute, 13);
    assert_int_equal(i_app, 16);
    assert_int_equal(roi_model_series_index(m, "quality_multiplier"), ROI_SERIES_QUALITY);
    assert_int_equal(roi_model_series_index(m, "nope"), -1);
    double cumulative = 0;
    for (int t = 0; t < T; t++) {
        cumulative += cf[t];
        assert_near(series[ROI_SERIES_CASH_FLOW * T + t], cf[t], 1e-9);
        assert_near(series[ROI_SERIES_CUMULATIVE * T + t], cumulative, 1e-9);
        assert_near(series[ROI_SERIES_REVENUE * T + t], revenue[t], 1e-9);
        assert_near(series[ROI_SERIES_SPEND * T + t], opex[t] + invest[t], 1e-9);
        assert_near(series[ROI_SERIES_UNIQUE_REACH * T + t], R[t], 1e-9);
        assert_near(series[ROI_SERIES_UNIQUE_ACTIVE * T + t], U[t], 1e-9);
        assert_near(series[ROI_SERIES_SCORE * T + t], score[t], 0);
        assert_near(series[ROI_SERIES_QUALITY * T + t], mult[t], 1e-12);
        assert_near(series[i_uplift * T + t], uplift[t], 1e-9);
        assert_near(series[i_compute * T + t], compute[t], 1e-9);
        assert_near(series[i_infer * T + t], inference[t], 1e-9);
        assert_near(series[i_app * T + t], U[t], 1e-9);
    }

    /* without series the scalars are the same */
    double out2[ROI_OUT_COUNT];
    run_trial(m, out2, NULL);
    for (int k = 0; k < ROI_OUT_COUNT; k++)
        assert_true(out2[k] == out[k] || (isnan(out2[k]) && isnan(out[k])));

    /* terminal value off: npv = npv_horizon + residual only */
    m->terminal = 0;
    run_trial(m, out2, NULL);
    assert_near(out2[ROI_OUT_NPV], npv_h + residual * df_last, 1e-9);
    free(series);
    roi_model_free(m);
}

static void test_output_and_series_names(void **state)
{
    (void)state;
    assert_string_equal(roi_output_name(ROI_OUT_NPV), "npv");
    assert_string_equal(roi_output_name(ROI_OUT_NPV_HORIZON), "npv_horizon");
    assert_string_equal(roi_output_name(ROI_OUT_IRR), "irr");
    assert_string_equal(roi_output_name(ROI_OUT_PEAK_ACTIVE), "peak_active");
    roi_model *m = small_model();
    char buf[64];
    roi_model_series_name(m, ROI_SERIES_CUMULATIVE, buf, sizeof buf);
    assert_string_equal(buf, "cumulative_cash_flow");
    roi_model_series_name(m, 12, buf, sizeof buf);
    assert_string_equal(buf, "spend.stake");
    roi_model_series_name(m, 16, buf, sizeof buf);
    assert_string_equal(buf, "active.app");
    roi_model_free(m);
    roi_model_free(NULL);
}

/* ---- validation ------------------------------------------------------------------------ */

/* Validates and returns the message (static buffer). */
static const char *invalid(roi_model *m)
{
    static roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_model_validate(m, &err), ROI_ERR_PARAM);
    return err.msg;
}

static void test_validation_messages(void **state)
{
    (void)state;
    roi_model *m;

    m = small_model();
    m->surfaces[0].p = roi_test_const(m, -0.1);
    assert_string_equal(invalid(m), "app.adoption.p: must be > 0, got -0.1");
    m->surfaces[0].p = roi_test_uniform(m, "p_app", -0.1, 0.2);
    assert_string_equal(invalid(m),
                        "app.adoption.p: must be > 0, but uniform(-0.1, 0.2) can be -0.1");
    roi_model_free(m);

    m = small_model();
    m->surfaces[0].ceiling = roi_test_const(m, 1.2);
    assert_string_equal(invalid(m), "app.ceiling: must be in [0, 1], got 1.2");
    roi_model_free(m);

    m = small_model();
    m->versions[1].slip = roi_test_const(m, 0.5);
    assert_non_null(strstr(invalid(m), "v2.slip: "));
    assert_non_null(strstr(invalid(m), "0.5"));
    m->versions[1].slip = roi_test_uniform(m, "v2.slip", 0, 2);
    assert_non_null(strstr(invalid(m), "v2.slip: "));
    assert_non_null(strstr(invalid(m), "fractional"));
    m->versions[1].slip = roi_test_const(m, -1);
    assert_non_null(strstr(invalid(m), "got -1"));
    roi_model_free(m);

    m = small_model();
    m->spend[1].from = -1;
    assert_string_equal(invalid(m), "compute.from: 2024Q4 is before the horizon 2025Q1..2026Q4");
    m->spend[1].from = 2;
    m->spend[1].to = 8;
    assert_string_equal(invalid(m), "compute.to: 2027Q1 is after the horizon 2025Q1..2026Q4");
    m->spend[1].to = 1;
    assert_non_null(strstr(invalid(m), "compute.to: "));
    roi_model_free(m);

    m = small_model();
    m->tv_growth = roi_test_const(m, 0.1);
    assert_non_null(strstr(invalid(m), "horizon.terminal_growth: "));
    m->tv_growth = roi_test_uniform(m, "g_tv", 0, 0.09); /* can reach r = 0.0824 */
    assert_non_null(strstr(invalid(m), "horizon.terminal_growth: "));
    m->terminal = 0; /* no terminal value: g_tv is not used */
    roi_error err;
    assert_int_equal(roi_model_validate(m, &err), ROI_OK);
    roi_model_free(m);

    m = small_model();
    m->streams[2].n_surfaces = 0;
    assert_non_null(strstr(invalid(m), "subs.surfaces: "));
    roi_model_free(m);

    m = small_model();
    m->spend[2].attrition = roi_test_const(m, 1.5);
    assert_string_equal(invalid(m), "people.attrition: must be in [0, 1], got 1.5");
    roi_model_free(m);

    m = small_model();
    m->surfaces[0].stages[1].offset = 0;
    assert_non_null(strstr(invalid(m), "app.stages: "));
    roi_model_free(m);

    m = small_model();
    m->streams[0].lift = ROI_NONE;
    assert_string_equal(invalid(m), "uplift.lift: is required");
    roi_model_free(m);

    m = small_model();
    m->discount = roi_test_const(m, -1);
    assert_string_equal(invalid(m), "horizon.discount: must be > -1, got -1");
    roi_model_free(m);

    m = small_model();
    m->n_surfaces = 0; /* restored below so roi_model_free releases the surface */
    assert_non_null(strstr(invalid(m), "surfaces"));
    m->n_surfaces = 1;
    roi_model_free(m);
}

/* ---- events and cancelled versions (MODEL.md 11.1) ------------------------------------ */
/*
 * The small model releases v1 at t = 3 (planned 2 + slip 1) and v2 at t = 5 (3 + after 2).
 * Lines and streams tied to those releases, by hand:
 * - compute (schedule, amount 10, growth 10% a quarter) to = release(v2) - 1 = 4:
 *   10, 11, 12.1 at t = 2, 3, 4, then nothing;
 * - api (market_share) from = release(v2) = 5, to = release(v1) + 3 = 6: earns at t = 5
 *   and 6 only, with growth counted from its start (M0 share min(m, cap) at t = 5);
 * - stake (lump 50) at quarter release(v2): 50 at t = 5 instead of t = 0.
 * With v2 cancelled: the score stays at v1's 50, compute runs to the horizon's end (its
 * end never comes), api never starts, the stake is never paid.
 */
static void test_events_and_cancel(void **state)
{
    (void)state;
    const int T = 8;
    roi_model *m = small_model();
    m->spend[1].to_event = (roi_event){2, roi_test_const(m, -1)};
    m->streams[3].from_event = (roi_event){2, roi_test_const(m, 0)};
    m->streams[3].to_event = (roi_event){1, roi_test_const(m, 3)};
    m->spend[0].from_event = (roi_event){2, roi_test_const(m, 0)};
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_model_validate(m, &err), ROI_OK);
    const int n_series = roi_model_series_count(m);
    const int api = ROI_SERIES_FIXED_COUNT + 3;
    const int stake = ROI_SERIES_FIXED_COUNT + m->n_streams + 0;
    const int compute = ROI_SERIES_FIXED_COUNT + m->n_streams + 1;
    double out[ROI_OUT_COUNT];
    double *series = calloc((size_t)n_series * T, sizeof *series);
    run_trial(m, out, series);
#define AT(s, t) series[(size_t)(s) * T + (t)]
    const double compute_by_hand[8] = {0, 0, 10, 10 * 1.1, 10 * 1.1 * 1.1, 0, 0, 0};
    for (int t = 0; t < T; t++) {
        assert_near(AT(compute, t), compute_by_hand[t], 1e-12);
        assert_near(AT(stake, t), t == 5 ? 50 : 0, 0);
        if (t < 5 || t > 6)
            assert_near(AT(api, t), 0, 0);
    }
    /* t = 5: M0 10, growth counted from its start (none yet), share 0.5, m_5 = e^0.2
     * capped at 1.1; t = 6: growth 1.2 a quarter, m_6 = e^0.1 also above the cap */
    assert_near(AT(api, 5), 10 * 0.5 * 1.1, 1e-12);
    assert_near(AT(api, 6), 10 * 1.2 * 0.5 * 1.1, 1e-12);

    m->versions[1].cancel = 1;
    assert_int_equal(roi_model_validate(m, &err), ROI_OK);
    run_trial(m, out, series);
    double amount = 10;
    for (int t = 0; t < T; t++) {
        assert_near(AT(ROI_SERIES_SCORE, t), t < 3 ? 0 : 50, 0);
        assert_near(AT(api, t), 0, 0);
        assert_near(AT(stake, t), 0, 0);
        assert_near(AT(compute, t), t < 2 ? 0 : amount, 1e-9);
        if (t >= 2)
            amount *= 1.1;
    }
#undef AT
    free(series);
    roi_model_free(m);

    /* a version given after a cancelled one never ships either */
    m = small_model();
    m->versions[0].cancel = 1;
    assert_int_equal(roi_model_validate(m, &err), ROI_OK);
    series = calloc((size_t)n_series * T, sizeof *series);
    run_trial(m, out, series);
    for (int t = 0; t < T; t++) {
        assert_near(series[(size_t)ROI_SERIES_SCORE * T + t], 0, 0);
        assert_near(series[(size_t)ROI_SERIES_QUALITY * T + t], 0, 0);
    }
    free(series);
    roi_model_free(m);

    /* an event's offset must be a whole number of quarters */
    m = small_model();
    m->spend[1].to_event = (roi_event){2, roi_test_const(m, 0.5)};
    assert_string_equal(invalid(m), "compute.to: must be in [-400, 400] and whole, got 0.5");
    roi_model_free(m);
}

/* ---- the optimised trial against a straightforward reference --------------------- */
/*
 * ref_trial is roi_model_trial as first written: one quarter at a time, every factor
 * recomputed where the equation uses it, scalar code only. The optimised trial must give
 * the same doubles (bit for bit) on random models that exercise its other paths: odd and
 * even horizons (the two-quarter SSE2 loops and their scalar tails), launches before,
 * inside and after the horizon, stages, versions released in any order and together,
 * lines and streams starting before or after the horizon, shares above 1.
 */
static double ref_value_or(const double *vals, roi_ref ref, double fallback)
{
    return ref == ROI_NONE ? fallback : vals[ref];
}

static int ref_quarters_of(const double *vals, roi_ref ref)
{
    if (ref == ROI_NONE)
        return 0;
    double v = vals[ref];
    if (!(v > -1e6))
        return -1000000;
    if (!(v < 1e6))
        return 1000000;
    return (int)lround(v);
}

static double ref_unique(const double *x, int n_surfaces, int T, int t, double P)
{
    double none = 1.0;
    for (int s = 0; s < n_surfaces; s++) {
        double share = x[(size_t)s * T + t] / P;
        none *= 1.0 - (share < 1.0 ? share : 1.0);
    }
    return P * (1.0 - none);
}

typedef struct ref_ws {
    int *release;
    double *vscore, *score, *mult, *people, *reach, *active, *inter, *ureach, *uactive;
    double *revenue, *opex, *invest, *cf, *irr;
} ref_ws;

static void ref_trial(const roi_model *m, const double *vals, ref_ws *ws, double *out,
                      double *series)
{
    const int T = m->periods, S = m->n_surfaces;
#define RS(s, t) series[(size_t)(s) * (size_t)T + (size_t)(t)]
    for (int v = 0; v < m->n_versions; v++) {
        const roi_version *ver = &m->versions[v];
        int planned = ver->planned != ROI_PERIOD_NONE ? ver->planned
                                               : ws->release[v - 1] + ref_quarters_of(vals, ver->after);
        ws->release[v] = planned + ref_quarters_of(vals, ver->slip);
        ws->vscore[v] = ver->score != ROI_NONE ? vals[ver->score]
                                               : ws->vscore[v - 1] + vals[ver->improvement];
    }
    const int t_launch = ws->release[0];
    const double F0 = vals[m->frontier_score], slope = vals[m->frontier_slope];
    const double beta = vals[m->quality_beta];
    const double G_ref = ref_value_or(vals, m->gap_ref, F0 - ws->vscore[0]);
    const double m_lo = ref_value_or(vals, m->m_lo, 0.0), m_hi = ref_value_or(vals, m->m_hi, INFINITY);
    for (int t = 0; t < T; t++) {
        double Sc = 0.0;
        int latest = -1;
        for (int v = 0; v < m->n_versions; v++)
            if (ws->release[v] <= t && (latest < 0 || ws->release[v] >= ws->release[latest])) {
                latest = v;
                Sc = ws->vscore[v];
            }
        ws->score[t] = Sc;
        if (t < t_launch) {
            ws->mult[t] = 0.0;
            continue;
        }
        double G = F0 + slope * (t - t_launch) / 4.0 - Sc;
        double x = exp(-beta * (G - G_ref));
        ws->mult[t] = x < m_lo ? m_lo : (x > m_hi ? m_hi : x);
    }
    {
        const double quarterly = sqrt(sqrt(1.0 + ref_value_or(vals, m->people_growth, 0.0)));
        double P = vals[m->people];
        for (int t = 0; t < T; t++, P *= quarterly)
            ws->people[t] = P;
    }
    for (int si = 0; si < S; si++) {
        const roi_surface *s = &m->surfaces[si];
        double *R = ws->reach + (size_t)si * T, *U = ws->active + (size_t)si * T;
        double *I = ws->inter + (size_t)si * T;
        /* the clock starts at launch + delay, once a version has shipped (MODEL.md 10.4) */
        int L = s->launch + ref_quarters_of(vals, s->delay);
        if (L < t_launch)
            L = t_launch;
        const double A = vals[s->addressable];
        const double qg = sqrt(sqrt(1.0 + ref_value_or(vals, s->growth, 0.0)));
        const double c = vals[s->ceiling], p = vals[s->p], q = vals[s->q];
        const double f0 = ref_value_or(vals, s->f0, 0.0);
        const double E = ref_value_or(vals, s->interactions, 0.0);
        const double decay = exp(-(p + q));
        double e_tau = decay, growth = 1.0;
        int stage = -1;
        for (int t = 0; t < T; t++, growth *= qg) {
            const int k = t - L;
            if (k < 0) {
                R[t] = U[t] = I[t] = 0.0;
                continue;
            }
            while (stage + 1 < s->n_stages && s->stages[stage + 1].offset <= k)
                stage++;
            double unlocked = stage >= 0 ? vals[s->stages[stage].share] : 0.0;
            R[t] = A * growth * unlocked;
            double bass = (1.0 - e_tau) / (1.0 + (q / p) * e_tau);
            e_tau *= decay;
            double adopted = f0 + (1.0 - f0) * bass;
            double reachable = c * ws->mult[t];
            U[t] = R[t] * (reachable < 1.0 ? reachable : 1.0) * adopted;
            I[t] = U[t] * E;
        }
    }
    for (int t = 0; t < T; t++) {
        ws->ureach[t] = ref_unique(ws->reach, S, T, t, ws->people[t]);
        ws->uactive[t] = ref_unique(ws->active, S, T, t, ws->people[t]);
        ws->revenue[t] = ws->opex[t] = ws->invest[t] = 0.0;
    }
    double residuals = 0.0;
    for (int i = 0; i < m->n_spend; i++) {
        const roi_spend *l = &m->spend[i];
        double *line = series ? &RS(ROI_SERIES_FIXED_COUNT + m->n_streams + i, 0) : ws->cf;
        for (int t = 0; t < T; t++)
            line[t] = 0.0;
        if (l->kind == ROI_SPEND_LUMP) {
            if (l->from >= 0 && l->from < T)
                line[l->from] = vals[l->amount];
            if (l->residual_fraction != ROI_NONE)
                residuals += vals[l->residual_fraction] * vals[l->residual_valuation];
        } else if (l->kind == ROI_SPEND_SCHEDULE) {
            const double quarterly = sqrt(sqrt(1.0 + ref_value_or(vals, l->growth, 0.0)));
            double amount = vals[l->amount];
            for (int t = l->from; t <= l->to && t < T; t++, amount *= quarterly)
                if (t >= 0)
                    line[t] = amount;
        } else if (l->kind == ROI_SPEND_VESTING) {
            const double keep = 1.0 - ref_value_or(vals, l->attrition, 0.0);
            const int V = ref_quarters_of(vals, l->vest_quarters);
            double amount = vals[l->heads] * vals[l->package] / V;
            for (int t = l->from; t < l->from + V && t < T; t++, amount *= keep)
                if (t >= 0)
                    line[t] = amount;
        } else {
            const double c0 = vals[l->unit_cost];
            const double k_r = ref_value_or(vals, l->reasoning_cost, 1.0);
            const double qd = sqrt(sqrt(1.0 - ref_value_or(vals, l->cost_decline, 0.0)));
            double decline = 1.0;
            for (int t = 0; t < T; t++) {
                if (t > t_launch)
                    decline *= qd;
                if (t < l->from)
                    continue;
                double weighted = 0.0;
                for (int si = 0; si < S; si++) {
                    double rho = ref_value_or(vals, m->surfaces[si].reasoning, 0.0);
                    weighted += ws->inter[(size_t)si * T + t] * ((1.0 - rho) + k_r * rho);
                }
                line[t] = weighted * c0 * decline;
            }
        }
        double *sink = (l->cls == ROI_CLASS_INVESTMENT && l->kind != ROI_SPEND_INFERENCE)
                           ? ws->invest
                           : ws->opex;
        for (int t = 0; t < T; t++)
            sink[t] += line[t];
    }
    for (int i = 0; i < m->n_streams; i++) {
        const roi_stream *s = &m->streams[i];
        double *line = series ? &RS(ROI_SERIES_FIXED_COUNT + i, 0) : ws->cf;
        const double qg = sqrt(sqrt(1.0 + ref_value_or(vals, s->growth, 0.0)));
        for (int t = 0; t < T; t++)
            line[t] = 0.0;
        if (s->kind == ROI_STREAM_UPLIFT) {
            const double B0 = vals[s->base], u = vals[s->lift];
            double growth = 1.0;
            for (int t = 0; t < T; t++, growth *= qg)
                if (t >= s->from)
                    line[t] = B0 * growth * u * ws->uactive[t] / ws->people[t];
        } else if (s->kind == ROI_STREAM_PER_INTERACTION || s->kind == ROI_STREAM_SUBSCRIPTION) {
            const int per_i = s->kind == ROI_STREAM_PER_INTERACTION;
            const double per = per_i ? vals[s->rate] * ref_value_or(vals, s->ratio, 1.0)
                                     : vals[s->conversion] * vals[s->price];
            const double *x = per_i ? ws->inter : ws->active;
            for (int t = s->from < 0 ? 0 : s->from; t < T; t++) {
                double sum = 0.0;
                for (int k = 0; k < s->n_surfaces; k++)
                    sum += x[(size_t)s->surfaces[k] * T + t];
                line[t] = sum * per;
            }
        } else {
            const double M0 = vals[s->market], share = vals[s->share];
            const double cap = ref_value_or(vals, s->cap, INFINITY);
            double growth = 1.0;
            for (int t = s->from; t < T; t++, growth *= qg) {
                if (t < 0)
                    continue;
                double mt = ws->mult[t];
                line[t] = M0 * growth * share * (mt < cap ? mt : cap);
            }
        }
        for (int t = 0; t < T; t++)
            ws->revenue[t] += line[t];
    }
    const double r = vals[m->discount];
    const double df_quarter = 1.0 / sqrt(sqrt(1.0 + r));
    double df = 1.0, df_last = 1.0, npv_h = 0.0, pv_rev = 0.0, pv_spend = 0.0;
    double total_spend = 0.0, total_revenue = 0.0, peak = 0.0;
    for (int t = 0; t < T; t++, df *= df_quarter) {
        double spend = ws->opex[t] + ws->invest[t];
        ws->cf[t] = ws->revenue[t] - spend;
        npv_h += ws->cf[t] * df;
        pv_rev += ws->revenue[t] * df;
        pv_spend += spend * df;
        total_spend += spend;
        total_revenue += ws->revenue[t];
        if (ws->uactive[t] > peak)
            peak = ws->uactive[t];
        df_last = df;
    }
    double tv = 0.0;
    if (m->terminal) {
        const double g_tv = ref_value_or(vals, m->tv_growth, 0.0);
        double ocf = 0.0;
        for (int t = T > 4 ? T - 4 : 0; t < T; t++)
            ocf += ws->revenue[t] - ws->opex[t];
        tv = ocf * (1.0 + g_tv) / (r - g_tv);
        if (!(tv > 0.0))
            tv = 0.0;
    }
    const double end_value = tv + residuals;
    out[ROI_OUT_NPV] = npv_h + end_value * df_last;
    out[ROI_OUT_NPV_HORIZON] = npv_h;
    out[ROI_OUT_ROI_MULTIPLE] = pv_spend > 0.0 ? (pv_rev + end_value * df_last) / pv_spend : NAN;
    for (int t = 0; t < T; t++)
        ws->irr[t] = ws->cf[t];
    ws->irr[T - 1] += end_value;
    double x = roi_irr(ws->irr, T);
    double x2 = (1.0 + x) * (1.0 + x);
    out[ROI_OUT_IRR] = isnan(x) ? NAN : x2 * x2 - 1.0;
    int payback = roi_payback(ws->cf, T);
    out[ROI_OUT_PAYBACK] = payback < 0 ? NAN : (double)payback;
    out[ROI_OUT_TOTAL_SPEND] = total_spend;
    out[ROI_OUT_TOTAL_REVENUE] = total_revenue;
    out[ROI_OUT_PEAK_ACTIVE] = peak;
    out[ROI_OUT_TOTAL_SAVINGS] = 0.0; /* the random models' streams are all revenue */
    if (!series)
        return;
    double cumulative = 0.0;
    for (int t = 0; t < T; t++) {
        cumulative += ws->cf[t];
        RS(ROI_SERIES_CASH_FLOW, t) = ws->cf[t];
        RS(ROI_SERIES_CUMULATIVE, t) = cumulative;
        RS(ROI_SERIES_REVENUE, t) = ws->revenue[t];
        RS(ROI_SERIES_SPEND, t) = ws->opex[t] + ws->invest[t];
        RS(ROI_SERIES_UNIQUE_REACH, t) = ws->ureach[t];
        RS(ROI_SERIES_UNIQUE_ACTIVE, t) = ws->uactive[t];
        RS(ROI_SERIES_SCORE, t) = ws->score[t];
        RS(ROI_SERIES_QUALITY, t) = ws->mult[t];
    }
    for (int si = 0; si < S; si++)
        for (int t = 0; t < T; t++)
            RS(ROI_SERIES_FIXED_COUNT + m->n_streams + m->n_spend + si, t) = ws->active[(size_t)si * T + t];
#undef RS
}

/* xorshift64*: a fixed sequence of test cases */
static uint64_t rnd_state = 88172645463325252ull;
static double rnd(void)
{
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return (double)((rnd_state * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}
static double rnd_in(double lo, double hi) { return lo + (hi - lo) * rnd(); }
static int rnd_int(int lo, int hi) { return lo + (int)(rnd() * (hi - lo + 1)); }

/* A model of random shape and constants (not necessarily valid: the trial must agree
 * with the reference on whatever it is given). */
static roi_model *random_model(void)
{
    roi_model *m = roi_model_new();
    const int T = rnd_int(1, 30);
    m->periods = T;
    m->discount = roi_test_const(m, rnd_in(0.0, 0.2));
    m->terminal = rnd() < 0.7;
    m->tv_growth = rnd() < 0.5 ? ROI_NONE : roi_test_const(m, rnd_in(-0.02, 0.05));

    m->n_versions = rnd_int(1, 4);
    m->versions = calloc((size_t)m->n_versions, sizeof *m->versions);
    for (int v = 0; v < m->n_versions; v++) {
        roi_version *ver = &m->versions[v];
        int absolute = v == 0 || rnd() < 0.4;
        /* before, inside or after the horizon */
        int planned = rnd_int(-3, T + 2);
        ver->planned = !absolute ? ROI_PERIOD_NONE : planned;
        ver->after = absolute ? ROI_NONE : roi_test_const(m, rnd_int(-1, 4));
        /* whole quarters up to noise, or halfway (rounded away from 0) */
        ver->slip = rnd() < 0.3 ? ROI_NONE
                                : roi_test_const(m, rnd_int(-1, 2) + (rnd() < 0.3 ? (rnd() < 0.5 ? 0.5 : -0.5)
                                                                                  : rnd_in(-0.2, 0.2)));
        ver->score = absolute ? roi_test_const(m, rnd_in(40, 70)) : ROI_NONE;
        ver->improvement = absolute ? ROI_NONE : roi_test_const(m, rnd_in(-2, 8));
    }
    m->frontier_score = roi_test_const(m, rnd_in(60, 75));
    m->frontier_slope = roi_test_const(m, rnd_in(0, 8));
    m->quality_beta = roi_test_const(m, rnd_in(0, 0.1));
    m->gap_ref = rnd() < 0.5 ? ROI_NONE : roi_test_const(m, rnd_in(5, 20));
    m->m_lo = rnd() < 0.3 ? ROI_NONE : roi_test_const(m, rnd_in(0, 0.8));
    m->m_hi = rnd() < 0.3 ? ROI_NONE : roi_test_const(m, rnd_in(1, 2));
    m->people = roi_test_const(m, rnd_in(1e3, 5e9));
    m->people_growth = rnd() < 0.3 ? ROI_NONE : roi_test_const(m, rnd_in(0, 0.1));

    m->n_surfaces = rnd_int(1, 6);
    m->surfaces = calloc((size_t)m->n_surfaces, sizeof *m->surfaces);
    for (int si = 0; si < m->n_surfaces; si++) {
        roi_surface *s = &m->surfaces[si];
        s->launch = rnd_int(-3, T + 2);
        s->delay = rnd() < 0.3 ? ROI_NONE : roi_test_const(m, rnd_int(0, 3));
        s->addressable = roi_test_const(m, rnd_in(0, 4e9));
        s->growth = rnd() < 0.3 ? ROI_NONE : roi_test_const(m, rnd_in(-0.1, 0.6));
        s->n_stages = rnd_int(1, 4);
        s->stages = calloc((size_t)s->n_stages, sizeof *s->stages);
        int offset = rnd_int(0, 2);
        double share = 0.0;
        for (int j = 0; j < s->n_stages; j++, offset += rnd_int(1, 3)) {
            share += rnd_in(0, 0.5);
            s->stages[j] = (roi_stage){offset, roi_test_const(m, share < 1 ? share : 1)};
        }
        s->ceiling = roi_test_const(m, rnd_in(0, 1.2));
        s->p = roi_test_const(m, rnd_in(0.005, 0.1));
        s->q = roi_test_const(m, rnd_in(0, 0.6));
        s->f0 = rnd() < 0.3 ? ROI_NONE : roi_test_const(m, rnd_in(0, 0.5));
        s->interactions = roi_test_const(m, rnd() < 0.2 ? 0 : rnd_in(0, 100));
        s->reasoning = rnd() < 0.3 ? ROI_NONE : roi_test_const(m, rnd_in(0, 1));
    }

    m->n_spend = rnd_int(0, 6);
    m->spend = calloc((size_t)m->n_spend + 1, sizeof *m->spend);
    for (int i = 0; i < m->n_spend; i++) {
        roi_spend *l = &m->spend[i];
        l->amount = l->growth = l->residual_fraction = l->residual_valuation = ROI_NONE;
        l->heads = l->package = l->attrition = ROI_NONE;
        l->unit_cost = l->reasoning_cost = l->cost_decline = ROI_NONE;
        l->kind = (roi_spend_kind)(i % 4);
        l->cls = rnd() < 0.5 ? ROI_CLASS_INVESTMENT : ROI_CLASS_OPERATING;
        l->from = rnd_int(-3, T + 1);
        l->to = l->from + rnd_int(0, 8);
        l->amount = roi_test_const(m, rnd_in(1e6, 5e9));
        if (rnd() < 0.5)
            l->growth = roi_test_const(m, rnd_in(-0.2, 0.5));
        if (l->kind == ROI_SPEND_LUMP && rnd() < 0.5) {
            l->residual_fraction = roi_test_const(m, rnd_in(0, 1));
            l->residual_valuation = roi_test_const(m, rnd_in(0, 1e10));
        }
        l->heads = roi_test_const(m, rnd_int(1, 50));
        l->package = roi_test_const(m, rnd_in(1e5, 1e8));
        l->vest_quarters = roi_test_const(m, rnd_int(1, 16));
        if (rnd() < 0.5)
            l->attrition = roi_test_const(m, rnd_in(0, 0.2));
        l->unit_cost = roi_test_const(m, rnd_in(1e-4, 1e-2));
        if (rnd() < 0.5)
            l->reasoning_cost = roi_test_const(m, rnd_in(1, 10));
        if (rnd() < 0.5)
            l->cost_decline = roi_test_const(m, rnd_in(0, 0.6));
    }

    m->n_streams = rnd_int(0, 6);
    m->streams = calloc((size_t)m->n_streams + 1, sizeof *m->streams);
    for (int i = 0; i < m->n_streams; i++) {
        roi_stream *r = &m->streams[i];
        r->kind = (roi_stream_kind)((i + 1) % 4);
        r->from = rnd_int(-3, T + 1);
        r->growth = rnd() < 0.4 ? ROI_NONE : roi_test_const(m, rnd_in(-0.1, 0.3));
        r->base = roi_test_const(m, rnd_in(1e9, 1e11));
        r->lift = roi_test_const(m, rnd_in(0, 0.05));
        r->rate = roi_test_const(m, rnd_in(0, 0.01));
        r->ratio = rnd() < 0.5 ? ROI_NONE : roi_test_const(m, rnd_in(0, 1));
        r->conversion = roi_test_const(m, rnd_in(0, 0.05));
        r->price = roi_test_const(m, rnd_in(0, 30));
        r->market = roi_test_const(m, rnd_in(1e9, 1e11));
        r->share = roi_test_const(m, rnd_in(0, 0.3));
        r->cap = rnd() < 0.5 ? ROI_NONE : roi_test_const(m, rnd_in(0.5, 1.5));
        r->n_surfaces = rnd_int(0, m->n_surfaces);
        r->surfaces = calloc((size_t)r->n_surfaces + 1, sizeof(int));
        for (int k = 0; k < r->n_surfaces; k++)
            r->surfaces[k] = rnd_int(0, m->n_surfaces - 1);
    }
    roi_error err;
    assert_int_equal(roi_model_defaults(m, &err), ROI_OK);
    return m;
}

static void test_trial_matches_reference(void **state)
{
    (void)state;
    for (int trial = 0; trial < 3000; trial++) {
        roi_model *m = random_model();
        const int T = m->periods, S = m->n_surfaces, V = m->n_versions;
        double *vals = calloc((size_t)m->graph.n, sizeof *vals);
        uint64_t *keys = calloc((size_t)m->graph.n, sizeof *keys);
        roi_graph_keys(&m->graph, 1, keys);
        roi_graph_eval(&m->graph, keys, 0, vals, NULL);

        ref_ws r;
        r.release = calloc((size_t)V, sizeof(int));
        double **arrays[] = {&r.vscore, &r.score, &r.mult, &r.people, &r.reach, &r.active,
                             &r.inter, &r.ureach, &r.uactive, &r.revenue, &r.opex,
                             &r.invest, &r.cf, &r.irr};
        for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
            *arrays[i] = calloc((size_t)(S + V) * (size_t)T, sizeof(double));

        const size_t n_vals = (size_t)roi_model_series_count(m) * (size_t)T;
        double *series = calloc(n_vals, sizeof(double));
        double *expected_series = calloc(n_vals, sizeof(double));
        double out[ROI_OUT_COUNT], expected[ROI_OUT_COUNT], out_only[ROI_OUT_COUNT];
        roi_trial_ws *ws = roi_trial_ws_new(m);
        assert_non_null(ws);
        roi_model_trial(m, vals, ws, out, series);
        roi_model_trial(m, vals, ws, out_only, NULL);
        ref_trial(m, vals, &r, expected, expected_series);

        for (int o = 0; o < ROI_OUT_COUNT; o++) {
            if (memcmp(&out[o], &expected[o], sizeof(double)) != 0 ||
                memcmp(&out_only[o], &expected[o], sizeof(double)) != 0)
                fail_msg("case %d (T %d): %s = %.17g / %.17g, reference %.17g", trial, T,
                         roi_output_name((roi_output)o), out[o], out_only[o], expected[o]);
        }
        for (size_t i = 0; i < n_vals; i++)
            if (memcmp(&series[i], &expected_series[i], sizeof(double)) != 0)
                fail_msg("case %d (T %d): series %zu, t %zu = %.17g, reference %.17g", trial, T,
                         i / (size_t)T, i % (size_t)T, series[i], expected_series[i]);

        roi_trial_ws_free(ws);
        free(series);
        free(expected_series);
        free(r.release);
        for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
            free(*arrays[i]);
        free(vals);
        free(keys);
        roi_model_free(m);
    }
}

/* What an input measures comes from the field it feeds, whatever the model calls it. */
static void test_input_measure(void **state)
{
    (void)state;
    roi_model *m = small_model();
    assert_int_equal(roi_model_input_measure(m, "stake.amount"), ROI_MEASURE_MONEY);
    assert_int_equal(roi_model_input_measure(m, "stake.residual.fraction"), ROI_MEASURE_SHARE);
    assert_int_equal(roi_model_input_measure(m, "stake.residual.valuation"), ROI_MEASURE_MONEY);
    assert_int_equal(roi_model_input_measure(m, "app.adoption.f0"), ROI_MEASURE_SHARE);
    assert_int_equal(roi_model_input_measure(m, "app.adoption.q"), ROI_MEASURE_COEFFICIENT);
    assert_int_equal(roi_model_input_measure(m, "app.delay"), ROI_MEASURE_QUARTERS);
    assert_int_equal(roi_model_input_measure(m, "app.addressable"), ROI_MEASURE_COUNT);
    assert_int_equal(roi_model_input_measure(m, "horizon.discount"), ROI_MEASURE_RATE);
    assert_int_equal(roi_model_input_measure(m, "frontier.slope"), ROI_MEASURE_SCORE);
    /* a conditional value's branch measures what its field does */
    assert_int_equal(roi_model_input_measure(m, "v2.improvement.then"), ROI_MEASURE_SCORE);
    /* a named expression, an unknown part or field, no field at all */
    assert_int_equal(roi_model_input_measure(m, "moat"), ROI_MEASURE_NONE);
    assert_int_equal(roi_model_input_measure(m, "nowhere.amount"), ROI_MEASURE_NONE);
    assert_int_equal(roi_model_input_measure(m, "stake.colour"), ROI_MEASURE_NONE);
    assert_int_equal(roi_model_input_measure(m, NULL), ROI_MEASURE_NONE);
    assert_string_equal(roi_measure_name(ROI_MEASURE_SHARE), "share");
    roi_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bass),
        cmocka_unit_test(test_npv),
        cmocka_unit_test(test_irr),
        cmocka_unit_test(test_irr_one_sign_change),
        cmocka_unit_test(test_payback),
        cmocka_unit_test(test_quarters),
        cmocka_unit_test(test_small_model_by_hand),
        cmocka_unit_test(test_output_and_series_names),
        cmocka_unit_test(test_validation_messages),
        cmocka_unit_test(test_events_and_cancel),
        cmocka_unit_test(test_input_measure),
        cmocka_unit_test(test_trial_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
