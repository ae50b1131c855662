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
#include <sys/stat.h>
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
        /* Files an `extends` may name that are not regular files in the folder: a
         * link out of it, a FIFO (whose open would block), a directory, a link to a
         * link (the fuzzer's seeds files_*.lua name them). */
        char p2[300];
        snprintf(p2, sizeof p2, "%s/link_out.lua", dir);
        if (symlink("/etc/hostname", p2) != 0)
            return 0;
        snprintf(p2, sizeof p2, "%s/fifo.lua", dir);
        if (mkfifo(p2, 0600) != 0)
            return 0;
        snprintf(p2, sizeof p2, "%s/folder.lua", dir);
        if (mkdir(p2, 0700) != 0)
            return 0;
        snprintf(p2, sizeof p2, "%s/link_link.lua", dir);
        if (symlink("link_out.lua", p2) != 0)
            return 0;
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
