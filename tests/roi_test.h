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

/* Asserts |actual - expected| <= tol, printing all three on failure. */
#define assert_near(actual, expected, tol)                                              \
    do {                                                                                \
        double a_ = (actual), e_ = (expected), t_ = (tol);                              \
        if (!(fabs(a_ - e_) <= t_))                                                     \
            fail_msg("%s = %.17g, expected %.17g within %.3g (off by %.3g)", #actual,   \
                     a_, e_, t_, fabs(a_ - e_));                                        \
    } while (0)

#endif
