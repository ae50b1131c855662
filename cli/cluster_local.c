/*
 * cluster_local.c - roisim's cluster: a single process (see cluster.h).
 */
#include "cluster.h"

roi_status roi_cluster_start(int *argc, char ***argv, roi_part **part, roi_error *err)
{
    (void)argc;
    (void)argv;
    (void)err;
    *part = NULL;
    return ROI_OK;
}

void roi_cluster_end(roi_part *part)
{
    roi_part_free(part);
}

const char *roi_cluster_describe(const roi_part *part)
{
    (void)part;
    return "one process (roisim-mpi runs over MPI ranks)";
}
