/*
 * model_trial.c - one trial of the reference model (see model.h): from the values of
 * the graph's nodes to the scalar outputs and the per-period series, MODEL.md
 * sections 3-7 in order.
 *
 * This is the hot path of every run: it allocates nothing (the workspace is made once
 * per thread), forms running products by one multiplication a quarter, and handles
 * two quarters per SSE2 instruction where the compiler does not; every such loop does
 * the same correctly rounded operations in the same order as the straightforward
 * formula, so the doubles do not depend on the path taken (test_model.c checks them
 * against a scalar reference).
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h> /* two quarters at a time in the hot loops (x86-64 always has it) */
#endif

/* ---- trial workspace --------------------------------------------------------------------- */

struct roi_trial_ws {
    int periods, n_versions, n_surfaces;
    int *release;          /* per version: release quarter */
    double *version_score; /* per version: score */
    double *score;         /* S_t */
    double *multiplier;    /* m_t */
    double *people;        /* P_t */
    double *reach;         /* R_{s,t}, surface-major */
    double *active;        /* U_{s,t} */
    double *interactions;  /* I_{s,t} */
    double *unique_reach;  /* unique(R)_t */
    double *unique_active; /* unique(U)_t */
    double *revenue;       /* Revenue_t: revenue streams */
    double *savings;       /* Savings_t: savings streams (MODEL.md 10.3) */
    double *opex;          /* Opex_t */
    double *invest;        /* Invest_t */
    double *cash_flow;     /* CF_t */
    double *irr_flows;     /* CF'_t: CF with TV and residuals in the last quarter */
    /* scratch of the hot loops: a running product per quarter (formed by one
     * multiplication a quarter, so the same doubles as the scalar recurrence), the
     * per-surface weights of an inference line, versions in release order */
    double *chain_a;           /* T */
    double *surface_weight;    /* S */
    int *version_order;        /* V: versions by release quarter (stable) */
};

void roi_trial_ws_free(roi_trial_ws *ws)
{
    if (!ws)
        return;
    free(ws->release);
    free(ws->version_score);
    free(ws->score);
    free(ws->multiplier);
    free(ws->people);
    free(ws->reach);
    free(ws->active);
    free(ws->interactions);
    free(ws->unique_reach);
    free(ws->unique_active);
    free(ws->revenue);
    free(ws->savings);
    free(ws->opex);
    free(ws->invest);
    free(ws->cash_flow);
    free(ws->irr_flows);
    free(ws->chain_a);
    free(ws->surface_weight);
    free(ws->version_order);
    free(ws);
}

roi_trial_ws *roi_trial_ws_new(const roi_model *m)
{
    size_t T = (size_t)(m->periods > 0 ? m->periods : 1);
    size_t V = (size_t)(m->n_versions > 0 ? m->n_versions : 1);
    size_t S = (size_t)(m->n_surfaces > 0 ? m->n_surfaces : 1);
    roi_trial_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->periods = (int)T;
    ws->n_versions = (int)V;
    ws->n_surfaces = (int)S;
    ws->release = calloc(V, sizeof *ws->release);
    ws->version_score = calloc(V, sizeof(double));
    ws->score = calloc(T, sizeof(double));
    ws->multiplier = calloc(T, sizeof(double));
    ws->people = calloc(T, sizeof(double));
    ws->reach = calloc(S * T, sizeof(double));
    ws->active = calloc(S * T, sizeof(double));
    ws->interactions = calloc(S * T, sizeof(double));
    ws->unique_reach = calloc(T, sizeof(double));
    ws->unique_active = calloc(T, sizeof(double));
    ws->revenue = calloc(T, sizeof(double));
    ws->savings = calloc(T, sizeof(double));
    ws->opex = calloc(T, sizeof(double));
    ws->invest = calloc(T, sizeof(double));
    ws->cash_flow = calloc(T, sizeof(double));
    ws->irr_flows = calloc(T, sizeof(double));
    ws->chain_a = calloc(T, sizeof(double));
    ws->surface_weight = calloc(S, sizeof(double));
    ws->version_order = calloc(V, sizeof *ws->version_order);
    if (!ws->release || !ws->version_score || !ws->score || !ws->multiplier || !ws->people ||
        !ws->reach || !ws->active || !ws->interactions || !ws->unique_reach || !ws->unique_active ||
        !ws->revenue || !ws->savings || !ws->opex || !ws->invest || !ws->cash_flow || !ws->irr_flows ||
        !ws->chain_a || !ws->surface_weight || !ws->version_order) {
        roi_trial_ws_free(ws);
        return NULL;
    }
    return ws;
}

