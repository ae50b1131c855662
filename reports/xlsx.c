/*
 * xlsx.c - the Excel workbook (libxlsxwriter): Summary, Drivers, Compare, Goals, one sheet
 * per scenario, Inputs, Series and Run (docs/report.md), with native charts only, so every
 * chart stays editable in Excel.
 *
 * Numbers are written as the exact doubles of the run (the JSON's values) and shown
 * through Excel number formats; nothing is rounded before writing. A value that cannot
 * exist (irr undefined, payback never) is an empty cell, with its share stated.
 * Every chart reads its data from a sheet with a fixed, plain name (Summary, Series,
 * Drivers, Compare), so scenario names never appear in chart formulas.
 *
 * Adding a sheet: write `lxw_error xl_write_<name>(xctx *x)` in its own file
 * xlsx_<name>.c, declare it in xlsx_int.h and add it to `sheet_writers` below; shared
 * formats live in `xfmt`, shared layout in `xctx` (xlsx_int.h).
 */
#include "xlsx_int.h"

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic.h"
#include "text.h"

/* The creation date written when none is recorded (2026-01-01T00:00:00Z), so that
 * a reproducible file is byte-identical run to run. */
#define ROI_XLSX_CREATED ((time_t)1767225600)

/* Colours: one per scenario (in run order), and one per component in stacked charts. */
static const unsigned scen_palette[] = {0x1F4E79, 0xC55A11, 0x548235, 0x7030A0, 0xBF9000,
                                        0x2E75B6, 0xC00000, 0x00B0A0, 0x7F6000, 0xFF66CC};

/* ---- sheet names ------------------------------------------------------------------- */

/* Case-insensitive (ASCII) equality, as Excel compares sheet names. */
static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Copies at most `chars` UTF-8 characters of s into out (size >= 4 * chars + 1). */
static void copy_chars(char *out, const char *s, int chars)
{
    int k = 0, c = 0;
    for (; s[k]; k++) {
        if (((unsigned char)s[k] & 0xC0) != 0x80 && c++ == chars)
            break;
        out[k] = s[k];
    }
    out[k] = '\0';
}

int roi_report_sheet_name(const char *scenario, const char *const *taken, int n_taken,
                          char out[32])
{
    char base[128], *owned = NULL;
    size_t k = 0;
    /* Sheet names reach workbook.xml and app.xml: valid UTF-8 first (text.h). */
    const char *name = roi_text_clean(scenario ? scenario : "", ROI_TEXT_XML, &owned);
    if (!name)
        return -1;
    for (const char *p = name; *p && k < sizeof base - 1; p++) {
        unsigned char ch = (unsigned char)*p;
        /* Excel forbids []:*?/\ ; apostrophes and control characters are replaced too,
         * since libxlsxwriter 1.1.x mishandles them in references. Non-ASCII is kept. */
        base[k++] = (ch < 0x20 || ch == 0x7F || strchr("[]:*?/\\'", ch)) ? '_' : (char)ch;
    }
    base[k] = '\0';
    free(owned);
    if (!base[0] || same_name(base, "History")) {
        /* Empty, or a name Excel reserves. */
        char orig[16];
        memcpy(orig, base, sizeof orig);
        orig[sizeof orig - 1] = '\0';
        snprintf(base, sizeof base, "Scenario%s%s", orig[0] ? " " : "", orig);
    }
    /* Only 31 characters fit; the budget shrinks to make room for "~2", "~3", ... */
    for (int i = 1; i < 1000; i++) {
        char suffix[8] = "";
        if (i > 1)
            snprintf(suffix, sizeof suffix, "~%d", i);
        char cut[128];
        copy_chars(cut, base, 31 - (int)strlen(suffix));
        /* The 31 characters must also fit in out's 31 bytes. */
        while (strlen(cut) + strlen(suffix) > 31) {
            size_t len = strlen(cut);
            do
                len--;
            while (len > 0 && ((unsigned char)cut[len] & 0xC0) == 0x80);
            cut[len] = '\0';
        }
        size_t len = strlen(cut);
        memcpy(out, cut, len);
        memcpy(out + len, suffix, strlen(suffix) + 1);
        int clash = 0;
        for (int j = 0; j < n_taken && !clash; j++)
            clash = same_name(out, taken[j]);
        if (!clash)
            return 0;
    }
    return -1;
}

/* ---- the workbook ------------------------------------------------------------------------- */

/* The sheets in tab order; a new sheet is one more writer here. */
static const sheet_writer sheet_writers[] = {xl_write_summary,   xl_write_drivers,
                                             xl_write_compare,   xl_write_goals,
                                             xl_write_decisions, xl_write_scenarios,
                                             xl_write_inputs,    xl_write_series,
                                             xl_write_run};

/* Names every scenario's sheet and fixes the Series layout. */
/* One bin grid for npv over every scenario of the run (the widest of their own bin
 * widths over all their p0.5 .. p99.5), so the histograms compare bin by bin on one
 * axis, and the highest share of trials in a bin, for one share axis. A run of one
 * scenario keeps its own bins. */
