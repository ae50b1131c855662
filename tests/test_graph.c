/* test_graph.c - the expression graph: evaluation, bounds, integrality, description. */
#include "roi_test.h"

#include <string.h>

#include "graph.h"
#include "rng.h"

/* Adds an input with a fixed / uniform / bernoulli / normal distribution. */
static int fixed_input(roi_graph *g, const char *name, double v)
{
    roi_dist d;
    roi_error err;
    assert_int_equal(roi_dist_fixed(&d, v, name, &err), ROI_OK);
    return roi_graph_input(g, name, &d, &err);
}

static int uniform_input(roi_graph *g, const char *name, double lo, double hi)
{
    roi_dist d;
    roi_error err;
    assert_int_equal(roi_dist_uniform(&d, lo, hi, name, &err), ROI_OK);
    return roi_graph_input(g, name, &d, &err);
}

static int bernoulli_input(roi_graph *g, const char *name, double p)
{
    roi_dist d;
    roi_error err;
    assert_int_equal(roi_dist_bernoulli(&d, p, name, &err), ROI_OK);
    return roi_graph_input(g, name, &d, &err);
}

static int op(roi_graph *g, roi_node_kind kind, int a, int b, int c)
{
    roi_error err;
    int i = roi_graph_op(g, kind, a, b, c, &err);
    assert_true(i >= 0);
    return i;
}

static void test_eval_arithmetic(void **state)
{
    (void)state;
    roi_graph g;
    roi_error err;
    roi_graph_init(&g);
    int c2 = roi_graph_const(&g, 2, &err);
    int c3 = roi_graph_const(&g, 3, &err);
    int x = fixed_input(&g, "x", 5);
    int add = op(&g, ROI_NODE_ADD, c2, c3, -1);
    int sub = op(&g, ROI_NODE_SUB, c2, x, -1);
    int mul = op(&g, ROI_NODE_MUL, x, c3, -1);
    int div = op(&g, ROI_NODE_DIV, x, c2, -1);
    int pw = op(&g, ROI_NODE_POW, c2, c3, -1);
    int neg = op(&g, ROI_NODE_NEG, x, -1, -1);
    int mn = op(&g, ROI_NODE_MIN, x, c3, -1);
    int mx = op(&g, ROI_NODE_MAX, x, c3, -1);
    int cl = op(&g, ROI_NODE_CLAMP, x, c2, c3);  /* min(max(5, 2), 3) = 3 */
    int cl2 = op(&g, ROI_NODE_CLAMP, c2, c3, x); /* min(max(2, 3), 5) = 3 */
    int lt = op(&g, ROI_NODE_LT, c2, c3, -1);
    int le = op(&g, ROI_NODE_LE, c3, c3, -1);
    int gt = op(&g, ROI_NODE_GT, c2, c3, -1);
    int ge = op(&g, ROI_NODE_GE, x, c3, -1);
    int eq = op(&g, ROI_NODE_EQ, x, c3, -1);
    int ne = op(&g, ROI_NODE_NE, x, c3, -1);
    int and_ = op(&g, ROI_NODE_AND, lt, gt, -1);
    int or_ = op(&g, ROI_NODE_OR, lt, gt, -1);
    int not_ = op(&g, ROI_NODE_NOT, gt, -1, -1);
    int ch1 = op(&g, ROI_NODE_CHOOSE, lt, x, c2);
    int ch0 = op(&g, ROI_NODE_CHOOSE, gt, x, c2);

    uint64_t *keys = calloc((size_t)g.n, sizeof *keys);
    double *vals = calloc((size_t)g.n, sizeof *vals);
    gsl_rng *scratch = gsl_rng_alloc(roi_rng_philox);
    roi_graph_keys(&g, 42, keys);
    assert_true(keys[x] == roi_rng_key(42, "x"));
    assert_true(keys[c2] == 0);
    roi_graph_eval(&g, keys, 7, vals, scratch);

    assert_near(vals[add], 5, 0);
    assert_near(vals[sub], -3, 0);
    assert_near(vals[mul], 15, 0);
    assert_near(vals[div], 2.5, 0);
    assert_near(vals[pw], 8, 0);
    assert_near(vals[neg], -5, 0);
    assert_near(vals[mn], 3, 0);
    assert_near(vals[mx], 5, 0);
    assert_near(vals[cl], 3, 0);
    assert_near(vals[cl2], 3, 0);
    assert_near(vals[lt], 1, 0);
    assert_near(vals[le], 1, 0);
    assert_near(vals[gt], 0, 0);
    assert_near(vals[ge], 1, 0);
    assert_near(vals[eq], 0, 0);
    assert_near(vals[ne], 1, 0);
    assert_near(vals[and_], 0, 0);
    assert_near(vals[or_], 1, 0);
    assert_near(vals[not_], 1, 0);
    assert_near(vals[ch1], 5, 0);
    assert_near(vals[ch0], 2, 0);

    gsl_rng_free(scratch);
    free(keys);
    free(vals);
    roi_graph_free(&g);
}