/* ---- one trial ------------------------------------------------------------------------------ */

/*
 * Fields with a default in the parameter table (model_params.c) are always set once the
 * model is validated, so the trial reads them directly. Only the optional fields whose
 * absence means something (gap_ref: derived; max, cap: no clamp; residual: none) are
 * tested for ROI_NONE here.
 */

/* The value of an optional field, or what its absence means. */
static inline double value_or(const double *vals, roi_ref ref, double absent)
{
    return ref == ROI_NONE ? absent : vals[ref];
}

/* A node value read as whole quarters (validation guarantees whole values; rounding
 * absorbs representation noise, clamping keeps absurd values away from int overflow). */
static inline int quarters_of(const double *vals, roi_ref ref)
{
    double v = vals[ref];
    if (!(v > -1e6))
        return -1000000;
    if (!(v < 1e6))
        return 1000000;
    /* lround(v) without the call: the truncation and the remainder are exact here */
    int whole = (int)v;
    double rest = v - whole;
    return whole + (rest >= 0.5) - (rest <= -0.5);
}

/* x^(1/4) and x^4 for the quarterly <-> annual rates: two square roots (each correctly
 * rounded) or two squarings cost a fraction of pow() and agree with it to an ulp or
 * two; this is the hot path of every trial. */
static inline double fourth_root(double x)
{
    return sqrt(sqrt(x));
}

static inline double fourth_power(double x)
{
    double x2 = x * x;
    return x2 * x2;
}

static inline double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* The quarter of a field that may be an event: the fixed quarter, or k quarters after a
 * version's release in this trial (ROI_NEVER when that version never ships). */
static inline int when_quarter(const double *vals, const roi_trial_ws *ws, roi_period fixed,
                               roi_event e)
{
    if (e.of < 1)
        return fixed;
    const int release = ws->release[e.of - 1];
    return release == ROI_NEVER ? ROI_NEVER : release + quarters_of(vals, e.offset);
}

/* Writes `value` to series s at period t when series are requested. */
#define SERIES(s, t) series[(size_t)(s) * (size_t)T + (size_t)(t)]

