/* roi_test.h - shared helpers for the cmocka tests. */
#ifndef ROI_TEST_H
#define ROI_TEST_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The whole of the file at path, NUL-terminated (the caller frees it); its length in
 * *len when len is not NULL. Fails the test if the file cannot be read. */
static inline char *roi_test_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)(size < 0 ? 0 : size) + 1);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (size_t)(size < 0 ? 0 : size), fp);
    fclose(fp);
    buf[got] = '\0';
    if (len)
        *len = got;
    return buf;
}

#endif
