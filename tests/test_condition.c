/* test_condition.c - conditions built step by step and from text (one structure,
 * one language), their checks, their evaluation, and "did you mean". */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include "condition.h"
#include "suggest.h"

/* A model with two inputs, "a" (node 0) and "b.c" (node 1). */
static roi_model *two_inputs(void)
{
    roi_model *m = roi_model_new();
    m->name = strdup("two");
    roi_test_uniform(m, "a", 0, 1);
    roi_test_uniform(m, "b.c", 0, 1);
    return m;
}

static void test_text_and_steps_are_one_structure(void **state)
{
    (void)state;
    roi_model *m = two_inputs();
    roi_error err;
    roi_cond *parsed = NULL;
    assert_int_equal(roi_cond_parse("a >= 0.5 and not b c", m, NULL, &parsed, &err), ROI_OK);

    roi_cond built = {0};
    assert_int_equal(roi_cond_push_compare(&built, (roi_cond_ref){ROI_COND_INPUT, 0}, ROI_NODE_GE,
                                           0.5, &err), ROI_OK);
    assert_int_equal(roi_cond_push_compare(&built, (roi_cond_ref){ROI_COND_INPUT, 1}, ROI_NODE_NE,
                                           0, &err), ROI_OK);
    assert_int_equal(roi_cond_push_logic(&built, ROI_NODE_NOT, &err), ROI_OK);
    assert_int_equal(roi_cond_push_logic(&built, ROI_NODE_AND, &err), ROI_OK);
    assert_int_equal(roi_cond_check(&built, m, "v", &err), ROI_OK);

    assert_int_equal(parsed->n_steps, built.n_steps);
    assert_memory_equal(parsed->steps, built.steps, (size_t)built.n_steps * sizeof *built.steps);
    assert_int_equal(parsed->n_refs, 2);
    assert_memory_equal(parsed->refs, built.refs, 2 * sizeof *built.refs);
    const double yes[] = {0.7, 0}, no[] = {0.7, 1}, undefined[] = {NAN, 0};
    assert_true(roi_cond_eval(&built, yes));
    assert_false(roi_cond_eval(&built, no));
    assert_false(roi_cond_eval(&built, undefined)); /* NaN compares false */
    roi_cond_clear(&built);
    roi_cond_free(parsed);
    roi_model_free(m);
}

static void test_constants_fold(void **state)
{
    (void)state;
    roi_model *m = two_inputs();
    roi_error err;
    roi_cond *c = NULL;
    assert_int_equal(roi_cond_parse("1 == 1 and (0 or a > 2)", m, NULL, &c, &err), ROI_OK);
    assert_int_equal(c->steps[0].op, ROI_NODE_CONST);
    assert_near(c->steps[0].value, 1, 0);
    const double v[] = {3, 0};
    assert_true(roi_cond_eval(c, v));
    roi_cond_free(c);
    roi_model_free(m);
}

/* A built program that would make evaluation read outside its stack or its values is
 * refused before anything evaluates it. */
static void test_check_refuses_malformed_programs(void **state)
{
    (void)state;
    roi_model *m = two_inputs();
    roi_error err;
    roi_cond c = {0};
    assert_int_equal(roi_cond_check(&c, m, "v.where", &err), ROI_ERR_PARAM); /* empty */
    roi_cond_push_logic(&c, ROI_NODE_AND, &err);
    assert_int_equal(roi_cond_check(&c, m, "v.where", &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "v.where: condition: 'and' or 'or' needs two conditions"));
    roi_cond_clear(&c);

    roi_cond_push_const(&c, 1, &err);
    roi_cond_push_const(&c, 0, &err);
    assert_int_equal(roi_cond_check(&c, m, "v", &err), ROI_ERR_PARAM); /* two left */
    roi_cond_clear(&c);

    for (int i = 0; i <= ROI_COND_MAX_STACK; i++)
        roi_cond_push_const(&c, 1, &err);
    assert_int_equal(roi_cond_check(&c, m, "v", &err), ROI_ERR_PARAM);
    assert_non_null(strstr(err.msg, "too many terms"));
    roi_cond_clear(&c);

    /* a reference to a node that is not an uncertain input */
    int k = roi_test_const(m, 3);
    roi_cond_push_compare(&c, (roi_cond_ref){ROI_COND_INPUT, k}, ROI_NODE_GT, 1, &err);
    assert_int_equal(roi_cond_check(&c, m, "v", &err), ROI_ERR_PARAM);
    roi_cond_clear(&c);
    roi_cond_push_compare(&c, (roi_cond_ref){ROI_COND_OUTPUT, ROI_OUT_COUNT}, ROI_NODE_GT, 1, &err);
    assert_int_equal(roi_cond_check(&c, m, "v", &err), ROI_ERR_PARAM);
    roi_cond_clear(&c);
    assert_int_equal(roi_cond_push_compare(&c, (roi_cond_ref){ROI_COND_INPUT, 0}, ROI_NODE_ADD,
                                           1, &err), ROI_ERR_INTERNAL);
    roi_cond_clear(&c);
    roi_model_free(m);
}

static void test_unknown_names(void **state)
{
    (void)state;
    roi_model *m = two_inputs();
    roi_error err;
    roi_cond *c = NULL;
    assert_int_equal(roi_cond_parse("npvv > 0", m, "--given", &c, &err), ROI_ERR_USAGE);
    assert_null(c);
    assert_non_null(strstr(err.msg, "unknown name 'npvv' (not an output or an uncertain input); "
                                    "did you mean 'npv'?"));
    assert_int_equal(roi_cond_parse("zzzzzz > 0", m, NULL, &c, &err), ROI_ERR_USAGE);
    assert_non_null(strstr(err.msg, "of scenario two"));
    roi_model_free(m);
}

static void test_suggest(void **state)
{
    (void)state;
    const char *names[] = {"score", "slip", "scope", NULL, "after"};
    assert_string_equal(roi_suggest("scor", names, 5), "score");
    /* equally near: the first in name order, whatever the list's order */
    const char *tie[] = {"scope", "score"};
    assert_string_equal(roi_suggest("scoe", tie, 2), "scope");
    const char *tie2[] = {"score", "scope"};
    assert_string_equal(roi_suggest("scoe", tie2, 2), "scope");
    /* near enough: max(2, length / 3) edits */
    assert_null(roi_suggest("xyz", names, 5));
    const char *longer[] = {"terminal_growth"};
    assert_string_equal(roi_suggest("termnal_grwth", longer, 1), "terminal_growth");
    /* a name too long to compare gets no suggestion, at no cost */
    char *huge = malloc(1 << 20);
    memset(huge, 'a', (1 << 20) - 1);
    huge[(1 << 20) - 1] = '\0';
    assert_null(roi_suggest(huge, names, 5));
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_steps_are_one_structure),
        cmocka_unit_test(test_constants_fold),
        cmocka_unit_test(test_check_refuses_malformed_programs),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