/* Section 3: release quarters, scores, S_t and m_t. Returns t_launch. */
static int quality_track(const roi_model *m, const double *vals, roi_trial_ws *ws)
{
    const int T = m->periods;
    if (m->n_versions == 0) {
        /* no quality track (MODEL.md 10.1): m_t = 1, t_launch = the horizon's start */
        for (int t = 0; t < T; t++) {
            ws->score[t] = 0.0;
            ws->multiplier[t] = 1.0;
        }
        return 0;
    }
    for (int v = 0; v < m->n_versions; v++) {
        const roi_version *ver = &m->versions[v];
        /* release = planned + slip, planned absolute or previous release + after */
        int planned = ver->planned != ROI_PERIOD_NONE
                          ? ver->planned
                          : ws->release[v - 1] + quarters_of(vals, ver->after);
        ws->release[v] = planned + quarters_of(vals, ver->slip);
        /* cancelled, or given after one that never ships: never (MODEL.md 11.1) */
        if (ver->cancel || (ver->planned == ROI_PERIOD_NONE && ws->release[v - 1] == ROI_NEVER))
            ws->release[v] = ROI_NEVER;
        /* score absolute, or previous score + improvement */
        ws->version_score[v] = ver->score != ROI_NONE
                                   ? vals[ver->score]
                                   : ws->version_score[v - 1] + vals[ver->improvement];
    }
    const int t_launch = ws->release[0];
    const double F0 = vals[m->frontier_score];
    const double slope = vals[m->frontier_slope];
    const double beta = vals[m->quality_beta];
    /* G_ref = F0 - first version's score unless given */
    const double G_ref = value_or(vals, m->gap_ref, F0 - ws->version_score[0]);
    const double m_lo = vals[m->m_lo];
    const double m_hi = value_or(vals, m->m_hi, INFINITY); /* absent: no upper clamp */

    /* S_t = score of the latest version released at or before t (of equal releases, the
     * one declared last); 0 before any. Versions ordered by release, ties in declaration
     * order (insertion sort: a handful of versions), then swept once along t. */
    int *order = ws->version_order;
    for (int v = 0; v < m->n_versions; v++) {
        int j = v;
        for (; j > 0 && ws->release[order[j - 1]] > ws->release[v]; j--)
            order[j] = order[j - 1];
        order[j] = v;
    }
    double S = 0.0;
    int next = 0;
    for (int t = 0; t < T; t++) {
        for (; next < m->n_versions && ws->release[order[next]] <= t; next++)
            S = ws->version_score[order[next]];
        ws->score[t] = S;
    }
    const int n_before = t_launch < 0 ? 0 : (t_launch < T ? t_launch : T);
    for (int t = 0; t < n_before; t++)
        ws->multiplier[t] = 0.0; /* no product yet */
    for (int t = n_before; t < T; t++) {
        double F = F0 + slope * (t - t_launch) / 4.0; /* F_t = F0 + slope (t - t_launch)/4 */
        double G = F - ws->score[t];                  /* G_t = F_t - S_t */
        /* m_t = clamp(exp(-beta (G_t - G_ref)), m_lo, m_hi) */
        ws->multiplier[t] = clampd(exp(-beta * (G - G_ref)), m_lo, m_hi);
    }
    return t_launch;
}

/* unique(R)_t and unique(U)_t, unique(X)_t = P_t (1 - prod_s (1 - min(X_{s,t} / P_t, 1))).
 * The product is formed surface by surface for all quarters at once, two quarters per
 * SSE2 instruction; for each t it multiplies the same factors in the same order (s =
 * 0, 1, ...) with the same correctly rounded operations as the scalar code, so the
 * doubles are the same (minpd(x, 1) is exactly x < 1 ? x : 1, NaN included). */
static void unique_users(const roi_model *m, roi_trial_ws *ws)
{
    const int T = m->periods;
    if (m->people == ROI_NONE) {
        /* no family (MODEL.md 10.1): surfaces reach different people, plain sums */
        for (int t = 0; t < T; t++)
            ws->unique_reach[t] = ws->unique_active[t] = 0.0;
        for (int s = 0; s < m->n_surfaces; s++)
            for (int t = 0; t < T; t++) {
                ws->unique_reach[t] += ws->reach[(size_t)s * T + t];
                ws->unique_active[t] += ws->active[(size_t)s * T + t];
            }
        return;
    }
    const double *restrict P = ws->people;
    double *restrict none_r = ws->unique_reach; /* prod_s (1 - min(share, 1)) until the end */
    double *restrict none_a = ws->unique_active;
    for (int t = 0; t < T; t++)
        none_r[t] = none_a[t] = 1.0;
    for (int s = 0; s < m->n_surfaces; s++) {
        const double *restrict R = ws->reach + (size_t)s * T;
        const double *restrict U = ws->active + (size_t)s * T;
        int t = 0;
#ifdef __SSE2__
        const __m128d one = _mm_set1_pd(1.0);
        for (; t + 2 <= T; t += 2) {
            __m128d p = _mm_loadu_pd(P + t);
            __m128d share_r = _mm_div_pd(_mm_loadu_pd(R + t), p);
            __m128d share_a = _mm_div_pd(_mm_loadu_pd(U + t), p);
            _mm_storeu_pd(none_r + t, _mm_mul_pd(_mm_loadu_pd(none_r + t),
                                                 _mm_sub_pd(one, _mm_min_pd(share_r, one))));
            _mm_storeu_pd(none_a + t, _mm_mul_pd(_mm_loadu_pd(none_a + t),
                                                 _mm_sub_pd(one, _mm_min_pd(share_a, one))));
        }
#endif
        for (; t < T; t++) {
            double share_r = R[t] / P[t], share_a = U[t] / P[t];
            none_r[t] *= 1.0 - (share_r < 1.0 ? share_r : 1.0);
            none_a[t] *= 1.0 - (share_a < 1.0 ? share_a : 1.0);
        }
    }
    for (int t = 0; t < T; t++) {
        none_r[t] = P[t] * (1.0 - none_r[t]);
        none_a[t] = P[t] * (1.0 - none_a[t]);
    }
}

