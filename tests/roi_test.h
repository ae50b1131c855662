/* roi_test.h - shared helpers for the cmocka tests. */
#ifndef ROI_TEST_H
#define ROI_TEST_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "model.h"

/* Asserts |actual - expected| <= tol, printing all three on failure. */
#define assert_near(actual, expected, tol)                                              \
    do {                                                                                \
        double a_ = (actual), e_ = (expected), t_ = (tol);                              \
        if (!(fabs(a_ - e_) <= t_))                                                     \
            fail_msg("%s = %.17g, expected %.17g within %.3g (off by %.3g)", #actual,   \
                     a_, e_, t_, fabs(a_ - e_));                                        \
    } while (0)

/* Appends a constant node to m's graph and returns its index (fails the test if it
 * cannot). */
static inline int roi_test_const(roi_model *m, double v)
{
    roi_error err;
    int i = roi_graph_const(&m->graph, v, &err);
    assert_true(i >= 0);
    return i;
}

/* Appends an input `name` ~ uniform(lo, hi) to m's graph and returns its index. */
static inline int roi_test_uniform(roi_model *m, const char *name, double lo, double hi)
{
    roi_error err;
    roi_dist d;
    assert_int_equal(roi_dist_uniform(&d, lo, hi, name, &err), ROI_OK);
    int i = roi_graph_input(&m->graph, name, &d, &err);
    assert_true(i >= 0);
    return i;
}

#endif
