#!/bin/sh
# bench/run.sh - roisim's speed and memory on the base case, against its floor.
#
# Usage: sh bench/run.sh [--smoke] [--build DIR] [--runs K] [--sizes "N ..."]
#   For each trial count (default 10^6 and 10^7) and 1 and 2 threads, runs four rows,
#   interleaved, K times each (default 5; 3 at 10^7), and prints per row the median
#   wall time, its ratio to the floor measured in the same minutes (x_floor), the
#   speed-up from 1 to 2 threads (on the 2-thread line), the median CPU seconds
#   (user + system) and peak RSS (/usr/bin/time -v), and the median phase times:
#     roisim       `roisim run scenarios/base.lua -n N --json FILE` (the default run:
#                  analysis and goal seek), against `floor`;
#     no-analysis  the same with --no-analysis, against `floor-nosens`;
#     floor        build/bench/roisim-ref (bench/ref.c): the base case as a plain C
#                  loop, same streams, outputs, bands, sensitivity and goal seek;
#     floor-nosens the same without the sensitivity pass;
#     mpi-2x1      (on the 2-thread line, when build/roisim-mpi and mpiexec exist) the
#                  no-analysis run as 2 MPI ranks x 1 thread (docs/cluster.md), against
#                  `floor-nosens`; its CPU column adds both ranks and the launcher.
#   --smoke: 2000 trials, one run of each row (a few seconds; .ci/run runs it).
#   bench/check.sh (ctest bench_reference) checks that the floor computes what roisim
#   does. On a shared machine the CPU column is the steadier number; the load average
#   is printed first.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
runs=5
smoke=0
sizes="1000000 10000000"
while [ $# -gt 0 ]; do
    case $1 in
    --smoke) smoke=1 ;;
    --build) build=$2; shift ;;
    --runs) runs=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    *) echo "usage: $0 [--smoke] [--build DIR] [--runs K] [--sizes \"N ...\"]" >&2; exit 2 ;;
    esac
    shift
