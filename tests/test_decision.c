/* test_decision.c - decisions and the value of information (engine/decision.h). */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roi_test.h"

#include "decision.h"
#include "scenario.h"

static roi_decision_data data(size_t n, int k, const char *const *names, const double *const *y,
                              int s, const char *const *signals, const double *const *x)
{
    return (roi_decision_data){.n = n, .n_options = k, .options = names, .y = y,
                               .n_signals = s, .signals = signals, .x = x};
}

/* ---- a case small enough to do by hand -------------------------------------------------- */
/*
 * Four trials, options A = {10, 0, 10, 0} and B = {0, 5, 0, 5}: mean A 5, B 2.5, so V0 = 5
 * (A). The best per trial {10, 5, 10, 5} averages 7.5: EVPI = 2.5, from the paired gains
 * {0, 5, 0, 5} (sample sd sqrt(25/3), SE sqrt(25/3)/2).
 * Signal "tells" = {1, 2, 1, 2} picks the better option: two blocks (ties never split),
 * {A 20, B 0} and {A 0, B 10}, best sums 30 against the best total 20: EVPPI = 10 / 4 =
 * 2.5 = EVPI; the rule "B when tells >= 2, else A" is worth 7.5, option value 2.5.
 * Signal "noise" = {1, 1, 2, 2}: both blocks {A 10, B 5}: EVPPI 0, no useful threshold.
 */
static void test_by_hand(void **state)
{
    (void)state;
    const double A[] = {10, 0, 10, 0}, B[] = {0, 5, 0, 5};
    const double tells[] = {1, 2, 1, 2}, noise[] = {1, 1, 2, 2};
    const double *y[] = {A, B}, *x[] = {tells, noise};
    const char *names[] = {"A", "B"}, *signals[] = {"tells", "noise"};
    roi_decision_data dd = data(4, 2, names, y, 2, signals, x);
    roi_decision_result r;
    roi_error err;
    assert_int_equal(roi_decision_eval(&dd, &r, &err), ROI_OK);
    assert_int_equal(r.best, 0);
    assert_near(r.v0, 5, 1e-12);
    assert_near(r.mean[1], 2.5, 1e-12);
    assert_near(r.perfect, 7.5, 1e-12);
    assert_near(r.evpi, 2.5, 1e-12);
    assert_near(r.evpi_se, sqrt(25.0 / 3.0) / 2.0, 1e-12);
    assert_near(r.prob_best[0], 0.5, 0);

    const roi_decision_signal *t = &r.signals[0], *u = &r.signals[1];
    assert_int_equal(t->blocks, 2);
    assert_near(t->evppi, 2.5, 1e-12);
    assert_int_equal(t->above, 1);
    assert_int_equal(t->below, 0);
    assert_near(t->threshold, 2, 0);
    assert_near(t->value, 7.5, 1e-12);
    assert_near(t->option_value, 2.5, 1e-12);
    assert_int_equal(t->rank, 1);

    assert_near(u->evppi, 0, 0); /* exactly: A is best in both blocks */
    assert_int_equal(u->above, 0);
    assert_int_equal(u->below, 0);
    assert_true(isnan(u->threshold));
    assert_near(u->option_value, 0, 0);
    /* cross-fitted on even and odd trials: the odd half {A 0, 0; B 5, 5} chooses B,
     * which loses 10 on each even trial; the even half chooses A, as V0 does: -20 / 4 */
    assert_near(u->cross_value, -5, 1e-12);
    assert_int_equal(u->rank, 2);
    assert_int_equal(r.order[0], 0);
    /* the curve: B above t, A below; t past the largest value leaves everyone on A */
    assert_int_equal(u->n_curve, 3);
    assert_near(u->curve_v[0], 2.5, 1e-12);
    assert_near(u->curve_v[2], 5, 1e-12);
    roi_decision_clear(&r);
}

