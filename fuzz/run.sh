#!/bin/sh
# run.sh - builds the libFuzzer harnesses and runs each for a bounded time.
# Usage: sh fuzz/run.sh [SECONDS_PER_HARNESS]   (default 60; FUZZ_BUILD=dir to reuse)
# Seeds come from fuzz/corpus/<name>/ (and, for the loader, the bundled scenarios
# themselves, so the seeds never go stale); what the fuzzer adds goes to a scratch copy,
# never into the repository. A crash leaves crash-* files in the scratch directory,
# prints the input, and makes this script fail: fix it, then add the input to the
# seed corpus.
set -eu
seconds=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
cc=${FUZZ_CC:-$(command -v clang-14 || command -v clang)}
cmake -S "$src" -B "$build" -DROI_FUZZ=ON -DROI_TESTS=OFF -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j 2 --target fuzz_scenario fuzz_set >/dev/null
scratch=$(mktemp -d /tmp/roisim-fuzz-run-XXXXXX)
status=0
export ROISIM_SCENARIOS="$src/scenarios"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
for name in scenario set; do
    mkdir -p "$scratch/$name"
    echo "fuzz_$name: ${seconds}s"
    if ! (cd "$scratch" && "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=15 \
            -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
            "$scratch/$name" "$src/fuzz/corpus/$name" \
            $([ "$name" = scenario ] && echo "$src/scenarios") >"$scratch/$name.log" 2>&1); then
        status=1
        echo "fuzz_$name FAILED; log and crash files in $scratch" >&2
        tail -n 40 "$scratch/$name.log" >&2
    else
        grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$scratch/$name.log" |
            sed "s/^/  fuzz_$name /"
    fi
done
[ $status -eq 0 ] && rm -rf "$scratch"
exit $status