/* Section 4: reach, adoption, active users and interactions per surface. A surface's
 * clock starts when it is launched and a version has shipped (MODEL.md 10.4). */
static void surfaces(const roi_model *m, const double *vals, roi_trial_ws *ws, int t_launch)
{
    const int T = m->periods;
    const double *restrict mult = ws->multiplier;
    double *restrict e_tau = ws->chain_a; /* e^(-(p+q) tau), tau = k + 1 */
    for (int si = 0; si < m->n_surfaces; si++) {
        const roi_surface *s = &m->surfaces[si];
        double *restrict R = ws->reach + (size_t)si * T;
        double *restrict U = ws->active + (size_t)si * T;
        double *restrict I = ws->interactions + (size_t)si * T;
        /* L_s = max(launch + delay, t_launch) */
        const int planned = s->launch + quarters_of(vals, s->delay);
        const int L = planned > t_launch ? planned : t_launch;
        const double A = vals[s->addressable];
        const double quarterly_growth = fourth_root(1.0 + vals[s->growth]);
        const double c = vals[s->ceiling];
        const double p = vals[s->p], q = vals[s->q];
        const double q_over_p = q / p;
        const double f0 = vals[s->f0];
        const double not_f0 = 1.0 - f0;
        const double E = vals[s->interactions];
        const double decay = exp(-(p + q));
        /* the first quarter with k = t - L >= 0 */
        const int first = L < 0 ? 0 : (L < T ? L : T);

        /* Reach and the Bass exponential, with their running products advanced one
         * multiplication a quarter (growth from t = 0, the exponential from the
         * launch). unlocked_s(t) = share of the last stage with offset <= k is constant
         * between stages, so one loop per stage (stage -1: before the first, 0). */
        double growth = 1.0, e = decay; /* (1 + g_s)^(t/4), e^(-(p+q) tau) */
        int t = 0;
        for (; t < first; t++, growth *= quarterly_growth)
            R[t] = U[t] = I[t] = 0.0;
        for (int stage = -1; stage < s->n_stages && t < T; stage++) {
            const int end = stage + 1 < s->n_stages && L + s->stages[stage + 1].offset < T
                                ? L + s->stages[stage + 1].offset
                                : T;
            const double unlocked = stage >= 0 ? s->stages[stage].share : 0.0;
            for (; t < end; t++, growth *= quarterly_growth, e *= decay) {
                R[t] = A * growth * unlocked; /* R = A (1+g)^(t/4) unlocked */
                e_tau[t] = e;
            }
        }

        /* a_s(t) = f0 + (1-f0) Bass(k+1) replaces e^(-(p+q) tau) in place: a loop the
         * compiler vectorises, with the one Bass formula of finance.h */
        for (t = first; t < T; t++)
            e_tau[t] = f0 + not_f0 * roi_bass_of_decay(e_tau[t], q_over_p);
        const double *adopted = e_tau;

        t = first;
#ifdef __SSE2__
        /* the scalar loop below, two quarters at a time: the same operations (the
         * compiler does not vectorise the min; minpd is exactly x < 1 ? x : 1) */
        const __m128d one = _mm_set1_pd(1.0), c2 = _mm_set1_pd(c), E2 = _mm_set1_pd(E);
        for (; t + 2 <= T; t += 2) {
            __m128d reachable = _mm_min_pd(_mm_mul_pd(c2, _mm_loadu_pd(mult + t)), one);
            __m128d u = _mm_mul_pd(_mm_mul_pd(_mm_loadu_pd(R + t), reachable),
                                   _mm_loadu_pd(adopted + t));
            _mm_storeu_pd(U + t, u);
            _mm_storeu_pd(I + t, _mm_mul_pd(u, E2));
        }
#endif
        for (; t < T; t++) {
            double reachable = c * mult[t];
            U[t] = R[t] * (reachable < 1.0 ? reachable : 1.0) * adopted[t]; /* U = R min(1,c m) a */
            I[t] = U[t] * E;                                                 /* I = U E */
        }
    }
}

