/*
 * omp_env.c - OMP_WAIT_POLICY=passive unless set (see omp_env.h).
 */
#include "omp_env.h"

#include <stdlib.h>
#include <unistd.h>

void roi_cli_omp_wait_policy(char **argv)
{
    if (getenv("OMP_WAIT_POLICY"))
        return;
    /* Set first: the restarted program sees it and goes on, so this happens once. */
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    /* No /proc (or no exec): the run goes on with the default policy. */
}
