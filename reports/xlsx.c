/* xlsx.c - the Excel workbook (libxlsxwriter): a formatted Summary sheet. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "atomic.h"

/* A fixed creation date (2026-01-01T00:00:00Z) keeps the file byte-identical run to
 * run; libxlsxwriter would otherwise stamp the current time. */
#define ROI_XLSX_CREATED ((time_t)1767225600)

enum { P10 = 2, P50 = 4, P90 = 6 }; /* indices into roi_pct_levels */

/* Column layout of the Summary table. */
enum { COL_NAME, COL_TITLE, COL_PPOS, COL_P10, COL_P50, COL_P90, COL_PAYBACK, COL_SPEND,
       NCOL };
static const char *const col_head[NCOL] = {"Scenario", "Title", "P(NPV>0)", "NPV p10",
                                           "NPV p50", "NPV p90", "Payback p50",
                                           "Spend p50"};

enum { ROW_TITLE = 0, ROW_INFO = 1, ROW_HEAD = 3, ROW_FIRST = 4 };

typedef struct formats {
    lxw_format *title, *info, *head, *head_left, *money, *pct, *text, *right;
} formats;

static void make_formats(lxw_workbook *wb, formats *f)
{
    f->title = workbook_add_format(wb);
    format_set_bold(f->title);
    format_set_font_size(f->title, 14);
    f->info = workbook_add_format(wb);
    format_set_italic(f->info);
    format_set_font_color(f->info, 0x595959);
    f->head = workbook_add_format(wb);
    format_set_bold(f->head);
    format_set_bottom(f->head, LXW_BORDER_THIN);
    format_set_align(f->head, LXW_ALIGN_RIGHT);
    format_set_bg_color(f->head, 0xDDEBF7);
    f->head_left = workbook_add_format(wb);
    format_set_bold(f->head_left);
    format_set_bottom(f->head_left, LXW_BORDER_THIN);
    format_set_bg_color(f->head_left, 0xDDEBF7);
    f->money = workbook_add_format(wb);
    format_set_num_format(f->money, "$#,##0.0,,,\"B\"");
    f->pct = workbook_add_format(wb);
    format_set_num_format(f->pct, "0.0%");
    f->text = workbook_add_format(wb);
    f->right = workbook_add_format(wb);
    format_set_align(f->right, LXW_ALIGN_RIGHT);
}

/* Writes a number with fmt, or a right-aligned "n/a" when it is not finite. */
static lxw_error write_num(lxw_worksheet *ws, int row, int col, double v, lxw_format *fmt,
                           const formats *f)
{
    if (!isfinite(v))
        return worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, "n/a", f->right);
    return worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, fmt);
}

