/*
 * sampling.c - Latin hypercube strata, Gaussian-copula correlation, node overrides and
 * percentile bands (see sampling.h).
 */
#include "sampling.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "rng.h"

struct roi_sampling {
    int n_nodes;
    int lhs;               /* every input's u is stratified */
    uint64_t trials;       /* LHS strata */
    uint64_t *perm_key;    /* per node: LHS permutation key (inputs only) */
    int k;                 /* correlated inputs */
    int *corr_node;        /* their node indices, in matrix order */
    int *corr_slot;        /* per node: index into corr_node, or -1 */
    double *chol;          /* k x k, lower triangle of the Cholesky factor */
    unsigned char *ovr;    /* per node: 0 none, else 1 + roi_override_mode */
    double *ovr_x;         /* per node */
    int *band_slot;        /* per node: index into band_dist, or -1 */
    roi_dist *band_dist;   /* the banded inputs' conditioned distributions (owned) */
    int n_bands;
};

/* ---- the keyed permutation ------------------------------------------------------------- */

/* A 64-bit mixing function (splitmix64's finaliser): the Feistel round function. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/*
 * Six Feistel rounds on a domain of 2^(2 half) values: a bijection of that domain.
 * Cycle walking (re-encrypting until the value falls below n) restricts it to a
 * bijection of [0, n); since 2^(2 half) < 4n the expected walk is under 4 steps.
 */
uint64_t roi_sampling_permute(uint64_t key, uint64_t n, uint64_t i)
{
    unsigned half = 1;
    while ((1ull << (2 * half)) < n)
        half++;
    const uint64_t mask = (1ull << half) - 1;
    uint64_t x = i;
    do {
        uint64_t l = x >> half, r = x & mask;
        for (uint64_t round = 0; round < 6; round++) {
            uint64_t f = mix64(key ^ mix64(r + (round << 56) + 0x9E3779B97F4A7C15ull)) & mask;
            uint64_t t = l ^ f;
            l = r;
            r = t;
        }
        x = (l << half) | r;
    } while (x >= n);
    return x;
}

const char *roi_sampling_name(roi_sampling_mode mode)
{
    return mode == ROI_SAMPLING_LHS ? "lhs" : "mc";
}

/* ---- correlations ------------------------------------------------------------------------ */

/* The distinct inputs the model's correlations name, in order of first appearance,
 * into nodes (room for 2 per correlation) and *k; each rank checked for its range. */
static roi_status correlated_nodes(const roi_model *m, const roi_graph *g, int *nodes, int *k,
                                   roi_error *err)
{
    *k = 0;
    for (int c = 0; c < m->n_correlations; c++) {
        const roi_correlation *cr = &m->correlations[c];
        const char *names[2] = {cr->a, cr->b};
        if (!(cr->rank > -1.0 && cr->rank < 1.0))
            return roi_error_set(err, ROI_ERR_PARAM, "correlate",
                                 "the rank correlation of %s and %s must lie strictly between "
                                 "-1 and 1, got %g", cr->a, cr->b, cr->rank);
        for (int s = 0; s < 2; s++) {
            int node = roi_graph_find_draw(g, names[s]);
            if (node < 0)
                return roi_error_set(err, ROI_ERR_PARAM, "correlate",
                                     "'%s' is not an uncertain input of this scenario",
                                     names[s]);
            int seen = 0;
            for (int j = 0; j < *k; j++)
                seen |= nodes[j] == node;
            if (!seen)
                nodes[(*k)++] = node;
        }
    }
    if (*k > ROI_MAX_CORRELATED)
        return roi_error_set(err, ROI_ERR_PARAM, "correlate",
                             "at most %d inputs may be correlated, got %d", ROI_MAX_CORRELATED,
                             *k);
    return ROI_OK;
}

/* The Cholesky factor of the normal correlation matrix of the k inputs nodes[] (k x k,
 * row-major, upper triangle zero) into chol. GSL reports a matrix that is not
 * positive definite by status (roi_engine_init), named here with its inputs. */
