/*
 * xlsx_run.c - the Run sheet: how the workbook was made (version, command line, seed,
 * trials, date) and the SHA-256 of every scenario file.
 */
#include "xlsx_int.h"

#include <stdlib.h>
#include <string.h>

#include "sha256.h"

/* ---- Run -------------------------------------------------------------------------------- */

/* The command line with each absolute path cut to its file name (the folders of the
 * machine that ran it are nobody's business in a workbook that travels). Caller frees;
 * NULL when there is none or memory runs out. */
static char *without_folders(const char *command)
{
    if (!command)
        return NULL;
    char *out = malloc(strlen(command) + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (const char *p = command; *p;) {
        int word_start = p == command || p[-1] == ' ' || p[-1] == '=';
        if (word_start && *p == '/') {
            const char *q = p, *last = p;
            for (; *q && *q != ' '; q++)
                if (*q == '/')
                    last = q + 1;
            p = last;
            continue;
        }
        out[j++] = *p++;
    }
    out[j] = '\0';
    return out;
}

lxw_error xl_write_run(xctx *x)
{
    const xfmt *f = &x->f;
    const roi_report_meta *meta = x->meta;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Run");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(xl_put_str(ws, 0, 0, "How this workbook was made", f->title));
    char seed[32], threads[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)meta->seed);
    /* Results never depend on threads; a reproducible file must not either. */
    if (!meta->created)
        snprintf(threads, sizeof threads, "not recorded");
    else if (meta->threads > 0)
        snprintf(threads, sizeof threads, "%d", meta->threads);
    else
        snprintf(threads, sizeof threads, "all cores");
    const char *keys[] = {"roisim version", "Command line", "Seed", "Trials per scenario",
                          "Threads", "Date and time"};
    for (int i = 0; i < 6; i++)
        TRY(xl_put_str(ws, 2 + i, 0, keys[i], f->bold));
    TRY(xl_put_str(ws, 2, 1, meta->version ? meta->version : ROI_VERSION, f->text));
    char *command = without_folders(meta->command);
    lxw_error e = xl_put_str(ws, 3, 1, command ? command : "(not recorded)", f->text);
    free(command);
    TRY(e);
    TRY(xl_put_str(ws, 4, 1, seed, f->text)); /* text: a double would round seeds >= 2^53 */
    TRY(xl_put_num(x, ws, 5, 1, (double)meta->trials, f->left_count));
    TRY(xl_put_str(ws, 6, 1, threads, f->text));
    TRY(xl_put_str(ws, 7, 1, x->date, f->text));
    TRY(xl_put_str(ws, 8, 1,
                   "Results do not depend on the thread count: the same seed gives the same "
                   "numbers.",
                   f->note));

    int head = 10;
    static const char *const head_txt[] = {"Scenario", "Title", "File", "SHA-256 of the file"};
    for (int c = 0; c < 4; c++)
        TRY(xl_put_str(ws, head, c, head_txt[c], f->head_left));
    size_t file_w = 10;
    for (int k = 0; k < x->n; k++) {
        const roi_model *m = x->res->sc[k].run->model;
        char hex[65];
        int row = head + 1 + k;
        TRY(xl_put_str(ws, row, 0, xl_scen_name(x->res->sc[k].run), f->text));
        TRY(xl_put_str(ws, row, 1, m->title, f->text));
        TRY(xl_put_str(ws, row, 2, xl_file_name(m->file), f->text));
        if (strlen(xl_file_name(m->file)) > file_w)
            file_w = strlen(xl_file_name(m->file));
        if (m->file && roi_sha256_file(m->file, hex) == 0)
            TRY(xl_put_str(ws, row, 3, hex, f->text));
        else
            TRY(xl_put_str(ws, row, 3, "(file not readable)", f->note));
    }
    TRY(worksheet_set_column(ws, 0, 0, 22, NULL));
    TRY(worksheet_set_column(ws, 1, 1, 36, NULL));
    TRY(worksheet_set_column(ws, 2, 2, (double)(file_w > 70 ? 70 : file_w) + 2, NULL));
    TRY(worksheet_set_column(ws, 3, 3, 68, NULL));
    xl_print_columns(ws, 3);
    xl_page_setup(x, ws, "Run", 0, 0,
                  xl_col_px(22) + xl_col_px(36) + xl_col_px((double)(file_w > 70 ? 70 : file_w) + 2) +
                      xl_col_px(68));
    return LXW_NO_ERROR;
}
