/*
 * omp_env.h - how OpenMP's idle threads wait, chosen before the runtime starts.
 *
 * Responsible for: running roisim with OMP_WAIT_POLICY=passive unless the user set
 * the variable. A run alternates parallel regions with serial steps (the goal seeks'
 * small runs, the analysis's per-input passes); with the runtime's default policy the
 * idle threads spin for a while at every such step, burning the CPU the working
 * thread could use on a shared machine. libgomp reads the variable once, when the
 * program loads, so setting it in main is too late: the program sets it and starts
 * itself again (execv of /proc/self/exe with the same arguments). Results do not
 * depend on it; only the CPU time spent waiting does.
 * Not responsible for thread counts (--threads).
 */
#ifndef ROI_CLI_OMP_ENV_H
#define ROI_CLI_OMP_ENV_H

/* Call first in main. Returns only when the variable was already set or the restart
 * failed (then the run goes on with the runtime's default). */
void roi_cli_omp_wait_policy(char **argv);

#endif
