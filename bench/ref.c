/*
 * ref.c - the benchmark's floor: the base case (scenarios/base.lua) written once more
 * as a plain C loop, with no scenario language, no expression graph and no general
 * model, to time roisim against in the same benchmark run (bench/run.sh).
 *
 * It does the work of `roisim run scenarios/base.lua --json FILE` for that one case:
 * the same 54 inputs drawn from the same streams (roi_rng_key of the input's name,
 * roi_dist_sample: the same draws), the model of MODEL.md sections 3-7 for this case's
 * shape only, every scalar output with exact percentiles (a sort of each), per-quarter
 * bands of all 23 series and the 54 inputs' p5/p95 from 2048-bin histograms whose
 * ranges come from a pilot of 4096 trials, the rank-correlation sensitivity of the six
 * fully defined outputs to every input over the first min(n, 2^18) trials, and the goal
 * seek (8 runs of 10^4 trials with the lift fixed). What it leaves out of roisim's
 * default run: the tornado, tails, decile swings, CIs, views and the reports.
 * It links the engine only for the streams, the distributions, the IRR solver and the
 * sort: the floor is the arithmetic, not a second implementation of those.
 *
 * Usage: roisim-ref [-n TRIALS] [--threads N] [--seed S] [--no-sensitivity]
 *        [--out FILE]
 * Writes "key value" lines (compared with roisim's JSON by bench/compare.py) to FILE
 * or standard output, and its phase times to standard error.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "dist.h"
#include "finance.h"
#include "rng.h"
#include "stats.h"

#define T 23            /* quarters 2025Q2 .. 2030Q4 */
#define NSURF 5
#define NSERIES 23      /* 8 fixed, 4 streams, 6 spend lines, 5 surfaces */
#define NIN 54
#define NCELLS (NSERIES * T + NIN)
#define NOUT 8
#define NBINS 2048
#define PILOT 4096
#define SENS_CAP ((size_t)1 << 18)
#define SEEK_TRIALS 10000
#define SEEK_EVALS 8

/* ---- the inputs, in the graph's order ----------------------------------------------------- */

enum {
    TV_G, F_SLOPE, Q_BETA, V2_SLIP, V2_SCORE, V3_SLIP, MOAT, V3_IMP_T, V3_IMP_E, V4_SLIP,
    V4_IMP_T, V4_IMP_E, SURF0 /* the surfaces' inputs follow: see surf_spec */
};
enum { RESID_VAL = 39, BUILD_AMT, FC_AMT, FC_GROWTH, HEADS, PACKAGE, ATTRITION, RT_AMT,
       UNIT_COST, CORE_GROWTH, LIFT, RATE, RATIO, CONVERSION, SHARE };

typedef struct input_spec {
    const char *name;
    char kind;          /* u uniform, n normal, l lognormal p5/p95, t triangular, b beta,
                         * B bernoulli, d discrete on 0, 1, 2 */
    double a, b, c;
} input_spec;