static roi_status cholesky(const roi_model *m, const roi_graph *g, const int *nodes, int k,
                           double *chol, roi_error *err)
{
    roi_status st = ROI_OK;
    gsl_matrix *a = gsl_matrix_alloc((size_t)k, (size_t)k);
    ROI_CHECK_MEM(a, err);
    gsl_matrix_set_identity(a);
    for (int c = 0; c < m->n_correlations; c++) {
        const roi_correlation *cr = &m->correlations[c];
        int na = roi_graph_find_draw(g, cr->a), nb = roi_graph_find_draw(g, cr->b);
        int ia = 0, ib = 0;
        for (int j = 0; j < k; j++) {
            if (nodes[j] == na)
                ia = j;
            if (nodes[j] == nb)
                ib = j;
        }
        if (ia == ib) {
            st = roi_error_set(err, ROI_ERR_PARAM, "correlate",
                               "'%s' is correlated with itself", cr->a);
            goto cleanup;
        }
        /* Spearman r of a bivariate normal with Pearson rho is (6/pi) asin(rho/2). */
        double rho = 2.0 * sin(M_PI * cr->rank / 6.0);
        gsl_matrix_set(a, (size_t)ia, (size_t)ib, rho);
        gsl_matrix_set(a, (size_t)ib, (size_t)ia, rho);
    }
    if (gsl_linalg_cholesky_decomp1(a) != GSL_SUCCESS) {
        char list[512];
        size_t off = 0;
        list[0] = '\0';
        for (int j = 0; j < k && off < sizeof list; j++)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", j ? ", " : "",
                                    g->nodes[nodes[j]].name);
        st = roi_error_set(err, ROI_ERR_PARAM, "correlate",
                           "the rank correlations between %s are not a valid correlation "
                           "matrix (not positive definite): some pairs contradict each "
                           "other; weaken them", list);
        goto cleanup;
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            chol[i * k + j] = j <= i ? gsl_matrix_get(a, (size_t)i, (size_t)j) : 0.0;
cleanup:
    gsl_matrix_free(a);
    return st;
}

/*
 * Resolves the model's correlations into k input nodes and the Cholesky factor of the
 * normal correlation matrix (k x k, row-major, lower triangle valid). *nodes and
 * *chol are malloc'd for the caller (NULL when k == 0).
 */
static roi_status build_correlation(const roi_model *m, const roi_graph *g, int *k_out,
                                    int **nodes_out, double **chol_out, roi_error *err)
{
    roi_status st = ROI_OK;
    int k = 0;
    double *chol = NULL;
    *k_out = 0;
    *nodes_out = NULL;
    *chol_out = NULL;
    if (!m || m->n_correlations == 0)
        return ROI_OK;
    int *nodes = malloc(2 * (size_t)m->n_correlations * sizeof *nodes);
    ROI_CHECK_MEM_GOTO(nodes, st, err, cleanup);
    ROI_TRY_GOTO(st, correlated_nodes(m, g, nodes, &k, err), cleanup);
    chol = malloc((size_t)k * (size_t)k * sizeof *chol);
    ROI_CHECK_MEM_GOTO(chol, st, err, cleanup);
    ROI_TRY_GOTO(st, cholesky(m, g, nodes, k, chol, err), cleanup);
    *k_out = k;
    *nodes_out = nodes;
    *chol_out = chol;
    nodes = NULL;
    chol = NULL;
cleanup:
    free(nodes);
    free(chol);
    return st;
}

roi_status roi_sampling_check(const roi_model *m, roi_error *err)
{
    roi_engine_init(); /* the Cholesky factorisation reports by status, never aborts */
    int k;
    int *nodes;
    double *chol;
    roi_status st = build_correlation(m, &m->graph, &k, &nodes, &chol, err);
    free(nodes);
    free(chol);
    return st;
}

/* ---- percentile bands ------------------------------------------------------------------ */

/*
 * d conditioned on the band [lo, hi] of its levels, whose quantiles are qlo and qhi,
 * into *out (caller frees with roi_dist_free): the outcomes inside the band with their
 * relative probabilities for a discrete or Bernoulli d, else d truncated to [qlo, qhi]
 * (no bound at a level of 0 or 1).
 */