static roi_status common_bins(xctx *x)
{
    double w = 0;
    int with = 0;
    for (int k = 0; k < x->n; k++)
        if (x->sc[k].npv.n > 0) {
            with++;
            w = fmax(w, x->sc[k].npv.hist.width);
        }
    roi_histogram grid;
    roi_stats_histogram_span(x->npv_lo, x->npv_hi, w, &grid);
    for (int k = 0; with > 1 && grid.bins > 0 && k < x->n; k++)
        if (x->sc[k].npv.n > 0 &&
            roi_results_histogram_on(x->res->sc[k].run, ROI_OUT_NPV, &grid,
                                     &x->sc[k].npv.hist) != ROI_OK)
            return ROI_ERR_NOMEM;
    x->hist_share_max = 0;
    for (int k = 0; k < x->n; k++)
        for (int j = 0; j < x->sc[k].npv.hist.bins && x->sc[k].npv.n > 0; j++)
            x->hist_share_max = fmax(x->hist_share_max, (double)x->sc[k].npv.hist.count[j] /
                                                            (double)x->sc[k].npv.n);
    return ROI_OK;
}

static roi_status plan(xctx *x)
{
    x->sc = calloc((size_t)x->n + 1, sizeof *x->sc);
    const char **taken = calloc((size_t)x->n + 16, sizeof *taken);
    if (!x->sc || !taken) {
        free(taken);
        return ROI_ERR_NOMEM;
    }
    /* The fixed sheets come first so no scenario takes their names. */
    static const char *const fixed[] = {"Summary", "Drivers", "Compare", "Goals",
                                        "Decisions", "Inputs", "Series", "Run"};
    int n_taken = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        taken[n_taken++] = fixed[i];
    x->range_row = 5;
    x->npv_lo = INFINITY, x->npv_hi = -INFINITY; /* no S-curve yet: no shared range */
    int row = x->range_row + x->n + 1;
    for (int k = 0; k < x->n; k++) {
        if (roi_report_sheet_name(xl_scen_name(x->res->sc[k].run), taken, n_taken, x->sc[k].sheet) != 0) {
            free(taken);
            return ROI_ERR_PARAM;
        }
        taken[n_taken++] = x->sc[k].sheet;
        x->sc[k].block = row;
        x->sc[k].color = scen_palette[(size_t)k % NPALETTE(scen_palette)];
        row += xl_block_height(x->res->sc[k].run);
        if (roi_results_distribution(x->res->sc[k].run, ROI_OUT_NPV, &x->sc[k].npv) != ROI_OK) {
            free(taken);
            return ROI_ERR_NOMEM;
        }
        if (x->sc[k].npv.n > 0) {
            x->npv_lo = fmin(x->npv_lo, x->sc[k].npv.scurve[0]);
            x->npv_hi = fmax(x->npv_hi, x->sc[k].npv.scurve[ROI_SCURVE_POINTS - 1]);
        }
    }
    free(taken);
    return common_bins(x);
}

/* ---- Excel's limits, checked before anything is written -------------------------------- */

enum { XL_MAX_ROWS = 1048576, XL_MAX_COLS = 16384 };

/* Text longer than a cell holds: refused with the field named (xl_put_str refuses any
 * other such text too, with libxlsxwriter's message). */
static roi_status check_text(const char *text, const char *what, const char *scenario,
                             const char *path, roi_error *err)
{
    size_t len = roi_text_utf16_len(text);
    if (len <= ROI_TEXT_EXCEL_CELL)
        return ROI_OK;
    return roi_error_set(err, ROI_ERR_PARAM, NULL,
                         "cannot write the workbook '%s': the %s%s%.40s%s is %zu characters "
                         "long, and an Excel cell holds at most %d; shorten it or leave out "
                         "--xlsx", path, what, scenario ? " of scenario '" : "",
                         scenario ? scenario : "", scenario ? "'" : "", len, ROI_TEXT_EXCEL_CELL);
}

/*
 * Refuses, before the workbook is started, what Excel cannot hold: a horizon with more
 * quarters than the Series sheet has columns, more rows than a sheet has, and a
 * scenario's name, title, file name, input names or the command line longer than a
 * cell. Whatever else exceeds a limit still fails the write cleanly (nothing replaced).
 */
