/* fit.c - `roisim fit DATA.csv`: read, fit, report (main.c dispatches here). */
#include "cli_fit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "fit_report.h"

/* The largest data file read (the whole file is held in memory, once). */
#define MAX_DATA_BYTES (1024u * 1024u * 1024u)

void roi_cli_fit_opts_init(roi_cli_fit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bootstrap = ROI_FIT_BOOTSTRAP_DEFAULT;
    o->seed = ROI_FIT_SEED_DEFAULT;
}

/* Reads the whole file into *bytes (caller frees). */
static roi_status slurp(const char *file, char **bytes, size_t *len, roi_error *err)
{
    roi_status st = ROI_OK;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    *bytes = NULL;
    *len = 0;
    FILE *fp = fopen(file, "rb");
    if (!fp)
        return roi_error_set(err, ROI_ERR_IO, NULL, "%s: cannot open: %s", file, strerror(errno));
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_DATA_BYTES) {
                st = roi_error_set(err, ROI_ERR_IO, NULL, "%s: larger than %u MB", file,
                                   MAX_DATA_BYTES >> 20);
                goto done;
            }
            size_t ncap = cap ? 2 * cap : 65536;
            char *b = realloc(buf, ncap);
            if (!b) {
                st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "%s: out of memory reading it", file);
                goto done;
            }
            buf = b;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp))
                st = roi_error_set(err, ROI_ERR_IO, NULL, "%s: read error: %s", file,
                                   strerror(errno));
            break;
        }
    }

done:
    fclose(fp);
    if (st != ROI_OK) {
        free(buf);
        return st;
    }
    *bytes = buf;
    *len = n;
    return ROI_OK;
}

roi_status roi_cli_fit(const char *file, const roi_cli_fit_opts *o, FILE *out, roi_error *err)
{
    roi_cli_fit_opts defaults;
    if (!o) {
        roi_cli_fit_opts_init(&defaults);
        o = &defaults;
    }
    if (!file || !*file || !strcmp(file, "-"))
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "fit needs a data file: roisim fit DATA.csv [--column NAME]");
    roi_fit_opts fo;
    roi_fit_opts_init(&fo);
    fo.bootstrap = o->bootstrap;
    fo.seed = o->seed;
    fo.threads = o->threads;
    roi_status st = ROI_OK;
    if (o->families && (st = roi_fit_families_parse(o->families, &fo.families, err)) != ROI_OK)
        return st;

    char *bytes = NULL;
    size_t len = 0;
    roi_fit_data data = {0};
    roi_fit_result res = {0};
    st = slurp(file, &bytes, &len, err);
    if (st != ROI_OK)
        goto done;
    st = roi_fit_data_parse(bytes, len, file, o->column, &data, err);
    if (st != ROI_OK)
        goto done;
    st = roi_fit_run(data.x, data.row, data.n, &fo, &res, err);
    if (st != ROI_OK) {
        /* Name the file: the engine's message names the row. */
        if (err) {
            roi_error e = *err;
            roi_error_set(err, st, NULL, "%s: column '%s': %s", file, data.column, e.msg);
        }
        goto done;
    }
    roi_fit_source src;
    roi_report_fit_source(&src, file, data.column, data.n_empty, bytes, len);
    if (!o->quiet) {
        FILE *text = o->json && !strcmp(o->json, "-") ? stderr : out;
        st = roi_report_fit_text(text, &src, &res, err);
        if (st != ROI_OK)
            goto done;
    }
    if (o->json)
        st = roi_report_fit_json(o->json, &src, &res, err);

done:
    roi_fit_result_free(&res);
    roi_fit_data_free(&data);
    free(bytes);
    return st;
}