/* Section 5: one spend line's amount in every quarter, added to Opex or Invest. */
static double spend_line(const roi_model *m, const roi_spend *l, const double *vals,
                         roi_trial_ws *ws, int t_launch, double *line)
{
    const int T = m->periods;
    double residual = 0.0;
    for (int t = 0; t < T; t++)
        line[t] = 0.0;
    /* first and last quarter, either possibly an event of this trial; an inference line
     * without `to` runs to the horizon's end */
    const int from = when_quarter(vals, ws, l->from, l->from_event);
    const int to = l->kind == ROI_SPEND_INFERENCE && l->to_event.of == 0
                       ? T - 1
                       : when_quarter(vals, ws, l->to, l->to_event);

    switch (l->kind) {
    case ROI_SPEND_LUMP:
        if (from >= 0 && from < T)
            line[from] = vals[l->amount];
        if (l->residual_fraction != ROI_NONE) /* fraction * valuation at the horizon end */
            residual = vals[l->residual_fraction] * vals[l->residual_valuation];
        break;
    case ROI_SPEND_SCHEDULE: {
        /* amount (1+g)^((t - start)/4) for start <= t <= end */
        const double quarterly = fourth_root(1.0 + vals[l->growth]);
        double amount = vals[l->amount];
        for (int t = from; t <= to && t < T; t++, amount *= quarterly)
            if (t >= 0)
                line[t] = amount;
        break;
    }
    case ROI_SPEND_VESTING: {
        /* heads package / V (1 - a)^(t - start) for start <= t < start + V */
        const double keep = 1.0 - vals[l->attrition];
        const int V = quarters_of(vals, l->vest_quarters);
        double amount = vals[l->heads] * vals[l->package] / V;
        for (int t = from; t < from + V && t < T; t++, amount *= keep)
            if (t >= 0)
                line[t] = amount;
        break;
    }
    case ROI_SPEND_INFERENCE: {
        /* sum_s I_{s,t} ((1 - rho_s) + k_r rho_s) c0 (1 - d)^(max(t - t_launch, 0)/4) */
        const double c0 = vals[l->unit_cost];
        const double k_r = vals[l->reasoning_cost];
        const double quarterly_decline = fourth_root(1.0 - vals[l->cost_decline]);
        double *restrict weight = ws->surface_weight; /* (1 - rho_s) + k_r rho_s */
        for (int si = 0; si < m->n_surfaces; si++) {
            double rho = vals[m->surfaces[si].reasoning];
            weight[si] = (1.0 - rho) + k_r * rho;
        }
        double *restrict decline = ws->chain_a; /* one multiplication a quarter after t_launch */
        double d = 1.0;
        for (int t = 0; t < T; t++) {
            if (t > t_launch)
                d *= quarterly_decline;
            decline[t] = d;
        }
        /* the weighted sum over surfaces in surface order, formed in line[] (zero) for
         * all quarters at once */
        const int t0 = from < 0 ? 0 : (from < T ? from : T);
        const int t1 = to < t0 ? t0 : (to < T - 1 ? to + 1 : T); /* one past the last */
        for (int si = 0; si < m->n_surfaces; si++) {
            const double *restrict I = ws->interactions + (size_t)si * T;
            for (int t = t0; t < t1; t++)
                line[t] += I[t] * weight[si];
        }
        for (int t = t0; t < t1; t++)
            line[t] = line[t] * c0 * decline[t];
        break;
    }
    }
    return residual;
}