static void test_eval_draws_inputs(void **state)
{
    (void)state;
    roi_graph g;
    roi_graph_init(&g);
    int u = uniform_input(&g, "u", 10, 20);
    int w = uniform_input(&g, "w", 10, 20);
    uint64_t keys[2];
    double vals[2], again[2];
    gsl_rng *scratch = gsl_rng_alloc(roi_rng_philox);
    roi_graph_keys(&g, 1, keys);
    roi_graph_eval(&g, keys, 3, vals, scratch);
    roi_graph_eval(&g, keys, 3, again, scratch);
    /* same trial, same values; each input its own stream */
    assert_true(vals[u] == again[u] && vals[w] == again[w]);
    assert_true(vals[u] != vals[w]);
    assert_true(vals[u] >= 10 && vals[u] <= 20);
    /* a uniform draws its first uniform of the stream (inverse CDF) */
    assert_near(vals[u], 10 + 10 * roi_rng_uniform(keys[u], 3, 0), 1e-9);
    gsl_rng_free(scratch);
    roi_graph_free(&g);
}

static void test_bounds(void **state)
{
    (void)state;
    roi_graph g;
    roi_error err;
    double lo, hi;
    roi_graph_init(&g);
    int u = uniform_input(&g, "u", -1, 2);
    int v = uniform_input(&g, "v", -3, 1);
    int w = uniform_input(&g, "w", 1, 2);
    int moat = bernoulli_input(&g, "moat", 0.5);
    int c1 = roi_graph_const(&g, 1, &err);
    int c5 = roi_graph_const(&g, 5, &err);
    int c0 = roi_graph_const(&g, 0, &err);

    roi_graph_bounds(&g, u, &lo, &hi);
    assert_near(lo, -1, 0);
    assert_near(hi, 2, 0);
    /* [-1, 2] * [-3, 1]: corners 3, -1, -6, 2 */
    roi_graph_bounds(&g, op(&g, ROI_NODE_MUL, u, v, -1), &lo, &hi);
    assert_near(lo, -6, 0);
    assert_near(hi, 3, 0);
    /* [-1, 2] + [-3, 1] and [-1, 2] - [-3, 1] */
    roi_graph_bounds(&g, op(&g, ROI_NODE_ADD, u, v, -1), &lo, &hi);
    assert_near(lo, -4, 0);
    assert_near(hi, 3, 0);
    roi_graph_bounds(&g, op(&g, ROI_NODE_SUB, u, v, -1), &lo, &hi);
    assert_near(lo, -2, 0);
    assert_near(hi, 5, 0);
    /* 1 / [-1, 2]: divisor crosses zero */
    roi_graph_bounds(&g, op(&g, ROI_NODE_DIV, c1, u, -1), &lo, &hi);
    assert_true(isinf(lo) && lo < 0 && isinf(hi) && hi > 0);
    /* [-1, 2] / [1, 2] = [-1, 2] */
    roi_graph_bounds(&g, op(&g, ROI_NODE_DIV, u, w, -1), &lo, &hi);
    assert_near(lo, -1, 0);
    assert_near(hi, 2, 0);
    /* [1, 2] / [-3, -2]... use -w: [-2, -1]; 1 / [-2, -1] = [-1, -0.5] */
    roi_graph_bounds(&g, op(&g, ROI_NODE_DIV, c1, op(&g, ROI_NODE_NEG, w, -1, -1), -1), &lo, &hi);
    assert_near(lo, -1, 0);
    assert_near(hi, -0.5, 0);
    roi_graph_bounds(&g, op(&g, ROI_NODE_NEG, u, -1, -1), &lo, &hi);
    assert_near(lo, -2, 0);
    assert_near(hi, 1, 0);
    roi_graph_bounds(&g, op(&g, ROI_NODE_GE, u, v, -1), &lo, &hi);
    assert_near(lo, 0, 0);
    assert_near(hi, 1, 0);
    /* choose on an uncertain condition: union of the branches */
    roi_graph_bounds(&g, op(&g, ROI_NODE_CHOOSE, moat, u, c5), &lo, &hi);
    assert_near(lo, -1, 0);
    assert_near(hi, 5, 0);
    /* choose on a constant false condition: only the else branch */
    roi_graph_bounds(&g, op(&g, ROI_NODE_CHOOSE, c0, u, c5), &lo, &hi);
    assert_near(lo, 5, 0);
    assert_near(hi, 5, 0);
    /* clamp(u, 0, 1) = [0, 1]; min(u, 1) = [-1, 1]; max(u, 1) = [1, 2] */
    roi_graph_bounds(&g, op(&g, ROI_NODE_CLAMP, u, c0, c1), &lo, &hi);
    assert_near(lo, 0, 0);
    assert_near(hi, 1, 0);
    roi_graph_bounds(&g, op(&g, ROI_NODE_MIN, u, c1, -1), &lo, &hi);
    assert_near(lo, -1, 0);
    assert_near(hi, 1, 0);
    roi_graph_bounds(&g, op(&g, ROI_NODE_MAX, u, c1, -1), &lo, &hi);
    assert_near(lo, 1, 0);
    assert_near(hi, 2, 0);
    /* w^2 on [1, 2] = [1, 4] */
    roi_graph_bounds(&g, op(&g, ROI_NODE_POW, w, roi_graph_const(&g, 2, &err), -1), &lo, &hi);
    assert_near(lo, 1, 0);
    assert_near(hi, 4, 0);
    roi_graph_free(&g);
}

