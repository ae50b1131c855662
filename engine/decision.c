/*
 * decision.c - decisions at a gate and the value of information (see decision.h).
 *
 * Sections: accumulators, the options (means, V0, EVPI), one signal sorted, its EVPPI
 * (sorted blocks, with batches for the SE), its threshold rule (grid, value curve,
 * confidence range, cross-fitting), the ranking, and the evaluation of finished runs.
 *
 * Every sum runs in a fixed order (trial order, or the signal's sorted order with ties
 * in trial order), so the numbers never depend on threads. Differences that are zero in
 * exact arithmetic (an option best in every block, a rule that never changes the choice)
 * are formed from the same partial sums, so they are exactly zero.
 */
#include "decision.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "rng.h"
#include "sampling.h"
#include "stats.h"

/* ---- accumulators ------------------------------------------------------------------------ */

/* Mean and spread of a stream of numbers (Welford), for paired standard errors. */
typedef struct acc {
    size_t n;
    double mean, m2;
} acc;

static void acc_add(acc *a, double v)
{
    a->n++;
    double d = v - a->mean;
    a->mean += d / (double)a->n;
    a->m2 += d * (v - a->mean);
}

/* The standard error of the mean; NaN below two values. */
static double acc_se(const acc *a)
{
    if (a->n < 2)
        return NAN;
    double var = a->m2 / (double)(a->n - 1);
    return sqrt(var > 0 ? var : 0) / sqrt((double)a->n);
}

static char *dup(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s ? s : "", n);
    return d;
}

/* ---- the options: means, V0, EVPI ------------------------------------------------------------- */

static roi_status options(const roi_decision_data *dd, roi_decision_result *r, roi_error *err)
{
    const int K = dd->n_options;
    const size_t n = dd->n;
    r->options = calloc((size_t)K, sizeof *r->options);
    r->mean = calloc((size_t)K, sizeof *r->mean);
    r->se = calloc((size_t)K, sizeof *r->se);
    r->prob_best = calloc((size_t)K, sizeof *r->prob_best);
    ROI_CHECK_MEM(r->options && r->mean && r->se && r->prob_best, err);
    r->n_options = K;
    r->best = 0;
    for (int d = 0; d < K; d++) {
        ROI_CHECK_MEM(r->options[d] = dup(dd->options[d]), err);
        acc a = {0};
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(dd->y[d][i]))
                return roi_error_set(err, ROI_ERR_USAGE, dd->options[d],
                                     "decision: option '%s' has no finite output in trial %zu",
                                     dd->options[d], i);
            acc_add(&a, dd->y[d][i]);
        }
        r->mean[d] = a.mean;
        r->se[d] = acc_se(&a);
        if (a.mean > r->mean[r->best])
            r->best = d;
    }
    r->v0 = r->mean[r->best];
    /* EVPI = mean(max_d Y_d) - V0, paired with the best option trial by trial */
    acc gain = {0};
    size_t *wins = calloc((size_t)K, sizeof *wins);
    ROI_CHECK_MEM(wins, err);
    for (size_t i = 0; i < n; i++) {
        int b = 0;
        for (int d = 1; d < K; d++)
            if (dd->y[d][i] > dd->y[b][i])
                b = d;
        wins[b]++;
        acc_add(&gain, dd->y[b][i] - dd->y[r->best][i]);
    }
    for (int d = 0; d < K; d++)
        r->prob_best[d] = (double)wins[d] / (double)n;
    free(wins);
    r->evpi = gain.mean;
    r->evpi_se = acc_se(&gain);
    r->perfect = r->v0 + r->evpi;
    return ROI_OK;
}

/* ---- one signal, sorted ------------------------------------------------------------------------ */

/* The trials in ascending order of x, ties in trial order (order), and x in that order
 * (xs): mid-ranks from the engine's one rank kernel, then a counting sort on them. */
