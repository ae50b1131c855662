/* roi_test_scenario.h - loading scenario text in the cmocka tests (tests that link the
 * Lua layer). */
#ifndef ROI_TEST_SCENARIO_H
#define ROI_TEST_SCENARIO_H

#include <stdlib.h>
#include <unistd.h>

#include "roi_test.h"
#include "scenario.h"

/* Writes text as the scenario file `file` (e.g. "case.lua") in a fresh directory of its
 * own, loads it into *m and removes both; the load's status, its message in err. */
static inline roi_status roi_test_load_text(const char *file, const char *text,
                                            roi_model **m, roi_error *err)
{
    char dir[] = "/tmp/roisim-test-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    roi_error_clear(err);
    *m = NULL;
    roi_status s = roi_scenario_load(path, NULL, m, err);
    unlink(path);
    rmdir(dir);
    return s;
}

#endif