static const input_spec inputs[NIN] = {
    {"horizon.terminal_growth", 'u', 0, 0.04, 0}, {"frontier.slope", 'n', 5, 1.5, 0},
    {"quality.beta", 'u', 0.02, 0.06, 0}, {"v2.slip", 'd', .45, .35, .20},
    {"v2.score", 'n', 58, 3.5, 0}, {"v3.slip", 'd', .5, .3, .2}, {"moat", 'B', 0.5, 0, 0},
    {"v3.improvement.then", 'n', 6, 2, 0}, {"v3.improvement.else", 'n', 2.5, 2, 0},
    {"v4.slip", 'd', .5, .3, .2}, {"v4.improvement.then", 'n', 6, 2, 0},
    {"v4.improvement.else", 'n', 2.5, 2, 0},
    {"meta_ai.ceiling", 'b', 3, 5, 0}, {"meta_ai.adoption.p", 'u', 0.02, 0.06, 0},
    {"meta_ai.adoption.q", 'u', 0.3, 0.6, 0}, {"meta_ai.adoption.f0", 'u', 0.1, 0.3, 0},
    {"meta_ai.interactions", 'l', 20, 80, 0},
    {"glasses.ceiling", 'b', 6, 4, 0}, {"glasses.adoption.p", 'u', 0.05, 0.10, 0},
    {"glasses.adoption.q", 'u', 0.3, 0.6, 0}, {"glasses.interactions", 'l', 30, 150, 0},
    {"facebook.delay", 'd', .6, .3, .1}, {"facebook.ceiling", 'b', 2, 6, 0},
    {"facebook.adoption.p", 'u', 0.01, 0.04, 0}, {"facebook.adoption.q", 'u', 0.2, 0.5, 0},
    {"facebook.adoption.f0", 'u', 0.2, 0.5, 0}, {"facebook.interactions", 'l', 5, 30, 0},
    {"instagram.delay", 'd', .5, .35, .15}, {"instagram.ceiling", 'b', 2, 5, 0},
    {"instagram.adoption.p", 'u', 0.01, 0.04, 0}, {"instagram.adoption.q", 'u', 0.2, 0.5, 0},
    {"instagram.adoption.f0", 'u', 0.2, 0.5, 0}, {"instagram.interactions", 'l', 5, 30, 0},
    {"whatsapp.delay", 'd', .5, .3, .2}, {"whatsapp.ceiling", 'b', 2, 8, 0},
    {"whatsapp.adoption.p", 'u', 0.01, 0.04, 0}, {"whatsapp.adoption.q", 'u', 0.2, 0.5, 0},
    {"whatsapp.adoption.f0", 'u', 0.2, 0.5, 0}, {"whatsapp.interactions", 'l', 10, 60, 0},
    {"scale_stake.residual.valuation", 'l', 8e9, 60e9, 0},
    {"build_out.amount", 'l', 1.2e9, 2.4e9, 0}, {"frontier_compute.amount", 'l', 0.6e9, 1.6e9, 0},
    {"frontier_compute.growth", 'u', 0.05, 0.20, 0}, {"senior_packages.heads", 't', 15, 25, 40},
    {"senior_packages.package", 'u', 100e6, 200e6, 0}, {"senior_packages.attrition", 'b', 2, 60, 0},
    {"research_team.amount", 'l', 0.25e9, 0.5e9, 0}, {"inference.unit_cost", 'l', 0.0005, 0.002, 0},
    {"core_ad_uplift.growth", 'u', 0.10, 0.20, 0}, {"core_ad_uplift.lift", 't', 0, 0.03, 0.08},
    {"ai_conversation_ads.rate", 'u', 0.005, 0.02, 0}, {"ai_conversation_ads.ratio", 'b', 2, 5, 0},
    {"subscriptions.conversion", 'u', 0.002, 0.01, 0}, {"business_agents.share", 'u', 0.005, 0.03, 0},
};

static int make_dist(const input_spec *in, roi_dist *d)
{
    roi_error err;
    static const double v012[3] = {0, 1, 2};
    const double p[3] = {in->a, in->b, in->c};
    switch (in->kind) {
    case 'u': return roi_dist_uniform(d, in->a, in->b, in->name, &err) == ROI_OK;
    case 'n': return roi_dist_normal(d, in->a, in->b, in->name, &err) == ROI_OK;
    case 'l': return roi_dist_lognormal_p5p95(d, in->a, in->b, in->name, &err) == ROI_OK;
    case 't': return roi_dist_triangular(d, in->a, in->b, in->c, in->name, &err) == ROI_OK;
    case 'b': return roi_dist_beta(d, in->a, in->b, 0, 1, in->name, &err) == ROI_OK;
    case 'B': return roi_dist_bernoulli(d, in->a, in->name, &err) == ROI_OK;
    case 'd': return roi_dist_discrete(d, v012, p, 3, in->name, &err) == ROI_OK;
    default: return 0;
    }
}

/* ---- the surfaces ------------------------------------------------------------------------- */

typedef struct surf_spec {
    double addressable, growth, reasoning;
    int n_stages;
    int stage_offset[3];
    double stage_share[3];
    int delay, ceiling, p, q, f0, inter; /* input indices; -1: none (0) */
} surf_spec;

static const surf_spec surf[NSURF] = {
    {0.40e9, 0.10, 0.15, 1, {0}, {1}, -1, 12, 13, 14, 15, 16},
    {0.008e9, 0.50, 0.0, 1, {0}, {1}, -1, 17, 18, 19, -1, 20},
    {3.0e9, 0.03, 0.05, 3, {0, 1, 3}, {.35, .85, 1}, 21, 22, 23, 24, 25, 26},
    {2.0e9, 0.05, 0.05, 1, {0}, {1}, 27, 28, 29, 30, 31, 32},
    {3.0e9, 0.05, 0.05, 1, {0}, {1}, 33, 34, 35, 36, 37, 38},
};

#define LAUNCH 4 /* 2026Q2 */

/* ---- one trial ------------------------------------------------------------------------------ */

static double qroot(double x)
{
    return sqrt(sqrt(x));
}

static int whole(double v)
{
    return (int)lround(v);
}

/* A trial's per-quarter quantities. */
typedef struct trial {
    double score[T], mult[T], people[T];
    double reach[NSURF][T], active[NSURF][T], inter[NSURF][T];
    double ureach[T], uactive[T];
    double spend[6][T], stream[4][T];
    double revenue[T], opex[T], invest[T], cf[T];
} trial;

