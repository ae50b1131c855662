#!/bin/sh
# The one place that says how the tests and the benchmark start MPI ranks on this
# machine: mpirun MPIRUN_ARGS... Ranks may outnumber the cores (--oversubscribe), and
# as root Open MPI must be told that is intended (--allow-run-as-root).
# Usage: mpirun.sh MPIEXEC -n N PROGRAM ARGS...
mpiexec=$1
shift
flags="--oversubscribe"
[ "$(id -u)" = 0 ] && flags="$flags --allow-run-as-root"
# Local ranks only: no ssh to other hosts, and a quiet shared-memory transport.
exec "$mpiexec" $flags --mca btl self,vader "$@"
