/* csv.c - every trial as CSV (--trials-csv): its outputs and sampled inputs, recomputed. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "text.h"

/* The report being written and the errno of its first failed write (0: none yet), so
 * that the message says why ("No space left on device"), not only that it failed. */
typedef struct sink {
    FILE *fp;
    int err;
} sink;

static void check(sink *o, int failed)
{
    if (failed && !o->err)
        o->err = errno ? errno : EIO;
}

/*
 * The CSV field for the text s (caller frees; NULL when out of memory): valid UTF-8
 * (text.h); quoted when it holds a comma, quote or line break; and, when a spreadsheet
 * would run it as a formula (it starts with = + - @, tab or carriage return; OWASP's
 * "CSV injection") or it starts with an apostrophe, quoted with an apostrophe added in
 * front, so it opens as text. Only text goes through here: numbers never start with an
 * apostrophe and are never quoted (docs/report.md).
 */
static char *csv_field(const char *s)
{
    char *owned = NULL;
    const char *t = roi_text_clean(s ? s : "", 0, &owned);
    if (!t)
        return NULL;
    int mark = roi_text_csv_needs_quote_mark(t);
    int quote = mark || strpbrk(t, ",\"\r\n") != NULL;
    size_t len = strlen(t);
    char *out = malloc(2 * len + 4);
    if (out) {
        size_t k = 0;
        if (quote)
            out[k++] = '"';
        if (mark)
            out[k++] = '\'';
        for (const char *p = t; *p; p++) {
            if (quote && *p == '"')
                out[k++] = '"';
            out[k++] = *p;
        }
        if (quote)
            out[k++] = '"';
        out[k] = '\0';
    }
    free(owned);
    return out;
}

/* A number that reads back as the same double; nothing for NaN (undefined). */
static void put_num(sink *o, double v)
{
    check(o, fputc(',', o->fp) == EOF);
    if (isfinite(v))
        check(o, fprintf(o->fp, "%.17g", v) < 0);
}

/*
 * The union of input names over the scenarios, in order of first appearance: *names
 * borrows the graphs' strings; (*cols)[k * n_names + j] is scenario k's node index of
 * name j, or -1. Caller frees both arrays.
 */
static roi_status input_columns(const roi_results *res, const char ***names, int *n_names,
                                int **cols)
{
    const int n = res->n;
    int cap = 0;
    for (int k = 0; k < n; k++)
        cap += roi_graph_input_count(&res->sc[k].run->model->graph);
    *names = calloc((size_t)cap + 1, sizeof **names);
    *n_names = 0;
    *cols = NULL;
    if (!*names)
        return ROI_ERR_NOMEM;
    for (int k = 0; k < n; k++) {
        const roi_graph *g = &res->sc[k].run->model->graph;
        for (int i = 0; i < roi_graph_input_count(g); i++) {
            const char *name = g->nodes[roi_graph_input_node(g, i)].name;
            int seen = 0;
            for (int j = 0; j < *n_names && !seen; j++)
                seen = !strcmp((*names)[j], name);
            if (!seen)
                (*names)[(*n_names)++] = name;
        }
    }
    *cols = malloc(((size_t)n * (size_t)*n_names + 1) * sizeof **cols);
    if (!*cols)
        return ROI_ERR_NOMEM;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < *n_names; j++)
            (*cols)[k * *n_names + j] =
                roi_graph_find_input(&res->sc[k].run->model->graph, (*names)[j]);
    return ROI_OK;
}

/* Nonzero when output o applies to some scenario of the run: its column is written
 * (total_savings only for runs with savings streams). */
static int output_column(const roi_results *res, roi_output o)
{
    for (int k = 0; k < res->n; k++)
        if (roi_model_output_present(res->sc[k].run->model, o))
            return 1;
    return 0;
}

roi_status roi_report_trials_csv_write(const roi_results *res, const char *path,
                                       roi_error *err)
{
    const int n = res->n;
    roi_status st = ROI_OK;
    roi_atomic_file af = {0};
    const char **names = NULL;
    int n_names = 0, *cols = NULL;
    roi_rerun *rr = NULL;
    char *field = NULL;

    if (input_columns(res, &names, &n_names, &cols) != ROI_OK) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);
        goto done;
    }
    st = roi_atomic_open(&af, path, err);
    if (st != ROI_OK)
        goto done;
    sink o = {af.fp, 0};

    check(&o, fputs("scenario,trial", o.fp) == EOF);
    for (int k = 0; k < ROI_OUT_COUNT; k++)
        if (output_column(res, (roi_output)k))
            check(&o, fprintf(o.fp, ",%s", roi_output_name((roi_output)k)) < 0);
    for (int j = 0; j < n_names && !o.err; j++) {
        if (!(field = csv_field(names[j])))
            goto nomem;
        check(&o, fputc(',', o.fp) == EOF || fputs(field, o.fp) == EOF);
        free(field);
        field = NULL;
    }
    check(&o, fputc('\n', o.fp) == EOF);

    /* The run keeps its outputs as floats: each trial is recomputed (sim.h) for its
     * exact outputs and the inputs it drew (through the run's sampling plan). */
    for (int k = 0; k < n && !o.err; k++) {
        const roi_run *run = res->sc[k].run;
        roi_rerun_free(rr);
        if ((st = roi_rerun_new(run, &rr)) != ROI_OK) {
            roi_atomic_abort(&af);
            st = roi_error_set(err, st, NULL, "cannot recompute the trials for '%s'", path);
            goto done;
        }
        free(field);
        if (!(field = csv_field(run->model->name)))
            goto nomem;
        for (size_t i = 0; i < run->trials && !o.err; i++) {
            double out[ROI_OUT_COUNT];
            roi_rerun_trial(rr, i, out);
            const double *vals = roi_rerun_values(rr);
            check(&o, fputs(field, o.fp) == EOF || fprintf(o.fp, ",%zu", i) < 0);
            for (int j = 0; j < ROI_OUT_COUNT; j++)
                if (output_column(res, (roi_output)j))
                    put_num(&o, out[j]);
            for (int j = 0; j < n_names; j++) {
                int node = cols[k * n_names + j];
                if (node >= 0)
                    put_num(&o, vals[node]);
                else
                    check(&o, fputc(',', o.fp) == EOF);
            }
            check(&o, fputc('\n', o.fp) == EOF);
        }
    }
    st = o.err ? roi_atomic_fail(&af, o.err, err) : roi_atomic_commit(&af, err);
    goto done;

nomem:
    roi_atomic_abort(&af);
    st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);

done:
    free(field);
    roi_rerun_free(rr);
    free(names);
    free(cols);
    return st;
}