/* Scores, S_t and the quality multiplier m_t. */
static void quality(const double *x, trial *w)
{
    int rel[4];
    double sc[4];
    rel[0] = LAUNCH;
    sc[0] = 52;
    rel[1] = 5 + whole(x[V2_SLIP]);
    sc[1] = x[V2_SCORE];
    rel[2] = rel[1] + 3 + whole(x[V3_SLIP]);
    sc[2] = sc[1] + (x[MOAT] != 0.0 ? x[V3_IMP_T] : x[V3_IMP_E]);
    rel[3] = rel[2] + 3 + whole(x[V4_SLIP]);
    sc[3] = sc[2] + (x[MOAT] != 0.0 ? x[V4_IMP_T] : x[V4_IMP_E]);
    for (int t = 0; t < T; t++) {
        double s = 0.0;
        for (int v = 0; v < 4; v++) /* releases increase: the last one released wins */
            if (rel[v] <= t)
                s = sc[v];
        w->score[t] = s;
        if (t < LAUNCH) {
            w->mult[t] = 0.0;
            continue;
        }
        double gap = 68.0 + x[F_SLOPE] * (t - LAUNCH) / 4.0 - s;
        double m = exp(-x[Q_BETA] * (gap - 16.0));
        w->mult[t] = m < 0.4 ? 0.4 : (m > 1.8 ? 1.8 : m);
    }
}

/* Reach, adoption, active users and interactions of surface si. */
static void one_surface(const double *x, int si, trial *w)
{
    const surf_spec *s = &surf[si];
    const int L = LAUNCH + (s->delay >= 0 ? whole(x[s->delay]) : 0);
    const double g = qroot(1.0 + s->growth), c = x[s->ceiling];
    const double p = x[s->p], q = x[s->q], f0 = s->f0 >= 0 ? x[s->f0] : 0.0;
    const double E = x[s->inter], decay = exp(-(p + q)), qp = q / p;
    double growth = 1.0, e = decay;
    for (int t = 0; t < T; t++, growth *= g) {
        if (t < L) {
            w->reach[si][t] = w->active[si][t] = w->inter[si][t] = 0.0;
            continue;
        }
        double unlocked = 0.0;
        for (int k = 0; k < s->n_stages; k++)
            if (t - L >= s->stage_offset[k])
                unlocked = s->stage_share[k];
        double R = s->addressable * growth * unlocked;
        double a = f0 + (1.0 - f0) * roi_bass_of_decay(e, qp);
        e *= decay;
        double reachable = c * w->mult[t];
        double U = R * (reachable < 1.0 ? reachable : 1.0) * a;
        w->reach[si][t] = R;
        w->active[si][t] = U;
        w->inter[si][t] = U * E;
    }
}

/* People, the surfaces and the unique users. */
static void users(const double *x, trial *w)
{
    const double g = qroot(1.06);
    double P = 3.48e9;
    for (int t = 0; t < T; t++, P *= g)
        w->people[t] = P;
    for (int si = 0; si < NSURF; si++)
        one_surface(x, si, w);
    for (int t = 0; t < T; t++) {
        double nr = 1.0, na = 1.0;
        for (int si = 0; si < NSURF; si++) {
            double sr = w->reach[si][t] / w->people[t], sa = w->active[si][t] / w->people[t];
            nr *= 1.0 - (sr < 1.0 ? sr : 1.0);
            na *= 1.0 - (sa < 1.0 ? sa : 1.0);
        }
        w->ureach[t] = w->people[t] * (1.0 - nr);
        w->uactive[t] = w->people[t] * (1.0 - na);
    }
}

/* The six spend lines; returns the stake's residual value. */
static double spend(const double *x, trial *w)
{
    memset(w->spend, 0, sizeof w->spend);
    w->spend[0][0] = 14.3e9;
    for (int t = 1; t <= 3; t++)
        w->spend[1][t] = x[BUILD_AMT];
    double a = x[FC_AMT], g = qroot(1.0 + x[FC_GROWTH]);
    for (int t = LAUNCH; t < T; t++, a *= g)
        w->spend[2][t] = a;
    double keep = 1.0 - x[ATTRITION];
    a = x[HEADS] * x[PACKAGE] / 16;
    for (int t = 1; t < 17; t++, a *= keep)
        w->spend[3][t] = a;
    a = x[RT_AMT];
    g = qroot(1.05);
    for (int t = 1; t < T; t++, a *= g)
        w->spend[4][t] = a;
    double weight[NSURF], d = 1.0, dq = qroot(1.0 - 0.30);
    for (int si = 0; si < NSURF; si++)
        weight[si] = (1.0 - surf[si].reasoning) + 10.0 * surf[si].reasoning;
    for (int t = 0; t < T; t++) {
        if (t > LAUNCH)
            d *= dq;
        if (t < LAUNCH)
            continue;
        double s = 0.0;
        for (int si = 0; si < NSURF; si++)
            s += w->inter[si][t] * weight[si];
        w->spend[5][t] = s * x[UNIT_COST] * d;
    }
    return 0.49 * x[RESID_VAL];
}

