/*
 * xlsx_inputs.c - the Inputs sheet: every uncertain input of every scenario, as written
 * and as sampled, what-if changes marked; then every parameter a what-if changes, with
 * the parent's value beside it.
 */
#include "xlsx_int.h"

#include <math.h>
#include <string.h>

/* Below the inputs, from row *row: every parameter each scenario changes from its
 * parents (constant or uncertain), with the parent's value beside this scenario's.
 * Nothing when no scenario changes any. Widens *name_w and *dist_w to the texts. */
static lxw_error write_changes(xctx *x, lxw_worksheet *ws, int *row, size_t *name_w,
                               size_t *dist_w)
{
    const xfmt *f = &x->f;
    int any = 0;
    for (int k = 0; k < x->n; k++)
        any |= x->res->sc[k].run->model->n_changes > 0;
    if (!any)
        return LXW_NO_ERROR;
    int r = *row + 1;
    TRY(xl_put_str(ws, r++, 0, "What each what-if changes", f->subtitle));
    TRY(xl_put_str(ws, r++, 0,
                   "Every parameter a scenario sets differently from the scenario it extends "
                   "(or --set changes), constant or uncertain, as written.", f->note));
    static const char *const head[] = {"Scenario", "Parameter", "Parent's value",
                                       "This scenario's value"};
    for (int c = 0; c < 4; c++)
        TRY(xl_put_str(ws, r, c, head[c], f->head_left));
    r++;
    for (int k = 0; k < x->n; k++) {
        const roi_model *m = x->res->sc[k].run->model;
        for (int i = 0; i < m->n_changes; i++) {
            const roi_change *ch = &m->changes[i];
            TRY(xl_put_str(ws, r, 0, xl_scen_name(x->res->sc[k].run), f->text));
            TRY(xl_put_str(ws, r, 1, ch->path, f->text));
            TRY(xl_put_str(ws, r, 2, ch->parent, f->text));
            TRY(xl_put_str(ws, r, 3, ch->value, f->changed));
            if (strlen(ch->path) > *name_w)
                *name_w = strlen(ch->path);
            if (strlen(ch->parent) > *dist_w)
                *dist_w = strlen(ch->parent);
            r++;
        }
    }
    *row = r;
    return LXW_NO_ERROR;
}

lxw_error xl_write_inputs(xctx *x)
{
    const xfmt *f = &x->f;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Inputs");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(xl_put_str(ws, 0, 0, "Uncertain inputs of every scenario", f->title));
    TRY(xl_put_str(ws, 1, 0,
                   "Distribution as written in the scenario file; sampled mean, p5 and p95 over "
                   "the trials, shown as what the input measures (money, share, count...). "
                   "\"changed\": a what-if (or --set) changed it from its parent scenario.",
                   f->note));
    static const char *const head[] = {"Scenario", "Input", "Distribution (as written)",
                                       "Sampled mean", "p5", "p95", "Changed by what-if",
                                       "In words"};
    for (int c = 0; c < 8; c++)
        TRY(xl_put_str(ws, 3, c, head[c], c < 3 ? f->head_left : f->head));
    int row = 4;
    size_t name_w = 12, dist_w = 20, words_w = 12;
    for (int k = 0; k < x->n; k++) {
        const roi_run *run = x->res->sc[k].run;
        const roi_graph *g = &run->model->graph;
        for (int i = 0; i < run->n_inputs; i++) {
            const roi_input_stats *in = &run->inputs[i];
            if (in->node < 0 || in->node >= g->n || !roi_graph_is_reported(g, in->node))
                continue;
            const roi_node *node = &g->nodes[in->node];
            char desc[512];
            if (node->kind == ROI_NODE_INPUT)
                roi_dist_describe(&node->dist, desc, sizeof desc);
            else /* a named expression: the expression, its distribution written out */
                roi_graph_describe(g, in->node, desc, sizeof desc);
            if (strlen(desc) > dist_w)
                dist_w = strlen(desc);
            if (node->name && strlen(node->name) > name_w)
                name_w = strlen(node->name);
            lxw_format *nf = xl_input_fmt(x, run->model, node->name,
                                          fabs(in->p95) > fabs(in->p5) ? in->p95 : in->p5);
            char words[256];
            xl_input_words(run->model, node->name, words, sizeof words);
            if (strlen(words) > words_w)
                words_w = strlen(words);
            lxw_format *tf = node->changed ? f->changed : f->text;
            TRY(xl_put_str(ws, row, 0, xl_scen_name(run), tf));
            TRY(xl_put_str(ws, row, 1, node->name, tf));
            TRY(xl_put_str(ws, row, 2, desc, tf));
            TRY(xl_put_num(x, ws, row, 3, in->mean, nf));
            TRY(xl_put_num(x, ws, row, 4, in->p5, nf));
            TRY(xl_put_num(x, ws, row, 5, in->p95, nf));
            if (node->changed)
                TRY(xl_put_str(ws, row, 6, "changed", f->changed));
            TRY(xl_put_str(ws, row, 7, words, tf));
            row++;
        }
    }
    const int inputs_end = row;
    TRY(write_changes(x, ws, &row, &name_w, &dist_w));
    if (name_w > 40)
        name_w = 40;
    if (dist_w > 60)
        dist_w = 60;
    TRY(worksheet_set_column(ws, 0, 0, 22, NULL));
    TRY(worksheet_set_column(ws, 1, 1, (double)name_w + 2, NULL));
    TRY(worksheet_set_column(ws, 2, 2, (double)dist_w + 2, NULL));
    TRY(worksheet_set_column(ws, 3, 5, 13, NULL));
    TRY(worksheet_set_column(ws, 6, 6, 12, NULL));
    if (words_w > 36)
        words_w = 36;
    TRY(worksheet_set_column(ws, 7, 7, (double)words_w + 2, NULL));
    if (inputs_end > 4)
        TRY(worksheet_autofilter(ws, 3, 0, (lxw_row_t)(inputs_end - 1), 7));
    xl_print_columns(ws, 7);
    xl_page_setup(x, ws, "Inputs", 4, 1,
                  xl_col_px(22) + xl_col_px((double)name_w + 2) + xl_col_px((double)dist_w + 2) +
                      3 * xl_col_px(13) + xl_col_px(12) + xl_col_px((double)words_w + 2));
    return LXW_NO_ERROR;
}