static roi_status sort_signal(const double *x, size_t n, size_t *order, double *xs,
                              roi_error *err)
{
    roi_status st = ROI_OK;
    uint32_t *rank2 = malloc(n * sizeof *rank2);
    uint64_t *wa = malloc(n * sizeof *wa), *wb = malloc(n * sizeof *wb);
    size_t *start = calloc(2 * n + 2, sizeof *start);
    ROI_CHECK_MEM_GOTO(rank2 && wa && wb && start, st, err, done);
    ROI_TRY_GOTO(st, roi_stats_rank(x, n, rank2, wa, wb, NULL), done);
    for (size_t i = 0; i < n; i++)
        start[rank2[i] + 1]++;
    for (size_t r = 1; r < 2 * n + 2; r++)
        start[r] += start[r - 1];
    for (size_t i = 0; i < n; i++)
        order[start[rank2[i]]++] = i;
    for (size_t j = 0; j < n; j++)
        xs[j] = x[order[j]];
done:
    free(rank2);
    free(wa);
    free(wb);
    free(start);
    return st == ROI_ERR_NOMEM ? roi_error_set(err, st, "", "out of memory sorting a signal") : st;
}

/* ---- EVPPI: sorted blocks ---------------------------------------------------------------------- */

/*
 * One estimator's state: blocks of about `size` consecutive trials in x's order, a
 * block closed only where x changes (so a discrete signal's blocks are its values),
 * and per block the best option's sum. EVPPI = (sum over blocks of the best block sum
 * - the best total) / n, the totals formed from the block sums so that an option best
 * in every block gives exactly 0.
 */
typedef struct blocks {
    double size, count, last;
    double *sum, *total;   /* K each */
    double best_sum;
    size_t n;
    int n_blocks, K;
} blocks;

static void blocks_close(blocks *b)
{
    if (b->count == 0)
        return;
    double best = b->sum[0];
    for (int d = 0; d < b->K; d++) {
        if (b->sum[d] > best)
            best = b->sum[d];
        b->total[d] += b->sum[d];
        b->sum[d] = 0;
    }
    b->best_sum += best;
    b->count = 0;
    b->n_blocks++;
}

static void blocks_add(blocks *b, const roi_decision_data *dd, size_t i, double x)
{
    if (b->count >= b->size && x != b->last)
        blocks_close(b);
    for (int d = 0; d < b->K; d++)
        b->sum[d] += dd->y[d][i];
    b->count++;
    b->n++;
    b->last = x;
}

static double blocks_evppi(blocks *b)
{
    blocks_close(b);
    double best_total = b->total[0];
    for (int d = 1; d < b->K; d++)
        if (b->total[d] > best_total)
            best_total = b->total[d];
    return b->n ? (b->best_sum - best_total) / (double)b->n : NAN;
}

/* About sqrt(n) blocks of n trials. */
static double block_size(size_t n)
{
    double B = floor(sqrt((double)n) + 0.5);
    return (double)n / (B < 1 ? 1 : B);
}

/* EVPPI of the signal in sorted order, and its SE: the same estimator on
 * ROI_DECISION_BATCHES disjoint batches of trials (contiguous in trial index), whose
 * spread over sqrt(batches) estimates the full estimator's. */
static roi_status evppi(const roi_decision_data *dd, const size_t *order, const double *xs,
                        roi_decision_signal *s, roi_error *err)
{
    const size_t n = dd->n;
    const int K = dd->n_options, G = ROI_DECISION_BATCHES;
    double *space = calloc((size_t)(G + 1) * 2 * (size_t)K, sizeof *space);
    blocks b[ROI_DECISION_BATCHES + 1];
    ROI_CHECK_MEM(space, err);
    for (int g = 0; g <= G; g++) {
        size_t ng = g == G ? n : (n * (size_t)(g + 1)) / G - (n * (size_t)g) / G;
        b[g] = (blocks){.size = block_size(ng), .K = K, .sum = space + (size_t)g * 2 * K,
                        .total = space + (size_t)g * 2 * K + K};
    }
    for (size_t j = 0; j < n; j++) {
        size_t i = order[j];
        blocks_add(&b[G], dd, i, xs[j]);
        blocks_add(&b[(int)((i * (size_t)G) / n)], dd, i, xs[j]);
    }
    acc spread = {0};
    for (int g = 0; g < G; g++)
        if (b[g].n > 0)
            acc_add(&spread, blocks_evppi(&b[g]));
    s->evppi = blocks_evppi(&b[G]);
    s->blocks = b[G].n_blocks;
    /* the SE of one batch's estimate, shrunk to the full sample's */
    s->evppi_se = spread.n >= 2 ? acc_se(&spread) : NAN;
    free(space);
    return ROI_OK;
}

/* ---- the threshold rule ------------------------------------------------------------------------- */

/* The grid and what the rule needs at each threshold: pos[k] the first sorted position
 * with x >= t[k]; p1, p2 the sums of D = Y_a - Y_b and D^2 over positions before it;
 * ph[h] those of D over trials of half h (trial index parity). */