/* The four revenue streams. */
static void streams(const double *x, trial *w)
{
    memset(w->stream, 0, sizeof w->stream);
    double g = qroot(1.0 + x[CORE_GROWTH]), growth = 1.0;
    for (int t = 0; t < T; t++, growth *= g)
        if (t >= LAUNCH)
            w->stream[0][t] = 46.56e9 * growth * x[LIFT] * w->uactive[t] / w->people[t];
    const double per = x[RATE] * x[RATIO];
    for (int t = 6; t < T; t++) {
        double s = 0.0;
        for (int si = 0; si < NSURF; si++)
            s += w->inter[si][t];
        w->stream[1][t] = s * per;
    }
    const double sub = x[CONVERSION] * 60.0;
    for (int t = 5; t < T; t++)
        w->stream[2][t] = (0.0 + w->active[0][t]) * sub;
    g = qroot(1.35);
    growth = 1.0;
    for (int t = 6; t < T; t++, growth *= g) {
        double m = w->mult[t];
        w->stream[3][t] = 10e9 * growth * x[SHARE] * (m < 1.5 ? m : 1.5);
    }
}

/* The scalar outputs of trial x (its series in w). */
static void outputs(const double *x, trial *w, double residual, double *out)
{
    const double r = 0.09, dfq = 1.0 / qroot(1.0 + r);
    double df = 1.0, df_last = 1.0, npvh = 0, pvr = 0, pvs = 0, ts = 0, tr = 0, peak = 0;
    for (int t = 0; t < T; t++, df *= dfq) {
        w->revenue[t] = 0.0 + w->stream[0][t] + w->stream[1][t] + w->stream[2][t] +
                        w->stream[3][t];
        w->invest[t] = 0.0 + w->spend[0][t] + w->spend[1][t];
        w->opex[t] = 0.0 + w->spend[2][t] + w->spend[3][t] + w->spend[4][t] + w->spend[5][t];
        double sp = w->opex[t] + w->invest[t];
        w->cf[t] = w->revenue[t] - sp;
        npvh += w->cf[t] * df;
        pvr += w->revenue[t] * df;
        pvs += sp * df;
        ts += sp;
        tr += w->revenue[t];
        if (w->uactive[t] > peak)
            peak = w->uactive[t];
        df_last = df;
    }
    double ocf = 0.0, g = x[TV_G];
    for (int t = T - 4; t < T; t++)
        ocf += w->revenue[t] - w->opex[t];
    double tv = ocf * (1.0 + g) / (r - g);
    if (!(tv > 0.0))
        tv = 0.0;
    const double end = tv + residual;
    out[0] = npvh + end * df_last;
    out[1] = npvh;
    out[2] = pvs > 0.0 ? (pvr + end * df_last) / pvs : NAN;
    double flows[T];
    memcpy(flows, w->cf, sizeof flows);
    flows[T - 1] += end;
    double irr = roi_irr(flows, T), x2 = (1.0 + irr) * (1.0 + irr);
    out[3] = isnan(irr) ? NAN : x2 * x2 - 1.0;
    int pb = roi_payback(w->cf, T);
    out[4] = pb < 0 ? NAN : (double)pb;
    out[5] = ts;
    out[6] = tr;
    out[7] = peak;
}

/* One trial from its inputs x: outputs, and the row of NCELLS cell values when row. */
static void run_trial(const double *x, trial *w, double *out, double *row)
{
    quality(x, w);
    users(x, w);
    double residual = spend(x, w);
    streams(x, w);
    outputs(x, w, residual, out);
    if (!row)
        return;
    double cum = 0.0;
    for (int t = 0; t < T; t++) {
        cum += w->cf[t];
        row[0 * T + t] = w->cf[t];
        row[1 * T + t] = cum;
        row[2 * T + t] = w->revenue[t];
        row[3 * T + t] = w->opex[t] + w->invest[t];
        row[4 * T + t] = w->ureach[t];
        row[5 * T + t] = w->uactive[t];
        row[6 * T + t] = w->score[t];
        row[7 * T + t] = w->mult[t];
        for (int k = 0; k < 4; k++)
            row[(8 + k) * T + t] = w->stream[k][t];
        for (int k = 0; k < 6; k++)
            row[(12 + k) * T + t] = w->spend[k][t];
        for (int k = 0; k < NSURF; k++)
            row[(18 + k) * T + t] = w->active[k][t];
    }
    memcpy(row + NSERIES * T, x, NIN * sizeof *x);
}