static void test_is_integer_and_constant(void **state)
{
    (void)state;
    roi_graph g;
    roi_error err;
    double value = 0;
    roi_graph_init(&g);
    int c2 = roi_graph_const(&g, 2, &err);
    int c3 = roi_graph_const(&g, 3, &err);
    int c4 = roi_graph_const(&g, 4, &err);
    int half = roi_graph_const(&g, 2.5, &err);
    int moat = bernoulli_input(&g, "moat", 0.5);
    int u = uniform_input(&g, "u", 0, 1);
    int x = fixed_input(&g, "x", 3);

    assert_true(roi_graph_is_integer(&g, c2));
    assert_false(roi_graph_is_integer(&g, half));
    assert_true(roi_graph_is_integer(&g, moat));
    assert_false(roi_graph_is_integer(&g, u));
    assert_true(roi_graph_is_integer(&g, x));
    assert_true(roi_graph_is_integer(&g, op(&g, ROI_NODE_ADD, moat, c2, -1)));
    assert_false(roi_graph_is_integer(&g, op(&g, ROI_NODE_MUL, moat, u, -1)));
    assert_false(roi_graph_is_integer(&g, op(&g, ROI_NODE_ADD, moat, half, -1)));
    assert_true(roi_graph_is_integer(&g, op(&g, ROI_NODE_LT, u, c2, -1)));
    assert_true(roi_graph_is_integer(&g, op(&g, ROI_NODE_CHOOSE, u, c2, moat)));
    assert_false(roi_graph_is_integer(&g, op(&g, ROI_NODE_CHOOSE, moat, c2, u)));
    assert_false(roi_graph_is_integer(&g, op(&g, ROI_NODE_DIV, c3, c2, -1)));
    assert_true(roi_graph_is_integer(&g, op(&g, ROI_NODE_DIV, c4, c2, -1)));
    assert_true(roi_graph_is_integer(&g, op(&g, ROI_NODE_CLAMP, moat, c2, c4)));

    assert_true(roi_graph_is_constant(&g, op(&g, ROI_NODE_MUL, c3, half, -1), &value));
    assert_near(value, 7.5, 0);
    assert_true(roi_graph_is_constant(&g, op(&g, ROI_NODE_DIV, c3, c2, -1), &value));
    assert_near(value, 1.5, 0);
    assert_true(roi_graph_is_constant(&g, op(&g, ROI_NODE_CHOOSE, c2, c3, c4), &value));
    assert_near(value, 3, 0);
    /* a fixed input is still an input: it has a name and is not folded */
    assert_false(roi_graph_is_constant(&g, x, &value));
    assert_false(roi_graph_is_constant(&g, op(&g, ROI_NODE_ADD, x, c2, -1), &value));
    roi_graph_free(&g);
}