done
case $build in /*) ;; *) build=$here/$build ;; esac
roisim=$build/roisim
ref=$build/bench/roisim-ref
[ -x "$roisim" ] || { echo "bench: no binary at $roisim (run 'make build' first)" >&2; exit 2; }
[ -x "$ref" ] || { echo "bench: no reference loop at $ref (build with -DROI_BENCH=ON)" >&2; exit 2; }
scen=$here/scenarios/base.lua
mpi=$build/roisim-mpi
mpiexec=$(command -v mpiexec || true)
[ -x "$mpi" ] && [ -n "$mpiexec" ] || mpi=""
work=$(mktemp -d "${TMPDIR:-/tmp}/roisim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# Both programs' idle OpenMP threads sleep (roisim would set this itself: cli/omp_env.h).
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
export OMP_WAIT_POLICY

if [ "$smoke" -eq 1 ]; then
    sizes=2000
    runs=1
fi
timev=""
if /usr/bin/time -v true >/dev/null 2>&1; then
    timev="/usr/bin/time -v"
fi

# median of the numbers on standard input
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timed FILE CMD...: runs CMD, appends "wall cpu rss" to FILE.w and its phases to FILE.p
timed() {
    f=$1
    shift
    start=$(date +%s.%N)
    $timev "$@" 2>"$work/err"
    end=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')
    cpu=nan
    rss=nan
    if [ -n "$timev" ]; then
        cpu=$(awk -F: '/User time|System time/ { s += $2 } END { print s }' "$work/err")
        rss=$(awk -F: '/Maximum resident set size/ { print $2 / 1024 }' "$work/err")
    fi
    echo "$wall $cpu $rss" >>"$f.w"
    # roisim --timings: loading simulation statistics goal-seeks analysis [decisions] reports;
    # roisim-ref: simulation sensitivity goal-seek statistics
    sed -n -e 's/^timings: loading \([0-9.]*\) s, simulation \([0-9.]*\) s, statistics \([0-9.]*\) s, goal seeks \([0-9.]*\) s, analysis \([0-9.]*\) s, \(decisions [0-9.]* s, \)\{0,1\}reports \([0-9.]*\) s$/\1 \2 \3 \4 \5 \7/p' \
        -e 's/^ref timings: simulation \([0-9.]*\) s, sensitivity \([0-9.]*\) s, goal seek \([0-9.]*\) s, statistics \([0-9.]*\) s$/0 \1 \4 \3 \2 0/p' \
        "$work/err" >>"$f.p"
}

# The four rows: N THREADS
row_roisim() {
    timed "$work/roisim.$1.$2" "$roisim" run "$scen" -n "$1" -q --threads "$2" --timings \
        --json "$work/out.json"
}
row_no_analysis() {
    timed "$work/no-analysis.$1.$2" "$roisim" run "$scen" -n "$1" -q --threads "$2" \
        --timings --no-analysis --json "$work/out.json"
}
row_mpi() {
    timed "$work/mpi-2x1.$1.$2" sh "$here/tests/mpi/mpirun.sh" "$mpiexec" -n 2 "$mpi" run \
        "$scen" -n "$1" -q --threads 1 --timings --no-analysis --json "$work/out.json"
}
row_floor() {
    timed "$work/floor.$1.$2" "$ref" -n "$1" --threads "$2" --out "$work/ref.out"
}
row_floor_nosens() {
    timed "$work/floor-nosens.$1.$2" "$ref" -n "$1" --threads "$2" --no-sensitivity \
        --out "$work/ref.out"
}

# col FILE K: the median of column K of FILE
col() {
    if [ -s "$1" ]; then cut -d' ' -f"$2" "$1" | median; else echo nan; fi
}

# report ROW FLOOR N THREADS RUNS: one printed line
report() {
    base=$work/$1.$3.$4
    wall=$(col "$base.w" 1)
    floor=$(col "$work/$2.$3.$4.w" 1)
    one=$(col "$work/$1.$3.1.w" 1)
    ph=""
    for c in 1 2 3 4 5 6; do
        ph="$ph $(col "$base.p" "$c")"
    done
    # shellcheck disable=SC2086
    awk -v row="$1" -v n="$3" -v t="$4" -v k="$5" -v w="$wall" -v f="$floor" -v one="$one" \
        -v c="$(col "$base.w" 2)" -v r="$(col "$base.w" 3)" -v ph="$ph" 'BEGIN {
        split(ph, p, " ")
        sp = (t == 1 || one == "nan") ? "" : sprintf("%.2f", one / w)
        printf "%-9d %3d %-13s %4d %8.3f %7.2f %7s %8.2f %7.1f | %7.3f %7.3f %7.3f %7.3f\n",
            n, t, row, k, w, w / f, sp, c, r, p[2], p[3], p[4], p[5] }'
}

echo "roisim benchmark: $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
printf '%-9s %3s %-13s %4s %8s %7s %7s %8s %7s | %7s %7s %7s %7s\n' trials thr row runs \
    wall_s x_floor speedup cpu_s rss_MB sim_s stats_s seek_s anal_s
for n in $sizes; do
    k=$runs
    [ "$n" -ge 10000000 ] && [ "$k" -gt 3 ] && k=3
    for threads in 1 2; do
        i=0
        while [ $i -lt "$k" ]; do
            row_roisim "$n" "$threads"
            row_no_analysis "$n" "$threads"
            row_floor "$n" "$threads"
            row_floor_nosens "$n" "$threads"
            [ "$threads" = 2 ] && [ -n "$mpi" ] && row_mpi "$n" "$threads"
            i=$((i + 1))
        done
        report roisim floor "$n" "$threads" "$k"
        report no-analysis floor-nosens "$n" "$threads" "$k"
        report floor floor "$n" "$threads" "$k"
        report floor-nosens floor-nosens "$n" "$threads" "$k"
        if [ "$threads" = 2 ] && [ -n "$mpi" ]; then
            report mpi-2x1 floor-nosens "$n" "$threads" "$k"
        fi
    done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