typedef struct grid {
    int n;
    double t[ROI_DECISION_GRID + 1];
    size_t pos[ROI_DECISION_GRID + 1];
    double p1[ROI_DECISION_GRID + 1], p2[ROI_DECISION_GRID + 1];
    double ph[2][ROI_DECISION_GRID + 1];
    double t1, t2, th[2];    /* the totals */
    double mean_a, mean_b, mean_ah[2], mean_bh[2];
    size_t nh[2];
} grid;

/* Thresholds: the distinct values of x when few, and one step past the largest (no
 * trial above it); else its percentiles (deduplicated), the last one the largest value. */
static void grid_thresholds(const double *xs, size_t n, grid *g)
{
    int distinct = 1;
    for (size_t j = 1; j < n && distinct <= ROI_DECISION_GRID; j++)
        distinct += xs[j] != xs[j - 1];
    g->n = 0;
    if (distinct <= ROI_DECISION_GRID) {
        for (size_t j = 0; j < n; j++)
            if (j == 0 || xs[j] != xs[j - 1])
                g->t[g->n++] = xs[j];
        double step = g->n > 1 ? g->t[g->n - 1] - g->t[g->n - 2] : 1.0;
        g->t[g->n] = g->t[g->n - 1] + step;
        g->n++;
        return;
    }
    for (int k = 0; k < ROI_DECISION_GRID; k++) {
        double t = roi_stats_percentile_sorted(xs, n, (double)k / (ROI_DECISION_GRID - 1));
        if (g->n == 0 || t > g->t[g->n - 1])
            g->t[g->n++] = t;
    }
}

/* The sums at every threshold, in one pass over the sorted trials. */
static void grid_sums(const roi_decision_data *dd, int a, int b, const size_t *order,
                      const double *xs, grid *g)
{
    const size_t n = dd->n;
    double s1 = 0, s2 = 0, sh[2] = {0, 0}, sa[2] = {0, 0}, sb[2] = {0, 0};
    size_t nh[2] = {0, 0};
    int k = 0;
    for (size_t j = 0; j <= n; j++) {
        for (; k < g->n && (j == n || xs[j] >= g->t[k]); k++) {
            g->pos[k] = j;
            g->p1[k] = s1;
            g->p2[k] = s2;
            g->ph[0][k] = sh[0];
            g->ph[1][k] = sh[1];
        }
        if (j == n)
            break;
        size_t i = order[j];
        double d = dd->y[a][i] - dd->y[b][i];
        int h = (int)(i & 1);
        s1 += d;
        s2 += d * d;
        sh[h] += d;
        sa[h] += dd->y[a][i];
        sb[h] += dd->y[b][i];
        nh[h]++;
    }
    g->t1 = s1;
    g->t2 = s2;
    for (int h = 0; h < 2; h++) {
        g->th[h] = sh[h];
        g->nh[h] = nh[h];
        g->mean_ah[h] = nh[h] ? sa[h] / (double)nh[h] : NAN;
        g->mean_bh[h] = nh[h] ? sb[h] / (double)nh[h] : NAN;
    }
}

/*
 * V(t_k) with option a above the threshold and b below (flip: b above, a below), over
 * the trials of half h (h = 2: all). At k with nothing below it is exactly the mean
 * of the option above.
 */
static double rule_value(const grid *g, int k, int flip, int h)
{
    const double ma = h == 2 ? g->mean_a : g->mean_ah[h];
    const double mb = h == 2 ? g->mean_b : g->mean_bh[h];
    const double n = h == 2 ? (double)(g->nh[0] + g->nh[1]) : (double)g->nh[h];
    if (g->pos[k] == 0)
        return flip ? mb : ma;
    const double above = h == 2 ? g->t1 - g->p1[k] : g->th[h] - g->ph[h][k];
    return flip ? ma - above / n : mb + above / n;
}

/* The best (k, flip) over half h (2: all): the highest value, the earliest threshold
 * and the unflipped orientation on ties; always choosing a (k = 0, unflipped) unless
 * a threshold is strictly better. */
static void best_rule(const grid *g, int h, int *k_out, int *flip_out)
{
    double best = rule_value(g, 0, 0, h);
    *k_out = 0;
    *flip_out = 0;
    for (int flip = 0; flip < 2; flip++)
        for (int k = 1; k < g->n; k++) {
            double v = rule_value(g, k, flip, h);
            if (v > best) {
                best = v;
                *k_out = k;
                *flip_out = flip;
            }
        }
}