static void test_describe(void **state)
{
    (void)state;
    roi_graph g;
    roi_error err;
    roi_dist d;
    char buf[128];
    roi_graph_init(&g);
    assert_int_equal(roi_dist_normal(&d, 58, 3.5, "v2.score", &err), ROI_OK);
    int score = roi_graph_input(&g, "v2.score", &d, &err);
    int moat = bernoulli_input(&g, "moat", 0.5);
    int c3 = roi_graph_const(&g, 3, &err);
    int c2 = roi_graph_const(&g, 2, &err);
    int c6 = roi_graph_const(&g, 6, &err);
    int c25 = roi_graph_const(&g, 2.5, &err);

    roi_graph_describe(&g, score, buf, sizeof buf);
    assert_string_equal(buf, "normal(58, 3.5)");
    int add = op(&g, ROI_NODE_ADD, score, c3, -1);
    roi_graph_describe(&g, add, buf, sizeof buf);
    assert_string_equal(buf, "v2.score + 3");
    roi_graph_describe(&g, op(&g, ROI_NODE_MUL, add, c2, -1), buf, sizeof buf);
    assert_string_equal(buf, "(v2.score + 3) * 2");
    roi_graph_describe(&g, op(&g, ROI_NODE_SUB, score, op(&g, ROI_NODE_SUB, c3, c2, -1), -1), buf,
                       sizeof buf);
    assert_string_equal(buf, "v2.score - (3 - 2)");
    roi_graph_describe(&g, op(&g, ROI_NODE_SUB, add, c2, -1), buf, sizeof buf);
    assert_string_equal(buf, "v2.score + 3 - 2");
    roi_graph_describe(&g, op(&g, ROI_NODE_CHOOSE, moat, c6, c25), buf, sizeof buf);
    assert_string_equal(buf, "choose(moat, 6, 2.5)");
    roi_graph_describe(&g, op(&g, ROI_NODE_GE, score, op(&g, ROI_NODE_MUL, c2, c3, -1), -1), buf,
                       sizeof buf);
    assert_string_equal(buf, "v2.score >= 2 * 3");
    roi_graph_describe(&g, op(&g, ROI_NODE_NEG, add, -1, -1), buf, sizeof buf);
    assert_string_equal(buf, "-(v2.score + 3)");
    /* truncated output reports a length of at least the buffer's size (the
     * description stops where the buffer is full) */
    char small[5];
    int n = roi_graph_describe(&g, add, small, sizeof small);
    assert_true(n >= (int)sizeof small);
    assert_int_equal(roi_graph_describe(&g, add, buf, sizeof buf), (int)strlen("v2.score + 3"));
    assert_string_equal(small, "v2.s");
    roi_graph_free(&g);
}

static void test_inputs_and_errors(void **state)
{
    (void)state;
    roi_graph g;
    roi_error err;
    roi_dist d;
    roi_graph_init(&g);
    int c = roi_graph_const(&g, 1, &err);
    int a = fixed_input(&g, "a", 1);
    int b = fixed_input(&g, "b", 2);
    assert_int_equal(roi_graph_input_count(&g), 2);
    assert_int_equal(roi_graph_input_node(&g, 0), a);
    assert_int_equal(roi_graph_input_node(&g, 1), b);
    assert_int_equal(roi_graph_input_node(&g, 2), -1);
    assert_int_equal(roi_graph_find_input(&g, "b"), b);
    assert_int_equal(roi_graph_find_input(&g, "zz"), -1);
    (void)c;

    /* a duplicate name is a parameter error, and the distribution is consumed */
    assert_int_equal(roi_dist_uniform(&d, 0, 1, "a", &err), ROI_OK);
    roi_error_clear(&err);
    assert_int_equal(roi_graph_input(&g, "a", &d, &err), -1);
    assert_int_equal(err.status, ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "a"));
    assert_int_equal(roi_graph_input_count(&g), 2);

    /* operands must exist and precede the node */
    assert_int_equal(roi_graph_op(&g, ROI_NODE_ADD, a, 99, -1, &err), -1);
    assert_int_equal(roi_graph_op(&g, ROI_NODE_CHOOSE, a, b, -1, &err), -1);
    roi_graph_free(&g);
    roi_graph_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_arithmetic), cmocka_unit_test(test_eval_draws_inputs),
        cmocka_unit_test(test_bounds),          cmocka_unit_test(test_is_integer_and_constant),
        cmocka_unit_test(test_describe),        cmocka_unit_test(test_inputs_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
