/*
 * fuzz_scenario.c - libFuzzer harness for the scenario loader: the input is the text
 * of a scenario file (it may extend the bundled scenarios). Any input must give a
 * model or an error message; never a crash, a hang past the time limit, or a leak.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        /* A private folder, so that `extends` finds only the bundled scenarios. */
        char dir[] = "/tmp/roisim-fuzz-XXXXXX";
        if (!mkdtemp(dir))
            return 0;
        snprintf(path, sizeof path, "%s/input.lua", dir);
    }
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return 0;
    fwrite(data, 1, size, fp);
    fclose(fp);
    roi_scenario_opts opts = {.memory_limit = (size_t)64 << 20, .time_limit = 2.0};
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    roi_status s = roi_scenario_load(path, &opts, &m, &err);
    if (s == ROI_OK && !m)
        abort(); /* success must give a model */
    if (s != ROI_OK && !err.msg[0])
        abort(); /* every failure has a message */
    roi_model_free(m);
    return 0;
}