/* ---- the run ---------------------------------------------------------------------------------- */

typedef struct ref {
    size_t n;
    int threads;
    uint64_t keys[NIN];
    roi_dist dist[NIN];
    double lo[NCELLS], inv_width[NCELLS], width[NCELLS];
    double cmin[NCELLS], cmax[NCELLS], sum[NCELLS];
    uint32_t *hist;        /* NCELLS x (NBINS + 2), merged */
    double *out[NOUT];     /* per trial */
    float *sens_in;        /* NIN x min(n, cap) */
    size_t ns;
} ref;

#define CHUNK 1024

static void draw(const ref *r, size_t i, double *x, gsl_rng *g, double lift)
{
    for (int k = 0; k < NIN; k++)
        x[k] = roi_dist_sample(&r->dist[k], r->keys[k], i, g);
    if (lift >= 0.0)
        x[LIFT] = lift;
}

/* The inputs of trials [lo, hi), input k's at tab[k * CHUNK + (i - lo)]: a batch of
 * uniforms and their quantiles per input where the family allows, a batch of the
 * generator's first words for a beta, as roisim does. */
static void draw_chunk(const ref *r, size_t lo, size_t hi, double *tab, gsl_rng *g)
{
    for (int k = 0; k < NIN; k++) {
        double *row = tab + (size_t)k * CHUNK;
        const roi_dist *d = &r->dist[k];
        if (roi_dist_by_uniform(d)) {
            roi_rng_uniforms(r->keys[k], lo, hi - lo, row);
            roi_dist_quantiles(d, row, hi - lo);
        } else if (roi_dist_by_words(d)) {
            uint32_t w[CHUNK * ROI_RNG_GSL_WORDS];
            roi_rng_gsl_words(r->keys[k], lo, hi - lo, w);
            for (size_t j = 0; j < hi - lo; j++)
                row[j] = roi_dist_sample_words(d, r->keys[k], lo + j, w + j * ROI_RNG_GSL_WORDS, g);
        } else {
            for (size_t j = 0; j < hi - lo; j++)
                row[j] = roi_dist_sample(d, r->keys[k], lo + j, g);
        }
    }
}

/* Trial lo + j's inputs from a chunk's table. */
static void from_chunk(const double *tab, size_t j, double *x, double lift)
{
    for (int k = 0; k < NIN; k++)
        x[k] = tab[(size_t)k * CHUNK + j];
    if (lift >= 0.0)
        x[LIFT] = lift;
}

/* Histogram ranges from the first PILOT trials' extremes, as roisim sets them. */
static void pilot(ref *r)
{
    for (int c = 0; c < NCELLS; c++) {
        r->cmin[c] = INFINITY;
        r->cmax[c] = -INFINITY;
    }
    gsl_rng *g = gsl_rng_alloc(roi_rng_philox);
    trial w;
    double x[NIN], o[NOUT], row[NCELLS];
    for (size_t i = 0; i < PILOT && i < r->n; i++) {
        draw(r, i, x, g, -1.0);
        run_trial(x, &w, o, row);
        for (int c = 0; c < NCELLS; c++) {
            r->cmin[c] = row[c] < r->cmin[c] ? row[c] : r->cmin[c];
            r->cmax[c] = row[c] > r->cmax[c] ? row[c] : r->cmax[c];
        }
    }
    gsl_rng_free(g);
    for (int c = 0; c < NCELLS; c++) {
        double mn = r->cmin[c], mx = r->cmax[c], lo, hi;
        if (mx > mn) {
            lo = mn - 0.25 * (mx - mn);
            hi = mx + 0.25 * (mx - mn);
        } else {
            double half = mn != 0.0 ? 0.25 * fabs(mn) : 1.0;
            lo = mn - half;
            hi = mn + half;
        }
        r->lo[c] = lo;
        r->width[c] = (hi - lo) / NBINS;
        r->inv_width[c] = NBINS / (hi - lo);
        r->cmin[c] = INFINITY;
        r->cmax[c] = -INFINITY;
    }
}

/* One thread's share of the main pass: trials into the outputs, its own histograms,
 * extremes and sums (merged by the caller). Histogram hits are counted in 8 bits (a
 * quarter of the cache footprint), a wrap carrying 256 into the 32-bit total. */