/* The thresholds whose value is within 2 paired SE of the best one's: trials between the
 * two thresholds change option, each by +-D, so the difference's moments are sums of D
 * and D^2 between their positions. */
static void threshold_range(const grid *g, int kb, int flip, size_t n, roi_decision_signal *s)
{
    const double vb = rule_value(g, kb, flip, 2);
    s->threshold_low = s->threshold_high = g->t[kb];
    for (int k = 0; k < g->n; k++) {
        int lo = k < kb ? k : kb, hi = k < kb ? kb : k;
        double s1 = g->p1[hi] - g->p1[lo], s2 = g->p2[hi] - g->p2[lo];
        double mean = s1 / (double)n, var = s2 / (double)n - mean * mean;
        double se = n > 1 && var > 0 ? sqrt(var * (double)n / (double)(n - 1) / (double)n) : 0;
        if (vb - rule_value(g, k, flip, 2) <= 2 * se) {
            if (g->t[k] < s->threshold_low)
                s->threshold_low = g->t[k];
            if (g->t[k] > s->threshold_high)
                s->threshold_high = g->t[k];
        }
    }
}

/* Per-trial values of the in-sample rule and of the cross-fitted one (each trial under
 * the rule chosen on the other half), paired with the best option without information. */
static void rule_trials(const roi_decision_data *dd, const grid *g, int a, int b, int d0,
                        const int k[3], const int flip[3], roi_decision_signal *s,
                        const double *x)
{
    acc value = {0}, gain = {0}, cross = {0};
    for (size_t i = 0; i < dd->n; i++) {
        const double y0 = dd->y[d0][i];
        double r[2];
        for (int w = 0; w < 2; w++) {
            int which = w == 0 ? 2 : 1 - (int)(i & 1); /* all, or the other half */
            int above = g->pos[k[which]] == 0 || x[i] >= g->t[k[which]];
            int pick_a = above != flip[which];
            r[w] = pick_a ? dd->y[a][i] : dd->y[b][i];
        }
        acc_add(&value, r[0]);
        acc_add(&gain, r[0] - y0);
        acc_add(&cross, r[1] - y0);
    }
    s->value = value.mean;
    s->value_se = acc_se(&value);
    s->option_value = gain.mean;
    s->option_value_se = acc_se(&gain);
    s->cross_value = cross.mean;
    s->cross_value_se = acc_se(&cross);
    s->optimism = s->option_value - s->cross_value;
}

/* The best threshold rule on the signal between the options a (highest mean) and b
 * (next), its curve, confidence range and cross-fitted value. */
static roi_status rule(const roi_decision_data *dd, const roi_decision_result *r, int a, int b,
                       const size_t *order, const double *xs, const double *x,
                       roi_decision_signal *s, roi_error *err)
{
    grid *g = calloc(1, sizeof *g);
    ROI_CHECK_MEM(g, err);
    grid_thresholds(xs, dd->n, g);
    grid_sums(dd, a, b, order, xs, g);
    g->mean_a = r->mean[a];
    g->mean_b = r->mean[b];
    int k[3], flip[3];
    for (int h = 0; h < 3; h++)
        best_rule(g, h, &k[h], &flip[h]);
    const int constant = k[2] == 0;
    /* the curve of the chosen orientation; with no useful threshold, of b above and a
     * below, which rises to V0 as t moves past every trial */
    const int curve_flip = constant ? 1 : flip[2];
    s->curve_t = malloc((size_t)g->n * sizeof *s->curve_t);
    s->curve_v = malloc((size_t)g->n * sizeof *s->curve_v);
    if (!s->curve_t || !s->curve_v) {
        free(g);
        return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    }
    s->n_curve = g->n;
    s->curve_above = curve_flip ? b : a;
    s->curve_below = curve_flip ? a : b;
    for (int j = 0; j < g->n; j++) {
        s->curve_t[j] = g->t[j];
        s->curve_v[j] = rule_value(g, j, curve_flip, 2);
    }
    s->above = constant ? a : (flip[2] ? b : a);
    s->below = constant ? a : (flip[2] ? a : b);
    s->threshold = constant ? NAN : g->t[k[2]];
    if (constant) {
        s->threshold_low = s->threshold_high = NAN;
    } else {
        threshold_range(g, k[2], flip[2], dd->n, s);
    }
    rule_trials(dd, g, a, b, r->best, k, flip, s, x);
    free(g);
    return ROI_OK;
}

