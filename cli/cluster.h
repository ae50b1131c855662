/*
 * cluster.h - the processes a command runs on: one (roisim), or the ranks of an MPI
 * job (roisim-mpi, under mpirun or srun).
 *
 * Responsible for: starting and ending this process's part in the job, and giving the
 * engine its partition (engine/part.h: which blocks this rank runs, and the transport
 * that shares the others'). Only rank 0 prints: the others' standard output and error
 * are discarded, so a report and an error reach the user once. Every rank runs the
 * same command on the same files; main agrees on one status at fixed points
 * (roi_part_agree), so every rank exits with the same status.
 * Two implementations, chosen at link time: cli/cluster_local.c (no MPI) and
 * mpi/cluster_mpi.c. Not responsible for what runs.
 */
#ifndef ROI_CLUSTER_H
#define ROI_CLUSTER_H

#include "model.h"
#include "part.h"

/*
 * Starts this process's part; may consume launcher arguments from argc/argv. On success
 * *part is the partition to hand the engine (NULL: a single process, which runs every
 * block), owned until roi_cluster_end. Errors: ROI_ERR_INTERNAL when the launcher's
 * library cannot start (the message says why).
 */
roi_status roi_cluster_start(int *argc, char ***argv, roi_part **part, roi_error *err);

/* Ends it (frees part; NULL is allowed), after the last agreement. */
void roi_cluster_end(roi_part *part);

/*
 * Whether every rank read the same bytes for the models' files (each model's sources:
 * the scenario and the parents it extends): a collective when part is not NULL.
 * Errors: ROI_ERR_SCENARIO naming a rank whose files differ from this rank's.
 */
roi_status roi_cluster_same_files(roi_part *part, const roi_model *const *models, int n,
                                  roi_error *err);

/* A line for `roisim --version --verbose`: how this build runs ("one process", or the
 * MPI library and the job's size). */
const char *roi_cluster_describe(const roi_part *part);

#endif