static void main_thread(ref *r, uint8_t *hist, uint32_t *total, double *cmin, double *cmax,
                        double *sum)
{
    gsl_rng *g = gsl_rng_alloc(roi_rng_philox);
    trial w;
    double x[NIN], o[NOUT], row[NCELLS];
    static _Thread_local double tab[NIN * CHUNK];
    const long long n = (long long)r->n;
#pragma omp for schedule(static, CHUNK)
    for (long long i = 0; i < n; i++) {
        if (i % CHUNK == 0)
            draw_chunk(r, (size_t)i, (size_t)(i + CHUNK < n ? i + CHUNK : n), tab, g);
        from_chunk(tab, (size_t)(i % CHUNK), x, -1.0);
        run_trial(x, &w, o, row);
        for (int k = 0; k < NOUT; k++)
            r->out[k][i] = o[k];
        if ((size_t)i < r->ns)
            for (int k = 0; k < NIN; k++)
                r->sens_in[(size_t)k * r->ns + (size_t)i] = (float)x[k];
        for (int c = 0; c < NCELLS; c++) {
            double v = row[c], f = (v - r->lo[c]) * r->inv_width[c];
            int s = f < 0.0 ? 0 : (f >= NBINS ? NBINS + 1 : (int)f + 1);
            size_t at = (size_t)c * (NBINS + 2) + (size_t)s;
            if (++hist[at] == 0)
                total[at] += 256;
            sum[c] += v;
            cmin[c] = v < cmin[c] ? v : cmin[c];
            cmax[c] = v > cmax[c] ? v : cmax[c];
        }
    }
    gsl_rng_free(g);
}

static int main_pass(ref *r)
{
    const size_t hsize = (size_t)NCELLS * (NBINS + 2);
    r->hist = calloc(hsize, sizeof *r->hist);
    int nomem = r->hist == NULL;
#pragma omp parallel num_threads(r->threads)
    {
        uint8_t *h = calloc(hsize, sizeof *h);
        uint32_t *h32 = calloc(hsize, sizeof *h32);
        double *acc = malloc(3 * NCELLS * sizeof *acc);
        if (!h || !h32 || !acc) {
#pragma omp atomic write
            nomem = 1;
        }
        for (int c = 0; acc && c < NCELLS; c++) {
            acc[c] = INFINITY;
            acc[NCELLS + c] = -INFINITY;
            acc[2 * NCELLS + c] = 0.0;
        }
        if (h && h32 && acc)
            main_thread(r, h, h32, acc, acc + NCELLS, acc + 2 * NCELLS);
#pragma omp critical(ref_merge)
        if (h && h32 && acc && r->hist) {
            for (size_t j = 0; j < hsize; j++)
                r->hist[j] += h32[j] + h[j];
            for (int c = 0; c < NCELLS; c++) {
                r->cmin[c] = acc[c] < r->cmin[c] ? acc[c] : r->cmin[c];
                r->cmax[c] = acc[NCELLS + c] > r->cmax[c] ? acc[NCELLS + c] : r->cmax[c];
                r->sum[c] += acc[2 * NCELLS + c];
            }
        }
        free(h);
        free(h32);
        free(acc);
    }
    return !nomem;
}

/* PERCENTILE.INC of cell c from its histogram (values spread evenly inside a bin). */
static double cell_quantile(const ref *r, int c, double p)
{
    const uint32_t *h = r->hist + (size_t)c * (NBINS + 2);
    double mn = r->cmin[c], mx = r->cmax[c];
    if (mn == mx)
        return mn;
    double rank = (double)(r->n - 1) * p;
    uint64_t want = (uint64_t)floor(rank), below = 0;
    double x = mx;
    if (want < h[0]) {
        x = mn;
    } else {
        below = h[0];
        for (int j = 0; j < NBINS; j++) {
            if (want < below + h[1 + j]) {
                x = r->lo[c] + ((double)j + ((double)(want - below) + 0.5) / h[1 + j]) *
                                   r->width[c];
                break;
            }
            below += h[1 + j];
        }
    }
    return x < mn ? mn : (x > mx ? mx : x);
}

/* ---- sensitivity ---------------------------------------------------------------------------- */

/* Spearman correlation of every input with the outputs 0, 1, 2, 5, 6, 7 (fully defined)
 * over the first ns trials, into rho[k * NOUT + o]. */