/* ---- the evaluation ------------------------------------------------------------------------------ */

static roi_status one_signal(const roi_decision_data *dd, const roi_decision_result *r, int a,
                             int b, int si, size_t *order, double *xs, roi_error *err)
{
    roi_decision_signal *s = &r->signals[si];
    const double *x = dd->x[si];
    ROI_CHECK_MEM(s->input = dup(dd->signals[si]), err);
    for (size_t i = 0; i < dd->n; i++)
        if (!isfinite(x[i]))
            return roi_error_set(err, ROI_ERR_USAGE, dd->signals[si],
                                 "decision: signal '%s' is not finite in trial %zu",
                                 dd->signals[si], i);
    ROI_TRY(sort_signal(x, dd->n, order, xs, err));
    ROI_TRY(evppi(dd, order, xs, s, err));
    return rule(dd, r, a, b, order, xs, x, s, err);
}

/* Signals by EVPPI, then cross-fitted option value, then declaration order. */
static void rank_signals(roi_decision_result *r)
{
    for (int i = 0; i < r->n_signals; i++)
        r->order[i] = i;
    for (int i = 1; i < r->n_signals; i++) {
        int v = r->order[i], j = i;
        const roi_decision_signal *s = &r->signals[v];
        for (; j > 0; j--) {
            const roi_decision_signal *p = &r->signals[r->order[j - 1]];
            int before = s->evppi > p->evppi ||
                         (s->evppi == p->evppi && s->cross_value > p->cross_value);
            if (!before)
                break;
            r->order[j] = r->order[j - 1];
        }
        r->order[j] = v;
    }
    for (int i = 0; i < r->n_signals; i++)
        r->signals[r->order[i]].rank = i + 1;
}

roi_status roi_decision_eval(const roi_decision_data *dd, roi_decision_result *r, roi_error *err)
{
    memset(r, 0, sizeof *r);
    if (dd->n_options < 2 || dd->n < 2)
        return roi_error_set(err, ROI_ERR_USAGE, "",
                             "a decision needs two or more options and trials, got %d and %zu",
                             dd->n_options, dd->n);
    r->trials = dd->n;
    ROI_TRY(options(dd, r, err));
    /* the rule's two options: the best and the next best by mean */
    int a = r->best, b = a == 0 ? 1 : 0;
    for (int d = 0; d < dd->n_options; d++)
        if (d != a && r->mean[d] > r->mean[b])
            b = d;
    r->signals = calloc((size_t)dd->n_signals + 1, sizeof *r->signals);
    r->order = calloc((size_t)dd->n_signals + 1, sizeof *r->order);
    ROI_CHECK_MEM(r->signals && r->order, err);
    r->n_signals = dd->n_signals;
    size_t *order = malloc(dd->n * sizeof *order);
    double *xs = malloc(dd->n * sizeof *xs);
    roi_status st = order && xs ? ROI_OK : roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    for (int si = 0; si < dd->n_signals && st == ROI_OK; si++)
        st = one_signal(dd, r, a, b, si, order, xs, err);
    free(order);
    free(xs);
    if (st == ROI_OK)
        rank_signals(r);
    return st;
}

void roi_decision_clear(roi_decision_result *r)
{
    if (!r)
        return;
    for (int d = 0; r->options && d < r->n_options; d++)
        free(r->options[d]);
    free(r->options);
    free(r->mean);
    free(r->se);
    free(r->prob_best);
    for (int i = 0; r->signals && i < r->n_signals; i++) {
        free(r->signals[i].input);
        free(r->signals[i].curve_t);
        free(r->signals[i].curve_v);
    }
    free(r->signals);
    free(r->order);
    free(r->name);
    free(r->title);
    free(r->home);
    free(r->missing);
    memset(r, 0, sizeof *r);
}

/* ---- finished runs ------------------------------------------------------------------------------- */

/* x[i] = the value input `node` took in trial i of run (drawn again from its stream,
 * through the run's sampling plan when it has one), on `threads` threads. */
