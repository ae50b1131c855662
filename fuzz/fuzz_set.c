/*
 * fuzz_set.c - libFuzzer harness for --set PATH=VALUE: the input is one override
 * applied to the bundled base scenario, as `roisim check --set INPUT` would.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096 || memchr(data, '\0', size))
        return 0; /* argv strings have no NUL */
    char *set = malloc(size + 1);
    if (!set)
        return 0;
    memcpy(set, data, size);
    set[size] = '\0';
    char base[1024];
    snprintf(base, sizeof base, "%s/base.lua", roi_scenario_bundled_dir());
    const char *sets[] = {set};
    roi_scenario_opts opts = {.sets = sets, .n_sets = 1, .memory_limit = (size_t)64 << 20,
                              .time_limit = 2.0};
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    roi_status s = roi_scenario_load(base, &opts, &m, &err);
    if ((s == ROI_OK) != (m != NULL) || (s != ROI_OK && !err.msg[0]))
        abort();
    roi_model_free(m);
    free(set);
    return 0;
}