static int sensitivity(const ref *r, double *rho)
{
    static const int outs[6] = {0, 1, 2, 5, 6, 7};
    const size_t n = r->ns;
    uint32_t *rk = malloc((NIN + 6) * n * sizeof *rk);
    int ok = rk != NULL;
#pragma omp parallel num_threads(r->threads)
    {
        double *v = malloc(n * sizeof *v);
        uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
#pragma omp for schedule(dynamic)
        for (int j = 0; j < NIN + 6; j++) {
            if (!v || !a || !b || !rk) {
                ok = 0;
                continue;
            }
            for (size_t i = 0; i < n; i++)
                v[i] = j < NIN ? (double)r->sens_in[(size_t)j * n + i] : r->out[outs[j - NIN]][i];
            if (roi_stats_rank(v, n, rk + (size_t)j * n, a, b, NULL) != ROI_OK)
                ok = 0;
        }
        free(v);
        free(a);
        free(b);
    }
    if (!ok) {
        free(rk);
        return 0;
    }
    const double mr = (double)(n + 1); /* twice the mean mid-rank */
#pragma omp parallel for num_threads(r->threads) schedule(dynamic) collapse(2)
    for (int k = 0; k < NIN; k++)
        for (int o = 0; o < 6; o++) {
            const uint32_t *x = rk + (size_t)k * n, *y = rk + (size_t)(NIN + o) * n;
            double sxy = 0, sxx = 0, syy = 0;
            for (size_t i = 0; i < n; i++) {
                double dx = (double)x[i] - mr, dy = (double)y[i] - mr;
                sxy += dx * dy;
                sxx += dx * dx;
                syy += dy * dy;
            }
            rho[k * NOUT + outs[o]] = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0.0;
        }
    free(rk);
    return 1;
}

/* ---- the goal seek: the lift at which P(npv > 0) = 0.5 -------------------------------------- */

static double prob_positive_at(const ref *r, double lift)
{
    long long pos = 0;
#pragma omp parallel num_threads(r->threads) reduction(+ : pos)
    {
        gsl_rng *g = gsl_rng_alloc(roi_rng_philox);
        trial w;
        double x[NIN], o[NOUT];
        static _Thread_local double tab[NIN * CHUNK];
        const long long n = SEEK_TRIALS;
#pragma omp for schedule(static, CHUNK)
        for (long long i = 0; i < n; i++) {
            if (i % CHUNK == 0)
                draw_chunk(r, (size_t)i, (size_t)(i + CHUNK < n ? i + CHUNK : n), tab, g);
            from_chunk(tab, (size_t)(i % CHUNK), x, lift);
            run_trial(x, &w, o, NULL);
            pos += o[0] > 0.0;
        }
        gsl_rng_free(g);
    }
    return (double)pos / SEEK_TRIALS;
}

static double goal_seek(const ref *r)
{
    double lo = 0.0, hi = 0.2;
    for (int e = 0; e < SEEK_EVALS; e++) {
        double mid = 0.5 * (lo + hi);
        if (prob_positive_at(r, mid) < 0.5)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* ---- main --------------------------------------------------------------------------------------- */

static const char *out_names[NOUT] = {"npv", "npv_horizon", "roi_multiple", "irr",
                                      "payback", "total_spend", "total_revenue", "peak_active"};
static const char *series_names[NSERIES] = {
    "cash_flow", "cumulative_cash_flow", "revenue", "spend", "unique_reach", "unique_active",
    "score", "quality_multiplier", "revenue.core_ad_uplift", "revenue.ai_conversation_ads",
    "revenue.subscriptions", "revenue.business_agents", "spend.scale_stake",
    "spend.build_out", "spend.frontier_compute", "spend.senior_packages",
    "spend.research_team", "spend.inference", "active.meta_ai", "active.glasses",
    "active.facebook", "active.instagram", "active.whatsapp"};

/* The scalar outputs' summaries (a sort of each output's defined values). */
static int print_outputs(ref *r, FILE *f)
{
    static const double lv[5] = {0.05, 0.10, 0.50, 0.90, 0.95};
    static const char *ln[5] = {"p5", "p10", "p50", "p90", "p95"};
    int ok = 1;
    char line[NOUT][512];
#pragma omp parallel for num_threads(r->threads) schedule(dynamic)
    for (int k = 0; k < NOUT; k++) {
        double *v = r->out[k];
        size_t m = 0, pos = 0;
        for (size_t i = 0; i < r->n; i++)
            if (!isnan(v[i]))
                v[m++] = v[i];
        double mean = m ? roi_stats_sum(v, m) / (double)m : NAN;
        if (roi_stats_sort(v, m) != ROI_OK)
            ok = 0;
        for (size_t i = 0; i < m; i++)
            pos += v[i] > 0.0;
        int len = snprintf(line[k], sizeof line[k], "%s.mean %.17g\n%s.prob_positive %.17g\n",
                           out_names[k], mean, out_names[k], m ? (double)pos / m : NAN);
        for (int p = 0; p < 5; p++)
            len += snprintf(line[k] + len, sizeof line[k] - (size_t)len, "%s.%s %.17g\n",
                            out_names[k], ln[p], roi_stats_percentile_sorted(v, m, lv[p]));
    }
    for (int k = 0; k < NOUT; k++)
        fputs(line[k], f);
    return ok;
}

/* Bands ("series.NAME.T.p50 value width") and the inputs' p5/p95. */
static void print_cells(const ref *r, FILE *f)
{
    for (int s = 0; s < NSERIES; s++)
        for (int t = 0; t < T; t++) {
            int c = s * T + t;
            fprintf(f, "series.%s.%d.mean %.17g %.17g\n", series_names[s], t,
                    r->sum[c] / (double)r->n, r->width[c]);
            fprintf(f, "series.%s.%d.p10 %.17g %.17g\n", series_names[s], t,
                    cell_quantile(r, c, 0.10), r->width[c]);
            fprintf(f, "series.%s.%d.p50 %.17g %.17g\n", series_names[s], t,
                    cell_quantile(r, c, 0.50), r->width[c]);
            fprintf(f, "series.%s.%d.p90 %.17g %.17g\n", series_names[s], t,
                    cell_quantile(r, c, 0.90), r->width[c]);
        }
    for (int k = 0; k < NIN; k++) {
        int c = NSERIES * T + k;
        fprintf(f, "input.%s.p5 %.17g %.17g\n", inputs[k].name, cell_quantile(r, c, 0.05),
                r->width[c]);
        fprintf(f, "input.%s.p95 %.17g %.17g\n", inputs[k].name, cell_quantile(r, c, 0.95),
                r->width[c]);
    }
}

static int parse(int argc, char **argv, ref *r, uint64_t *seed, int *sens, const char **out)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-sensitivity"))
            *sens = 0;
        else if (!strcmp(a, "-n") && v && ++i)
            r->n = (size_t)strtod(v, NULL);
        else if (!strcmp(a, "--threads") && v && ++i)
            r->threads = atoi(v);
        else if (!strcmp(a, "--seed") && v && ++i)
            *seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--out") && v && ++i)
            *out = v;
        else
            return 0;
    }
    return r->n >= 2 && r->threads >= 1;
}

