/* csv.c - every trial as CSV (--trials-csv): its outputs and sampled inputs, recomputed. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"

/* Writes s as a CSV field, quoted when it holds a comma, quote or line break. */
static void put_field(FILE *fp, const char *s)
{
    if (!s)
        s = "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* A number that reads back as the same double; nothing for NaN (undefined). */
static void put_num(FILE *fp, double v)
{
    fputc(',', fp);
    if (isfinite(v))
        fprintf(fp, "%.17g", v);
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

roi_status roi_report_trials_csv_write(const roi_results *res, const char *path,
                                       roi_error *err)
{
    const int n = res->n;
    roi_status st = ROI_OK;
    roi_atomic_file af = {0};
    const char **names = NULL;
    int n_names = 0, *cols = NULL;
    roi_rerun *rr = NULL;

    if (input_columns(res, &names, &n_names, &cols) != ROI_OK) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory writing '%s'", path);
        goto done;
    }
    st = roi_atomic_open(&af, path, err);
    if (st != ROI_OK)
        goto done;

    fputs("scenario,trial", af.fp);
    for (int o = 0; o < ROI_OUT_COUNT; o++)
        fprintf(af.fp, ",%s", roi_output_name((roi_output)o));
    for (int j = 0; j < n_names; j++) {
        fputc(',', af.fp);
        put_field(af.fp, names[j]);
    }
    fputc('\n', af.fp);

    /* The run keeps its outputs as floats: each trial is recomputed (sim.h) for its
     * exact outputs and the inputs it drew (through the run's sampling plan). */
    for (int k = 0; k < n && !ferror(af.fp); k++) {
        const roi_run *run = res->sc[k].run;
        roi_rerun_free(rr);
        if ((st = roi_rerun_new(run, &rr)) != ROI_OK) {
            roi_atomic_abort(&af);
            st = roi_error_set(err, st, NULL, "cannot recompute the trials for '%s'", path);
            goto done;
        }
        for (size_t i = 0; i < run->trials; i++) {
            double out[ROI_OUT_COUNT];
            roi_rerun_trial(rr, i, out);
            const double *vals = roi_rerun_values(rr);
            put_field(af.fp, run->model->name);
            fprintf(af.fp, ",%zu", i);
            for (int o = 0; o < ROI_OUT_COUNT; o++)
                put_num(af.fp, out[o]);
            for (int j = 0; j < n_names; j++) {
                int node = cols[k * n_names + j];
                if (node >= 0)
                    put_num(af.fp, vals[node]);
                else
                    fputc(',', af.fp);
            }
            if (fputc('\n', af.fp) == EOF)
                break;
        }
    }
    if (ferror(af.fp)) {
        roi_atomic_abort(&af);
        st = roi_error_set(err, ROI_ERR_IO, NULL, "cannot write '%s'", path);
        goto done;
    }
    st = roi_atomic_commit(&af, err);

done:
    roi_rerun_free(rr);
    free(names);
    free(cols);
    return st;
}