/* line[t] = (sum over the stream's surfaces, in their order, of per_surface[s, t]) * per
 * from the stream's start on; line is zero on entry. Formed for all quarters at once,
 * surface by surface, so the inner loop runs over quarters. */
static void surfaces_times(const roi_stream *s, const double *per_surface, int T, int from,
                           double per, double *line)
{
    const int t0 = from < 0 ? 0 : (from < T ? from : T);
    for (int k = 0; k < s->n_surfaces; k++) {
        const double *restrict x = per_surface + (size_t)s->surfaces[k] * T;
        for (int t = t0; t < T; t++)
            line[t] += x[t];
    }
    for (int t = t0; t < T; t++)
        line[t] *= per;
}

/* Section 6: one stream's revenue in every quarter, from its first quarter to its last
 * (either possibly an event of this trial). */
static void stream_revenue(const roi_model *m, const roi_stream *s, const double *vals,
                           const roi_trial_ws *ws, double *line)
{
    const int T = m->periods;
    for (int t = 0; t < T; t++)
        line[t] = 0.0;
    const int from = when_quarter(vals, ws, s->from, s->from_event);
    /* a schedule's `to` is required; another stream without one earns to the end */
    const int to = s->to_event.of == 0 && s->kind != ROI_STREAM_SCHEDULE
                       ? T - 1
                       : when_quarter(vals, ws, s->to, s->to_event);

    switch (s->kind) {
    case ROI_STREAM_UPLIFT: {
        /* B0 (1+g_B)^(t/4) u unique(U)_t / P_t, growth counted from t = 0 */
        const double B0 = vals[s->base], u = vals[s->lift];
        const double quarterly_growth = fourth_root(1.0 + vals[s->growth]);
        double growth = 1.0;
        int t = 0;
        for (; t < from && t < T; t++)
            growth *= quarterly_growth;
        for (; t < T; t++, growth *= quarterly_growth)
            line[t] = B0 * growth * u * ws->unique_active[t] / ws->people[t];
        break;
    }
    case ROI_STREAM_PER_INTERACTION: /* sum_{s in S} I_{s,t} rate ratio */
        surfaces_times(s, ws->interactions, T, from, vals[s->rate] * vals[s->ratio], line);
        break;
    case ROI_STREAM_SUBSCRIPTION: /* sum_{s in S} U_{s,t} conversion price */
        surfaces_times(s, ws->active, T, from, vals[s->conversion] * vals[s->price], line);
        break;
    case ROI_STREAM_SCHEDULE: {
        /* amount (1+g)^((t - start)/4) for start <= t <= end (MODEL.md 10.2) */
        const double quarterly = fourth_root(1.0 + vals[s->growth]);
        double amount = vals[s->amount];
        for (int t = from; t <= to && t < T; t++, amount *= quarterly)
            if (t >= 0)
                line[t] = amount;
        break;
    }
    case ROI_STREAM_MARKET_SHARE: {
        /* M0 (1+g_M)^((t - start)/4) share min(m_t, cap) */
        const double M0 = vals[s->market], share = vals[s->share];
        const double cap = value_or(vals, s->cap, INFINITY); /* absent: no cap */
        const double quarterly_growth = fourth_root(1.0 + vals[s->growth]);
        double growth = 1.0;
        for (int t = from; t < T; t++, growth *= quarterly_growth) {
            if (t < 0)
                continue;
            double mt = ws->multiplier[t];
            line[t] = M0 * growth * share * (mt < cap ? mt : cap);
        }
        break;
    }
    }
    for (int t = to < -1 ? 0 : to + 1; t < T; t++) /* nothing after its last quarter */
        line[t] = 0.0;
}