/* ---- closed forms on normal data ------------------------------------------------------------ */
/*
 * Two options: X ~ normal(mu, sd) and 0. EVPI = E[max(X, 0)] - max(mu, 0)
 * = sd phi(mu/sd) + mu Phi(mu/sd) - max(mu, 0). A signal equal to X determines the better
 * option: its EVPPI is the EVPI (less a coarseness loss far below the SE here) and the
 * best threshold on it is 0. A signal independent of X is worth nothing. Tolerances are 4
 * of the estimates' own SEs.
 */
#define N_NORMAL 200000

static void test_normal_closed_forms(void **state)
{
    (void)state;
    const double mu = 1.0, sd = 2.0;
    double *X = malloc(N_NORMAL * sizeof *X), *zero = calloc(N_NORMAL, sizeof *zero);
    double *U = malloc(N_NORMAL * sizeof *U);
    assert_true(X && zero && U);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 20260408);
    for (size_t i = 0; i < N_NORMAL; i++) {
        X[i] = mu + gsl_ran_gaussian(g, sd);
        U[i] = gsl_rng_uniform(g);
    }
    gsl_rng_free(g);
    const double *y[] = {X, zero}, *x[] = {X, U};
    const char *names[] = {"X", "zero"}, *signals[] = {"X", "U"};
    roi_decision_data dd = data(N_NORMAL, 2, names, y, 2, signals, x);
    roi_decision_result r;
    roi_error err;
    assert_int_equal(roi_decision_eval(&dd, &r, &err), ROI_OK);

    const double z = mu / sd;
    const double evpi = sd * gsl_ran_gaussian_pdf(z, 1.0) + mu * gsl_cdf_ugaussian_P(z) - mu;
    assert_int_equal(r.best, 0);
    assert_near(r.evpi, evpi, 4 * r.evpi_se);

    const roi_decision_signal *sx = &r.signals[0], *su = &r.signals[1];
    assert_true(sx->evppi_se > 0 && isfinite(sx->evppi_se));
    assert_near(sx->evppi, r.evpi, 4 * sx->evppi_se + 4 * r.evpi_se);
    assert_int_equal(sx->above, 0);
    assert_int_equal(sx->below, 1);
    /* t* on the 1% grid of X's percentiles: the grid step near 0 is about 0.06, and the
     * paired comparison tells neighbouring grid points apart, so the range may be t* */
    assert_near(sx->threshold, 0, 0.06);
    if (!(sx->threshold_low <= sx->threshold && sx->threshold_high >= sx->threshold))
        fail_msg("threshold %g, range [%g, %g]", sx->threshold, sx->threshold_low,
                 sx->threshold_high);
    /* perfect information on X is worth the rule's option value, and cross-fitting
     * loses at most its SE's worth of optimism */
    assert_near(sx->option_value, r.evpi, 4 * sx->option_value_se);
    assert_near(sx->cross_value, sx->option_value, 4 * sx->cross_value_se);
    assert_near(su->evppi, 0, 4 * su->evppi_se + 1e-12);
    assert_near(su->cross_value, 0, 4 * su->cross_value_se);
    assert_int_equal(sx->rank, 1);
    assert_int_equal(su->rank, 2);
    roi_decision_clear(&r);
    free(X);
    free(zero);
    free(U);
}

/* A known threshold: options A = x and B = 1 - x on x ~ uniform: A is better above 0.5. */
static void test_known_threshold(void **state)
{
    (void)state;
    const size_t n = 50000;
    double *x = malloc(n * sizeof *x), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    assert_true(x && a && b);
    for (size_t i = 0; i < n; i++) {
        x[i] = ((double)((i * 7919) % n) + 0.5) / (double)n; /* a permutation of a grid */
        a[i] = x[i];
        b[i] = 1 - x[i] + 1e-9; /* B ahead by a hair on average */
    }
    const double *y[] = {a, b}, *xs[] = {x};
    const char *names[] = {"A", "B"}, *signals[] = {"x"};
    roi_decision_data dd = data(n, 2, names, y, 1, signals, xs);
    roi_decision_result r;
    roi_error err;
    assert_int_equal(roi_decision_eval(&dd, &r, &err), ROI_OK);
    const roi_decision_signal *s = &r.signals[0];
    assert_int_equal(r.best, 1);
    assert_int_equal(s->above, 0);
    assert_int_equal(s->below, 1);
    assert_near(s->threshold, 0.5, 0.01);
    /* E[max(x, 1 - x)] = 0.75 against 0.5 */
    assert_near(s->value, 0.75, 1e-3);
    assert_near(r.evpi, 0.25, 1e-3);
    assert_near(s->evppi, 0.25, 1e-3);
    roi_decision_clear(&r);
    free(x);
    free(a);
    free(b);
}