static roi_status restrict_dist(const roi_dist *d, double lo, double hi, double qlo, double qhi,
                                const char *path, roi_dist *out, roi_error *err)
{
    memset(out, 0, sizeof *out);
    if (d->family == ROI_DIST_FIXED)
        return roi_error_set(err, ROI_ERR_USAGE, path, "the input is fixed; nothing to stress");
    if (d->family == ROI_DIST_BERNOULLI || d->family == ROI_DIST_DISCRETE) {
        double bv[2] = {0.0, 1.0}, bp[2] = {1.0 - d->p[0], d->p[0]};
        const double *values = d->family == ROI_DIST_BERNOULLI ? bv : d->values;
        const double *probs = d->family == ROI_DIST_BERNOULLI ? bp : d->probs;
        size_t nv = d->family == ROI_DIST_BERNOULLI ? 2 : d->n;
        double *v = malloc((nv + 1) * sizeof *v), *p = malloc((nv + 1) * sizeof *p);
        size_t k = 0;
        double total = 0.0;
        if (!v || !p) {
            free(v);
            free(p);
            return roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        }
        for (size_t i = 0; i < nv; i++)
            if (values[i] >= qlo && values[i] <= qhi && probs[i] > 0.0) {
                v[k] = values[i];
                p[k++] = probs[i];
                total += probs[i];
            }
        for (size_t i = 0; i < k; i++)
            p[i] /= total;
        roi_status st = k ? roi_dist_discrete(out, v, p, k, path, err)
                          : roi_error_set(err, ROI_ERR_USAGE, path, "the band holds no outcome");
        free(v);
        free(p);
        return st;
    }
    roi_status st = roi_dist_copy(out, d);
    if (st != ROI_OK)
        return roi_error_set(err, st, "", "out of memory");
    st = roi_dist_truncate(out, lo > 0.0 ? qlo : -INFINITY, hi < 1.0 ? qhi : INFINITY, path, err);
    if (st != ROI_OK)
        roi_dist_free(out);
    return st;
}

/* The bands of spec, as conditioned distributions in s (s->band_slot set to -1). */
static roi_status build_bands(roi_sampling *s, const roi_graph *g, const roi_sampling_spec *spec,
                              roi_error *err)
{
    if (spec->n_bands <= 0)
        return ROI_OK;
    s->band_dist = calloc((size_t)spec->n_bands, sizeof *s->band_dist);
    ROI_CHECK_MEM(s->band_dist, err);
    for (int b = 0; b < spec->n_bands; b++) {
        const roi_input_band *bd = &spec->bands[b];
        const char *path = bd->path ? bd->path : "";
        if (bd->node < 0 || bd->node >= g->n || g->nodes[bd->node].kind != ROI_NODE_INPUT ||
            s->band_slot[bd->node] >= 0)
            return roi_error_set(err, ROI_ERR_INTERNAL, path,
                                 "a band on node %d, not a distinct input", bd->node);
        if (!(bd->low >= 0.0 && bd->high <= 1.0 && bd->low < bd->high))
            return roi_error_set(err, ROI_ERR_USAGE, path,
                                 "the band must satisfy 0 <= low < high <= 1, got %g:%g",
                                 bd->low, bd->high);
        const roi_dist *d = &g->nodes[bd->node].dist;
        double qlo = roi_dist_quantile(d, bd->low), qhi = roi_dist_quantile(d, bd->high);
        ROI_TRY(restrict_dist(d, bd->low, bd->high, qlo, qhi, path, &s->band_dist[b], err));
        s->band_slot[bd->node] = b;
        s->n_bands = b + 1;
    }
    return ROI_OK;
}

/* The distribution input node i is drawn from under plan s: its band's, else the graph's. */
static inline const roi_dist *input_dist(const roi_sampling *s, const roi_graph *g, int i)
{
    int b = s->band_slot[i];
    return b >= 0 ? &s->band_dist[b] : &g->nodes[i].dist;
}

/* ---- the plan ------------------------------------------------------------------------------ */

void roi_sampling_free(roi_sampling *s)
{
    if (!s)
        return;
    free(s->perm_key);
    free(s->corr_node);
    free(s->corr_slot);
    free(s->chol);
    free(s->ovr);
    free(s->ovr_x);
    free(s->band_slot);
    for (int b = 0; b < s->n_bands; b++)
        roi_dist_free(&s->band_dist[b]);
    free(s->band_dist);
    free(s);
}