/* Sections 5 and 6: every spend line into Opex or Invest, every stream into Revenue or
 * Savings by its class.
 * Lines are computed into the cash-flow buffer (free until section 7) or straight into
 * their series. Returns the residual values at the horizon's end. */
static double money_lines(const roi_model *m, const double *vals, roi_trial_ws *ws,
                          int t_launch, double *series)
{
    const int T = m->periods;
    const int n_fixed = ROI_SERIES_FIXED_COUNT;
    for (int t = 0; t < T; t++)
        ws->revenue[t] = ws->savings[t] = ws->opex[t] = ws->invest[t] = 0.0;
    double residuals = 0.0;
    for (int i = 0; i < m->n_spend; i++) {
        const roi_spend *l = &m->spend[i];
        double *line = series ? &SERIES(n_fixed + m->n_streams + i, 0) : ws->cash_flow;
        residuals += spend_line(m, l, vals, ws, t_launch, line);
        /* inference is always operating: it recurs with usage */
        double *sink = (l->cls == ROI_CLASS_INVESTMENT && l->kind != ROI_SPEND_INFERENCE)
                           ? ws->invest
                           : ws->opex;
        for (int t = 0; t < T; t++)
            sink[t] += line[t];
    }
    for (int i = 0; i < m->n_streams; i++) {
        double *line = series ? &SERIES(n_fixed + i, 0) : ws->cash_flow;
        stream_revenue(m, &m->streams[i], vals, ws, line);
        double *sink = m->streams[i].cls == ROI_STREAM_SAVINGS ? ws->savings : ws->revenue;
        for (int t = 0; t < T; t++)
            sink[t] += line[t];
    }
    return residuals;
}