static void test_bad_data(void **state)
{
    (void)state;
    const double A[] = {1, NAN}, B[] = {0, 0};
    const double *y[] = {A, B};
    const char *names[] = {"A", "B"};
    roi_decision_data dd = data(2, 2, names, y, 0, NULL, NULL);
    roi_decision_result r;
    roi_error err;
    assert_int_equal(roi_decision_eval(&dd, &r, &err), ROI_ERR_USAGE);
    assert_non_null(strstr(err.msg, "option 'A'"));
    roi_decision_clear(&r);
    dd.n_options = 1;
    assert_int_equal(roi_decision_eval(&dd, &r, &err), ROI_ERR_USAGE);
    roi_decision_clear(&r);
}

/* ---- declarations ----------------------------------------------------------------------------- */

/* Loads `text` as scenario file NAME.lua (extending the bundled base) and returns the
 * message of its failure (static), or "" when it loads. */
static const char *load(const char *name, const char *text)
{
    static roi_error err;
    char dir[] = "/tmp/roisim-decision-XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/%s.lua", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "scenario { title = \"t\", extends = \"base\" }\n%s", text);
    fclose(fp);
    roi_error_clear(&err);
    roi_model *m = NULL;
    roi_status s = roi_scenario_load(path, NULL, &m, &err);
    unlink(path);
    rmdir(dir);
    roi_model_free(m);
    return s == ROI_OK ? "" : err.msg;
}

static void test_declarations(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text, *expect;
    } cases[] = {
        {"ok", "decision \"d\" { options = { \"ok\", \"base\" }, signals = { \"v2.score\" } }\n",
         ""},
        {"one", "decision \"d\" { options = { \"one\" } }\n",
         "one.lua:2: decision \"d\": options must be a list of scenario names (two or more)"},
        {"twice", "decision \"d\" { options = { \"twice\", \"twice\" } }\n",
         "twice.lua:2: decision \"d\": options lists 'twice' twice"},
        {"irr", "decision \"d\" { options = { \"irr\", \"base\" }, output = \"irr\" }\n",
         "irr.lua:2: decision \"d\": output must be one defined in every trial"},
        {"nosig", "decision \"d\" { options = { \"nosig\", \"base\" }, signals = { \"v9.score\" } }\n",
         "nosig.lua:2: decision \"d\": input 'v9.score' is not a parameter of this scenario"},
        {"computed", "decision \"d\" { options = { \"computed\", \"base\" }, signals = { \"v3.score\" } }\n",
         "computed.lua:2: decision \"d\": signal 'v3.score' is computed from other inputs in "
         "scenario 'computed'"},
        /* a signal a what-if fixed is worth nothing to learn, but is allowed */
        {"fixed", "moat = 1\ndecision \"d\" { options = { \"fixed\", \"base\" }, signals = { \"moat\" } }\n",
         ""},
        /* a what-if that is not an option carries its parent's decision unchecked */
        {"notoption", "moat = 1\n", ""},
        {"typo", "decision \"d\" { options = { \"typo\", \"base\" }, signal = { \"moat\" } }\n",
         "typo.lua:2: decision \"d\" has no field 'signal'; did you mean 'signals'?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *msg = load(cases[i].name, cases[i].text);
        if (!cases[i].expect[0]) {
            if (msg[0])
                fail_msg("%s: %s", cases[i].name, msg);
            continue;
        }
        if (!strstr(msg, cases[i].expect))
            fail_msg("%s: expected '%s' in '%s'", cases[i].name, cases[i].expect, msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_normal_closed_forms),
        cmocka_unit_test(test_known_threshold),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_declarations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