int main(int argc, char **argv)
{
    static ref r;
    uint64_t seed = 20260408u;
    int sens = 1;
    const char *path = NULL;
    r.n = 10000;
    r.threads = omp_get_max_threads();
    if (!parse(argc, argv, &r, &seed, &sens, &path)) {
        fprintf(stderr, "usage: roisim-ref [-n TRIALS] [--threads N] [--seed S] "
                        "[--no-sensitivity] [--out FILE]\n");
        return 2;
    }
    gsl_set_error_handler_off();
    for (int k = 0; k < NIN; k++) {
        r.keys[k] = roi_rng_key(seed, inputs[k].name);
        if (!make_dist(&inputs[k], &r.dist[k]))
            return fprintf(stderr, "roisim-ref: bad input %s\n", inputs[k].name), 1;
    }
    r.ns = sens ? (r.n < SENS_CAP ? r.n : SENS_CAP) : 0;
    for (int k = 0; k < NOUT; k++)
        if (!(r.out[k] = malloc(r.n * sizeof *r.out[k])))
            return fprintf(stderr, "roisim-ref: out of memory\n"), 1;
    r.sens_in = malloc((r.ns + 1) * NIN * sizeof *r.sens_in);
    double t0 = omp_get_wtime();
    pilot(&r);
    if (!r.sens_in || !main_pass(&r))
        return fprintf(stderr, "roisim-ref: out of memory\n"), 1;
    double t1 = omp_get_wtime();
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f)
        return fprintf(stderr, "roisim-ref: cannot write %s\n", path), 1;
    double rho[NIN * NOUT];
    if (sens && !sensitivity(&r, rho))
        return fprintf(stderr, "roisim-ref: out of memory\n"), 1;
    double t2 = omp_get_wtime();
    double lift = goal_seek(&r);
    double t3 = omp_get_wtime();
    if (!print_outputs(&r, f))
        return fprintf(stderr, "roisim-ref: out of memory\n"), 1;
    print_cells(&r, f);
    for (int k = 0; sens && k < NIN; k++)
        fprintf(f, "sensitivity.npv.%s %.17g\n", inputs[k].name, rho[k * NOUT]);
    fprintf(f, "goal.lift %.17g\n", lift);
    double t4 = omp_get_wtime();
    fprintf(stderr, "ref timings: simulation %.3f s, sensitivity %.3f s, goal seek %.3f s, "
                    "statistics %.3f s\n", t1 - t0, t2 - t1, t3 - t2, t4 - t3);
    return (path && fclose(f) != 0) ? 1 : 0;
}