static roi_status signal_values(const roi_run *run, int node, size_t n, int threads, double *x,
                                roi_error *err)
{
    const roi_model *m = run->model;
    roi_status st = ROI_OK;
    if (m->graph.nodes[node].kind != ROI_NODE_INPUT) { /* a number: the same in every trial */
        double v = NAN;
        roi_graph_is_constant(&m->graph, node, &v);
        for (size_t i = 0; i < n; i++)
            x[i] = v;
        return ROI_OK;
    }
    uint64_t *keys = malloc(((size_t)m->graph.n + 1) * sizeof *keys);
    roi_sampling *plan = NULL;
    ROI_CHECK_MEM(keys, err);
    roi_graph_keys(&m->graph, run->seed, keys);
    if (run->sampling != ROI_SAMPLING_MC || m->n_correlations > 0) {
        roi_sampling_spec spec = {.mode = run->sampling, .trials = run->trials};
        ROI_TRY_GOTO(st, roi_sampling_new(m, &m->graph, &spec, &plan, err), done);
    }
    const long long nn = (long long)n;
    int failed = 0;
#pragma omp parallel num_threads(threads) reduction(| : failed)
    {
        gsl_rng *r = gsl_rng_alloc(roi_rng_philox);
        failed |= r == NULL;
#pragma omp for schedule(static)
        for (long long i = 0; i < nn; i++)
            x[i] = !r ? NAN
                   : plan ? roi_sampling_input(plan, &m->graph, keys, node, (uint64_t)i, r)
                          : roi_dist_sample(&m->graph.nodes[node].dist, keys[node], (uint64_t)i, r);
        if (r)
            gsl_rng_free(r);
    }
    if (failed)
        st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory drawing a signal");
done:
    roi_sampling_free(plan);
    free(keys);
    return st;
}

/* The trials the options share: all of them, or under plain Monte Carlo the first
 * min(trials) (a trial's draws depend only on the seed, the names and its index). */
static roi_status paired_trials(const roi_decision_spec *spec, const roi_run *const *runs,
                                size_t *n, roi_error *err)
{
    *n = runs[0]->trials;
    for (int d = 1; d < spec->n_options; d++) {
        const roi_run *o = runs[d];
        if (o->seed != runs[0]->seed || o->sampling != runs[0]->sampling ||
            (o->sampling != ROI_SAMPLING_MC && o->trials != runs[0]->trials))
            return roi_error_set(err, ROI_ERR_USAGE, "",
                                 "decision '%s': options '%s' and '%s' were not run on the same "
                                 "trials (seed, sampling and count), so they cannot be paired",
                                 spec->name, spec->options[0], spec->options[d]);
        if (o->trials < *n)
            *n = o->trials;
    }
    return ROI_OK;
}

roi_status roi_decision_run(const roi_decision_spec *spec, const roi_run *const *runs,
                            int home, int threads, roi_decision_result *out, roi_error *err)
{
    roi_status st = ROI_OK;
    memset(out, 0, sizeof *out);
    const int K = spec->n_options, S = spec->n_signals;
    size_t n = 0;
    ROI_TRY(paired_trials(spec, runs, &n, err));
    if (threads <= 0)
        threads = omp_get_max_threads();
    double **buf = calloc((size_t)(K + S) + 1, sizeof *buf);
    ROI_CHECK_MEM(buf, err);
    for (int k = 0; k < K + S && st == ROI_OK; k++)
        if (!(buf[k] = malloc((n + 1) * sizeof **buf)))
            st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    for (int d = 0; d < K && st == ROI_OK; d++)
        for (size_t i = 0; i < n; i++)
            buf[d][i] = roi_run_value(runs[d], spec->output, i);
    for (int s = 0; s < S && st == ROI_OK; s++)
        st = signal_values(runs[home], spec->signal_nodes[s], n, threads, buf[K + s], err);
    roi_decision_data dd = {.n = n, .n_options = K, .options = (const char *const *)spec->options,
                            .y = (const double *const *)buf, .n_signals = S,
                            .signals = (const char *const *)spec->signals,
                            .x = (const double *const *)(buf + K)};
    if (st == ROI_OK)
        st = roi_decision_eval(&dd, out, err);
    if (st == ROI_OK) {
        out->output = spec->output;
        out->name = dup(spec->name);
        out->title = spec->title ? dup(spec->title) : NULL;
        out->home = dup(runs[home]->model->name);
        if (!out->name || (spec->title && !out->title) || !out->home)
            st = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    }
    for (int k = 0; k < K + S; k++)
        free(buf[k]);
    free(buf);
    return st;
}
