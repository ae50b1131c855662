/*
 * xlsx_inputs.c - the Inputs sheet: every uncertain input of every scenario, as written
 * and as sampled, what-if changes marked.
 */
#include "xlsx_int.h"

#include <math.h>
#include <string.h>

lxw_error xl_write_inputs(xctx *x)
{
    const xfmt *f = &x->f;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, "Inputs");
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    TRY(xl_put_str(ws, 0, 0, "Uncertain inputs of every scenario", f->title));
    TRY(xl_put_str(ws, 1, 0,
                   "Distribution as written in the scenario file; sampled mean, p5 and p95 over "
                   "the trials. \"changed\": a what-if (or --set) changed it from its parent "
                   "scenario. B = billions, M = millions.",
                   f->note));
    static const char *const head[] = {"Scenario", "Input", "Distribution (as written)",
                                       "Sampled mean", "p5", "p95", "Changed by what-if"};
    for (int c = 0; c < 7; c++)
        TRY(xl_put_str(ws, 3, c, head[c], c < 3 ? f->head_left : f->head));
    int row = 4;
    size_t name_w = 12, dist_w = 20;
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
            lxw_format *nf = xl_input_format(f, fabs(in->p95) > fabs(in->p5) ? in->p95 : in->p5);
            lxw_format *tf = node->changed ? f->changed : f->text;
            TRY(xl_put_str(ws, row, 0, xl_scen_name(run), tf));
            TRY(xl_put_str(ws, row, 1, node->name, tf));
            TRY(xl_put_str(ws, row, 2, desc, tf));
            TRY(xl_put_num(x, ws, row, 3, in->mean, nf));
            TRY(xl_put_num(x, ws, row, 4, in->p5, nf));
            TRY(xl_put_num(x, ws, row, 5, in->p95, nf));
            if (node->changed)
                TRY(xl_put_str(ws, row, 6, "changed", f->changed));
            row++;
        }
    }
    if (name_w > 40)
        name_w = 40;
    if (dist_w > 60)
        dist_w = 60;
    TRY(worksheet_set_column(ws, 0, 0, 22, NULL));
    TRY(worksheet_set_column(ws, 1, 1, (double)name_w + 2, NULL));
    TRY(worksheet_set_column(ws, 2, 2, (double)dist_w + 2, NULL));
    TRY(worksheet_set_column(ws, 3, 5, 13, NULL));
    TRY(worksheet_set_column(ws, 6, 6, 12, NULL));
    if (row > 4)
        TRY(worksheet_autofilter(ws, 3, 0, (lxw_row_t)(row - 1), 6));
    xl_print_columns(ws, 6);
    xl_page_setup(x, ws, "Inputs", 4, 1,
                  xl_col_px(22) + xl_col_px((double)name_w + 2) + xl_col_px((double)dist_w + 2) +
                      3 * xl_col_px(13) + xl_col_px(12));
    return LXW_NO_ERROR;
}