static roi_status check_limits(const xctx *x, const char *path, roi_error *err)
{
    roi_status st = ROI_OK;
    size_t input_rows = 4;
    for (int k = 0; k < x->n && st == ROI_OK; k++) {
        const roi_run *run = x->res->sc[k].run;
        const roi_model *m = run->model;
        const char *name = xl_scen_name(run);
        if (SER_COL_DATA + run->periods > XL_MAX_COLS)
            return roi_error_set(err, ROI_ERR_PARAM, NULL,
                                 "cannot write the workbook '%s': scenario '%.40s' has %d "
                                 "quarters, and the Series sheet has a column for each: Excel "
                                 "allows %d columns (at most %d quarters); shorten the horizon "
                                 "or leave out --xlsx", path, name, run->periods, XL_MAX_COLS,
                                 XL_MAX_COLS - SER_COL_DATA);
        st = check_text(name, "name", NULL, path, err);
        if (st == ROI_OK)
            st = check_text(m->title ? m->title : "", "title", name, path, err);
        if (st == ROI_OK)
            st = check_text(m->file ? m->file : "", "file name", name, path, err);
        const roi_graph *g = &m->graph;
        for (int i = 0; i < roi_graph_input_count(g) && st == ROI_OK; i++)
            st = check_text(g->nodes[roi_graph_input_node(g, i)].name, "name of an input",
                            name, path, err);
        input_rows += (size_t)run->n_inputs;
    }
    if (st == ROI_OK && x->meta->command)
        st = check_text(x->meta->command, "command line", NULL, path, err);
    if (st != ROI_OK)
        return st;
    size_t series_rows = x->n > 0 ? (size_t)x->sc[x->n - 1].block +
                                        (size_t)xl_block_height(x->res->sc[x->n - 1].run)
                                  : 0;
    if (series_rows > XL_MAX_ROWS || input_rows > XL_MAX_ROWS)
        return roi_error_set(err, ROI_ERR_PARAM, NULL,
                             "cannot write the workbook '%s': its %s sheet would need %zu rows, "
                             "and Excel allows %d; run fewer scenarios or leave out --xlsx",
                             path, series_rows > XL_MAX_ROWS ? "Series" : "Inputs",
                             series_rows > XL_MAX_ROWS ? series_rows : input_rows, XL_MAX_ROWS);
    return ROI_OK;
}

/* ---- the workbook file -------------------------------------------------------------------- */

roi_status roi_report_xlsx_write(const roi_results *res, const roi_report_meta *meta,
                                 const char *path, roi_error *err)
{
    roi_atomic_file af = {0};
    xctx x = {.res = res, .n = res->n, .meta = meta, .mu = roi_numfmt_report_unit(res)};
    roi_nf money = {ROI_NF_MONEY, 1, &x.mu};
    roi_numfmt_excel(x.money_code, sizeof x.money_code, &money, ROI_NFV_NORMAL);
    snprintf(x.unit, sizeof x.unit, "%s%s", x.mu.symbol, x.mu.letter);
    roi_status st = plan(&x);
    if (st != ROI_OK) {
        free(x.sc);
        return roi_error_set(err, st, NULL, st == ROI_ERR_NOMEM ? "out of memory writing '%s'"
                                                : "cannot name the sheets of '%s'", path);
    }
    st = check_limits(&x, path, err);
    if (st != ROI_OK) {
        free(x.sc);
        return st;
    }
    time_t created = meta->created ? (time_t)meta->created : ROI_XLSX_CREATED;
    if (meta->created) {
        struct tm tm;
        gmtime_r(&created, &tm);
        strftime(x.date, sizeof x.date, "%Y-%m-%d %H:%M UTC", &tm);
    } else {
        snprintf(x.date, sizeof x.date, "date not recorded (--reproducible)");
    }

    /* libxlsxwriter creates the file by name: it gets one inside a private directory,
     * reached through the directory's descriptor (atomic.h), never a name another user
     * of the folder could replace with a link. */
    st = roi_atomic_open_named(&af, path, err);
    if (st != ROI_OK) {
        free(x.sc);
        return st;
    }
    lxw_workbook_options opts = {.constant_memory = 0, .tmpdir = NULL, .use_zip64 = 0};
    x.wb = workbook_new_opt(af.name, &opts);
    if (!x.wb) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "cannot start the workbook '%s'", path);
        goto fail;
    }
    lxw_doc_properties props = {.title = "roisim report", .author = "roisim",
                                .created = created};
    lxw_error e = workbook_set_properties(x.wb, &props);
    if (e == LXW_NO_ERROR)
        xl_make_formats(&x);
    for (size_t i = 0; e == LXW_NO_ERROR && i < sizeof sheet_writers / sizeof *sheet_writers;
         i++)
        e = sheet_writers[i](&x);
    errno = 0;
    lxw_error closed = workbook_close(x.wb); /* frees wb whatever happens */
    int saved = errno;
    x.wb = NULL;
    if (e == LXW_NO_ERROR)
        e = closed;
    if (e != LXW_NO_ERROR) {
        /* The file errors come with errno set: say why ("No space left on device"). */
        int sys = e == closed && saved &&
                  (e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE ||
                   e == LXW_ERROR_READING_TMPFILE || e == LXW_ERROR_ZIP_FILE_OPERATION ||
                   e == LXW_ERROR_ZIP_FILE_ADD || e == LXW_ERROR_ZIP_CLOSE);
        st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write the workbook '%s': %s%s%s%s",
                           path, lxw_strerror(e), sys ? " (" : "", sys ? strerror(saved) : "",
                           sys ? ")" : "");
        goto fail;
    }
    st = roi_atomic_commit(&af, err);
    free(x.sc);
    return st;

fail:
    roi_atomic_abort(&af);
    free(x.sc);
    return st;
}
