#!/bin/sh
# bench/run.sh - speed and memory of `roisim run scenarios/base.lua` (issue 5).
#
# Usage: sh bench/run.sh [--smoke] [--build DIR] [--runs K]
#   Runs the base case with every output, per-period band and the JSON written, at
#   10^5, 10^6 and 10^7 trials with 1 and 2 threads, K runs each (default 5; 3 at
#   10^7), and prints per configuration the median wall time, trials per second, ns
#   per trial per core, the median CPU seconds (user + system) and peak RSS
#   (/usr/bin/time -v, else none) and the median of each phase from --timings
#   (loading, simulation, statistics, goal seeks, analysis, reports).
#   On a shared machine the CPU time is the steadier number. --smoke: 10^3 and 10^4 trials, one run each,
#   a few seconds (what CI may run).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
runs=5
smoke=0
while [ $# -gt 0 ]; do
    case $1 in
    --smoke) smoke=1 ;;
    --build) build=$2; shift ;;
    --runs) runs=$2; shift ;;
    *) echo "usage: $0 [--smoke] [--build DIR] [--runs K]" >&2; exit 2 ;;
    esac
    shift
done
case $build in /*) ;; *) build=$here/$build ;; esac
roisim=$build/roisim
[ -x "$roisim" ] || { echo "bench: no binary at $roisim (run 'make build' first)" >&2; exit 2; }
scen=$here/scenarios/base.lua
work=$(mktemp -d "${TMPDIR:-/tmp}/roisim-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if [ "$smoke" -eq 1 ]; then
    sizes="1000 10000"
    runs=1
else
    sizes="100000 1000000 10000000"
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

echo "roisim benchmark: $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
printf '%-9s %3s %4s %9s %12s %12s %8s %8s | %8s %8s %8s %8s %8s %8s\n' trials thr runs \
    wall_s trials_per_s ns_trial_core cpu_s rss_MB load_s sim_s stats_s seek_s anal_s report_s
for n in $sizes; do
    k=$runs
    [ "$n" -ge 10000000 ] && [ "$k" -gt 3 ] && k=3
    for threads in 1 2; do
        : >"$work/wall"; : >"$work/rss"; : >"$work/cpu"; : >"$work/ph"
        i=0
        while [ $i -lt "$k" ]; do
            start=$(date +%s.%N)
            $timev "$roisim" run "$scen" -n "$n" -q --threads "$threads" --timings \
                --json "$work/out.json" 2>"$work/err"
            end=$(date +%s.%N)
            awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }' >>"$work/wall"
            if [ -n "$timev" ]; then
                awk -F: '/Maximum resident set size/ { print $2 / 1024 }' "$work/err" >>"$work/rss"
                awk -F: '/User time|System time/ { s += $2 } END { print s }' "$work/err" >>"$work/cpu"
            fi
            sed -n 's/^timings: loading \([0-9.]*\) s, simulation \([0-9.]*\) s, statistics \([0-9.]*\) s, goal seeks \([0-9.]*\) s, analysis \([0-9.]*\) s, reports \([0-9.]*\) s$/\1 \2 \3 \4 \5 \6/p' \
                "$work/err" >>"$work/ph"
            i=$((i + 1))
        done
        wall=$(median <"$work/wall")
        rss=$(median <"$work/rss")
        cpu=$(median <"$work/cpu")
        ph=""
        for col in 1 2 3 4 5 6; do
            ph="$ph $(cut -d' ' -f$col "$work/ph" | median)"
        done
        # shellcheck disable=SC2086
        awk -v n="$n" -v t="$threads" -v k="$k" -v w="$wall" -v r="$rss" -v c="$cpu" \
            -v ph="$ph" 'BEGIN {
            split(ph, p, " ")
            printf "%-9d %3d %4d %9.3f %12.0f %12.0f %8.2f %8.1f | %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n",
                n, t, k, w, n / w, w * t * 1e9 / n, c, r, p[1], p[2], p[3], p[4], p[5], p[6] }'
    done
done
