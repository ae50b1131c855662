#!/bin/sh
# bench/check.sh - the benchmark's reference loop computes what roisim computes.
#
# Usage: sh bench/check.sh ROISIM ROISIM_REF SOURCE_DIR WORK_DIR
#   Runs `roisim run scenarios/base.lua` and roisim-ref (bench/ref.c) on the same seed
#   and 20000 trials, on 2 threads, and compares the results with bench/compare.py:
#   the floor bench/run.sh times roisim against is the same work, not a shortcut.
#   Correctness only; nothing here is timed. The ctest `bench_reference`.
set -eu
roisim=$1
ref=$2
src=$3
work=$4
mkdir -p "$work"
n=20000
"$roisim" run "$src/scenarios/base.lua" -n "$n" --threads 2 -q --json "$work/roisim.json"
"$ref" -n "$n" --threads 2 --out "$work/ref.out" 2>"$work/ref.err"
python3 "$src/bench/compare.py" "$work/roisim.json" "$work/ref.out"