/* Section 7: the cash flow and the scalar outputs, with `residuals` added at the end. */
static void outputs(const roi_model *m, const double *vals, roi_trial_ws *ws, double residuals,
                    double *out)
{
    const int T = m->periods;
    const double r = vals[m->discount];
    const double df_quarter = 1.0 / fourth_root(1.0 + r); /* 1/(1+q), q = (1+r)^(1/4) - 1 */
    double df = 1.0;                                    /* DF_t = (1+q)^(-t) */
    double df_last = 1.0;
    double npv_horizon = 0.0, pv_benefit = 0.0, pv_spend = 0.0;
    double total_spend = 0.0, total_revenue = 0.0, total_savings = 0.0, peak_active = 0.0;
    for (int t = 0; t < T; t++, df *= df_quarter) {
        double spend = ws->opex[t] + ws->invest[t];
        /* CF = Revenue + Savings - Opex - Invest (MODEL.md 10.3) */
        ws->cash_flow[t] = (ws->revenue[t] + ws->savings[t]) - spend;
        npv_horizon += ws->cash_flow[t] * df;
        pv_benefit += (ws->revenue[t] + ws->savings[t]) * df;
        pv_spend += spend * df;
        total_spend += spend;
        total_revenue += ws->revenue[t];
        total_savings += ws->savings[t];
        if (ws->unique_active[t] > peak_active)
            peak_active = ws->unique_active[t];
        df_last = df;
    }

    /* TV = max(0, OCF (1 + g_tv) / (r - g_tv)), OCF over the last four quarters */
    double tv = 0.0;
    if (m->terminal) {
        const double g_tv = vals[m->tv_growth];
        double ocf = 0.0;
        for (int t = T > 4 ? T - 4 : 0; t < T; t++)
            ocf += (ws->revenue[t] + ws->savings[t]) - ws->opex[t];
        tv = ocf * (1.0 + g_tv) / (r - g_tv);
        if (!(tv > 0.0))
            tv = 0.0; /* abandonment floor */
    }
    const double end_value = tv + residuals;

    out[ROI_OUT_NPV] = npv_horizon + end_value * df_last;
    out[ROI_OUT_NPV_HORIZON] = npv_horizon;
    out[ROI_OUT_ROI_MULTIPLE] =
        pv_spend > 0.0 ? (pv_benefit + end_value * df_last) / pv_spend : NAN;

    /* irr: CF' = CF with TV and residuals added to the last quarter, annualised */
    for (int t = 0; t < T; t++)
        ws->irr_flows[t] = ws->cash_flow[t];
    ws->irr_flows[T - 1] += end_value;
    double x = roi_irr(ws->irr_flows, T);
    out[ROI_OUT_IRR] = isnan(x) ? NAN : fourth_power(1.0 + x) - 1.0;

    int payback = roi_payback(ws->cash_flow, T);
    out[ROI_OUT_PAYBACK] = payback < 0 ? NAN : (double)payback;
    out[ROI_OUT_TOTAL_SPEND] = total_spend;
    out[ROI_OUT_TOTAL_REVENUE] = total_revenue;
    out[ROI_OUT_PEAK_ACTIVE] = peak_active;
    out[ROI_OUT_TOTAL_SAVINGS] = total_savings;
}

/* The per-period series that are not written as they are computed. */
static void fixed_series(const roi_model *m, const roi_trial_ws *ws, double *series)
{
    const int T = m->periods;
    double cumulative = 0.0;
    for (int t = 0; t < T; t++) {
        cumulative += ws->cash_flow[t];
        SERIES(ROI_SERIES_CASH_FLOW, t) = ws->cash_flow[t];
        SERIES(ROI_SERIES_CUMULATIVE, t) = cumulative;
        SERIES(ROI_SERIES_REVENUE, t) = ws->revenue[t];
        SERIES(ROI_SERIES_SPEND, t) = ws->opex[t] + ws->invest[t];
        SERIES(ROI_SERIES_UNIQUE_REACH, t) = ws->unique_reach[t];
        SERIES(ROI_SERIES_UNIQUE_ACTIVE, t) = ws->unique_active[t];
        SERIES(ROI_SERIES_SCORE, t) = ws->score[t];
        SERIES(ROI_SERIES_QUALITY, t) = ws->multiplier[t];
    }
    const int first = ROI_SERIES_FIXED_COUNT + m->n_streams + m->n_spend;
    for (int si = 0; si < m->n_surfaces; si++)
        for (int t = 0; t < T; t++)
            SERIES(first + si, t) = ws->active[(size_t)si * T + t];
}

void roi_model_trial(const roi_model *m, const double *vals, roi_trial_ws *ws, double *out,
                     double *series)
{
    const int T = m->periods;
    /* Section 3 */
    const int t_launch = quality_track(m, vals, ws);
    /* Section 4: P_t = P0 (1 + g_P)^(t/4), then the surfaces and the unique users */
    if (m->people != ROI_NONE) {
        const double quarterly = fourth_root(1.0 + vals[m->people_growth]);
        double P = vals[m->people];
        for (int t = 0; t < T; t++, P *= quarterly)
            ws->people[t] = P;
    }
    surfaces(m, vals, ws, t_launch);
    unique_users(m, ws);
    /* Sections 5 to 7 */
    const double residuals = money_lines(m, vals, ws, t_launch, series);
    outputs(m, vals, ws, residuals, out);
    if (series)
        fixed_series(m, ws, series);
}