/* Fills the Summary sheet; returns the first libxlsxwriter error, or LXW_NO_ERROR. */
static lxw_error fill_summary(lxw_workbook *wb, lxw_worksheet *ws,
                              const roi_run *const *runs, int n,
                              const roi_report_meta *meta)
{
    formats f;
    make_formats(wb, &f);
#define TRY(call)                    \
    do {                             \
        lxw_error e_ = (call);       \
        if (e_ != LXW_NO_ERROR)      \
            return e_;               \
    } while (0)

    char info[256];
    snprintf(info, sizeof info, "%zu trials, seed %llu, roisim %s", meta->trials,
             (unsigned long long)meta->seed, meta->version ? meta->version : ROI_VERSION);
    TRY(worksheet_write_string(ws, ROW_TITLE, 0, "roisim: Monte Carlo ROI summary", f.title));
    TRY(worksheet_write_string(ws, ROW_INFO, 0, info, f.info));

    for (int c = 0; c < NCOL; c++)
        TRY(worksheet_write_string(ws, ROW_HEAD, (lxw_col_t)c, col_head[c],
                                   c <= COL_TITLE ? f.head_left : f.head));

    size_t name_w = strlen(col_head[COL_NAME]), title_w = strlen(col_head[COL_TITLE]);
    for (int i = 0; i < n; i++) {
        const roi_run *run = runs[i];
        const roi_model *m = run->model;
        const roi_summary *npv = &run->summary[ROI_OUT_NPV];
        const roi_summary *spend = &run->summary[ROI_OUT_TOTAL_SPEND];
        int row = ROW_FIRST + i;
        const char *name = m->name ? m->name : "";
        const char *title = m->title ? m->title : "";
        if (strlen(name) > name_w)
            name_w = strlen(name);
        if (strlen(title) > title_w)
            title_w = strlen(title);
        TRY(worksheet_write_string(ws, (lxw_row_t)row, COL_NAME, name, f.text));
        TRY(worksheet_write_string(ws, (lxw_row_t)row, COL_TITLE, title, f.text));
        int has = npv->n_defined > 0;
        TRY(write_num(ws, row, COL_PPOS, has ? npv->prob_positive : NAN, f.pct, &f));
        TRY(write_num(ws, row, COL_P10, has ? npv->pct[P10] : NAN, f.money, &f));
        TRY(write_num(ws, row, COL_P50, has ? npv->pct[P50] : NAN, f.money, &f));
        TRY(write_num(ws, row, COL_P90, has ? npv->pct[P90] : NAN, f.money, &f));
        int period = -1;
        char label[16];
        if (roi_report_median_payback(run, &period) != ROI_OK)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        if (period < 0)
            snprintf(label, sizeof label, "never");
        else
            roi_model_period_label(m, period, label, sizeof label);
        TRY(worksheet_write_string(ws, (lxw_row_t)row, COL_PAYBACK, label, f.right));
        TRY(write_num(ws, row, COL_SPEND, spend->n_defined ? spend->pct[P50] : NAN, f.money,
                      &f));
    }

    int row = ROW_FIRST + n + 1;
    TRY(worksheet_write_string(ws, (lxw_row_t)row, 0,
                               "Dollar values in billions (nominal US$); NPV percentiles "
                               "over trials; payback is the median quarter.",
                               f.info));
    if (meta->command)
        TRY(worksheet_write_string(ws, (lxw_row_t)row + 1, 0, meta->command, f.info));

    if (name_w > 40)
        name_w = 40;
    if (title_w > 60)
        title_w = 60;
    TRY(worksheet_set_column(ws, COL_NAME, COL_NAME, (double)name_w + 2, NULL));
    TRY(worksheet_set_column(ws, COL_TITLE, COL_TITLE, (double)title_w + 2, NULL));
    TRY(worksheet_set_column(ws, COL_PPOS, COL_SPEND, 13, NULL));
    worksheet_freeze_panes(ws, ROW_FIRST, 0);
#undef TRY
    return LXW_NO_ERROR;
}

roi_status roi_report_xlsx_write(const roi_run *const *runs, int n,
                                 const roi_report_meta *meta, const char *path,
                                 roi_error *err)
{
    char *tmp = NULL;
    lxw_workbook *wb = NULL;
    roi_status st = roi_atomic_tmpname(path, &tmp, err);
    if (st != ROI_OK)
        return st;

    lxw_workbook_options opts = {.constant_memory = 0, .tmpdir = NULL, .use_zip64 = 0};
    wb = workbook_new_opt(tmp, &opts);
    if (!wb) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "cannot start the workbook '%s'", path);
        goto fail;
    }
    lxw_doc_properties props = {.title = "roisim summary", .author = "roisim",
                                .created = ROI_XLSX_CREATED};
    lxw_error e = workbook_set_properties(wb, &props);
    lxw_worksheet *ws = e == LXW_NO_ERROR ? workbook_add_worksheet(wb, "Summary") : NULL;
    if (!ws && e == LXW_NO_ERROR)
        e = LXW_ERROR_MEMORY_MALLOC_FAILED;
    if (e == LXW_NO_ERROR)
        e = fill_summary(wb, ws, runs, n, meta);
    lxw_error closed = workbook_close(wb); /* frees wb whatever happens */
    wb = NULL;
    if (e == LXW_NO_ERROR)
        e = closed;
    if (e != LXW_NO_ERROR) {
        st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write the workbook '%s': %s", path,
                           lxw_strerror(e));
        goto fail;
    }
    st = roi_atomic_rename(tmp, path, err);
    free(tmp);
    return st;

fail:
    unlink(tmp);
    free(tmp);
    return st;
}