roi_status roi_sampling_new(const roi_model *m, const roi_graph *g,
                            const roi_sampling_spec *spec, roi_sampling **out,
                            roi_error *err)
{
    roi_engine_init(); /* the Cholesky factorisation reports by status, never aborts */
    roi_status st = ROI_OK;
    roi_sampling *s = calloc(1, sizeof *s);
    size_t n = (size_t)(g->n > 0 ? g->n : 1);

    *out = NULL;
    ROI_CHECK_MEM(s, err);
    s->n_nodes = g->n;
    s->lhs = spec->mode == ROI_SAMPLING_LHS;
    s->trials = spec->trials;
    s->perm_key = calloc(n, sizeof *s->perm_key);
    s->corr_slot = malloc(n * sizeof *s->corr_slot);
    s->ovr = calloc(n, sizeof *s->ovr);
    s->ovr_x = calloc(n, sizeof *s->ovr_x);
    s->band_slot = malloc(n * sizeof *s->band_slot);
    ROI_CHECK_MEM_GOTO(s->perm_key && s->corr_slot && s->ovr && s->ovr_x && s->band_slot, st,
                       err, cleanup);
    for (int i = 0; i < g->n; i++) {
        s->band_slot[i] = -1;
        s->corr_slot[i] = -1;
        /* Independent of the stream key's Philox draws: a different mix of the name. */
        if (g->nodes[i].kind == ROI_NODE_INPUT)
            s->perm_key[i] = mix64(roi_rng_hash(g->nodes[i].name) ^ 0x4C48532D7065726Dull);
    }
    ROI_TRY_GOTO(st, build_correlation(m, g, &s->k, &s->corr_node, &s->chol, err), cleanup);
    for (int j = 0; j < s->k; j++)
        s->corr_slot[s->corr_node[j]] = j;
    for (int o = 0; o < spec->n_overrides; o++) {
        int node = spec->overrides[o].node;
        if (node < 0 || node >= g->n) {
            st = roi_error_set(err, ROI_ERR_INTERNAL, "", "override of node %d, graph has %d",
                               node, g->n);
            goto cleanup;
        }
        s->ovr[node] = (unsigned char)(1 + spec->overrides[o].mode);
        s->ovr_x[node] = spec->overrides[o].x;
    }
    ROI_TRY_GOTO(st, build_bands(s, g, spec, err), cleanup);
    *out = s;
    s = NULL;

cleanup:
    roi_sampling_free(s);
    return st;
}

/* ---- evaluation ---------------------------------------------------------------------------- */

/* The uniform of input node i in trial `trial` before correlation. */
static inline double base_u(const roi_sampling *s, int i, uint64_t key, uint64_t trial)
{
    double v = roi_rng_uniform(key, trial, 0);
    if (!s->lhs)
        return v;
    /* The permutation is keyed by the run seed through the stream key and by the
     * input's name, so inputs get different, reproducible strata orders. */
    uint64_t stratum = roi_sampling_permute(s->perm_key[i] ^ key, s->trials, trial);
    double u = ((double)stratum + v) / (double)s->trials;
    return u < 1.0 ? u : 1.0 - DBL_EPSILON / 2;
}

/* The uniform of a correlated normal score z, kept inside (0, 1). */
static inline double u_of_z(double z)
{
    double u = z <= 0.0 ? gsl_cdf_ugaussian_P(z) : 1.0 - gsl_cdf_ugaussian_Q(z);
    if (u <= 0.0)
        u = DBL_MIN;
    if (u >= 1.0)
        u = 1.0 - DBL_EPSILON / 2;
    return u;
}

/* vals[i] after plan s's override of node i, if any. */
static inline void apply_override(const roi_sampling *s, int i, double *vals)
{
    switch (s->ovr[i]) {
    case 1 + ROI_OVERRIDE_VALUE:
        vals[i] = s->ovr_x[i];
        break;
    case 1 + ROI_OVERRIDE_SHIFT:
        vals[i] += s->ovr_x[i];
        break;
    case 1 + ROI_OVERRIDE_SCALE:
        vals[i] *= s->ovr_x[i];
        break;
    default:
        break;
    }
}

int roi_sampling_plain_draws(const roi_sampling *s)
{
    return !s->lhs && s->k == 0 && s->n_bands == 0;
}

void roi_sampling_eval_drawn(const roi_sampling *s, const roi_graph *g, const double *drawn,
                             double *vals)
{
    for (int i = 0; i < g->n; i++) {
        const roi_node *nd = &g->nodes[i];
        if (nd->kind == ROI_NODE_CONST)
            vals[i] = nd->value;
        else if (nd->kind == ROI_NODE_INPUT)
            vals[i] = drawn[i];
        else
            vals[i] = roi_graph_apply(nd->kind, vals[nd->a], nd->b >= 0 ? vals[nd->b] : 0.0,
                                      nd->c >= 0 ? vals[nd->c] : 0.0);
        apply_override(s, i, vals);
    }
}

void roi_sampling_eval(const roi_sampling *s, const roi_graph *g, const uint64_t *keys,
                       uint64_t trial, double *vals, gsl_rng *scratch)
{
    if (s->k > 0) {
        double z[ROI_MAX_CORRELATED];
        for (int j = 0; j < s->k; j++) {
            int i = s->corr_node[j];
            z[j] = gsl_cdf_ugaussian_Pinv(base_u(s, i, keys[i], trial));
        }
        for (int j = s->k - 1; j >= 0; j--) { /* y = L z in place, last row first */
            double y = 0.0;
            for (int c = 0; c <= j; c++)
                y += s->chol[j * s->k + c] * z[c];
            z[j] = y;
        }
        for (int j = 0; j < s->k; j++) {
            int i = s->corr_node[j];
            vals[i] = roi_dist_quantile(input_dist(s, g, i), u_of_z(z[j]));
        }
    }
    for (int i = 0; i < g->n; i++) {
        const roi_node *nd = &g->nodes[i];
        if (nd->kind == ROI_NODE_CONST) {
            vals[i] = nd->value;
        } else if (nd->kind == ROI_NODE_INPUT) {
            if (s->corr_slot[i] >= 0)
                ; /* drawn above */
            else if (s->lhs)
                vals[i] = roi_dist_quantile(input_dist(s, g, i), base_u(s, i, keys[i], trial));
            else
                vals[i] = roi_dist_sample(input_dist(s, g, i), keys[i], trial, scratch);
        } else {
            vals[i] = roi_graph_apply(nd->kind, vals[nd->a], nd->b >= 0 ? vals[nd->b] : 0.0,
                                      nd->c >= 0 ? vals[nd->c] : 0.0);
        }
        apply_override(s, i, vals);
    }
}

double roi_sampling_input(const roi_sampling *s, const roi_graph *g, const uint64_t *keys,
                          int node, uint64_t trial, gsl_rng *scratch)
{
    const roi_dist *d = input_dist(s, g, node);
    int slot = s->corr_slot[node];
    double v;
    if (slot >= 0) { /* row `slot` of L z, formed as roi_sampling_eval forms it */
        double z[ROI_MAX_CORRELATED], y = 0.0;
        for (int j = 0; j <= slot; j++) {
            int i = s->corr_node[j];
            z[j] = gsl_cdf_ugaussian_Pinv(base_u(s, i, keys[i], trial));
        }
        for (int c = 0; c <= slot; c++)
            y += s->chol[slot * s->k + c] * z[c];
        v = roi_dist_quantile(d, u_of_z(y));
    } else if (s->lhs) {
        v = roi_dist_quantile(d, base_u(s, node, keys[node], trial));
    } else {
        v = roi_dist_sample(d, keys[node], trial, scratch);
    }
    switch (s->ovr[node]) {
    case 1 + ROI_OVERRIDE_VALUE:
        return s->ovr_x[node];
    case 1 + ROI_OVERRIDE_SHIFT:
        return v + s->ovr_x[node];
    case 1 + ROI_OVERRIDE_SCALE:
        return v * s->ovr_x[node];
    default:
        return v;
    }
}
